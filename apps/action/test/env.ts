// Runner variables as GitHub's runner and Gitea's act_runner set them, pointed at the simulator.
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { StepResult } from './runner.js';
import { type Sim, TIME_SCALE } from './sim.js';

export interface RunnerVars {
  readonly repository: string;
  readonly sha: string;
  readonly eventName: string;
}

/** GitHub.com or GHES: GITHUB_SERVER_URL and GITHUB_API_URL name the server (docs: "Variables"). */
export function githubRunner(sim: Sim, vars: RunnerVars): Record<string, string> {
  return {
    GITHUB_SERVER_URL: sim.url,
    GITHUB_API_URL: sim.apiUrl,
    GITHUB_REPOSITORY: vars.repository,
    GITHUB_SHA: vars.sha,
    GITHUB_EVENT_NAME: vars.eventName,
    GITHUB_WORKFLOW: 'source',
  };
}

/** act_runner: GITEA_ACTIONS=true, and the GITHUB_* names carrying Gitea's URLs. */
export function giteaRunner(sim: Sim, vars: RunnerVars): Record<string, string> {
  return {
    GITEA_ACTIONS: 'true',
    GITHUB_SERVER_URL: sim.url,
    GITHUB_API_URL: `${sim.url}/api/v1`,
    GITHUB_REPOSITORY: vars.repository,
    GITHUB_SHA: vars.sha,
    GITHUB_EVENT_NAME: vars.eventName,
    GITHUB_WORKFLOW: 'source',
  };
}

/**
 * The secret appears nowhere a user or another step could read it: not in the log (apart from the
 * `::add-mask::` command, which the runner consumes), the outputs, the state or the summary.
 */
export function expectNoSecret(result: StepResult, secret: string): void {
  const log = (result.stdout + result.stderr)
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  expect(log).not.toContain(secret);
  expect(JSON.stringify(result.outputs)).not.toContain(secret);
  expect(JSON.stringify(result.state)).not.toContain(secret);
  expect(result.summary).not.toContain(secret);
  expect(result.stdout).toContain(`::add-mask::${secret}`);
}

export const hex = (n: number, seed: string) =>
  Array.from(
    { length: n },
    (_, i) => '0123456789abcdef'[(seed.charCodeAt(i % seed.length) + i * 7) % 16],
  ).join('');

/**
 * Runner variables that make the action's clock run as fast as forge-sim's (see time-warp.mjs): its
 * 10-second polls take 0.1 s, its 600-second timeout 6 s, while the action still counts in its own
 * seconds.
 */
export const TIME_WARP: Readonly<Record<string, string>> = {
  NODE_OPTIONS: `--import=${fileURLToPath(new URL('./time-warp.mjs', import.meta.url))}`,
  XRD_TEST_TIME_WARP: String(TIME_SCALE),
};
