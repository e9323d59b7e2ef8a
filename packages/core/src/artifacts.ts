// Bringing a finished run's results home, the one way the action, the CLI and the webhook service
// do it: list the run's artifacts, download the ones asked for (names or globs) and extract each
// into its own folder — checked against the forge's digest, through the zip reader's checks, with
// nothing left behind when one fails — and read the run's outputs: the JSON object in its
// `xrd-outputs` artifact (docs: "Remote outputs" in the README; examples/*/target.yml publish one).
import { createHash, randomBytes } from 'node:crypto';
import { lstat, mkdir, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ArtifactResult } from './engine-types.js';
import { AbortedError, ArtifactError, isXrdError, type XrdError } from './errors.js';
import { repoName } from './internal.js';
import type { Artifact, CallContext, Forge, RepoRef } from './types.js';
import { entryContent, readZip, type ZipLimits } from './zip.js';

/** The artifact a target uploads to publish its outputs, and the file inside it. */
export const OUTPUTS_ARTIFACT = 'xrd-outputs';
export const OUTPUTS_FILE = 'outputs.json';
/** The outputs are a small JSON object, not a payload: 1 MiB at most. */
export const MAX_OUTPUTS_BYTES = 1024 * 1024;

export interface ArtifactLimits extends ZipLimits {
  /** Most bytes of one zip archive downloaded (the download stops there). */
  readonly maxArchiveBytes: number;
}

const GIB = 1024 * 1024 * 1024;
/** Defaults: generous for build output, far below what would exhaust a runner. */
export const ARTIFACT_LIMITS: ArtifactLimits = {
  maxArchiveBytes: GIB,
  maxFileBytes: GIB,
  maxTotalBytes: 4 * GIB,
  maxEntries: 10_000,
};

const OUTPUTS_LIMITS: ArtifactLimits = {
  maxArchiveBytes: MAX_OUTPUTS_BYTES,
  maxFileBytes: MAX_OUTPUTS_BYTES,
  maxTotalBytes: MAX_OUTPUTS_BYTES,
  maxEntries: 100,
};

/** What to bring home from a finished run. */
export interface ResultsRequest {
  /** Names or globs (`*`, `?`) of the artifacts to download; `[]` downloads none. */
  readonly download: readonly string[];
  /** Each downloaded artifact is extracted into `<dir>/<artifact name>` (relative to the cwd). */
  readonly dir: string;
  /** Read the run's outputs (its `xrd-outputs` artifact). */
  readonly outputs: boolean;
  readonly limits?: Partial<ArtifactLimits>;
}

/** Where the run lives and its web page (for the artifacts' links). */
export interface ResultsRun {
  readonly repo: RepoRef;
  readonly runId: number;
  readonly htmlUrl: string;
}

export interface RunResults {
  /** Every artifact of the run, with `path` on the ones downloaded. */
  readonly artifacts: readonly ArtifactResult[];
  /** With `request.outputs`: the run's outputs (`{}` when it published none). */
  readonly outputs?: Readonly<Record<string, unknown>>;
  /** Worth saying, failing nothing: a glob that matched nothing, a run without outputs. */
  readonly notes: readonly string[];
  /**
   * What went wrong with what was asked for (an artifact missing, expired, unsafe, too large, not
   * matching its digest; an outputs artifact without a JSON object). The run's result stands; the
   * caller decides what the failure means (the action and the CLI fail, after reporting the run).
   */
  readonly error?: XrdError;
}

/** Whether a request asks for anything at all (else no request is sent). */
export function wantsResults(request: ResultsRequest | undefined): request is ResultsRequest {
  return request !== undefined && (request.download.length > 0 || request.outputs);
}

