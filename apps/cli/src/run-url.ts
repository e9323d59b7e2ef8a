// Turns the RUN argument of `xrd wait|status|cancel|logs` into where the run lives. RUN is either a
// bare run id (the repository then comes from --repo) or a run URL as a user copies it: the web page
// (`https://github.com/o/r/actions/runs/1`, `https://gitea.example/o/r/actions/runs/1`) or the API
// (`https://api.github.com/repos/o/r/actions/runs/1`, `https://HOST/api/v3/…` on GHES,
// `https://HOST[/sub]/api/v1/…` on Gitea and Forgejo).
import type { ForgeKind, RepoRef } from '@xrd/core';
import { InvalidInputError, readOption } from '@xrd/core';

export interface RunLocation {
  readonly runId: number;
  readonly repo?: RepoRef;
  /** Known only when the URL tells (github.com, /api/v3, /api/v1, a Gitea job link). */
  readonly forge?: ForgeKind;
  /** The forge's web root, from a web URL. */
  readonly serverUrl?: string;
  /** The API base, from an API URL. */
  readonly apiUrl?: string;
  /** A job id when the URL pointed at one job of the run. */
  readonly jobId?: number;
  readonly source: 'id' | 'api-url' | 'html-url';
}

const RUN_ID = /^[1-9]\d{0,15}$/;
// …/repos/{owner}/{repo}/actions/runs/{id}[/anything]
const API_PATH = /^(.*?)\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)(?:\/(.*))?$/;
// …/{owner}/{repo}/actions/runs/{id}[/job/{jid} | /jobs/{jid} | /attempts/{n} | …]
const HTML_PATH = /^(.*?)\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)(?:\/(.*))?$/;

function badRun(value: string, why: string): InvalidInputError {
  return new InvalidInputError(
    `RUN "${value}" ${why}; give a run id with --repo OWNER/NAME, or a run URL such as https://github.com/OWNER/NAME/actions/runs/123.`,
    { input: 'RUN' },
  );
}

function toId(text: string, value: string): number {
  const id = Number(text);
  if (!RUN_ID.test(text) || !Number.isSafeInteger(id)) throw badRun(value, 'has no valid run id');
  return id;
}

/** Which forge a URL belongs to, when its shape or host says so unambiguously. */
function forgeFromHost(host: string): ForgeKind | undefined {
  if (host === 'github.com' || host === 'www.github.com' || host === 'api.github.com') return 'github';
  // GitHub Enterprise Cloud with data residency: SUBDOMAIN.ghe.com, API at api.SUBDOMAIN.ghe.com.
  if (host.endsWith('.ghe.com')) return 'github';
  if (host === 'codeberg.org') return 'forgejo';
  if (host === 'gitea.com') return 'gitea';
  return undefined;
}

export function parseRunArgument(value: string): RunLocation {
  const text = value.trim();
  if (text === '') throw badRun(value, 'is empty');
  if (/^\d+$/.test(text)) return { runId: toId(text, value), source: 'id' };
  if (!/^https?:\/\//i.test(text)) throw badRun(value, 'is neither a run id nor an http(s) URL');
  // A run URL is a server URL too: the same refusal of `user:password@` (and control characters).
  readOption('server-url', text, { label: 'RUN' });

  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRun(value, 'is not a valid URL');
  }
  const origin = url.origin;
  const host = url.hostname.toLowerCase();
  const path = url.pathname.replace(/\/+$/, '');
  const hostForge = forgeFromHost(host);

  const api = API_PATH.exec(path);
  if (api) {
    const [, prefix = '', owner = '', repo = '', id = '', rest = ''] = api;
    let forge: ForgeKind | undefined = hostForge;
    if (/\/api\/v3$/.test(prefix)) forge = 'github';
    else if (/\/api\/v1$/.test(prefix)) forge = hostForge === 'forgejo' ? 'forgejo' : 'gitea';
    else if (prefix === '')
      forge = 'github'; // api.github.com style: the API at the server root.
    else throw badRun(value, `has an unknown API prefix "${prefix}"`);
    const jobMatch = /^jobs\/(\d+)/.exec(rest);
    return {
      runId: toId(id, value),
      repo: { owner: decodeURIComponent(owner), repo: decodeURIComponent(repo) },
      forge,
      apiUrl: origin + prefix,
      ...(jobMatch?.[1] ? { jobId: Number(jobMatch[1]) } : {}),
      source: 'api-url',
    };
  }

  const html = HTML_PATH.exec(path);
  if (html) {
    const [, prefix = '', owner = '', repo = '', id = '', rest = ''] = html;
    let forge = hostForge;
    // GitHub links one job as …/runs/{id}/job/{job_id}; Gitea and Forgejo as …/runs/{n}/jobs/{index}.
    const githubJob = /^job\/(\d+)/.exec(rest);
    if (!forge && githubJob) forge = 'github';
    if (!forge && /^jobs\/\d+/.test(rest)) forge = 'gitea';
    return {
      runId: toId(id, value),
      repo: { owner: decodeURIComponent(owner), repo: decodeURIComponent(repo) },
      ...(forge ? { forge } : {}),
      serverUrl: origin + prefix,
      ...(githubJob?.[1] ? { jobId: Number(githubJob[1]) } : {}),
      source: 'html-url',
    };
  }
  throw badRun(value, 'is not a workflow run URL (expected …/OWNER/NAME/actions/runs/ID)');
}
