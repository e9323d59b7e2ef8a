// Turns a forge's webhook delivery into the few facts the service acts on. GitHub and Gitea send
// nearly the same payloads (Gitea models them on GitHub's); the differences handled here:
// - the event name is in `X-GitHub-Event` or `X-Gitea-Event` / `X-Forgejo-Event`;
// - the delivery id is in `X-GitHub-Delivery` or `X-Gitea-Delivery` / `X-Forgejo-Delivery`;
// - Gitea calls a PR push `synchronized` (modules/structs/hook.go HookIssueSynchronized), GitHub
//   `synchronize`.
import type { ForgeKind, RunConclusion, RunStatus } from '@xrd/core';
import type { PullRequestAction } from './config.js';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export interface PullRequestEvent {
  readonly type: 'pull_request';
  readonly repo: string;
  readonly action: PullRequestAction;
  readonly number: number;
  readonly headSha: string;
  readonly headRef: string;
  readonly baseRef: string;
  readonly title: string;
  readonly url: string;
}

export interface PushEvent {
  readonly type: 'push';
  readonly repo: string;
  readonly ref: string;
  readonly branch: string;
  readonly sha: string;
  readonly before: string;
}

export interface WorkflowRunEvent {
  readonly type: 'workflow_run';
  readonly repo: string;
  readonly runId: number;
  readonly displayTitle: string;
  readonly status: RunStatus;
  readonly conclusion: RunConclusion | null;
  readonly htmlUrl: string;
}

export type ServiceEvent = PullRequestEvent | PushEvent | WorkflowRunEvent;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The event name of a delivery. */
export function eventName(headers: Headers): string | undefined {
  return (
    header(headers, 'x-github-event') ??
    header(headers, 'x-gitea-event') ??
    header(headers, 'x-forgejo-event')
  );
}

/** The forge's unique id of a delivery (the same on a redelivery). */
export function deliveryId(headers: Headers): string | undefined {
  return (
    header(headers, 'x-github-delivery') ??
    header(headers, 'x-gitea-delivery') ??
    header(headers, 'x-forgejo-delivery')
  );
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A delivery the service would act on, but whose payload is not of the forge's shape: HTTP 400. */
export interface InvalidPayload {
  readonly invalid: string;
}

class Invalid extends Error {}

// The fields the service uses, checked against the shapes the forges send, so nothing of another
// shape is stored (a lossy number, a path in a sha, a megabyte "ref"). Sources:
// - GitHub: @octokit/openapi-webhooks (generated/api.github.com.json), components.schemas
//   `webhook-pull-request-opened|synchronize|reopened` (required: action, number, pull_request,
//   repository; `webhooks_number` is an integer), `pull-request` (head/base: ref, sha strings),
//   `webhook-push` (ref, after: strings; deleted: boolean), `webhook-workflow-run-completed`
//   (workflow_run.id integer, display_title string, conclusion string|null, html_url uri),
//   `repository-webhooks.full_name` string. src/events.test.ts checks these against that file.
// - Gitea/Forgejo: modules/structs/hook.go `PullRequestPayload` (Index int64 `json:"number"`,
//   PullRequest, Repository), `PushPayload`, `WorkflowRunPayload`; structs.PRBranchInfo (ref, sha).
// Bounds: owner and repository names are at most 100 characters on both forges (GitHub logins 39);
// git refuses control characters and spaces in ref names (git-check-ref-format) and forges cap them
// at 255 bytes; a commit id is 40 (SHA-1) or 64 (SHA-256, Gitea) hex digits; PR numbers and run ids
// are positive integers that must survive JSON → JS number → the store without loss.
const MAX_TEXT = 1024;
const MAX_URL = 2048;

function field(o: Obj, path: string): unknown {
  let value: unknown = o;
  for (const key of path.split('.')) value = isObj(value) ? value[key] : undefined;
  return value;
}

function objectAt(o: Obj, path: string): Obj {
  const value = field(o, path);
  if (!isObj(value)) throw new Invalid(`\`${path}\` must be an object`);
  return value;
}

function positiveInteger(o: Obj, path: string): number {
  const value = field(o, path);
  if (typeof value !== 'number') throw new Invalid(`\`${path}\` must be a number, not ${kind(value)}`);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Invalid(`\`${path}\` must be a positive integer of at most 2^53-1, not ${String(value)}`);
  }
  return value;
}

