// The target repository every scenario dispatches into: `bench/target` on a fresh sim, with one
// workflow per correlation path. Durations are simulated time (forge-sim divides them by its
// timeScale).
import { isGitHubDialect, type Sim } from './sim.ts';

export const OWNER = 'bench';
export const REPO = 'target';
export const REF = 'main';

/** workflow_dispatch; run-name `Bench ${{ inputs.correlation_id }}`. */
export const WF_RUN_NAME = 'bench.yml';
/** workflow_dispatch; no run-name; first step named `${{ inputs.correlation_id }}`. */
export const WF_STEP_NAME = 'bench-step.yml';
/** repository_dispatch type `bench`; run-name `Bench ${{ github.event.client_payload.correlation_id }}`. */
export const WF_DISPATCH_RUN_NAME = 'bench-dispatch.yml';
export const EVENT_RUN_NAME = 'bench';
/** repository_dispatch type `bench-step`; first step named `${{ github.event.client_payload.sha }}`. */
export const WF_DISPATCH_STEP_NAME = 'bench-dispatch-step.yml';
export const EVENT_STEP_NAME = 'bench-step';

/** A GitHub Actions expression, `${{ … }}`, as the sim templates it. */
const expr = (expression: string): string => `\${{ ${expression} }}`;

const inputs = {
  correlation_id: { required: false, description: 'correlation id (xrd)' },
  sha: { required: false, description: 'reference convention' },
};

/** queued → in_progress, simulated ms (set explicitly, so a run's completion instant is known). */
export const START_DELAY_MS = 1000;

/** When forge-sim completes a run of these one-job workflows (real epoch ms). */
export function completionInstant(createdAtMs: number, runDurationMs: number, timeScale: number): number {
  return createdAtMs + (START_DELAY_MS + runDurationMs) / timeScale;
}

export async function setUpTarget(sim: Sim, runDurationMs: number): Promise<void> {
  await sim.createRepo(OWNER, REPO);
  await sim.addWorkflow(OWNER, REPO, {
    file: WF_RUN_NAME,
    name: 'Bench',
    on: { workflow_dispatch: { inputs }, push: { branches: [REF] } },
    runName: `Bench ${expr('inputs.correlation_id')}`,
    jobs: [{ name: 'build', steps: ['Checkout', 'Build', 'Test'], durationMs: runDurationMs }],
    startDelayMs: START_DELAY_MS,
  });
  await sim.addWorkflow(OWNER, REPO, {
    file: WF_STEP_NAME,
    name: 'Bench step',
    on: { workflow_dispatch: { inputs }, push: { branches: [REF] } },
    jobs: [
      { name: 'identify-run', steps: [expr('inputs.correlation_id'), 'Build'], durationMs: runDurationMs },
    ],
    startDelayMs: START_DELAY_MS,
  });
  if (isGitHubDialect(sim.dialect)) {
    await sim.addWorkflow(OWNER, REPO, {
      file: WF_DISPATCH_RUN_NAME,
      name: 'Bench dispatch',
      on: { repository_dispatch: { types: [EVENT_RUN_NAME] } },
      runName: `Bench ${expr('github.event.client_payload.correlation_id')}`,
      jobs: [{ name: 'build', steps: ['Checkout', 'Build', 'Test'], durationMs: runDurationMs }],
      startDelayMs: START_DELAY_MS,
    });
    await sim.addWorkflow(OWNER, REPO, {
      file: WF_DISPATCH_STEP_NAME,
      name: 'Bench dispatch step',
      on: { repository_dispatch: { types: [EVENT_STEP_NAME] } },
      jobs: [
        {
          name: 'identify-run',
          steps: [expr('github.event.client_payload.sha'), 'Build'],
          durationMs: runDurationMs,
        },
      ],
      startDelayMs: START_DELAY_MS,
    });
  }
}

/** The correlation paths the rows cover. */
export type PathName =
  | 'run-id'
  | 'run-name'
  | 'step-name'
  | 'repo-dispatch-run-name'
  | 'repo-dispatch-step-name';

export const PATHS: readonly PathName[] = [
  'run-id',
  'run-name',
  'step-name',
  'repo-dispatch-run-name',
  'repo-dispatch-step-name',
];

export const PATH_LABEL: Record<PathName, string> = {
  'run-id': 'run id returned',
  'run-name': 'run-name fallback',
  'step-name': 'step-name fallback',
  'repo-dispatch-run-name': 'repository_dispatch, run-name',
  'repo-dispatch-step-name': 'repository_dispatch, step-name',
};

let counter = 0;
/** A correlation id unique within this bench run. */
export function correlationId(prefix = 'bench'): string {
  counter += 1;
  return `${prefix}-${process.pid.toString(16)}-${Date.now().toString(16)}-${counter}`;
}
