/** Public entry point (`import ... from 'contract-mock'`): what embedding code and test scripts use. */
export {
  startMock,
  createMock,
  type RunningMock,
  type StartMockOptions,
  type CreateMockOptions,
} from './server/start-mock.js';
export type { Mock, MockOptions } from './server/create-mock.js';
export { loadContract } from './contract/contract-cache.js';
export { MockClient, MockClientError } from './client/mock-client.js';
export { verifyTarget, type VerificationReport, type VerifyOptions } from './verify/verify-target.js';
export { createProxy, type ProxyOptions } from './verify/proxy.js';
export type { CallRecord } from './journal/call-record.js';
export type { Violation } from './contract/types.js';
export type { Handler, HandlerContext, FakeValues, Delivery } from './apis/api-module.js';
