// The simulator's HTTP server: node:http only (no framework), so it is never the bottleneck of a
// benchmark. One request goes: control routes (/_sim, uncounted) → web pages → API: faults, auth,
// primary/secondary rate limits (GitHub dialects), the dialect's handler, ETag/304, stats.
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { constants as zlib, gzipSync } from 'node:zlib';
import { buildControlRouter } from './control.js';
import { buildGiteaRouter } from './gitea-routes.js';
import { buildGitHubRouter } from './github-routes.js';
import { ownerId, SIM_USER, type Urls } from './github-shapes.js';
import { RateLimits } from './limits.js';
import type { Reply, RequestContext, Router } from './router.js';
import { sampleSeed } from './sample.js';
import { type SimEvent, Store } from './store.js';
import type { Dialect, SimOptions, SimSeed } from './types.js';
import { DIALECTS } from './types.js';
import { buildWebRouter } from './web.js';
import { Webhooks } from './webhooks.js';

export interface RouteStats {
  total: number;
  counted: number;
  notModified: number;
}

export interface SimStats {
  requests: RouteStats;
  byRoute: Record<string, RouteStats>;
}

export type FaultKind = '5xx' | 'drop' | 'slow' | 'lose-dispatch-answer' | 'rate-limit' | 'secondary-limit';

export interface Fault {
  kind: FaultKind;
  count: number;
  method?: string;
  path?: RegExp;
  status?: number;
  delayMs?: number;
}

export interface NoiseSource {
  owner: string;
  repo: string;
  workflow: string;
  event: string;
  ref: string | undefined;
  perMinute: number;
  timer: NodeJS.Timeout;
}

const GITHUB_DOCS = 'https://docs.github.com/rest';

export function isGitHubDialect(d: Dialect): boolean {
  return d === 'github' || d.startsWith('ghes-');
}

/**
 * The version a GHES dialect reports: `installed_version` of `GET /meta` (GHES description
 * `api-overview`, example "3.19.0", in @octokit/openapi's generated/ghes-3.19.json) and the
 * `x-github-enterprise-version` header on every API answer.
 */
export function ghesVersion(d: Dialect): string | undefined {
  return d.startsWith('ghes-') ? `${d.slice('ghes-'.length)}.0` : undefined;
}

/**
 * How long GitHub takes to list a new run: the dispatch answers at once, the run lists show the run a
 * few seconds later. Observed by clients: convictional/trigger-workflow-and-wait waits 10 s before its
 * first look ("it at times can take a few seconds to start"), dbt-labs/actions#107 added a wait because
 * `gh run list` did not show the run just dispatched, lasith-kg/dispatch-workflow retries with backoff
 * from 200 ms. 3 s sits in that range. Gitea and Forgejo insert the run in the dispatch's own
 * transaction (Forgejo services/actions/workflows.go InsertRun), so they list it at once.
 */
export const GITHUB_LISTING_DELAY_MS = 3000;

/** Who a request is, for GitHub's per-user budgets. */
export interface Identity {
  /** Rate-limit bucket key. */
  key: string;
  login: string;
  id: number;
}

export class SimCore {
  readonly dialect: Dialect;
  readonly timeScale: number;
  readonly store: Store;
  readonly limits: RateLimits;
  readonly webhooks: Webhooks;
  urls: Urls = { api: '', web: '' };
  url = '';
  apiUrl = '';
  readonly faults: Fault[] = [];
  readonly noise: NoiseSource[] = [];
  tokens: Set<string> | undefined;
  /** token → user login (SimOptions.users, POST /_sim/auth {users}). */
  readonly users = new Map<string, string>();
  /** Tokens that may read but not write (POST /_sim/auth {readOnly}): a token without the scope. */
  readonly readOnly = new Set<string>();
  private stats: SimStats = { requests: { total: 0, counted: 0, notModified: 0 }, byRoute: {} };
  private readonly api: Router;
  private readonly control: Router;
  private readonly web: Router;
  readonly prefix: string;
  /** Signs download URLs (Gitea's raw artifact route); new for every sim. */
  readonly secret = randomBytes(16);

