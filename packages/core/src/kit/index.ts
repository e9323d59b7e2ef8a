// `@xrd/core/kit`: the helpers adapters, the transport and the apps share, kept out of core's public
// API (which is the engine, the flow, options, errors, reports and the model). One of each: one
// bounded cache, one abortable sleep, one truncation, one log tail, one way to write a duration and
// a size for people; one way to edit a comment whose id is known.
export { serverTimeOf } from '../clock.js';
export { formatDuration } from '../internal.js';
export { LruMap } from '../lru.js';
export { abortError, sleep, throwIfAborted } from '../sleep.js';
export { formatBytes, MAX_DESCRIPTION, tailBytes, tailLines, truncate } from '../text.js';
export { editKnownComment } from '../report.js';
