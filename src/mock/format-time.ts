/** Moved to src/contract/format-time.ts (src/apis/ reads it, and apis import nothing of the mock); kept until its last importer moves. */
export { formatDateTime } from '../contract/format-time.js';
