// Public API of @xrd/transport: the one transport and the one error classification both adapters use.
export type {
  Classified,
  ForgeErrors,
  ForgeWords,
  Operation,
  OperationKind,
  Purpose,
  Situation,
  Wording,
} from './classify.js';
export {
  answerError,
  classifyAnswer,
  classifyFailure,
  describe,
  failureError,
  forgeErrors,
  toForgeError,
} from './classify.js';
export { TransportError, findTransportError, networkCode } from './network.js';
export type { HeaderSource, RateLimitKind } from './rate-limit.js';
export { headerOf, rateLimitInfo, rateLimitKind, retryAtOf } from './rate-limit.js';
export { serverMessage } from './server-message.js';
export type {
  CallSettings,
  HttpRequest,
  RetryPolicy,
  RetrySettings,
  Transport,
  TransportOptions,
} from './transport.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY, createTransport } from './transport.js';
