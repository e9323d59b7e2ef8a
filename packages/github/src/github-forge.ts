// The Forge port for GitHub and GitHub Enterprise Server, on @octokit/rest.
import type {
  CallContext,
  CommentResult,
  CommitState,
  CommitStatus,
  CommitStatusInput,
  Forge,
  ForgeCapabilities,
  ForgeDispatchRequest,
  ForgeDispatchResult,
  Job,
  ListRunsFilter,
  RepoRef,
  Run,
  RunPage,
} from '@xrd/core';
import { ForgeHttpError, InvalidInputError, redact } from '@xrd/core';
import { type AuthProvider, createGitHubAppAuth, createTokenAuth } from './auth.js';
import { type CallSpec, createClient } from './client.js';
import { type ErrorContext, isOctokitError, serverMessage, toXrdError } from './errors.js';
import { type GitHubJob, type GitHubRun, mapJob, mapRun } from './map.js';
import { EtagCache } from './metered-fetch.js';
import type { GitHubForgeOptions } from './options.js';

/**
 * Whether a server accepted `return_run_details`, per API base URL, for the life of the process:
 * a GHES that answered 400 once is not asked again (issue 4; DESIGN.md "capabilities are detected").
 */
const returnRunDetailsMemory = new Map<string, boolean>();

/**
 * The dispatch currently finding out whether a server accepts `return_run_details`. Concurrent
 * dispatches to a server not yet known wait for it instead of all being rejected with 400 and sent
 * again: 50 parallel dispatches would otherwise cost 100 writes and trip the secondary rate limit.
 */
const runDetailsProbes = new Map<string, Promise<void>>();

/** For tests only: forget what was learned about servers. */
export function forgetServerCapabilities(): void {
  returnRunDetailsMemory.clear();
  runDetailsProbes.clear();
}

/** The API version from which a workflow dispatch always answers 200 with the run. */
const RUN_DETAILS_API_VERSION = '2026-03-10';

/** GitHub's limits on a repository_dispatch `client_payload` (OpenAPI: maxProperties 10, < 64KB). */
const MAX_PAYLOAD_KEYS = 10;
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** `inputs` of a workflow_dispatch: maxProperties 25 (OpenAPI `actions/create-workflow-dispatch`). */
const MAX_INPUTS = 25;
/** A commit status description is cut at 140 characters by GitHub's UI and rejected beyond by GHES. */
const MAX_STATUS_DESCRIPTION = 140;
const GITHUB_COMMIT_STATES: readonly CommitState[] = ['pending', 'success', 'failure', 'error'];
const MAX_COMMENT_PAGES = 50;
const MAX_JOB_PAGES = 10;
/**
 * GitHub keeps at most 1 000 statuses per sha and context ("Create a commit status": "limit of 1000
 * statuses per sha and context"); 10 pages of 100 cover one context's whole history.
 */
const MAX_STATUS_PAGES = 10;

function normaliseBaseUrl(raw: string): string {
  return raw.trim().replace(/\/+$/, '');
}