function string(o: Obj, path: string, max = MAX_TEXT): string {
  const value = field(o, path);
  if (typeof value !== 'string') throw new Invalid(`\`${path}\` must be a string, not ${kind(value)}`);
  if (value.length > max) throw new Invalid(`\`${path}\` is longer than ${max} characters`);
  return value;
}

function optionalString(o: Obj, path: string, max = MAX_TEXT): string | undefined {
  const value = field(o, path);
  return value === undefined || value === null ? undefined : string(o, path, max);
}

function sha(o: Obj, path: string): string {
  const value = string(o, path, 64);
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/i.test(value)) {
    throw new Invalid(`\`${path}\` must be a commit id (40 or 64 hex digits)`);
  }
  return value;
}

function ref(o: Obj, path: string): string {
  const value = string(o, path, 255);
  if (value === '' || /[\x00-\x20\x7f]/.test(value)) {
    throw new Invalid(`\`${path}\` must be a git ref name (no spaces or control characters)`);
  }
  return value;
}

function repository(o: Obj, at = ''): string {
  const value = string(o, `${at}repository.full_name`, 201);
  if (!/^[A-Za-z0-9_.-]{1,100}\/[A-Za-z0-9_.-]{1,100}$/.test(value)) {
    throw new Invalid(`\`${at}repository.full_name\` must be owner/name`);
  }
  return value;
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const NULL_SHA = /^0+$/;

const CONCLUSIONS: Readonly<Record<string, RunConclusion>> = {
  success: 'success',
  failure: 'failure',
  cancelled: 'cancelled',
  skipped: 'skipped',
  timed_out: 'timed_out',
  action_required: 'action_required',
  neutral: 'neutral',
  stale: 'stale',
  startup_failure: 'startup_failure',
  // Gitea/Forgejo raw names seen in their payloads.
  canceled: 'cancelled',
  failed: 'failure',
  blocked: 'action_required',
};

/**
 * Normalises a parsed delivery; or says why it is of no interest (`{ ignored }`: an event or action
 * the service does not act on), or why it cannot be acted on (`{ invalid }`: not the shape the forge
 * sends — answered 400 and not stored). Only the event types and actions the service acts on come
 * out, with every field it uses checked.
 */
export function normaliseEvent(
  _kind: ForgeKind,
  event: string | undefined,
  payload: unknown,
): ServiceEvent | { readonly ignored: string } | InvalidPayload {
  // Every forge webhook payload is a JSON object; `[]`, `null` or `7` is nobody's event.
  if (!isObj(payload)) return { invalid: `the payload must be a JSON object, not ${kind(payload)}` };
  if (!event) return { ignored: 'no event header' };
  try {
    return read(event, payload);
  } catch (error) {
    if (error instanceof Invalid) return { invalid: `${event}: ${error.message}` };
    throw error;
  }
}

function read(event: string, body: Obj): ServiceEvent | { readonly ignored: string } {
  switch (event) {
    case 'pull_request': {
      const raw = optionalString(body, 'action', 64);
      const action = raw === 'synchronized' ? 'synchronize' : raw;
      if (action !== 'opened' && action !== 'synchronize' && action !== 'reopened') {
        return { ignored: `pull_request ${raw ?? '(no action)'}` };
      }
      const repo = repository(body);
      const pr = objectAt(body, 'pull_request');
      const number = positiveInteger(body, 'number');
      if (pr.number !== undefined && positiveInteger(body, 'pull_request.number') !== number) {
        throw new Invalid('`number` and `pull_request.number` differ');
      }
      return {
        type: 'pull_request',
        repo,
        action,
        number,
        headSha: sha(body, 'pull_request.head.sha'),
        headRef: ref(body, 'pull_request.head.ref'),
        baseRef: field(pr, 'base.ref') === undefined ? '' : ref(body, 'pull_request.base.ref'),
        title: optionalString(body, 'pull_request.title') ?? '',
        url: optionalString(body, 'pull_request.html_url', MAX_URL) ?? '',
      };
    }
    case 'push': {
      const repo = repository(body);
      const fullRef = ref(body, 'ref');
      if (!fullRef.startsWith('refs/heads/')) return { ignored: 'push of a tag or unknown ref' };
      const after = sha(body, 'after');
      if (NULL_SHA.test(after) || body.deleted === true) return { ignored: 'branch deletion' };
      const before = optionalString(body, 'before', 64);
      return {
        type: 'push',
        repo,
        ref: fullRef,
        branch: fullRef.slice('refs/heads/'.length),
        sha: after,
        before: before === undefined ? '' : sha(body, 'before'),
      };
    }
    case 'workflow_run': {
      const action = optionalString(body, 'action', 64);
      if (action !== 'completed') return { ignored: `workflow_run ${action ?? '(no action)'}` };
      const repo = repository(body);
      objectAt(body, 'workflow_run');
      const rawConclusion = optionalString(body, 'workflow_run.conclusion', 64);
      return {
        type: 'workflow_run',
        repo,
        runId: positiveInteger(body, 'workflow_run.id'),
        displayTitle:
          optionalString(body, 'workflow_run.display_title') ??
          optionalString(body, 'workflow_run.name') ??
          '',
        status: 'completed',
        conclusion: rawConclusion ? (CONCLUSIONS[rawConclusion] ?? 'failure') : null,
        htmlUrl: optionalString(body, 'workflow_run.html_url', MAX_URL) ?? '',
      };
    }
    // Forgejo sends no workflow_run: when a run is done it sends `action_run_success` or
    // `action_run_failure` (any other final status), plus `action_run_recover` beside a success that
    // follows a run of the same workflow that did not succeed — ignored here, the success says it
    // all. The payload is ActionPayload {action, run, prior_status, last_run?}, with no repository
    // at the top: the run (structs.ActionRun) carries it. Sources: Forgejo
    // services/webhook/notifier.go ActionRunNowDone, modules/webhook/type.go (HookEventActionRun*),
    // modules/structs/hook.go ActionPayload, modules/structs/action.go ActionRun (id, title,
    // repository, status, html_url); forge-sim sends the same (src/webhook-payloads.ts).
    case 'action_run_success':
    case 'action_run_failure': {
      objectAt(body, 'run');
      const raw = optionalString(body, 'run.status', 64);
      return {
        type: 'workflow_run',
        repo: repository(body, 'run.'),
        runId: positiveInteger(body, 'run.id'),
        displayTitle: optionalString(body, 'run.title') ?? '',
        status: 'completed',
        conclusion:
          event === 'action_run_success'
            ? 'success'
            : raw !== undefined && raw !== 'success'
              ? (CONCLUSIONS[raw] ?? 'failure')
              : 'failure',
        htmlUrl: optionalString(body, 'run.html_url', MAX_URL) ?? '',
      };
    }
    default:
      return { ignored: `event ${event}` };
  }
}

/** Reads back a stored event: the shape intake wrote, checked again (a row from an older version). */
export function storedEventError(value: unknown): string | undefined {
  if (!isObj(value) || !isObj(value.event) || typeof value.eventAt !== 'number') {
    return 'the stored delivery is not an event';
  }
  const e = value.event;
  const numberOk = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
  if (e.type === 'pull_request' && !numberOk(e.number))
    return 'the stored pull request number is not a safe integer';
  if (e.type === 'workflow_run' && !numberOk(e.runId)) return 'the stored run id is not a safe integer';
  if (e.type !== 'pull_request' && e.type !== 'push' && e.type !== 'workflow_run') {
    return `the stored event type ${String(e.type)} is unknown`;
  }
  return undefined;
}

/** Correlation ids the service generates: `xrd-` + 16 hex (the core default format). */
export const CORRELATION_ID_PATTERN = /xrd-[0-9a-f]{16}/g;
