// Counts what an operation cost in API requests. Adapters record every HTTP exchange on the meter of
// the CallContext; core reads the totals into `apiCost` and the last rate-limit state into the poll
// schedule, so polling never outruns the remaining budget.
import type { ApiCost, RateLimitInfo, RequestMeter, RequestRecord } from './types.js';

export interface Meter extends RequestMeter {
  /** Totals so far. */
  cost(): ApiCost;
}

/**
 * A RequestMeter with totals. Records are also forwarded to `parent` (if any), so one operation can
 * count its own cost while a composing operation (dispatchAndWait) counts everything.
 */
export function createMeter(parent?: RequestMeter): Meter {
  let requests = 0;
  let counted = 0;
  let notModified = 0;
  let rateLimit: RateLimitInfo | undefined;
  return {
    record(entry: RequestRecord): void {
      requests += 1;
      if (entry.counted) counted += 1;
      if (entry.notModified) notModified += 1;
      if (entry.rateLimit) rateLimit = entry.rateLimit;
      parent?.record(entry);
    },
    cost(): ApiCost {
      return rateLimit === undefined
        ? { requests, counted, notModified }
        : { requests, counted, notModified, rateLimit };
    },
  };
}
