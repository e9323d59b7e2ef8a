// Public types of the simulator: dialects, the WorkflowSpec a test seeds, run scripts and the seed file.
// The shapes are pinned by docs/architecture.md (section @xrd/forge-sim): other packages code against them.
import type { ZipEntrySpec } from './zip.js';

export type Dialect =
  | 'github'
  | 'ghes-3.19'
  | 'ghes-3.20'
  | 'gitea-1.24'
  | 'gitea-1.25'
  | 'gitea-1.26'
  | 'forgejo';

export const DIALECTS: readonly Dialect[] = [
  'github',
  'ghes-3.19',
  'ghes-3.20',
  'gitea-1.24',
  'gitea-1.25',
  'gitea-1.26',
  'forgejo',
];

/** GitHub's conclusion vocabulary (Gitea/Forgejo map it onto their raw statuses). */
export type RunConclusion =
  | 'success'
  | 'failure'
  | 'cancelled'
  | 'skipped'
  | 'timed_out'
  | 'action_required'
  | 'neutral'
  | 'stale'
  | 'startup_failure';

export interface WorkflowInputSpec {
  required?: boolean;
  default?: string;
  description?: string;
}

export interface JobSpec {
  name: string;
  /** Step names; templates allowed (`${{ github.event.client_payload.sha }}`). */
  steps: string[];
  /** Default 3000 ms (divided by timeScale). */
  durationMs?: number;
  /** Default 'success'. */
  conclusion?: RunConclusion;
  /** The failing step when the conclusion is failure (default: the last step). */
  failStep?: string;
  log?: string[];
}

/** An artifact a run uploads (actions/upload-artifact v4: one zip per name). */
export interface ArtifactSpec {
  name: string;
  /** Its files: path → text. */
  files?: Record<string, string>;
  /** Raw zip entries instead of `files`: hostile archives (`../x`, links, lying sizes) for client tests. */
  entries?: ZipEntrySpec[];
  /** Listed as expired (its retention passed): downloading answers 410 (GitHub) or 404 (Gitea, Forgejo). */
  expired?: boolean;
  /** github.com's `digest` instead of the zip's real sha256 (a client must refuse the mismatch). */
  digest?: string;
  /** The run conclusions it is uploaded on. Default `['success']` (an upload step after a failed one does not run). */
  when?: RunConclusion[];
}

export interface WorkflowSpec {
  file: string;
  id?: number;
  name?: string;
  on: {
    workflow_dispatch?: { inputs?: Record<string, WorkflowInputSpec> };
    repository_dispatch?: { types?: string[] };
    push?: { branches?: string[] };
  };
  /** Template: `${{ inputs.x }}`, `${{ github.event.client_payload.x }}`, `${{ github.ref_name }}`. */
  runName?: string;
  jobs: JobSpec[];
  /** queued → in_progress, default 1000 ms (divided by timeScale). */
  startDelayMs?: number;
  /** What every run uploads, when it completes. */
  artifacts?: ArtifactSpec[];
}

export interface RunScript {
  conclusion?: RunConclusion;
  startDelayMs?: number;
  durationMs?: number;
  /** The job that carries the conclusion (default: the first job). */
  failJob?: string;
  /** What this run uploads instead of the workflow's artifacts. */
  artifacts?: ArtifactSpec[];
}

export interface SeedPull {
  number?: number;
  title?: string;
  head: { ref: string; sha?: string };
  base?: string;
}

export interface SeedRepo {
  owner: string;
  repo: string;
  defaultBranch?: string;
  branches?: string[];
  workflows?: WorkflowSpec[];
  pulls?: SeedPull[];
}

export interface SeedHook {
  owner: string;
  repo: string;
  url: string;
  secret: string;
  events: string[];
}

/** The `--seed` file (JSON or YAML) and `startSim({ seed })`. */
export interface SimSeed {
  repos: SeedRepo[];
  hooks?: SeedHook[];
}

export interface SimOptions {
  dialect?: Dialect;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Always loopback unless told otherwise. */
  host?: string;
  /** Durations are divided by it: 60 turns a 10-minute run into 10 s. Default 1. */
  timeScale?: number;
  /**
   * The forge's clock minus this machine's, ms (negative: the forge's clock is behind). Runs,
   * statuses and comments are stamped by it and every answer's `Date` header gives it. Default 0.
   */
  clockOffsetMs?: number;
  /** Undefined: the sample (acme/target, acme/source). */
  seed?: SimSeed | undefined;
  /** GitHub's primary budget per user per hour (default 5000; anonymous 60 per client). */
  rateLimit?: number;
  /**
   * Who each token belongs to (token → login). GitHub keeps budgets per user, so a user's tokens and
   * Basic auth (`login:password`) share one. A token not listed here is a user of its own.
   */
  users?: Record<string, string>;
  /**
   * How long after its creation a run shows in the run lists, in ms of the forge's time (divided by
   * `timeScale`); `GET` of the run by id answers at once. Default: 3000 on GitHub dialects (GitHub lists
   * a new run a few seconds after the dispatch answers), 0 on Gitea and Forgejo.
   */
  listingDelayMs?: number;
  /**
   * GitHub's secondary limit on content-creating requests per token per minute ("Rate limits for the
   * REST API" documents 80). Default 0 = off, so suites that share one sim do not trip over it by
   * accident; a test that wants it sets it (or injects a `secondary-limit` fault).
   */
  secondaryLimitPerMinute?: number;
}

export const TERMINAL_CONCLUSIONS: readonly RunConclusion[] = [
  'success',
  'failure',
  'cancelled',
  'skipped',
  'timed_out',
  'action_required',
  'neutral',
  'stale',
  'startup_failure',
];