  constructor(options: SimOptions) {
    this.dialect = options.dialect ?? 'github';
    if (!DIALECTS.includes(this.dialect)) {
      throw new Error(`Unknown dialect "${this.dialect}": use one of ${DIALECTS.join(', ')}.`);
    }
    this.timeScale = options.timeScale ?? 1;
    if (!(this.timeScale > 0)) throw new Error('timeScale must be a positive number, e.g. 1 or 60.');
    const gh = isGitHubDialect(this.dialect);
    this.prefix = this.dialect === 'github' ? '' : gh ? '/api/v3' : '/api/v1';
    this.webhooks = new Webhooks(this);
    const clockOffsetMs = options.clockOffsetMs ?? 0;
    this.store = new Store({
      timeScale: this.timeScale,
      ...(clockOffsetMs !== 0 ? { now: () => Date.now() + clockOffsetMs } : {}),
      listingDelayMs: options.listingDelayMs ?? (gh ? GITHUB_LISTING_DELAY_MS : 0),
      // A workflow without `name:` is named by its path on GitHub (docs "Workflow syntax": name) and on
      // Forgejo (services/actions/workflows.go: `title = fullWorkflowID`).
      ...(gh || this.dialect === 'forgejo' ? { unnamedWorkflow: (_file: string, path: string) => path } : {}),
      workflowDir: gh ? '.github/workflows' : '.gitea/workflows',
      // GitHub run ids are large and unrelated to run numbers; Gitea's are global row ids, so they
      // differ from the per-repo run number (index) too. Tests then catch a client that mixes them.
      runIdBase: gh ? 9_000_000_001 : 301,
      jobIdBase: gh ? 25_000_000_001 : 701,
      artifactIdBase: gh ? 4_200_000_001 : 31,
      onEvent: (e: SimEvent) => this.webhooks.emit(e),
    });
    // Budgets reset by the forge's clock, as their `x-ratelimit-reset` says.
    this.limits = new RateLimits(options.rateLimit ?? 5000, options.secondaryLimitPerMinute ?? 0, () =>
      this.store.now(),
    );
    for (const [token, login] of Object.entries(options.users ?? {})) this.users.set(token, login);
    this.api = gh ? buildGitHubRouter(this) : buildGiteaRouter(this);
    this.control = buildControlRouter(this);
    this.web = buildWebRouter(this);
    this.seed(options.seed ?? sampleSeed(this.dialect));
  }

  get isGitHub(): boolean {
    return isGitHubDialect(this.dialect);
  }

  /**
   * The user a request acts as. GitHub keeps the primary budget per user: "all of these requests
   * count towards your personal rate limit" (docs "Rate limits for the REST API"), whether a personal
   * access token or Basic auth carries them. A secret mapped in `users` is that user's; Basic auth with
   * any other password is the user it names; a token nobody mapped stands for a user of its own.
   */
  identify(creds: Credentials | undefined): Identity | undefined {
    if (!creds) return undefined;
    const login = this.users.get(creds.secret) ?? creds.username;
    if (login !== undefined) {
      return {
        key: `user:${login.toLowerCase()}`,
        login,
        id: login === SIM_USER.login ? SIM_USER.id : ownerId(login),
      };
    }
    const hash = createHash('sha1').update(creds.secret).digest();
    return {
      key: `token:${hash.toString('hex')}`,
      login: SIM_USER.login,
      id: 5_000_000 + (hash.readUInt32BE(0) % 1_000_000),
    };
  }

  seed(seed: SimSeed): void {
    for (const r of seed.repos) {
      const repo = this.store.addRepo(r.owner, r.repo, r.defaultBranch ?? 'main', r.branches ?? []);
      for (const wf of r.workflows ?? []) this.store.addWorkflow(repo, wf);
      for (const p of r.pulls ?? []) this.store.addPull(repo, p);
    }
    for (const h of seed.hooks ?? []) this.webhooks.add(h);
  }

  getStats(): SimStats {
    return structuredClone(this.stats);
  }

  resetStats(): void {
    this.stats = { requests: { total: 0, counted: 0, notModified: 0 }, byRoute: {} };
  }

  private record(key: string, counted: boolean, notModified: boolean): void {
    const s = this.stats;
    let r = s.byRoute[key];
    if (!r) {
      r = { total: 0, counted: 0, notModified: 0 };
      s.byRoute[key] = r;
    }
    s.requests.total++;
    r.total++;
    if (counted) {
      s.requests.counted++;
      r.counted++;
    }
    if (notModified) {
      s.requests.notModified++;
      r.notModified++;
    }
  }

