import type { RunResult } from '@xrd/core';
import { describe, expect, it } from 'vitest';
import { renderSummary } from './summary.js';

const result: RunResult = {
  repo: { owner: 'acme', repo: 'target' },
  runId: 9,
  status: 'completed',
  conclusion: 'failure',
  url: 'http://api/runs/9',
  htmlUrl: 'http://web/runs/9',
  run: {
    id: 9,
    status: 'completed',
    conclusion: 'failure',
    createdAt: '2026-01-01T00:00:00Z',
    url: 'http://api/runs/9',
    htmlUrl: 'http://web/runs/9',
  },
  jobs: [
    {
      id: 1,
      runId: 9,
      name: 'lint | fast',
      status: 'completed',
      conclusion: 'success',
      startedAt: '2026-01-01T00:00:00Z',
      completedAt: '2026-01-01T00:00:30Z',
      htmlUrl: 'http://web/jobs/1',
      steps: [],
    },
    { id: 2, runId: 9, name: 'test', status: 'completed', conclusion: 'failure', steps: [] },
  ],
  failedJobs: [
    {
      id: 2,
      name: 'test',
      conclusion: 'failure',
      failedSteps: ['Run tests'],
      logTail: 'ok 1\n```\nnot ok 2\n',
    },
  ],
  durationMs: 95_000,
  apiCost: { requests: 5, counted: 4, notModified: 1 },
};

describe('renderSummary', () => {
  it('renders the run, its jobs, and the failed steps with a log tail that cannot break the fence', () => {
    expect(
      renderSummary({ repo: 'acme/target', ref: 'main', what: 'workflow build.yml' }, result),
    ).toMatchInlineSnapshot(`
      "### xrd: acme/target — failure

      | Target | Run | Conclusion | Duration |
      |---|---|---|---|
      | acme/target@main (workflow build.yml) | [run 9](http://web/runs/9) | ❌ failure | 1m35s |

      | Job | Conclusion | Duration | Link |
      |---|---|---|---|
      | lint \\| fast | ✅ success | 30s | [log](http://web/jobs/1) |
      | test | ❌ failure |  |  |

      #### ❌ test

      Failed step: \`Run tests\`

      <details open><summary>Log tail</summary>

      \`\`\`\`text
      ok 1
      \`\`\`
      not ok 2
      \`\`\`\`

      </details>
      "
    `);
  });
});