/** `dist-*` → /^dist-.*$/; `?` is one character; everything else is literal. */
export function artifactPattern(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

const isGlob = (pattern: string) => /[*?]/.test(pattern);

/** The artifacts that match any pattern, in the forge's order, and the patterns that matched none. */
export function selectArtifacts<A extends Pick<Artifact, 'name'>>(
  artifacts: readonly A[],
  patterns: readonly string[],
): { readonly selected: A[]; readonly unmatched: string[] } {
  const regexps = patterns.map((p) => ({ p, re: artifactPattern(p) }));
  const selected = artifacts.filter((a) => regexps.some(({ re }) => re.test(a.name)));
  const unmatched = regexps.filter(({ re }) => !artifacts.some((a) => re.test(a.name))).map(({ p }) => p);
  return { selected, unmatched };
}

/**
 * Lists the run's artifacts and brings home what `request` asks for. Listing errors (no artifacts
 * API, the forge failing) reject; what goes wrong with single artifacts is collected in `error`, so
 * the other artifacts still arrive.
 */
export async function collectRunResults(
  forge: Forge,
  run: ResultsRun,
  request: ResultsRequest,
  ctx: CallContext = {},
): Promise<RunResults> {
  const limits: ArtifactLimits = { ...ARTIFACT_LIMITS, ...request.limits };
  const where = `${repoName(run.repo)} run ${run.runId}`;
  const listed = await forge.listArtifacts(run.repo, run.runId, ctx);
  const notes: string[] = [];
  const errors: XrdError[] = [];
  const paths = new Map<number, { path: string; files: number }>();

  const { selected, unmatched } = selectArtifacts(listed, request.download);
  for (const pattern of unmatched) {
    if (isGlob(pattern)) {
      notes.push(`No artifact of ${where} matches "${pattern}".`);
      continue;
    }
    const names = listed.map((a) => a.name).join(', ') || 'none';
    errors.push(
      new ArtifactError(
        'not-found',
        `${where} has no artifact named "${pattern}" (its artifacts: ${names}); check the name the target uploads.`,
        { artifact: pattern },
      ),
    );
  }
  for (const artifact of selected) {
    try {
      const bytes = await fetchArtifact(forge, run, artifact, limits.maxArchiveBytes, ctx);
      const label = `Artifact "${artifact.name}" of ${where}`;
      paths.set(artifact.id, await extractArchive(bytes, request.dir, artifact.name, limits, label));
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      if (!isXrdError(error)) throw error;
      errors.push(error);
    }
  }

  let outputs: Record<string, unknown> | undefined;
  if (request.outputs) {
    const artifact = listed.find((a) => a.name === OUTPUTS_ARTIFACT);
    if (!artifact) {
      notes.push(`${where} published no ${OUTPUTS_ARTIFACT} artifact, so it has no remote outputs.`);
      outputs = {};
    } else {
      try {
        const bytes = await fetchArtifact(forge, run, artifact, OUTPUTS_LIMITS.maxArchiveBytes, ctx);
        outputs = parseOutputs(bytes, `Artifact "${OUTPUTS_ARTIFACT}" of ${where}`);
      } catch (error) {
        if (error instanceof AbortedError || !isXrdError(error)) throw error;
        errors.push(error);
      }
    }
  }

  const page = run.htmlUrl.replace(/\/+$/, '');
  const artifacts = listed.map((a): ArtifactResult => {
    const got = paths.get(a.id);
    return {
      id: a.id,
      name: a.name,
      size: a.sizeInBytes,
      expired: a.expired,
      ...(a.digest !== undefined ? { digest: a.digest } : {}),
      htmlUrl: a.runPagePath !== undefined && page !== '' ? `${page}/${a.runPagePath}` : run.htmlUrl,
      ...(got ? { path: got.path, files: got.files } : {}),
    };
  });
  const error = combine(errors);
  return { artifacts, ...(outputs !== undefined ? { outputs } : {}), notes, ...(error ? { error } : {}) };
}

/** One error for several: the first, with the others' sentences after it. */
function combine(errors: readonly XrdError[]): XrdError | undefined {
  const [first, ...rest] = errors;
  if (!first || rest.length === 0) return first;
  const message = [first.message, ...rest.map((e) => e.message)].join(' ');
  if (errors.every((e) => e instanceof ArtifactError)) {
    return new ArtifactError((first as ArtifactError).problem, message, { cause: first });
  }
  return first;
}

/** Downloads one artifact's zip: refused when expired, checked against the forge's digest. */
async function fetchArtifact(
  forge: Forge,
  run: ResultsRun,
  artifact: Artifact,
  maxBytes: number,
  ctx: CallContext,
): Promise<Uint8Array> {
  const label = `Artifact "${artifact.name}" of ${repoName(run.repo)} run ${run.runId}`;
  if (artifact.expired) {
    const when = artifact.expiresAt ? ` on ${artifact.expiresAt.slice(0, 10)}` : '';
    throw new ArtifactError(
      'expired',
      `${label} expired${when}: the forge no longer keeps it (its retention period passed); run the workflow again to produce it.`,
      { artifact: artifact.name },
    );
  }
  if (artifact.sizeInBytes > maxBytes) {
    throw new ArtifactError(
      'too-large',
      `${label} is ${artifact.sizeInBytes} bytes, more than the limit of ${maxBytes}; it was not downloaded.`,
      { artifact: artifact.name },
    );
  }
  const bytes = await forge.downloadArtifact(run.repo, artifact, ctx, maxBytes);
  checkDigest(bytes, artifact, label);
  return bytes;
}

/** `sha256:<hex>` (github.com, upload-artifact v4+): the zip must hash to it. */
function checkDigest(bytes: Uint8Array, artifact: Artifact, label: string): void {
  if (artifact.digest === undefined) return;
  const match = /^sha256:([0-9a-f]{64})$/i.exec(artifact.digest);
  if (!match) return;
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== match[1]?.toLowerCase()) {
    throw new ArtifactError(
      'digest-mismatch',
      `${label} does not match its digest (${artifact.digest}, downloaded sha256:${actual}): it was changed or damaged on the way, so it was not extracted.`,
      { artifact: artifact.name },
    );
  }
}

