// Entry of dist/index.js, which action.yml names for both `main` and `post`: main saves
// `isPost` in its state first thing, so the runner hands it back to post as STATE_isPost.
import { redact } from '@xrd/core';
import { runMain } from './main.js';
import { runPost } from './post.js';
import { createRunner } from './runner.js';
import { STATE } from './state.js';

const actions = createRunner(process.env);
const phase = actions.getState(STATE.isPost) === 'true' ? runPost : runMain;
try {
  await phase(actions);
} catch (error) {
  // Every expected failure is handled inside the phase; this is a bug, but still no secret leaks:
  // the phase masked the secret inputs before doing anything.
  actions.setFailed(
    redact(`xrd failed unexpectedly: ${error instanceof Error ? error.message : String(error)}`),
  );
}
// Keep-alive sockets of the HTTP clients must not hold the step open once the work is done.
process.exit(process.exitCode ?? 0);
