// The Forge port for GitHub and GitHub Enterprise Server: Octokit's typed routes over the one
// transport (client.ts). This file knows GitHub's routes, shapes and limits, and what to say when
// GitHub refuses something; sending, retrying and classifying live below it.
import type {
  Artifact,
  CallContext,
  CommentResult,
  CommitState,
  CommitStatus,
  CommitStatusInput,
  Forge,
  ForgeCapabilities,
  ForgeDispatchRequest,
  ForgeDispatchResult,
  ListRunsFilter,
  RepoRef,
  Run,
  RunPage,
} from '@xrd/core';
import { ArtifactError, ForgeHttpError, InvalidInputError, redact } from '@xrd/core';
import { editKnownComment, MAX_DESCRIPTION, serverTimeOf, tailBytes, truncate } from '@xrd/core/kit';
import { createTransport, headerOf, type Operation, serverMessage } from '@xrd/transport';
import { type AuthProvider, createGitHubAppAuth, createTokenAuth } from './auth.js';
import { type Call, createClient, isAnswerError } from './client.js';
import { type GitHubJob, type GitHubRun, mapJob, mapRun } from './map.js';
import type { GitHubForgeOptions } from './options.js';

/**
 * GitHub lists a new run a few seconds after the dispatch answers (the run itself can be read by id
 * at once): observed by convictional/trigger-workflow-and-wait ("it at times can take a few seconds
 * to start") and dbt-labs/actions#107; forge-sim's default listing delay is 3 s. A list read sooner
 * shows nothing and costs a counted request; later reads of an unchanged list are free 304s.
 */
const LISTING_DELAY_MS = 5_000;

/** The API version from which a workflow dispatch always answers 200 with the run. */
const RUN_DETAILS_API_VERSION = '2026-03-10';

/** GitHub's limits on a repository_dispatch `client_payload` (OpenAPI: maxProperties 10, < 64KB). */
const MAX_PAYLOAD_KEYS = 10;
const MAX_PAYLOAD_BYTES = 64 * 1024;
/** `inputs` of a workflow_dispatch: maxProperties 25 (OpenAPI `actions/create-workflow-dispatch`). */
const MAX_INPUTS = 25;
const GITHUB_COMMIT_STATES: readonly CommitState[] = ['pending', 'success', 'failure', 'error'];
const MAX_COMMENT_PAGES = 50;
const MAX_JOB_PAGES = 10;
/** 10 pages of 100 artifacts per run. */
const MAX_ARTIFACT_PAGES = 10;
/**
 * GitHub keeps at most 1 000 statuses per sha and context ("Create a commit status": "limit of 1000
 * statuses per sha and context"); 10 pages of 100 cover one context's whole history.
 */
const MAX_STATUS_PAGES = 10;

const DISPATCH: Operation = { kind: 'dispatch', write: true };
const DISPATCH_READ: Operation = { kind: 'dispatch', write: false };
const RUN_READ: Operation = { kind: 'run', write: false };
const REPORT_READ: Operation = { kind: 'report', write: false };
const REPORT_WRITE: Operation = { kind: 'report', write: true };

/** The forge's clock from an answer's `Date` header, as `ForgeDispatchResult.serverTime`. */
function serverClock(headers: Readonly<Record<string, unknown>> | undefined): { serverTime?: number } {
  const serverTime = serverTimeOf(headers?.date);
  return serverTime !== undefined ? { serverTime } : {};
}

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
function isRunDetailsKeyRejection(error: { status?: number; message: string }): boolean {
  return (
    error.status === 400 &&
    /return_run_details/.test(error.message) &&
    /not (a )?permitted|not allowed|unknown|unexpected/i.test(error.message)
  );
}