  /** An error body in the forge's own format. */
  error(status: number, message: string, extra: Record<string, unknown> = {}): Reply {
    if (this.isGitHub) {
      return {
        status,
        body: { message, documentation_url: `${GITHUB_DOCS}`, status: String(status), ...extra },
      };
    }
    return { status, body: { message, url: `${this.url}/api/swagger`, ...extra } };
  }

  takeFault(method: string, path: string, kinds: FaultKind[]): Fault | undefined {
    for (let i = 0; i < this.faults.length; i++) {
      const f = this.faults[i]!;
      if (!kinds.includes(f.kind)) continue;
      if (f.method && f.method.toUpperCase() !== method) continue;
      if (f.path && !f.path.test(path)) continue;
      f.count--;
      if (f.count <= 0) this.faults.splice(i, 1);
      return f;
    }
    return undefined;
  }

  // ---- the request pipeline ---------------------------------------------------------------

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const rawUrl = req.url ?? '/';
    const q = rawUrl.indexOf('?');
    const fullPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
    const query = new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : '');
    // Every answer carries the forge's clock, the one its runs are stamped with (RFC 9110 §6.6.1: an
    // origin server with a clock MUST send Date); Node would send this machine's (`clockOffsetMs`).
    res.setHeader('date', new Date(this.store.now()).toUTCString());

    if (fullPath.startsWith('/_sim/')) {
      const m = this.control.match(method, fullPath);
      if (!m) return send(res, { status: 404, body: { message: `No control route ${method} ${fullPath}` } });
      const { body, raw } = await readBody(req);
      let parsed: unknown;
      try {
        parsed = raw ? JSON.parse(raw) : {};
      } catch {
        return send(res, { status: 400, body: { message: 'Body is not valid JSON.' } });
      }
      void body;
      const ctx: RequestContext = {
        req,
        method,
        path: fullPath,
        params: m.params,
        query,
        body: parsed,
        rawBody: raw,
        token: undefined,
        headers: req.headers,
      };
      try {
        return send(res, await m.handler(ctx));
      } catch (err) {
        return send(res, { status: 400, body: { message: (err as Error).message } });
      }
    }

    let apiPath: string | undefined;
    if (this.prefix === '' || fullPath === this.prefix || fullPath.startsWith(`${this.prefix}/`)) {
      apiPath = fullPath.slice(this.prefix.length) || '/';
    }
    if (this.dialect === 'forgejo' && fullPath.startsWith('/api/forgejo/v1/')) {
      apiPath = fullPath.slice('/api/forgejo/v1'.length).replace(/^\/version$/, '/_forgejo/version');
    }
    const match = apiPath !== undefined ? this.api.match(method, apiPath) : undefined;
    if (!match) {
      const w = this.web.match(method, fullPath);
      if (w) {
        const ctx = this.context(req, method, fullPath, w.params, query, undefined, '');
        return send(res, await w.handler(ctx));
      }
    }
    if (apiPath === undefined) return send(res, { status: 404, text: 'Not Found' });

    // Faults happen before anything else, as a proxy or load balancer in front of the forge would.
    const fault = this.takeFault(method, fullPath, ['5xx', 'drop', 'slow', 'rate-limit', 'secondary-limit']);
    const key = match ? `${method} ${match.route.template}` : `${method} (unmatched)`;
    if (fault) {
      if (fault.kind === 'drop') {
        this.record(key, true, false);
        req.socket.destroy();
        return;
      }
      if (fault.kind === 'slow') await sleep(fault.delayMs ?? 2000);
      if (fault.kind === '5xx') {
        this.record(key, true, false);
        const status = fault.status ?? 502;
        return send(res, {
          status,
          body: this.isGitHub ? { message: 'Server Error' } : { message: 'Internal Server Error' },
        });
      }
      if (fault.kind === 'rate-limit') {
        // Like a spent budget's 403 below: an answer that refuses the request costs nothing.
        this.record(key, false, false);
        const reset = Math.ceil(this.store.now() / 1000) + 60;
        return send(res, {
          status: fault.status ?? 403,
          headers: {
            'x-ratelimit-limit': String(this.limits.limit),
            'x-ratelimit-remaining': '0',
            'x-ratelimit-used': String(this.limits.limit),
            'x-ratelimit-reset': String(reset),
            'x-ratelimit-resource': 'core',
            'retry-after': String(Math.ceil((fault.delayMs ?? 1000) / 1000)),
          },
          body: { message: 'API rate limit exceeded for user ID 4242.', documentation_url: RATE_DOCS },
        });
      }
      if (fault.kind === 'secondary-limit') {
        this.record(key, true, false);
        // GitHub answers a secondary limit with 403 or 429 ("Rate limits for the REST API" →
        // "Exceeding the secondary rate limit"); the fault's status picks which.
        const reply = secondaryReply(Math.ceil((fault.delayMs ?? 1000) / 1000));
        return send(res, fault.status === undefined ? reply : { ...reply, status: fault.status });
      }
    }

    const creds = parseCredentials(req.headers.authorization);
    const token = creds?.secret;
    const gh = this.isGitHub;
    const anonymousRead = token === undefined && method === 'GET' && gh;
    if (this.tokens && !anonymousRead && (token === undefined || !this.tokens.has(token))) {
      this.record(key, true, false);
      return send(
        res,
        gh ? this.error(401, 'Bad credentials') : { status: 401, body: { message: 'user does not exist' } },
      );
    } else if (token !== undefined && this.readOnly.has(token) && method !== 'GET' && method !== 'HEAD') {
      // A token without write access. GitHub (fine-grained PAT or app token): 403 "Resource not
      // accessible by …" naming the permission it lacks in X-Accepted-GitHub-Permissions (docs:
      // "Troubleshooting the REST API" → "Resource not accessible"). Gitea and Forgejo: 403 from the
      // scope check of routers/api/v1/api.go (tokenRequiresScopes), whose message is
      // "token does not have at least one of required scope(s): [write:…]".
      this.record(key, true, false);
      return send(
        res,
        gh
          ? {
              ...this.error(403, 'Resource not accessible by personal access token'),
              headers: {
                ...this.githubHeaders(),
                'x-accepted-github-permissions': githubWritePermission(apiPath),
              },
            }
          : {
              status: 403,
              body: {
                message: `token does not have at least one of required scope(s): [${apiPath.includes('/issues/') ? 'write:issue' : 'write:repository'}]`,
                url: `${this.url}/api/swagger`,
              },
            },
      );
    } else if (token === undefined && method !== 'GET') {
      this.record(key, true, false);
      return send(
        res,
        gh
          ? this.error(401, 'Requires authentication')
          : { status: 401, body: { message: 'token is required' } },
      );
    }

    // GitHub: GET /rate_limit does not count against the budget ("Rate limits for the REST API").
    const isRateLimitRoute = apiPath === '/rate_limit';
    const identity = this.identify(creds);
    const bucketKey = identity?.key ?? 'anonymous';
    const bucket = gh ? this.limits.bucket(bucketKey) : undefined;
    const gzip = gh && acceptsGzip(req.headers['accept-encoding']);
    if (bucket && !isRateLimitRoute && bucket.remaining <= 0) {
      // Refused, and not counted: the budget is already spent (the answer's x-ratelimit-used stays at
      // the limit, x-ratelimit-remaining at 0 — docs "Rate limits for the REST API", "Exceeding the
      // primary rate limit").
      this.record(key, false, false);
      return send(
        res,
        {
          status: 403,
          headers: { ...this.limits.headers(bucket), ...this.githubHeaders() },
          body: {
            message: `API rate limit exceeded for user ID ${identity?.id ?? SIM_USER.id}. If you reach out to GitHub Support for help, please include the request ID.`,
            documentation_url: RATE_DOCS,
          },
        },
        gzip,
      );
    }
    if (gh && method !== 'GET' && method !== 'HEAD') {
      const wait = this.limits.secondary(bucketKey);
      if (wait !== undefined) {
        if (bucket) bucket.remaining = Math.max(0, bucket.remaining - 1);
        this.record(key, true, false);
        const reply = secondaryReply(wait);
        reply.headers = {
          ...reply.headers,
          ...(bucket ? this.limits.headers(bucket) : {}),
          ...this.githubHeaders(),
        };
        return send(res, reply, gzip);
      }
    }

    let reply: Reply;
    let rawBody = '';
    let parsed: unknown;
    if (method !== 'GET' && method !== 'HEAD') {
      rawBody = (await readBody(req)).raw;
      if (rawBody.length > 0) {
        try {
          parsed = JSON.parse(rawBody);
        } catch {
          parsed = PARSE_ERROR;
        }
      }
    }
    if (!match) {
      reply = gh ? this.error(404, 'Not Found') : { status: 404, body: { message: 'Not Found' } };
    } else if (parsed === PARSE_ERROR) {
      reply = gh ? this.error(400, 'Problems parsing JSON') : this.error(400, 'invalid JSON body');
    } else {
      const ctx = this.context(req, method, apiPath, match.params, query, parsed, rawBody, token, identity);
      try {
        reply = await match.handler(ctx);
      } catch (err) {
        reply = { status: 500, body: { message: `sim error: ${(err as Error).message}` } };
      }
    }

    // Conditional GETs: a matching If-None-Match answers 304 and costs nothing (GitHub dialects).
    // Gitea and Forgejo send no ETag or Last-Modified on their API's JSON answers, so an
    // If-None-Match is ignored there: every action route ends in `ctx.JSON` (Gitea main 455dd203
    // routers/api/v1/repo/action.go:1215 GetWorkflowRun, :862 ListActionTasks,
    // routers/api/v1/shared/action.go:84 ListJobs, :190 ListRuns; Forgejo 12 7958942e
    // routers/api/v1/repo/action.go:853 GetActionRun, :795 ListActionRuns, :613 ListActionTasks),
    // `Base.JSON` sets only the content type (Gitea services/context/base.go:114, Forgejo :132), the
    // API router adds no caching middleware (Gitea routers/api/v1/api.go:867 Routes), and ETags come
    // only from modules/httpcache for blobs and raw files (Gitea routers/api/v1/repo/file.go:141).
    let notModified = false;
    const headers: Record<string, string> = { ...reply.headers };
    if (
      method === 'GET' &&
      reply.status === 200 &&
      (reply.body !== undefined || reply.json !== undefined) &&
      gh
    ) {
      const json = reply.json ?? JSON.stringify(reply.body);
      const etag = `W/"${createHash('sha1').update(json).digest('hex')}"`;
      headers.etag = etag;
      const inm = req.headers['if-none-match'];
      if (inm && etagMatches(inm, etag)) notModified = true;
      reply = { status: reply.status, text: json, contentType: 'application/json; charset=utf-8' };
    }
    const counted = !notModified && !isRateLimitRoute;
    if (bucket && counted) bucket.remaining = Math.max(0, bucket.remaining - 1);
    if (bucket) Object.assign(headers, this.limits.headers(bucket));
    if (gh) Object.assign(headers, this.githubHeaders());
    this.record(key, counted, notModified);

    if (match && method === 'POST' && /\/dispatches$/.test(apiPath) && reply.status < 300) {
      const lost = this.takeFault(method, fullPath, ['lose-dispatch-answer']);
      if (lost) {
        // The run exists now; the client never learns it (DESIGN: never blindly retry a dispatch).
        req.socket.destroy();
        return;
      }
    }
    if (notModified) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    send(res, { ...reply, headers }, gzip);
  }

  /** Headers on every GitHub API answer (and, on GHES, its version: see ghesVersion). */
  private githubHeaders(): Record<string, string> {
    const headers: Record<string, string> = {
      'x-github-media-type': 'github.v3; format=json',
      'x-github-request-id': `SIM:${(++requestSeq).toString(16)}`,
      // GitHub answers vary by these request headers (accept-encoding among them: it gzips on request).
      vary: 'Accept, Authorization, Cookie, X-GitHub-OTP, Accept-Encoding',
    };
    const version = ghesVersion(this.dialect);
    if (version) headers['x-github-enterprise-version'] = version;
    return headers;
  }

  private context(
    req: IncomingMessage,
    method: string,
    path: string,
    params: Record<string, string>,
    query: URLSearchParams,
    body: unknown,
    rawBody: string,
    token?: string,
    identity?: Identity,
  ): RequestContext {
    return { req, method, path, params, query, body, rawBody, token, identity, headers: req.headers };
  }
}

