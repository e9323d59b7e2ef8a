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
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

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
 * Normalises a parsed delivery, or returns why it is of no interest (`{ ignored }`). Only the event
 * types and actions the service acts on come out.
 */
export function normaliseEvent(
  _kind: ForgeKind,
  event: string | undefined,
  payload: unknown,
): ServiceEvent | { readonly ignored: string } {
  const body = obj(payload);
  const repo = text(obj(body.repository).full_name);
  if (!event) return { ignored: 'no event header' };
  if (!repo) return { ignored: `${event} without repository` };
  switch (event) {
    case 'pull_request': {
      const raw = text(body.action);
      const action = raw === 'synchronized' ? 'synchronize' : raw;
      if (action !== 'opened' && action !== 'synchronize' && action !== 'reopened') {
        return { ignored: `pull_request ${raw ?? '(no action)'}` };
      }
      const pr = obj(body.pull_request);
      const number = typeof body.number === 'number' ? body.number : pr.number;
      const head = obj(pr.head);
      const headSha = text(head.sha);
      const headRef = text(head.ref);
      if (typeof number !== 'number' || !headSha || !headRef)
        return { ignored: 'pull_request without number/head' };
      return {
        type: 'pull_request',
        repo,
        action,
        number,
        headSha,
        headRef,
        baseRef: text(obj(pr.base).ref) ?? '',
        title: text(pr.title) ?? '',
        url: text(pr.html_url) ?? '',
      };
    }
    case 'push': {
      const ref = text(body.ref);
      const sha = text(body.after);
      if (!ref?.startsWith('refs/heads/')) return { ignored: 'push of a tag or unknown ref' };
      if (!sha || NULL_SHA.test(sha) || body.deleted === true) return { ignored: 'branch deletion' };
      return {
        type: 'push',
        repo,
        ref,
        branch: ref.slice('refs/heads/'.length),
        sha,
        before: text(body.before) ?? '',
      };
    }
    case 'workflow_run': {
      if (body.action !== 'completed') return { ignored: `workflow_run ${String(body.action)}` };
      const run = obj(body.workflow_run);
      if (typeof run.id !== 'number') return { ignored: 'workflow_run without id' };
      const rawConclusion = text(run.conclusion);
      return {
        type: 'workflow_run',
        repo,
        runId: run.id,
        displayTitle: text(run.display_title) ?? text(run.name) ?? '',
        status: 'completed',
        conclusion: rawConclusion ? (CONCLUSIONS[rawConclusion] ?? 'failure') : null,
        htmlUrl: text(run.html_url) ?? '',
      };
    }
    default:
      return { ignored: `event ${event}` };
  }
}

/** Correlation ids the service generates: `xrd-` + 16 hex (the core default format). */
export const CORRELATION_ID_PATTERN = /xrd-[0-9a-f]{16}/g;
