// Names of the values the main phase saves (GITHUB_STATE) for the post phase (STATE_<name>).
export const STATE = {
  /** Set first thing in main: the same file runs both phases, and post finds this set. */
  isPost: 'isPost',
  /** The remote run, once known: what post cancels when the job was cancelled. */
  runId: 'run-id',
  /** With `targets`: `{ "<target index>": <run id> }` of the runs known so far, for post. */
  targetRuns: 'target-runs',
  /** Set when main itself asked the forge to cancel the run (SIGINT): post only reports. */
  cancelRequested: 'cancel-requested',
  /** Set when core closed the report after a failure (an error status): post reports nothing. */
  reported: 'reported',
  /** Set when main no longer needs post: the run completed, was cancelled, or is not waited for. */
  settled: 'settled',
} as const;
