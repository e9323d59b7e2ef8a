// Public API of @xrd/transport: the one transport and the one error classification both adapters use.
export type { Classified, Operation, OperationKind, Situation, Wording } from './classify.js';
export { classifyAnswer, classifyFailure, describe, failureError, toForgeError } from './classify.js';
export { TransportError, findTransportError, networkCode } from './network.js';
export type { HeaderSource, RateLimitKind } from './rate-limit.js';
export { headerOf, rateLimitInfo, rateLimitKind, retryAtOf } from './rate-limit.js';
export { serverMessage } from './server-message.js';
export type { CallSettings, HttpRequest, RetryPolicy, RetrySettings, Transport, TransportOptions } from './transport.js';
export { DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_RETRY, createTransport } from './transport.js';
