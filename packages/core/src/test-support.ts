// Shared by the engine's tests (not part of the package: excluded from the build and coverage).
import { createMemoryForge, expr, type MemoryWorkflowSpec } from './testing/memory-forge.js';
import { createVirtualClock } from './testing/virtual-clock.js';

/**
 * A virtual clock, and a memory forge whose `acme/target` has `build.yml` echoing the correlation id
 * in its run-name (`Build <id>`), changed by `build`, plus any `more` workflows.
 */
export function targetForge(
  returnsRunId: boolean,
  build: Partial<MemoryWorkflowSpec> = {},
  more: readonly MemoryWorkflowSpec[] = [],
) {
  const clock = createVirtualClock();
  const forge = createMemoryForge({
    now: clock.now,
    returnsRunId,
    workflows: [
      {
        repo: 'acme/target',
        file: 'build.yml',
        name: 'build',
        runName: `Build ${expr('inputs.correlation_id')}`,
        ...build,
      },
      ...more,
    ],
  });
  return { clock, forge };
}