/** An artifact name becomes a folder name: one path segment, nothing that escapes. */
function checkFolderName(name: string, label: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\x00-\x1f]/.test(name)) {
    throw new ArtifactError(
      'unsafe',
      `${label} has a name that cannot be a folder name; it was not extracted.`,
      { artifact: name },
    );
  }
}

/**
 * Extracts a zip into `<dir>/<name>`: first into a fresh hidden folder next to it (every entry
 * checked and inflated), then file by file into place, replacing files of the same path. Nothing is
 * moved until everything was extracted and every destination checked: a failure leaves the folder
 * as it was. A symbolic link in the way (a folder of the destination, or the destination itself) is
 * refused, so no file lands outside `<dir>/<name>`.
 */
export async function extractArchive(
  bytes: Uint8Array,
  dir: string,
  name: string,
  limits: ZipLimits,
  label: string,
): Promise<{ readonly path: string; readonly files: number }> {
  checkFolderName(name, label);
  const entries = readZip(bytes, limits, label);
  await mkdir(resolve(dir), { recursive: true });
  const root = await realpath(resolve(dir));
  const target = join(root, name);
  const temp = join(root, `.xrd-${randomBytes(6).toString('hex')}.partial`);
  await mkdir(temp);
  try {
    for (const entry of entries) {
      const at = join(temp, ...entry.path.split('/'));
      if (entry.directory) {
        await mkdir(at, { recursive: true });
        continue;
      }
      await mkdir(dirname(at), { recursive: true });
      // `wx`: the temp folder is new, so nothing may exist there yet (and nothing is followed).
      await writeFile(at, entryContent(bytes, entry, label), { flag: 'wx' });
    }
    await checkDestination(target, entries, label);
    await mkdir(target, { recursive: true });
    for (const entry of entries) {
      const to = join(target, ...entry.path.split('/'));
      if (entry.directory) await mkdir(to, { recursive: true });
      else {
        await mkdir(dirname(to), { recursive: true });
        await rename(join(temp, ...entry.path.split('/')), to);
      }
    }
  } finally {
    await rm(temp, { recursive: true, force: true });
  }
  return { path: target, files: entries.filter((e) => !e.directory).length };
}

/** Every folder on the way must be a real folder (or absent), every file a file (or absent). */
async function checkDestination(
  target: string,
  entries: readonly { path: string; directory: boolean }[],
  label: string,
): Promise<void> {
  const checked = new Map<string, 'dir' | 'file' | 'none'>();
  const kindOf = async (path: string): Promise<'dir' | 'file' | 'none'> => {
    const known = checked.get(path);
    if (known) return known;
    let kind: 'dir' | 'file' | 'none';
    try {
      const stat = await lstat(path);
      if (stat.isSymbolicLink()) {
        throw new ArtifactError(
          'unsafe',
          `${label} would be extracted through the symbolic link ${path}; remove it or choose another folder.`,
        );
      }
      kind = stat.isDirectory() ? 'dir' : 'file';
    } catch (error) {
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
      kind = 'none';
    }
    checked.set(path, kind);
    return kind;
  };
  if ((await kindOf(target)) === 'file') {
    throw new ArtifactError('unsafe', `${label} cannot be extracted: ${target} is a file; remove it.`);
  }
  for (const entry of entries) {
    const parts = entry.path.split('/');
    for (let i = 1; i < parts.length + (entry.directory ? 1 : 0); i++) {
      const folder = join(target, ...parts.slice(0, i));
      if ((await kindOf(folder)) === 'file') {
        throw new ArtifactError('unsafe', `${label} cannot be extracted: ${folder} is a file; remove it.`);
      }
    }
    if (!entry.directory && (await kindOf(join(target, ...parts))) === 'dir') {
      throw new ArtifactError(
        'unsafe',
        `${label} cannot be extracted: ${join(target, ...parts)} is a folder; remove it.`,
      );
    }
  }
}

/** The JSON object in an outputs artifact's `outputs.json`. */
export function parseOutputs(bytes: Uint8Array, label: string): Record<string, unknown> {
  const entries = readZip(bytes, OUTPUTS_LIMITS, label);
  const file = entries.find((e) => e.path === OUTPUTS_FILE && !e.directory);
  if (!file) {
    throw new ArtifactError(
      'invalid',
      `${label} holds no ${OUTPUTS_FILE} at its top level; upload the file itself (\`path: ${OUTPUTS_FILE}\`) as the artifact ${OUTPUTS_ARTIFACT}.`,
      { artifact: OUTPUTS_ARTIFACT },
    );
  }
  const text = entryContent(bytes, file, label).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError(
      'invalid',
      `${label}: ${OUTPUTS_FILE} is not valid JSON (${(error as Error).message}); write it with jq or toJSON.`,
      { artifact: OUTPUTS_ARTIFACT },
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ArtifactError(
      'invalid',
      `${label}: ${OUTPUTS_FILE} holds ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}, not a JSON object of outputs such as {"version": "1.2.3"}.`,
      { artifact: OUTPUTS_ARTIFACT },
    );
  }
  return value as Record<string, unknown>;
}
