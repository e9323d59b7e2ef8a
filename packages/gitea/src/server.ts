// What a Gitea or Forgejo server can do, derived from its kind and version. Detection happens once
// per forge instance (gitea-forge.ts); this module is the pure part: version parsing and the feature
// table, so each row is unit-tested.
//
// Feature facts (docs/architecture.md, packages/forge-sim/specs/gitea-swagger.v1.json and its SOURCES.md):
// - Gitea 1.24: workflow_dispatch answers 204; no `/actions/runs` API — only `/actions/tasks`
//   (one entry per job attempt, carrying display_title, status, run_number, url); no job logs API;
//   `workflow_job` webhooks but no `workflow_run`.
// - Gitea 1.25: `/actions/runs`, `/actions/runs/{run}/jobs`, `/actions/jobs/{id}/logs`, `workflow_run`
//   webhooks; the dispatch still answers 204.
// - Gitea ≥ 1.26: `?return_run_details=true` on the dispatch answers 200 RunDetails (go-gitea/gitea#36706).
// - Forgejo: body `return_run_info: true` answers 201 `{id, run_number, jobs}`; `/actions/runs` and
//   `/actions/runs/{run_id}` with raw statuses.
// - Artifacts (routers/api/v1/repo/action.go GetArtifactsOfRun, DownloadArtifact): Gitea has them in
//   1.24 already, but addressed by the run's database id, which Gitea 1.24's API never shows (its
//   /actions/tasks names runs by number), so xrd uses them from 1.25 on. Gitea 1.23 has none (gitea-js
//   1.23.0, generated from its swagger, has no artifact route). Forgejo 16 has them
//   (ListActionRunArtifacts, DownloadActionArtifact: 200 with the zip itself); Forgejo 15.0.9's API
//   description has no artifact route.
// - No Gitea swagger up to 1.27.1 has a cancel endpoint for runs, and there is no repository_dispatch
//   (go-gitea/gitea#24132).
import type { CommitState, DispatchPath, ForgeCapabilities } from '@xrd/core';

export type GiteaKind = 'gitea' | 'forgejo';