/** `.github/workflows/build.yml` → `build.yml`; numeric strings → numbers. */
function workflowIdOf(workflow: string | number): string | number {
  if (typeof workflow === 'number') return workflow;
  const trimmed = workflow.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  return trimmed.replace(/^\.github\/workflows\//, '');
}

function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const pb = b.split('.').map((n) => Number.parseInt(n, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** GHES ≤ 3.20 answers 400 `"return_run_details" is not a permitted key` (DESIGN.md table). */
function isRunDetailsKeyRejection(error: unknown): boolean {
  if (!isOctokitError(error) || error.status !== 400 || !error.response) return false;
  const message = serverMessage(error);
  return (
    /return_run_details/.test(message) && /not (a )?permitted|not allowed|unknown|unexpected/i.test(message)
  );
}

function tailOf(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  const tail = bytes.subarray(bytes.length - maxBytes).toString('utf8');
  // Drop the first, partial line (and any broken multi-byte character with it).
  const newline = tail.indexOf('\n');
  return newline >= 0 ? tail.slice(newline + 1) : tail;
}

function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

interface GitHubStatus {
  readonly id?: number;
  readonly state?: string;
  readonly context?: string;
  readonly description?: string | null;
  readonly target_url?: string | null;
  readonly created_at?: string;
}

function mapStatus(raw: GitHubStatus): CommitStatus {
  const state = GITHUB_COMMIT_STATES.find((s) => s === raw.state) ?? 'error';
  return {
    state,
    // GitHub names a status posted without a context `default`.
    context: raw.context ?? 'default',
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    ...(typeof raw.target_url === 'string' ? { targetUrl: raw.target_url } : {}),
    ...(typeof raw.created_at === 'string' ? { createdAt: raw.created_at } : {}),
    ...(typeof raw.id === 'number' ? { id: raw.id } : {}),
  };
}

function repoName(repo: RepoRef): string {
  return `${repo.owner}/${repo.repo}`;
}

export function createGitHubForge(options: GitHubForgeOptions = {}): Forge {
  const baseUrl = normaliseBaseUrl(options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com');
  if (!/^https?:\/\//i.test(baseUrl)) {
    throw new InvalidInputError(
      `The GitHub API URL "${baseUrl}" is not an http(s) URL; pass e.g. https://api.github.com or https://HOST/api/v3.`,
      { input: 'baseUrl' },
    );
  }
  if (options.app && options.token) {
    throw new InvalidInputError('Pass either a token or GitHub App credentials, not both.', {
      input: 'token',
    });
  }
  const apiVersion = options.apiVersion;
  const alwaysReturnsRun = apiVersion !== undefined && apiVersion >= RUN_DETAILS_API_VERSION;
  let enterpriseVersion: string | undefined;
  const looksLikeGhes = /\/api\/v3$/.test(baseUrl);

  let auth: AuthProvider = createTokenAuth(options.token, options.user);
  const secrets = (): readonly (string | undefined)[] => auth.secrets;
  const client = createClient({
    baseUrl,
    fetch: withDeadline(options.fetch ?? globalThis.fetch, options.requestTimeoutMs ?? 60_000),
    userAgent: options.userAgent ?? 'xrd-github/0.1.0',
    apiVersion,
    retries: options.retry?.retries ?? 3,
    baseDelayMs: options.retry?.baseDelayMs ?? 1000,
    maxWaitMs: options.retry?.maxWaitMs ?? 60_000,
    minWriteIntervalMs: options.minWriteIntervalMs ?? 1000,
    cache: new EtagCache(),
    authorization: (repo) => auth.header(repo),
    secrets,
    onHeaders: (headers) => {
      const version = headers['x-github-enterprise-version'];
      if (version !== undefined) enterpriseVersion = String(version);
    },
  });
  if (options.app) auth = createGitHubAppAuth(options.app, client.plainRequest);
  const maxLogBytes = options.maxLogBytes ?? 65_536;

  const errorContext = (
    kind: ErrorContext['kind'],
    action: string,
    write: boolean,
    ctx: CallContext | undefined,
  ): ErrorContext => ({
    kind,
    action,
    write,
    secrets: secrets(),
    user: auth.user,
    signal: ctx?.signal,
  });

  async function run<T>(
    spec: CallSpec,
    ctx: CallContext | undefined,
    errors: ErrorContext & { ref?: string },
    then: (
      data: unknown,
      headers: Readonly<Record<string, string | number | undefined>>,
      status: number,
    ) => T,
  ): Promise<T> {
    try {
      const response = await client.call(spec, ctx);
      return then(response.data, response.headers, response.status);
    } catch (error) {
      throw toXrdError(error, errors);
    }
  }

  const isGhes = () => looksLikeGhes || enterpriseVersion !== undefined;

  function returnsRunId(): boolean | 'unknown' {
    const learned = returnRunDetailsMemory.get(baseUrl);
    if (learned !== undefined) return learned;
    if (alwaysReturnsRun) return true;
    if (isGhes()) {
      // 3.20 is the last GHES without `return_run_details` (DESIGN.md); newer ones are tried.
      if (enterpriseVersion && compareVersions(enterpriseVersion, '3.20') <= 0) return false;
      return 'unknown';
    }
    return true;
  }

  let capabilitiesPromise: Promise<void> | undefined;

  async function detectServer(ctx: CallContext | undefined): Promise<void> {
    if (!isGhes() || enterpriseVersion) return;
    // GHES reports its version in `GET /meta` (`installed_version`) and in a response header.
    try {
      const response = await client.call({ route: 'GET /meta', retry: 'safe' }, ctx);
      const installed = (response.data as { installed_version?: unknown } | undefined)?.installed_version;
      if (typeof installed === 'string') enterpriseVersion = installed;
    } catch (error) {
      ctx?.debug?.(
        redact(
          `capabilities: GET /meta failed (${isOctokitError(error) ? error.status : 'network'}); GHES version unknown`,
          secrets(),
        ),
      );
    }
  }

  async function dispatchWorkflow(
    request: ForgeDispatchRequest,
    ctx?: CallContext,
  ): Promise<ForgeDispatchResult> {
    const workflow = workflowIdOf(request.workflow as string | number);
    const inputs = request.inputs ?? {};
    if (Object.keys(inputs).length > MAX_INPUTS) {
      throw new InvalidInputError(
        `GitHub accepts at most ${MAX_INPUTS} workflow inputs, got ${Object.keys(inputs).length}; pass fewer inputs.`,
        { input: 'inputs' },
      );
    }
    const action = `dispatch workflow ${workflow} in ${repoName(request.repo)} at ${request.ref}`;
    const route = 'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches';
    const send = (withDetails: boolean) =>
      client.call(
        {
          route,
          repo: request.repo,
          retry: 'never',
          params: {
            owner: request.repo.owner,
            repo: request.repo.repo,
            workflow_id: workflow,
            ref: request.ref,
            inputs,
            ...(withDetails ? { return_run_details: true } : {}),
          },
        },
        ctx,
      );
    const errors = { ...errorContext('dispatch', action, true, ctx), ref: request.ref };
    const notes: string[] = [];
    let endProbe: (() => void) | undefined;
    if (!alwaysReturnsRun && !returnRunDetailsMemory.has(baseUrl)) {
      const pending = runDetailsProbes.get(baseUrl);
      if (pending) {
        ctx?.debug?.('dispatch: waiting for a concurrent dispatch to learn whether run details are returned');
        await pending;
      } else {
        runDetailsProbes.set(
          baseUrl,
          new Promise<void>((resolve) => {
            endProbe = resolve;
          }),
        );
      }
    }
    try {
      return await sendWorkflowDispatch(send, errors, notes, ctx);
    } finally {
      if (endProbe) {
        runDetailsProbes.delete(baseUrl);
        endProbe();
      }
    }
  }

  async function sendWorkflowDispatch(
    send: (withDetails: boolean) => ReturnType<typeof client.call>,
    errors: ErrorContext & { ref?: string },
    notes: string[],
    ctx: CallContext | undefined,
  ): Promise<ForgeDispatchResult> {
    const supported = returnsRunId();
    // From API version 2026-03-10 the key is gone and the answer is always 200 with the run.
    const askForDetails = !alwaysReturnsRun && supported !== false;
    if (!alwaysReturnsRun && supported === false) {
      notes.push(`${baseUrl} does not return run details (learned earlier); the run will be correlated.`);
    }
    let response: Awaited<ReturnType<typeof send>>;
    try {
      response = await send(askForDetails);
    } catch (error) {
      if (!(askForDetails && isRunDetailsKeyRejection(error))) throw toXrdError(error, errors);
      // A 400 is a certain rejection: nothing was dispatched, so sending again is safe.
      returnRunDetailsMemory.set(baseUrl, false);
      const message = isOctokitError(error) ? serverMessage(error) : '';
      const note = redact(
        `${baseUrl} rejected return_run_details (400: ${message}); dispatched again without it, the run will be correlated.`,
        secrets(),
      );
      notes.push(note);
      ctx?.debug?.(note);
      try {
        response = await send(false);
      } catch (second) {
        throw toXrdError(second, errors);
      }
    }
    const data = response.data as
      | { workflow_run_id?: unknown; run_url?: unknown; html_url?: unknown }
      | undefined;
    if (response.status === 200 && typeof data?.workflow_run_id === 'number') {
      if (!alwaysReturnsRun) returnRunDetailsMemory.set(baseUrl, true);
      return {
        path: 'run-details',
        runId: data.workflow_run_id,
        ...(typeof data.run_url === 'string' ? { runUrl: data.run_url } : {}),
        ...(typeof data.html_url === 'string' ? { htmlUrl: data.html_url } : {}),
        notes,
      };
    }
    if (notes.length === 0) {
      notes.push(`${baseUrl} answered ${response.status} without run details; the run will be correlated.`);
    }
    return { path: 'none', notes };
  }

  async function dispatchRepository(
    request: ForgeDispatchRequest,
    ctx?: CallContext,
  ): Promise<ForgeDispatchResult> {
    const eventType = request.eventType ?? '';
    if (eventType.length < 1 || eventType.length > 100) {
      throw new InvalidInputError(
        `The repository_dispatch event type must be 1 to 100 characters, got ${eventType.length}; pass a shorter event_type.`,
        { input: 'event_type' },
      );
    }
    const payload = request.clientPayload ?? {};
    const keys = Object.keys(payload);
    if (keys.length > MAX_PAYLOAD_KEYS) {
      throw new InvalidInputError(
        `GitHub accepts at most ${MAX_PAYLOAD_KEYS} top-level client_payload keys, got ${keys.length} (${keys.join(', ')}); nest the others under one key.`,
        { input: 'client_payload' },
      );
    }
    const size = Buffer.byteLength(JSON.stringify(payload), 'utf8');
    if (size >= MAX_PAYLOAD_BYTES) {
      throw new InvalidInputError(
        `The client_payload is ${size} bytes, GitHub accepts less than ${MAX_PAYLOAD_BYTES}; send a smaller payload (e.g. a URL to the data).`,
        { input: 'client_payload' },
      );
    }
    const action = `send repository_dispatch "${eventType}" to ${repoName(request.repo)}`;
    return run(
      {
        route: 'POST /repos/{owner}/{repo}/dispatches',
        repo: request.repo,
        retry: 'never',
        params: {
          owner: request.repo.owner,
          repo: request.repo.repo,
          event_type: eventType,
          client_payload: payload,
        },
      },
      ctx,
      errorContext('dispatch', action, true, ctx),
      (): ForgeDispatchResult => ({
        path: 'none',
        notes: ['repository_dispatch never returns the run it starts; the run will be correlated.'],
      }),
    );
  }

  async function listJobPages(repo: RepoRef, runId: number, ctx: CallContext | undefined, attempt?: number) {
    const route =
      attempt === undefined
        ? 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs'
        : 'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs';
    const jobs: Job[] = [];
    const action = `list the jobs of run ${runId}${attempt === undefined ? '' : ` attempt ${attempt}`} in ${repoName(repo)}`;
    for (let page = 1; page <= MAX_JOB_PAGES; page++) {
      const batch = await run(
        {
          route,
          repo,
          retry: 'safe',
          params: {
            owner: repo.owner,
            repo: repo.repo,
            run_id: runId,
            per_page: 100,
            page,
            ...(attempt === undefined ? {} : { attempt_number: attempt }),
          },
        },
        ctx,
        errorContext('run', action, false, ctx),
        (data) => data as { total_count?: number; jobs?: GitHubJob[] },
      );
      const raw = batch.jobs ?? [];
      jobs.push(...raw.map(mapJob));
      if (raw.length < 100 || jobs.length >= (batch.total_count ?? 0)) break;
    }
    return jobs;
  }

  const forge: Forge = {
    kind: 'github',

    async capabilities(ctx) {
      capabilitiesPromise ??= detectServer(ctx).catch(() => undefined);
      await capabilitiesPromise;
      const returns = returnsRunId();
      const limitations: string[] = [
        'Commit states "warning" and "skipped" do not exist on GitHub; they are sent as "failure" and "success".',
      ];
      if (returns === false) {
        limitations.unshift(
          'This server does not return the run of a workflow dispatch; runs are found by the correlation id (run-name or a step name).',
        );
      }
      const capabilities: ForgeCapabilities = {
        kind: 'github',
        server: isGhes() ? (enterpriseVersion ? `GHES ${enterpriseVersion}` : 'GHES') : 'GitHub',
        returnsRunId: returns,
        repositoryDispatch: true,
        runApi: true,
        jobsApi: true,
        jobLogs: true,
        cancel: true,
        workflowRunWebhooks: true,
        conditionalRequests: true,
        commitStates: GITHUB_COMMIT_STATES,
        limitations,
      };
      return capabilities;
    },

    async getDefaultBranch(repo, ctx) {
      // "Get a repository": `default_branch` is required in full-repository. A conditional GET (ETag
      // cache per URL, like every read here), so asking again for an unchanged repository is free.
      const branch = await run(
        {
          route: 'GET /repos/{owner}/{repo}',
          repo,
          retry: 'safe',
          params: { owner: repo.owner, repo: repo.repo },
        },
        ctx,
        errorContext('list', `read the default branch of ${repoName(repo)}`, false, ctx),
        (data) => (data as { default_branch?: unknown } | null)?.default_branch,
      );
      if (typeof branch !== 'string' || branch === '') {
        throw new ForgeHttpError(
          `GitHub answered without a default branch for ${repoName(repo)}; give the ref to dispatch on explicitly.`,
        );
      }
      return branch;
    },

    async dispatch(request, ctx) {
      const hasWorkflow = request.workflow !== undefined && request.workflow !== '';
      const hasEvent = request.eventType !== undefined;
      if (hasWorkflow === hasEvent) {
        throw new InvalidInputError(
          'Pass exactly one of a workflow (workflow_dispatch) or an event type (repository_dispatch).',
          { input: hasWorkflow ? 'event_type' : 'workflow' },
        );
      }
      return hasWorkflow ? dispatchWorkflow(request, ctx) : dispatchRepository(request, ctx);
    },

    getRun(repo, runId, ctx): Promise<Run> {
      return run(
        {
          route: 'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
          repo,
          retry: 'safe',
          params: { owner: repo.owner, repo: repo.repo, run_id: runId },
        },
        ctx,
        errorContext('run', `read run ${runId} in ${repoName(repo)}`, false, ctx),
        (data) => mapRun(data as GitHubRun),
      );
    },

    listRuns(repo, filter: ListRunsFilter, ctx): Promise<RunPage> {
      const perPage = Math.min(100, Math.max(1, filter.perPage ?? 30));
      const page = Math.max(1, filter.page ?? 1);
      const workflow = filter.workflow === undefined ? undefined : workflowIdOf(filter.workflow);
      const params: Record<string, unknown> = {
        owner: repo.owner,
        repo: repo.repo,
        per_page: perPage,
        page,
        exclude_pull_requests: true,
        ...(workflow === undefined ? {} : { workflow_id: workflow }),
        ...(filter.event ? { event: filter.event } : {}),
        ...(filter.branch ? { branch: filter.branch } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        // Search syntax for dates (OpenAPI parameter `created`).
        ...(filter.createdAfter ? { created: `>=${filter.createdAfter}` } : {}),
      };
      const what = workflow === undefined ? '' : ` of workflow ${workflow}`;
      return run(
        {
          route:
            workflow === undefined
              ? 'GET /repos/{owner}/{repo}/actions/runs'
              : 'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
          repo,
          retry: 'safe',
          params,
        },
        ctx,
        errorContext('list', `list the runs${what} in ${repoName(repo)}`, false, ctx),
        (data) => {
          const body = data as { total_count?: number; workflow_runs?: GitHubRun[] };
          const runs = (body.workflow_runs ?? []).map(mapRun);
          return { runs, hasMore: (body.total_count ?? 0) > (page - 1) * perPage + runs.length };
        },
      );
    },

    listJobs(repo, runId, ctx, attempt) {
      return listJobPages(repo, runId, ctx, attempt);
    },

    async cancelRun(repo, runId, ctx) {
      try {
        await client.call(
          {
            route: 'POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel',
            repo,
            retry: 'safe',
            params: { owner: repo.owner, repo: repo.repo, run_id: runId },
          },
          ctx,
        );
      } catch (error) {
        // 409: "Cannot cancel a workflow run that is completed." — the goal is already reached.
        if (isOctokitError(error) && error.status === 409) {
          ctx?.debug?.(`cancel: run ${runId} had already completed (409)`);
          return;
        }
        throw toXrdError(
          error,
          errorContext('cancel', `cancel run ${runId} in ${repoName(repo)}`, true, ctx),
        );
      }
    },

    async getJobLog(repo, jobId, ctx, maxBytes = maxLogBytes) {
      const action = `read the log of job ${jobId} in ${repoName(repo)}`;
      // GitHub answers 302 with a short-lived blob URL; follow it ourselves, without credentials.
      const first = await run(
        {
          route: 'GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs',
          repo,
          retry: 'safe',
          conditional: false,
          redirect: 'manual',
          params: { owner: repo.owner, repo: repo.repo, job_id: jobId },
        },
        ctx,
        errorContext('run', action, false, ctx),
        (data, headers, status) => ({ data, headers, status }),
      );
      let text: string;
      const location = first.headers.location;
      if (first.status >= 300 && first.status < 400 && location !== undefined) {
        let response: Response;
        try {
          response = await client.download(String(location), 'GET (job log download)', ctx);
        } catch (error) {
          throw toXrdError(error, errorContext('run', action, false, ctx));
        }
        if (!response.ok) {
          throw toXrdError(
            Object.assign(new Error(`log download answered ${response.status}`), {
              name: 'HttpError',
              status: response.status,
              response: { headers: {}, data: await response.text().catch(() => '') },
            }),
            errorContext('run', action, false, ctx),
          );
        }
        text = await response.text();
      } else if (typeof first.data === 'string') {
        text = first.data;
      } else if (first.data instanceof ArrayBuffer) {
        text = Buffer.from(first.data).toString('utf8');
      } else {
        text = '';
      }
      return tailOf(text, maxBytes);
    },

    async setCommitStatus(repo, sha, status: CommitStatusInput, ctx) {
      // GitHub knows four states; Gitea's `warning` is closest to a failure a human should look at.
      const state =
        status.state === 'warning' ? 'failure' : status.state === 'skipped' ? 'success' : status.state;
      await run(
        {
          route: 'POST /repos/{owner}/{repo}/statuses/{sha}',
          repo,
          retry: 'safe',
          params: {
            owner: repo.owner,
            repo: repo.repo,
            sha,
            state,
            context: status.context,
            ...(status.description !== undefined
              ? { description: truncate(status.description, MAX_STATUS_DESCRIPTION) }
              : {}),
            ...(status.targetUrl !== undefined ? { target_url: status.targetUrl } : {}),
          },
        },
        ctx,
        errorContext(
          'status',
          `set the commit status "${status.context}" on ${sha.slice(0, 12)} in ${repoName(repo)}`,
          true,
          ctx,
        ),
        () => undefined,
      );
    },

    async listCommitStatuses(repo, sha, ctx): Promise<readonly CommitStatus[]> {
      // "List commit statuses for a reference": newest first, every update of every context. Each
      // page is a conditional GET (ETag cache per URL), so re-reading an unchanged commit is free.
      const statuses: CommitStatus[] = [];
      const action = `list the commit statuses of ${sha.slice(0, 12)} in ${repoName(repo)}`;
      for (let page = 1; page <= MAX_STATUS_PAGES; page++) {
        const batch = await run(
          {
            route: 'GET /repos/{owner}/{repo}/commits/{ref}/statuses',
            repo,
            retry: 'safe',
            params: { owner: repo.owner, repo: repo.repo, ref: sha, per_page: 100, page },
          },
          ctx,
          errorContext('status', action, false, ctx),
          (data) => (Array.isArray(data) ? (data as GitHubStatus[]) : []),
        );
        statuses.push(...batch.map(mapStatus));
        if (batch.length < 100) break;
      }
      return statuses;
    },

    async upsertComment(repo, issueNumber, marker, body, ctx): Promise<CommentResult> {
      if (!marker.trim()) {
        throw new InvalidInputError(
          'The comment marker is empty; pass a hidden marker such as <!-- xrd:… -->.',
          {
            input: 'marker',
          },
        );
      }
      const text = body.includes(marker) ? body : `${body}\n\n${marker}`;
      const where = `#${issueNumber} in ${repoName(repo)}`;
      let existing: { id: number; body?: string; html_url?: string } | undefined;
      for (let page = 1; page <= MAX_COMMENT_PAGES && !existing; page++) {
        const comments = await run(
          {
            route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
            repo,
            retry: 'safe',
            params: { owner: repo.owner, repo: repo.repo, issue_number: issueNumber, per_page: 100, page },
          },
          ctx,
          errorContext('comment', `list the comments of ${where}`, false, ctx),
          (data) =>
            Array.isArray(data) ? (data as Array<{ id: number; body?: string; html_url?: string }>) : [],
        );
        existing = comments.find((c) => typeof c.body === 'string' && c.body.includes(marker));
        if (comments.length < 100) break;
      }
      if (existing) {
        const id = existing.id;
        if (existing.body === text) {
          return { id, created: false, ...(existing.html_url ? { htmlUrl: existing.html_url } : {}) };
        }
        return run(
          {
            route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
            repo,
            retry: 'safe',
            params: { owner: repo.owner, repo: repo.repo, comment_id: id, body: text },
          },
          ctx,
          errorContext('comment', `edit comment ${id} on ${where}`, true, ctx),
          (data) => {
            const url = (data as { html_url?: unknown } | undefined)?.html_url;
            return { id, created: false, ...(typeof url === 'string' ? { htmlUrl: url } : {}) };
          },
        );
      }
      return run(
        {
          route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
          repo,
          // A repeated POST after a lost answer would post a second comment.
          retry: 'rejections-only',
          params: { owner: repo.owner, repo: repo.repo, issue_number: issueNumber, body: text },
        },
        ctx,
        errorContext('comment', `comment on ${where}`, true, ctx),
        (data) => {
          const created = data as { id: number; html_url?: unknown };
          return {
            id: created.id,
            created: true,
            ...(typeof created.html_url === 'string' ? { htmlUrl: created.html_url } : {}),
          };
        },
      );
    },
  };
  return forge;
}

/**
 * Bounds every request of `transport` — its answer and its body — to `ms`; the caller's own signal
 * still aborts it at once. The deadline ends with the request: an `AbortSignal.timeout` would live
 * on for `ms` after every request, holding the request's signal, listeners and state (measured in
 * the webhook service: some 17 MB held for a minute after 5,000 bridged runs).
 */
export function withDeadline(transport: typeof fetch, ms: number): typeof fetch {
  return async (input, init) => {
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DOMException(`no complete answer within ${ms} ms`, 'TimeoutError')),
      ms,
    );
    // The request's own socket keeps the process alive while it is under way; the timer must not.
    timer.unref?.();
    const caller = init?.signal ?? undefined;
    const onAbort = (): void => deadline.abort(caller?.reason);
    if (caller?.aborted) onAbort();
    else caller?.addEventListener('abort', onAbort, { once: true });
    const release = (): void => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    };
    let response: Response;
    try {
      response = await transport(input, { ...init, signal: deadline.signal });
    } catch (error) {
      release();
      throw error;
    }
    if (response.body === null) {
      release();
      return response;
    }
    // The body is read after this returns: the deadline covers it, and ends once it is read.
    const body = response.body.pipeThrough(
      new TransformStream<Uint8Array, Uint8Array>({ flush: release, cancel: release }),
    );
    return new Response(body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
