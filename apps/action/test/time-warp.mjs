// Test-only preload (`node --import`): every timer of this process fires XRD_TEST_TIME_WARP times
// sooner, and the clock jumps ahead by the time it saved, as a virtual clock does. An action step's
// 600-second timeout and 10-second polls then take 6 s and 0.1 s of real time at 100, while the
// action still counts 600 s and 10 s — so a test checks the action's own timing without waiting for
// it. Until the first timer fires the clock is the real one, so what the action stamps (the dispatch
// time) agrees with forge-sim's clock, which is real too. Only what the engine uses to tell time and
// to wait is warped: `Date.now` and `setTimeout` (core's sleep and the transport's backoff).
const factor = Number(process.env.XRD_TEST_TIME_WARP);
if (factor > 1) {
  const realNow = Date.now;
  const realSetTimeout = globalThis.setTimeout;
  let skipped = 0;
  Date.now = () => realNow() + skipped;
  globalThis.setTimeout = Object.assign((callback, ms, ...args) => {
    const wait = Math.max(0, Number(ms) || 0);
    return realSetTimeout(
      (...values) => {
        skipped += Math.round(wait - wait / factor);
        callback(...values);
      },
      wait / factor,
      ...args,
    );
  }, realSetTimeout);
}
