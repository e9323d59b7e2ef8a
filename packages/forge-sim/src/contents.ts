// The repository contents API (GitHub `GET /repos/{owner}/{repo}/contents/{path}`, Gitea and Forgejo
// `GET /repos/{owner}/{repo}/contents/{filepath}`) over the only files the sim knows: each workflow,
// rendered from its WorkflowSpec (workflow-yaml.ts), under `.github/workflows/` on GitHub dialects and
// `.gitea/workflows/` on Gitea and Forgejo, plus the directories above them. Workflows belong to the
// repository, not to a branch, so every branch (and every branch head's commit) has all of them.
import { createHash } from 'node:crypto';
import type { Reply, RequestContext } from './router.js';
import type { Repo, Workflow } from './store.js';
import { renderWorkflowYaml } from './workflow-yaml.js';

/** A ref the contents API accepted: as the client wrote it, and the commit it names. */
export interface ContentsRef {
  /** As given (or the default branch): GitHub and Gitea echo it in `url` as `?ref=`. */
  input: string;
  kind: 'branch' | 'commit';
  /** The branch name, or the commit sha for a commit. */
  name: string;
  sha: string;
}

export type ContentsEntry =
  | { type: 'file'; name: string; path: string; sha: string; size: number; text: string; workflow: Workflow }
  | { type: 'dir'; name: string; path: string; sha: string; size: 0 };

/** How a forge resolves `?ref=`. */
export interface RefRules {
  /** GitHub also takes `refs/heads/<branch>` and abbreviated commit shas (7+ hex digits). */
  fullRefsAndShortShas: boolean;
}

/**
 * Branch names, and the commits the sim knows (branch heads). Gitea's utils.ResolveRefCommit takes a
 * branch, a tag or a full-length commit id and nothing else; GitHub resolves like `git rev-parse`.
 */
export function resolveContentsRef(repo: Repo, raw: string | null, rules: RefRules): ContentsRef | undefined {
  const input = raw === null || raw === '' ? repo.defaultBranch : raw;
  const branch = rules.fullRefsAndShortShas ? input.replace(/^refs\/heads\//, '') : input;
  const head = repo.branches.get(branch);
  if (head !== undefined) return { input, kind: 'branch', name: branch, sha: head };
  const hex = input.toLowerCase();
  const minLength = rules.fullRefsAndShortShas ? 7 : 40;
  if (!/^[0-9a-f]+$/.test(hex) || hex.length < minLength || hex.length > 40) return undefined;
  for (const sha of repo.branches.values()) {
    if (sha.startsWith(hex)) return { input, kind: 'commit', name: sha, sha };
  }
  return undefined;
}

const rendered = new WeakMap<Workflow, { text: string; sha: string; size: number }>();

function fileOf(wf: Workflow) {
  let hit = rendered.get(wf);
  if (!hit) {
    const text = renderWorkflowYaml(wf.spec);
    const size = Buffer.byteLength(text);
    // The git blob id, as both forges report it in `sha`.
    const sha = createHash('sha1').update(`blob ${size}\0`).update(text).digest('hex');
    hit = { text, sha, size };
    rendered.set(wf, hit);
  }
  return hit;
}

/** The file or directory at `path` (no leading or trailing slash), or undefined. */
export function contentsAt(
  repo: Repo,
  path: string,
): { entry: ContentsEntry; children?: ContentsEntry[] } | undefined {
  const clean = path.replace(/^\/+|\/+$/g, '');
  if (clean === '') return undefined;
  const wf = repo.workflows.find((w) => w.path === clean);
  if (wf) return { entry: fileEntry(wf) };
  const children = new Map<string, ContentsEntry>();
  for (const w of repo.workflows) {
    if (!w.path.startsWith(`${clean}/`)) continue;
    const rest = w.path.slice(clean.length + 1);
    const slash = rest.indexOf('/');
    if (slash < 0) children.set(rest, fileEntry(w));
    else {
      const name = rest.slice(0, slash);
      if (!children.has(name)) children.set(name, dirEntry(repo, `${clean}/${name}`));
    }
  }
  if (children.size === 0) return undefined;
  const sorted = [...children.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { entry: dirEntry(repo, clean), children: sorted };
}

function fileEntry(wf: Workflow): ContentsEntry {
  const f = fileOf(wf);
  return {
    type: 'file',
    name: wf.path.slice(wf.path.lastIndexOf('/') + 1),
    path: wf.path,
    sha: f.sha,
    size: f.size,
    text: f.text,
    workflow: wf,
  };
}

function dirEntry(repo: Repo, path: string): ContentsEntry {
  // A stand-in tree id: stable while the files under it stay the same.
  const h = createHash('sha1').update(`tree ${path}`);
  for (const w of repo.workflows) if (w.path.startsWith(`${path}/`)) h.update(`${w.path}:${fileOf(w).sha}`);
  return { type: 'dir', name: path.slice(path.lastIndexOf('/') + 1), path, sha: h.digest('hex'), size: 0 };
}

/** `a/b c/d.yml` → `a/b%20c/d.yml` (each segment escaped, as both forges build their URLs). */
export function escapePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

export interface ContentsDialect {
  /** The path parameter's name in the forge's own template (`path` on GitHub, `filepath` on Gitea). */
  param: string;
  rules: RefRules;
  repoNotFound(): Reply;
  refNotFound(ref: string): Reply;
  pathNotFound(path: string): Reply;
  /** A file asked for directly (with its content). */
  file(repo: Repo, entry: ContentsEntry & { type: 'file' }, ref: ContentsRef): unknown;
  /** One entry of a directory listing (never with content). */
  listed(repo: Repo, entry: ContentsEntry, ref: ContentsRef): unknown;
}

/** The GET handler, the same on every forge but for the shapes and error answers. */
export function contentsHandler(repoOf: (ctx: RequestContext) => Repo | undefined, d: ContentsDialect) {
  return (ctx: RequestContext): Reply => {
    const repo = repoOf(ctx);
    if (!repo) return d.repoNotFound();
    const raw = ctx.query.get('ref');
    const ref = resolveContentsRef(repo, raw === null ? null : raw.trim(), d.rules);
    if (!ref) return d.refNotFound(raw ?? '');
    const path = ctx.params[d.param] ?? '';
    const found = contentsAt(repo, path);
    if (!found) return d.pathNotFound(path);
    if (found.children) return { status: 200, body: found.children.map((e) => d.listed(repo, e, ref)) };
    const entry = found.entry;
    if (entry.type !== 'file') return d.pathNotFound(path);
    return { status: 200, body: d.file(repo, entry, ref) };
  };
}
