// forge-sim for the end-to-end tests: started in-process on 127.0.0.1 with a large time scale, and
// driven through its documented HTTP control API (`/_sim/…`), as any client would.
import { startSim } from '@xrd/forge-sim';

export type Sim = Awaited<ReturnType<typeof startSim>>;
type StartOptions = Parameters<typeof startSim>[0];

/** How much faster than the wall clock forge-sim's time runs in these tests. */
export const TIME_SCALE = 100;

export async function start(options: StartOptions): Promise<Sim> {
  return startSim({ port: 0, timeScale: TIME_SCALE, ...options });
}

export async function control<T = unknown>(
  sim: Sim,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const response = await fetch(`${sim.url}/_sim${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} /_sim${path} → ${response.status}: ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** A read of the forge's own API (counted in the sim's stats: reset them afterwards if it matters). */
export async function api<T = unknown>(sim: Sim, path: string): Promise<T> {
  const response = await fetch(`${sim.apiUrl}${path}`, { headers: { authorization: 'token test-reader' } });
  if (!response.ok) throw new Error(`GET ${path} → ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

export interface SimRun {
  id: number;
  runNumber?: number;
  status: string;
  conclusion: string | null;
  event?: string;
  display_title?: string;
  inputs?: Record<string, string>;
  client_payload?: Record<string, unknown>;
  [key: string]: unknown;
}

export async function runs(sim: Sim): Promise<SimRun[]> {
  const answer = await control<SimRun[] | { runs: SimRun[] }>(sim, 'GET', '/runs');
  return Array.isArray(answer) ? answer : answer.runs;
}

export async function totalRequests(sim: Sim): Promise<number> {
  return (await control<{ requests: { total: number } }>(sim, 'GET', '/stats')).requests.total;
}

/** A commit status as the sim lists it. */
export interface SimStatus {
  state: string;
  context: string;
  targetUrl: string | null;
  description?: string | null;
}

export interface SimComment {
  id: number;
  body: string;
}

/** The commit statuses on `sha` in `repo` (`owner/name`), newest first. */
export function statusesOf(sim: Sim, repo: string, sha: string): Promise<SimStatus[]> {
  return control<SimStatus[]>(sim, 'GET', `/repos/${repo}/statuses/${sha}`);
}

/** The comments on issue or pull request `issue` of `repo`, oldest first. */
export function commentsOn(sim: Sim, repo: string, issue: number): Promise<SimComment[]> {
  return control<SimComment[]>(sim, 'GET', `/repos/${repo}/issues/${issue}/comments`);
}
