/** The API modules that ship in the box: the one list the mock, lint, verify and pact read. Adding an API is one spec file, one folder and one line here. */
import type { ApiModule } from './api-module.js';
import { platformSync } from './platform-sync/platform-sync.js';
import { wuhanEduyun } from './wuhan-eduyun/wuhan-eduyun.js';
import { iosDatasyn } from './ios-datasyn/ios-datasyn.js';
import { wxPush } from './wx-push/wx-push.js';

export const BUILTIN_APIS: readonly ApiModule[] = [platformSync, wuhanEduyun, iosDatasyn, wxPush];