function hint422(message: string | undefined, ref: string | undefined): string {
  const text = message ?? '';
  if (/workflow_dispatch/i.test(text)) {
    return `add \`on: workflow_dispatch\` to the workflow${ref ? ` on ref ${ref}` : ''}`;
  }
  if (/no ref found|ref .*not found|unknown ref/i.test(text)) {
    return 'pass a branch or tag that exists in the target repository';
  }
  if (/input/i.test(text)) {
    return 'pass only inputs the workflow declares under `on.workflow_dispatch.inputs`, and every required one';
  }
  return 'fix the request as the message says';
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

/** `artifact` (OpenAPI `components/schemas/artifact`); `digest` on github.com only, not in GHES 3.19's. */
interface GitHubArtifact {
  readonly id: number;
  readonly name: string;
  readonly size_in_bytes: number;
  readonly expired: boolean;
  readonly digest?: string | null;
  readonly created_at?: string | null;
  readonly expires_at?: string | null;
  readonly archive_download_url: string;
}

function mapArtifact(raw: GitHubArtifact): Artifact {
  return {
    id: raw.id,
    name: raw.name,
    sizeInBytes: raw.size_in_bytes,
    expired: raw.expired,
    ...(typeof raw.digest === 'string' ? { digest: raw.digest } : {}),
    ...(typeof raw.created_at === 'string' ? { createdAt: raw.created_at } : {}),
    ...(typeof raw.expires_at === 'string' ? { expiresAt: raw.expires_at } : {}),
    archiveDownloadUrl: raw.archive_download_url,
    // upload-artifact v4's `artifact-url` output: <run page>/artifacts/<id> (a page that downloads it).
    runPagePath: `artifacts/${raw.id}`,
  };
}

function repoName(repo: RepoRef): string {
  return `${repo.owner}/${repo.repo}`;
}

interface Comment {
  readonly id: number;
  readonly body?: string;
  readonly html_url?: string;
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
  const isGhes = () => looksLikeGhes || enterpriseVersion !== undefined;
  /** Whether this server accepted `return_run_details`, once learned (a GHES that said 400 is not asked again). */
  let returnsRunDetails: boolean | undefined;
  /**
   * The dispatch currently finding out whether the server accepts `return_run_details`. Concurrent
   * dispatches wait for it instead of all being rejected with 400 and sent again: 50 parallel
   * dispatches would otherwise cost 100 writes and trip the secondary rate limit.
   */
  let runDetailsProbe: Promise<void> | undefined;

  let auth: AuthProvider = createTokenAuth(options.token, options.user);
  const transport = createTransport({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    retry: {
      ...(options.retry?.retries !== undefined ? { retries: options.retry.retries } : {}),
      ...(options.retry?.baseDelayMs !== undefined ? { baseDelayMs: options.retry.baseDelayMs } : {}),
      ...(options.retry?.maxWaitMs !== undefined ? { maxWaitMs: options.retry.maxWaitMs } : {}),
    },
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    minWriteIntervalMs: options.minWriteIntervalMs ?? 1000,
    ...(options.cacheSize !== undefined ? { cacheSize: options.cacheSize } : {}),
  });
  const client = createClient({
    baseUrl,
    transport,
    userAgent: options.userAgent ?? 'xrd-github/0.1.0',
    apiVersion,
    authorization: (repo) => auth.header(repo),
    secrets: () => auth.secrets,
    forgeName: () => (isGhes() ? 'GHES' : 'GitHub'),
    user: options.user,
    onHeaders: (headers) => {
      const version = headers['x-github-enterprise-version'];
      if (version !== undefined) enterpriseVersion = String(version);
    },
  });
  if (options.app) auth = createGitHubAppAuth(options.app, client.plainRequest);
  const maxLogBytes = options.maxLogBytes ?? 65_536;

  function call(
    op: Operation,
    action: string,
    retry: Call['retry'],
    repo: RepoRef | undefined,
    extra: Partial<Call> = {},
  ): Call {
    return { op, action, retry, ...(repo ? { repo } : {}), ...extra };
  }

  function returnsRunId(): boolean | 'unknown' {
    if (returnsRunDetails !== undefined) return returnsRunDetails;
    if (alwaysReturnsRun) return true;
    if (isGhes()) {
      // 3.20 is the last GHES without `return_run_details` (DESIGN.md); newer ones are tried.
      if (enterpriseVersion && compareVersions(enterpriseVersion, '3.20') <= 0) return false;
      return 'unknown';
    }
    return true;
  }

  let detection: Promise<void> | undefined;

  /** GHES reports its version in `GET /meta` (`installed_version`) and in the `x-github-enterprise-version` header. */
  function detectServer(ctx: CallContext | undefined): Promise<void> {
    if (!isGhes() || enterpriseVersion) return Promise.resolve();
    detection ??= client
      .request(
        'GET /meta',
        {},
        call({ kind: 'other', write: false }, 'read the server version', 'safe', undefined),
        ctx,
      )
      .then((response) => {
        const installed = (response.data as { installed_version?: unknown }).installed_version;
        if (typeof installed === 'string') enterpriseVersion = installed;
      })
      .catch((error: unknown) => {
        detection = undefined;
        ctx?.debug?.(`capabilities: GET /meta failed (${(error as Error).message}); GHES version unknown`);
      });
    return detection;
  }

  async function dispatchWorkflow(
    request: ForgeDispatchRequest,
    ctx?: CallContext,
  ): Promise<ForgeDispatchResult> {
    const workflow = workflowIdOf(request.workflow as string | number);
    const inputs = request.inputs ?? {};
    if (Object.keys(inputs).length > MAX_INPUTS) {
      throw new InvalidInputError(
        `GitHub accepts at most ${MAX_INPUTS} workflow inputs, and this dispatch carries ${Object.keys(inputs).length} (${Object.keys(inputs).join(', ')}); pass fewer inputs.`,
        { input: 'inputs' },
      );
    }
    await detectServer(ctx);
    if (!alwaysReturnsRun && returnsRunDetails === undefined && runDetailsProbe) {
      ctx?.debug?.('dispatch: waiting for a concurrent dispatch to learn whether run details are returned');
      await runDetailsProbe;
    }
    let endProbe: (() => void) | undefined;
    if (!alwaysReturnsRun && returnsRunDetails === undefined && !runDetailsProbe) {
      runDetailsProbe = new Promise<void>((resolve) => {
        endProbe = resolve;
      });
    }
    try {
      return await sendWorkflowDispatch(request, workflow, inputs, ctx);
    } finally {
      if (endProbe) {
        runDetailsProbe = undefined;
        endProbe();
      }
    }
  }

  async function sendWorkflowDispatch(
    request: ForgeDispatchRequest,
    workflow: string | number,
    inputs: Readonly<Record<string, string>>,
    ctx: CallContext | undefined,
  ): Promise<ForgeDispatchResult> {
    const action = `dispatch workflow ${workflow} in ${repoName(request.repo)} at ${request.ref}`;
    const dispatchCall = call(DISPATCH, action, 'never', request.repo, {
      say: (c, generic, said) =>
        c.situation === 'rejected'
          ? `${generic.replace(/; correct what it names\.$/, '')}; ${hint422(said, request.ref)}.`
          : undefined,
    });
    const send = (withDetails: boolean) =>
      client.request(
        'POST /repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches',
        {
          owner: request.repo.owner,
          repo: request.repo.repo,
          workflow_id: workflow,
          ref: request.ref,
          inputs,
          ...(withDetails ? { return_run_details: true } : {}),
        },
        dispatchCall,
        ctx,
      );
    const notes: string[] = [];
    const supported = returnsRunId();
    // From API version 2026-03-10 the key is gone and the answer is always 200 with the run.
    const askForDetails = !alwaysReturnsRun && supported !== false;
    if (!alwaysReturnsRun && supported === false) {
      notes.push(
        `${baseUrl} does not return run details (${enterpriseVersion ? `GHES ${enterpriseVersion}` : 'learned earlier'}); the run will be correlated.`,
      );
    }
    let response: Awaited<ReturnType<typeof send>>;
    try {
      response = await send(askForDetails);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      const said = isAnswerError(cause) ? (serverMessage(cause.response.data) ?? '') : '';
      const rejection = isAnswerError(cause) ? { status: cause.status, message: said } : undefined;
      if (!(askForDetails && rejection && isRunDetailsKeyRejection(rejection))) throw error;
      // A 400 is a certain rejection: nothing was dispatched, so sending again is safe.
      returnsRunDetails = false;
      const note = redact(
        `${baseUrl} rejected return_run_details (400: ${said}); dispatched again without it, the run will be correlated.`,
        auth.secrets,
      );
      notes.push(note);
      ctx?.debug?.(note);
      response = await send(false);
    }
    const data = response.data as
      | { workflow_run_id?: unknown; run_url?: unknown; html_url?: unknown }
      | undefined;
    const clock = serverClock(response.headers);
    if (response.status === 200 && typeof data?.workflow_run_id === 'number') {
      if (!alwaysReturnsRun) returnsRunDetails = true;
      return {
        path: 'run-details',
        runId: data.workflow_run_id,
        ...(typeof data.run_url === 'string' ? { runUrl: data.run_url } : {}),
        ...(typeof data.html_url === 'string' ? { htmlUrl: data.html_url } : {}),
        notes,
        ...clock,
      };
    }
    if (notes.length === 0) {
      notes.push(`${baseUrl} answered ${response.status} without run details; the run will be correlated.`);
    }
    return { path: 'none', notes, ...clock };
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
    const response = await client.request(
      'POST /repos/{owner}/{repo}/dispatches',
      { owner: request.repo.owner, repo: request.repo.repo, event_type: eventType, client_payload: payload },
      call(
        DISPATCH,
        `send repository_dispatch "${eventType}" to ${repoName(request.repo)}`,
        'never',
        request.repo,
      ),
      ctx,
    );
    return {
      path: 'none',
      notes: ['repository_dispatch never returns the run it starts; the run will be correlated.'],
      ...serverClock(response.headers),
    };
  }

  const forge: Forge = {
    kind: 'github',

    async capabilities(ctx) {
      await detectServer(ctx);
      const returns = returnsRunId();
      const limitations: string[] = [
        'Commit states "warning" and "skipped" do not exist on GitHub; they are sent as "failure" and "success".',
      ];
      if (returns === false) {
        limitations.unshift(
          'This server does not return the run of a workflow dispatch; runs are found by the correlation id (run-name or a step name).',
        );
      }
      return {
        kind: 'github',
        server: isGhes() ? (enterpriseVersion ? `GHES ${enterpriseVersion}` : 'GHES') : 'GitHub',
        returnsRunId: returns,
        repositoryDispatch: true,
        runApi: true,
        jobsApi: true,
        jobLogs: true,
        cancel: true,
        artifacts: true,
        workflowRunWebhooks: true,
        conditionalRequests: true,
        listingDelayMs: LISTING_DELAY_MS,
        commitStates: GITHUB_COMMIT_STATES,
        limitations,
      } satisfies ForgeCapabilities;
    },

    async getDefaultBranch(repo, ctx) {
      // "Get a repository": `default_branch` is required in full-repository. Read only to dispatch
      // there, so a missing repository is a refused dispatch, as it is when the ref is given.
      const response = await client.request(
        'GET /repos/{owner}/{repo}',
        { owner: repo.owner, repo: repo.repo },
        call(DISPATCH_READ, `read the default branch of ${repoName(repo)}`, 'safe', repo),
        ctx,
      );
      const branch = (response.data as { default_branch?: unknown } | null)?.default_branch;
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

    async getRun(repo, runId, ctx): Promise<Run> {
      const response = await client.request(
        'GET /repos/{owner}/{repo}/actions/runs/{run_id}',
        { owner: repo.owner, repo: repo.repo, run_id: runId },
        call(RUN_READ, `read run ${runId} in ${repoName(repo)}`, 'safe', repo),
        ctx,
      );
      return mapRun(response.data as GitHubRun);
    },

    async listRuns(repo, filter: ListRunsFilter, ctx): Promise<RunPage> {
      const perPage = Math.min(100, Math.max(1, filter.perPage ?? 30));
      const page = Math.max(1, filter.page ?? 1);
      const workflow = filter.workflow === undefined ? undefined : workflowIdOf(filter.workflow);
      const params = {
        owner: repo.owner,
        repo: repo.repo,
        per_page: perPage,
        page,
        exclude_pull_requests: true,
        ...(filter.event ? { event: filter.event } : {}),
        ...(filter.branch ? { branch: filter.branch } : {}),
        ...(filter.status ? { status: filter.status } : {}),
        // Search syntax for dates (OpenAPI parameter `created`).
        ...(filter.createdAfter ? { created: `>=${filter.createdAfter}` } : {}),
      };
      const how = call(
        RUN_READ,
        `list the runs${workflow === undefined ? '' : ` of workflow ${workflow}`} in ${repoName(repo)}`,
        'safe',
        repo,
      );
      const response =
        workflow === undefined
          ? await client.request('GET /repos/{owner}/{repo}/actions/runs', params, how, ctx)
          : await client.request(
              'GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs',
              { ...params, workflow_id: workflow },
              how,
              ctx,
            );
      const body = response.data as { total_count?: number; workflow_runs?: GitHubRun[] };
      const runs = (body.workflow_runs ?? []).map(mapRun);
      return { runs, hasMore: (body.total_count ?? 0) > (page - 1) * perPage + runs.length };
    },

    async listJobs(repo, runId, ctx, attempt) {
      const how = call(
        RUN_READ,
        `list the jobs of run ${runId}${attempt === undefined ? '' : ` attempt ${attempt}`} in ${repoName(repo)}`,
        'safe',
        repo,
      );
      const params = { owner: repo.owner, repo: repo.repo, run_id: runId };
      const jobs =
        attempt === undefined
          ? await client.paginate<GitHubJob>(
              'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs',
              params,
              how,
              ctx,
              MAX_JOB_PAGES,
            )
          : await client.paginate<GitHubJob>(
              'GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs',
              { ...params, attempt_number: attempt },
              how,
              ctx,
              MAX_JOB_PAGES,
            );
      return jobs.map(mapJob);
    },

    async cancelRun(repo, runId, ctx) {
      try {
        await client.request(
          'POST /repos/{owner}/{repo}/actions/runs/{run_id}/cancel',
          { owner: repo.owner, repo: repo.repo, run_id: runId },
          // Cancelling is idempotent: a repeated request changes nothing.
          call({ kind: 'run', write: true }, `cancel run ${runId} in ${repoName(repo)}`, 'safe', repo),
          ctx,
        );
        return 'requested';
      } catch (error) {
        // 409: "Cannot cancel a workflow run that is completed." — nothing to cancel.
        if ((error as { status?: number }).status === 409) {
          ctx?.debug?.(`cancel: run ${runId} had already completed (409)`);
          return 'already-completed';
        }
        throw error;
      }
    },

    async getJobLog(repo, jobId, ctx, maxBytes = maxLogBytes) {
      const how = call(RUN_READ, `read the log of job ${jobId} in ${repoName(repo)}`, 'safe', repo, {
        conditional: false,
        redirect: 'manual',
      });
      // GitHub answers 302 with a short-lived blob URL; follow it ourselves, without credentials.
      const first = await client.request(
        'GET /repos/{owner}/{repo}/actions/jobs/{job_id}/logs',
        { owner: repo.owner, repo: repo.repo, job_id: jobId },
        how,
        ctx,
      );
      const location = headerOf(first.headers as Record<string, string | number | undefined>, 'location');
      let text: string;
      if (first.status >= 300 && first.status < 400 && location !== undefined) {
        text = Buffer.from(await client.download(location, how, ctx)).toString('utf8');
      } else if (typeof first.data === 'string') {
        text = first.data;
      } else if ((first.data as unknown) instanceof ArrayBuffer) {
        text = Buffer.from(first.data as unknown as ArrayBuffer).toString('utf8');
      } else {
        text = '';
      }
      return tailBytes(text, maxBytes);
    },

    async listArtifacts(repo, runId, ctx): Promise<readonly Artifact[]> {
      // "List workflow run artifacts": `{ total_count, artifacts }`, per_page ≤ 100, Link paging.
      const artifacts = await client.paginate<GitHubArtifact>(
        'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts',
        { owner: repo.owner, repo: repo.repo, run_id: runId },
        call(RUN_READ, `list the artifacts of run ${runId} in ${repoName(repo)}`, 'safe', repo),
        ctx,
        MAX_ARTIFACT_PAGES,
      );
      return artifacts.map(mapArtifact);
    },

    async downloadArtifact(repo, artifact, ctx, maxBytes) {
      const what = `artifact "${artifact.name}" (${artifact.id}) of ${repoName(repo)}`;
      const how = call(RUN_READ, `download ${what}`, 'safe', repo, {
        conditional: false,
        redirect: 'manual',
      });
      // "Download an artifact": 302 to a storage URL valid for one minute, or 410 once it expired.
      let first: { status: number; headers: Record<string, string | number | undefined> };
      try {
        first = (await client.request(
          'GET /repos/{owner}/{repo}/actions/artifacts/{artifact_id}/{archive_format}',
          { owner: repo.owner, repo: repo.repo, artifact_id: artifact.id, archive_format: 'zip' },
          how,
          ctx,
        )) as never;
      } catch (error) {
        const status = (error as { status?: number }).status;
        if (status === 410 || status === 404) {
          throw new ArtifactError(
            status === 410 ? 'expired' : 'not-found',
            status === 410
              ? `${isGhes() ? 'GHES' : 'GitHub'} no longer keeps ${what} (410: it expired); run the workflow again to produce it.`
              : `${isGhes() ? 'GHES' : 'GitHub'} has no ${what} (404), or the token cannot read it.`,
            { status, artifact: artifact.name, cause: error },
          );
        }
        throw error;
      }
      const location = headerOf(first.headers, 'location');
      if (first.status < 300 || first.status >= 400 || location === undefined) {
        throw new ForgeHttpError(
          `${isGhes() ? 'GHES' : 'GitHub'} answered ${first.status} without a download location for ${what}.`,
          { status: first.status },
        );
      }
      // The storage URL is signed: it gets no credentials, and GitHub does not count it.
      return client.download(location, how, ctx, {
        maxBytes: maxBytes ?? Number.MAX_SAFE_INTEGER,
        tooLarge: (limit) =>
          new ArtifactError(
            'too-large',
            `The zip of ${what} is larger than ${limit} bytes; the download stopped there.`,
            {
              artifact: artifact.name,
            },
          ),
      });
    },

    async setCommitStatus(repo, sha, status: CommitStatusInput, ctx) {
      // GitHub knows four states; Gitea's `warning` is closest to a failure a human should look at.
      const state =
        status.state === 'warning' ? 'failure' : status.state === 'skipped' ? 'success' : status.state;
      const action = `set the commit status "${status.context}" on ${sha.slice(0, 12)} in ${repoName(repo)}`;
      await client.request(
        'POST /repos/{owner}/{repo}/statuses/{sha}',
        {
          owner: repo.owner,
          repo: repo.repo,
          sha,
          state,
          context: status.context,
          ...(status.description !== undefined
            ? { description: truncate(status.description, MAX_DESCRIPTION) }
            : {}),
          ...(status.targetUrl !== undefined ? { target_url: status.targetUrl } : {}),
        },
        // A commit status is idempotent per context (the newest wins), so it is retried like a read.
        call(REPORT_WRITE, action, 'safe', repo),
        ctx,
      );
    },

    async listCommitStatuses(repo, sha, ctx): Promise<readonly CommitStatus[]> {
      // "List commit statuses for a reference": newest first, every update of every context. Each
      // page is a conditional GET, so re-reading an unchanged commit is free.
      const statuses = await client.paginate<GitHubStatus>(
        'GET /repos/{owner}/{repo}/commits/{ref}/statuses',
        { owner: repo.owner, repo: repo.repo, ref: sha },
        call(
          REPORT_READ,
          `list the commit statuses of ${sha.slice(0, 12)} in ${repoName(repo)}`,
          'safe',
          repo,
        ),
        ctx,
        MAX_STATUS_PAGES,
      );
      return statuses.map(mapStatus);
    },

    async upsertComment(repo, issueNumber, marker, body, ctx, options): Promise<CommentResult> {
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
      const edit = async (id: number): Promise<CommentResult> => {
        const action = `edit comment ${id} on ${where}`;
        const response = await client.request(
          'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
          { owner: repo.owner, repo: repo.repo, comment_id: id, body: text },
          call(REPORT_WRITE, action, 'safe', repo),
          ctx,
        );
        const url = (response.data as { html_url?: unknown } | undefined)?.html_url;
        return { id, created: false, ...(typeof url === 'string' ? { htmlUrl: url } : {}) };
      };
      const findOrCreate = async (): Promise<CommentResult> => {
        const comments = await client.paginate<Comment>(
          'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
          { owner: repo.owner, repo: repo.repo, issue_number: issueNumber },
          call(REPORT_READ, `list the comments of ${where}`, 'safe', repo),
          ctx,
          MAX_COMMENT_PAGES,
        );
        const existing = comments.find((c) => typeof c.body === 'string' && c.body.includes(marker));
        if (existing) {
          if (existing.body === text) {
            const id = existing.id;
            return { id, created: false, ...(existing.html_url ? { htmlUrl: existing.html_url } : {}) };
          }
          return edit(existing.id);
        }
        const action = `comment on ${where}`;
        const response = await client.request(
          'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
          { owner: repo.owner, repo: repo.repo, issue_number: issueNumber, body: text },
          // A repeated POST after a lost answer would post a second comment.
          call(REPORT_WRITE, action, 'rejections-only', repo),
          ctx,
        );
        const created = response.data as { id: number; html_url?: unknown };
        return {
          id: created.id,
          created: true,
          ...(typeof created.html_url === 'string' ? { htmlUrl: created.html_url } : {}),
        };
      };
      return editKnownComment(options?.knownId, edit, findOrCreate, ctx);
    },
  };
  return forge;
}