export interface ParsedVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function parseVersion(raw: string | undefined): ParsedVersion | undefined {
  const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec((raw ?? '').trim());
  if (!match) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/**
 * Tells Forgejo from Gitea by the version string alone, when it can. Forgejo reports
 * `11.0.1+gitea-1.22.0` (its own semver since v7, plus the Gitea version it is compatible with);
 * Gitea is still `1.x`. Old Forgejo (`1.21.11-1`) and custom builds are ambiguous: `undefined`.
 */
export function kindFromVersion(raw: string | undefined): GiteaKind | undefined {
  const text = (raw ?? '').trim();
  if (/forgejo/i.test(text) || /\+gitea-/i.test(text)) return 'forgejo';
  const version = parseVersion(text);
  if (!version) return undefined;
  if (version.major >= 7) return 'forgejo';
  if (version.major === 1 && !/^v?1\.\d+\.\d+-\d+/.test(text)) return 'gitea';
  return undefined;
}

/** How this server is driven. */
export interface ServerProfile {
  readonly kind: GiteaKind;
  readonly version: string | undefined;
  /** How the dispatch asks for the run id. */
  readonly dispatchMode: 'query-return-run-details' | 'body-return-run-info' | 'plain';
  /** The path a successful dispatch is expected to take. */
  readonly expectedPath: DispatchPath;
  /** Where runs are read: the run API, or the Gitea 1.24 task list. */
  readonly runsVia: 'runs' | 'tasks';
  readonly jobsApi: boolean;
  readonly jobLogs: boolean;
  readonly cancel: boolean;
  /** The run's artifacts can be listed and downloaded through the API. */
  readonly artifacts: boolean;
  readonly workflowRunWebhooks: boolean;
  /** Workflow directories, in the order the server reads them. */
  readonly workflowDirs: readonly string[];
  readonly limitations: readonly string[];
}

const GITEA_DIRS = ['.gitea/workflows', '.github/workflows'];
// Forgejo reads `.forgejo/workflows` first and falls back to the others.
const FORGEJO_DIRS = ['.forgejo/workflows', '.gitea/workflows', '.github/workflows'];

const NO_CANCEL_GITEA =
  'Runs cannot be cancelled through the Gitea API (no cancel endpoint up to Gitea 1.27); cancel them in the web UI.';
const NO_REPOSITORY_DISPATCH =
  'repository_dispatch does not exist on Gitea or Forgejo (go-gitea/gitea#24132); use workflow_dispatch.';

export function profileFor(kind: GiteaKind, version: string | undefined): ServerProfile {
  const parsed = parseVersion(version);
  if (kind === 'forgejo') {
    // Forgejo 15 (its swagger, @llamaduck/forgejo-ts 15.0.9) lists and reads runs but has no job,
    // log or cancel route; Forgejo 16 adds `/actions/runs/{id}/jobs` (a bare array without steps),
    // `/actions/jobs/{id}` (with steps), job logs and `POST /actions/runs/{id}/cancel`
    // (routers/api/v1/repo/action.go, as forge-sim's forgejo dialect models it). Unknown: assume 16.
    const modern = !parsed || parsed.major >= 16;
    // Forgejo sends no workflow_run hook, but tells a webhook when a run is done: `action_run_success`
    // or `action_run_failure` (any other final status), beside them `action_run_recover`
    // (services/webhook/notifier.go ActionRunNowDone, modules/webhook/type.go; Codeberg
    // forgejo/forgejo PRs 7491, 7508, 7509, on the main branch by commit b2c4fc9f94 of 21 July 2025).
    // Forgejo 12.0 (17 July 2025) may already have them; 13.0 (October 2025) and later do. Before
    // 13 the webhook service keeps checking runs every `reconcile.interval`: that costs requests but
    // never misses an end.
    const runDoneHooks = !parsed || parsed.major >= 13;
    return {
      kind,
      version,
      dispatchMode: 'body-return-run-info',
      expectedPath: 'run-info',
      runsVia: 'runs',
      jobsApi: modern,
      jobLogs: modern,
      cancel: modern,
      artifacts: modern,
      workflowRunWebhooks: runDoneHooks,
      workflowDirs: FORGEJO_DIRS,
      limitations: [
        NO_REPOSITORY_DISPATCH,
        ...(modern
          ? [
              'Forgejo lists jobs without their steps, so the steps of each started job are read one job at a time (one more request per running job).',
            ]
          : [
              `Forgejo ${version} has no API for jobs, job logs, artifacts or cancelling a run (Forgejo 16 has); look at the run in the web UI.`,
            ]),
        runDoneHooks
          ? 'Forgejo sends no workflow_run webhooks; the webhook service learns that a run ended from its action_run_success and action_run_failure hooks.'
          : `Forgejo ${version} sends no webhook when a run ends (Forgejo 13 sends action_run_success and action_run_failure); the webhook service follows runs by polling.`,
      ],
    };
  }
  // Unknown Gitea version (development builds): assume the newest behaviour; the dispatch still
  // copes with a 204 answer, so nothing breaks if the guess is wrong.
  const minor = parsed && parsed.major === 1 ? parsed.minor : Number.POSITIVE_INFINITY;
  if (minor < 25) {
    return {
      kind,
      version,
      dispatchMode: 'plain',
      expectedPath: 'none',
      runsVia: 'tasks',
      jobsApi: false,
      jobLogs: false,
      cancel: false,
      artifacts: false,
      workflowRunWebhooks: false,
      workflowDirs: GITEA_DIRS,
      limitations: [
        `Gitea ${version} does not return the run id from a dispatch (Gitea 1.26 does); the run is found by its correlation id in the run-name.`,
        'Gitea before 1.25 has no workflow run API: runs are followed through /actions/tasks, which lists a run only once a runner has picked up one of its jobs.',
        'Job steps are not available before Gitea 1.25, so step-name correlation cannot work; put the correlation id in run-name.',
        'Job logs cannot be read through the API before Gitea 1.25.',
        "Artifacts cannot be listed before Gitea 1.25: Gitea 1.24's artifacts API wants the run's id, which its API never shows.",
        'A run whose later jobs have not been picked up yet can look finished in /actions/tasks.',
        NO_CANCEL_GITEA,
        'Gitea before 1.25 sends no workflow_run webhooks; the run is followed by polling.',
        NO_REPOSITORY_DISPATCH,
      ],
    };
  }
  const runDetails = minor >= 26;
  return {
    kind,
    version,
    dispatchMode: runDetails ? 'query-return-run-details' : 'plain',
    expectedPath: runDetails ? 'run-details' : 'none',
    runsVia: 'runs',
    jobsApi: true,
    jobLogs: true,
    cancel: false,
    artifacts: true,
    workflowRunWebhooks: true,
    workflowDirs: GITEA_DIRS,
    limitations: [
      ...(runDetails
        ? []
        : [
            `Gitea ${version ?? '1.25'} does not return the run id from a dispatch (Gitea 1.26 does); the run is found by its correlation id in the run-name or a step name.`,
          ]),
      NO_CANCEL_GITEA,
      NO_REPOSITORY_DISPATCH,
    ],
  };
}

const COMMIT_STATES: readonly CommitState[] = [
  'pending',
  'success',
  'failure',
  'error',
  'warning',
  'skipped',
];

export function capabilitiesOf(profile: ServerProfile, conditionalRequests: boolean): ForgeCapabilities {
  const product = profile.kind === 'forgejo' ? 'Forgejo' : 'Gitea';
  return {
    kind: profile.kind,
    server: profile.version ? `${product} ${profile.version}` : product,
    returnsRunId: profile.expectedPath === 'none' ? false : parseVersion(profile.version) ? true : 'unknown',
    repositoryDispatch: false,
    runApi: profile.runsVia === 'runs',
    jobsApi: profile.jobsApi,
    jobLogs: profile.jobLogs,
    cancel: profile.cancel,
    artifacts: profile.artifacts,
    workflowRunWebhooks: profile.workflowRunWebhooks,
    conditionalRequests,
    commitStates: COMMIT_STATES,
    limitations: profile.limitations,
  };
}
