// `@xrd/core/kit`: the helpers adapters and the transport share, kept out of core's public API
// (which is the engine, the flow, options, errors and the model). One of each: one bounded cache,
// one abortable sleep, one truncation, one log tail.
export { LruMap } from '../lru.js';
export { abortError, sleep, throwIfAborted } from '../sleep.js';
export { MAX_DESCRIPTION, tailBytes, tailLines, truncate } from '../text.js';
