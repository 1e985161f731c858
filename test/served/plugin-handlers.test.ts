/**
 * Handlers as plug-ins from JavaScript (MockOptions.handlers): a plug-in answers a served document's operation with
 * the context the built-ins get, replaces a built-in API's handler, and an unknown operationId is refused at start.
 */
import { join } from 'node:path';
import request from 'supertest';
import { expect, test } from 'vitest';
import { createMock, type Handler, type HandlerContext } from '../../src/index.js';

const WIDGETS = join(import.meta.dirname, 'fixtures', 'widgets.openapi.json');
const quiet = { log: () => {} };

test("a plug-in handler answers a served operation with the built-ins' context, and replaces a built-in's", async () => {
  const seen: Array<Pick<HandlerContext, 'dialect'> & { id: unknown }> = [];
  const getWidget: Handler = async ({ input, session, dialect }) => {
    seen.push({ dialect, id: input.params['widgetId'] });
    const n = await session.nextSeq('widget-reads');
    return { id: String(input.params['widgetId']), name: `read ${n}`, size: n };
  };
  const channelToken: Handler = async () => ({ status: 200, message: 'from the plug-in', data: {} });
  const mock = await createMock({ specFiles: [WIDGETS], handlers: { getWidget, channelToken }, ...quiet });
  const api = request(mock.listener);
  expect((await api.get('/v1/widgets/w1').set('x-mock-session', 's')).body).toMatchObject({ name: 'read 1' });
  expect((await api.get('/v1/widgets/w1').set('x-mock-session', 's')).body).toMatchObject({ name: 'read 2' });
  expect(seen.map((s) => s.id)).toEqual(['w1', 'w1']);
  expect(seen[0]!.dialect).toBeDefined();
  const token = await api.post('/v1/channel/token').send({ appid: 'demo-app', secret: 'demo-secret' });
  expect(token.body).toMatchObject({ message: 'from the plug-in' });
  mock.close();
});

test('an operationId no served document has is refused before the mock starts, naming it', async () => {
  const stray: Handler = async () => ({});
  await expect(createMock({ specFiles: [WIDGETS], handlers: { getWidgett: stray }, ...quiet })).rejects.toThrow(
    'handlers: no served operation has operationId "getWidgett" in the served documents',
  );
});