const RATE_DOCS =
  'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-the-primary-rate-limit';
const PARSE_ERROR = Symbol('parse-error');
let requestSeq = 0;

function secondaryReply(retryAfter: number): Reply {
  return {
    status: 403,
    headers: { 'retry-after': String(retryAfter) },
    body: {
      message:
        'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID.',
      documentation_url:
        'https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits',
    },
  };
}

function etagMatches(header: string, etag: string): boolean {
  const bare = etag.replace(/^W\//, '');
  return header
    .split(',')
    .map((s) => s.trim())
    .some((t) => t === '*' || t.replace(/^W\//, '') === bare);
}

export interface Credentials {
  /** The token, or Basic auth's password. */
  secret: string;
  /** Basic auth's user name. */
  username?: string;
}

export function parseCredentials(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const m = /^(token|bearer|basic)\s+(.+)$/i.exec(header.trim());
  if (!m) return undefined;
  const scheme = m[1]!.toLowerCase();
  const value = m[2]!.trim();
  if (scheme === 'basic') {
    // The reference action's `user` + `pat` pair: the password is the token.
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return { secret: decoded };
    const username = decoded.slice(0, i);
    return { secret: decoded.slice(i + 1), ...(username ? { username } : {}) };
  }
  return { secret: value };
}

/** `accept-encoding` names gzip with a non-zero quality. */
function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value.split(',').some((part) => {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    if (coding !== 'gzip' && coding !== 'x-gzip' && coding !== '*') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function readBody(req: IncomingMessage): Promise<{ body: undefined; raw: string }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve({ body: undefined, raw: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
  });
}

/** Sends a reply; gzipped (`content-encoding: gzip`) when `gzip` and there is a body, as GitHub does. */
export function send(res: ServerResponse, reply: Reply, gzip = false): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | Buffer | undefined;
  if (reply.json !== undefined) {
    payload = reply.json;
    headers['content-type'] = 'application/json; charset=utf-8';
  } else if (reply.text !== undefined) {
    payload = reply.text;
    headers['content-type'] = reply.contentType ?? 'text/plain; charset=utf-8';
  } else if (reply.bytes !== undefined) {
    payload = reply.bytes;
    headers['content-type'] = reply.contentType ?? 'application/octet-stream';
  } else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers['content-type'] = 'application/json; charset=utf-8';
  }
  if (gzip && payload !== undefined && payload.length > 0 && reply.bytes === undefined) {
    payload = gzipSync(payload, { level: zlib.Z_BEST_SPEED });
    headers['content-encoding'] = 'gzip';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  else if (reply.status !== 204 && reply.status !== 304) headers['content-length'] = '0';
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export interface Sim {
  readonly url: string;
  readonly apiUrl: string;
  readonly dialect: Dialect;
  readonly core: SimCore;
  stats(): SimStats;
  close(): Promise<void>;
}

/** Starts the simulator on 127.0.0.1 (port 0 = a free port). See docs/architecture.md. */
export async function startSim(options: SimOptions = {}): Promise<Sim> {
  const core = new SimCore(options);
  const sockets = new Set<Socket>();
  const server: Server = createServer({ keepAliveTimeout: 5000 }, (req, res) => {
    core.handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: { message: String(err) } });
      else res.destroy();
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  core.url = `http://${host}:${addr.port}`;
  core.apiUrl = core.url + core.prefix;
  core.urls = { api: core.apiUrl, web: core.url };
  let closed = false;
  return {
    url: core.url,
    apiUrl: core.apiUrl,
    dialect: core.dialect,
    core,
    stats: () => core.getStats(),
    async close() {
      if (closed) return;
      closed = true;
      core.store.close();
      core.webhooks.close();
      for (const n of core.noise) clearInterval(n.timer);
      core.noise.length = 0;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}

/**
 * The fine-grained permission GitHub names for a write (REST reference, "Fine-grained access tokens"
 * section of each endpoint): workflow dispatch and cancel need Actions, repository_dispatch Contents,
 * statuses Commit statuses, comments Issues or Pull requests.
 */
function githubWritePermission(apiPath: string): string {
  if (apiPath.endsWith('/dispatches') && !apiPath.includes('/actions/')) return 'contents=write';
  if (apiPath.includes('/actions/')) return 'actions=write';
  if (apiPath.includes('/statuses/')) return 'statuses=write';
  if (apiPath.includes('/issues/')) return 'issues=write; pull_requests=write';
  return 'contents=write';
}
