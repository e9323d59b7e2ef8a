// Validators over the official API descriptions vendored in ../../specs (GitHub OpenAPI 3.0 subset, Gitea
// Swagger 2.0, Forgejo Swagger 2.0; see specs/SOURCES.md) and @octokit/openapi-webhooks, for the
// fidelity tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = formatsModule as unknown as typeof formatsModule.default;
const require = createRequire(import.meta.url);
const specsDir = fileURLToPath(new URL('../../specs/', import.meta.url));

type Json = Record<string, unknown>;

/** OpenAPI 3.0 `nullable: true` → JSON Schema `type: [X, 'null']` (ajv does not know `nullable`). */
export function fromOpenApi30(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fromOpenApi30);
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === 'example' || k === 'examples' || k === 'x-github-breaking-changes') continue;
    out[k] = fromOpenApi30(v);
  }
  if (out.nullable === true) {
    delete out.nullable;
    if (typeof out.type === 'string') {
      out.type = [out.type, 'null'];
      if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    } else {
      return { anyOf: [out, { type: 'null' }] };
    }
  }
  return out;
}

function newAjv() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addFormat('int64', true);
  ajv.addFormat('int32', true);
  return ajv;
}

export const githubSpec = JSON.parse(readFileSync(`${specsDir}github-actions-subset.json`, 'utf8')) as Json;
export const giteaSpec = JSON.parse(readFileSync(`${specsDir}gitea-swagger.v1.json`, 'utf8')) as Json;

const ghAjv = newAjv();
ghAjv.addSchema(fromOpenApi30({ components: githubSpec.components }) as Json, 'gh');
/**
 * Swagger 2.0 cannot say "nullable", but Go encodes a nil pointer, slice or *time.Time as null: a
 * property that is a $ref, an array or a date-time may therefore be null in what Gitea really sends.
 */
// *string fields of Gitea's structs without omitempty (modules/structs/pull.go: MergedCommitID;
// modules/structs/repo_file.go: ContentsResponse's Encoding, Content, Target, URL, HTMLURL, GitURL,
// DownloadURL, SubmoduleGitURL — null for a listing entry, a directory, or a field of another type).
const GO_STRING_POINTERS = new Set([
  'PullRequest.merge_commit_sha',
  ...['encoding', 'content', 'target', 'url', 'html_url', 'git_url', 'download_url', 'submodule_git_url'].map(
    (k) => `ContentsResponse.${k}`,
  ),
]);
function goNullable(definitions: Record<string, Json>): Record<string, Json> {
  const out: Record<string, Json> = {};
  for (const [name, def] of Object.entries(definitions)) {
    const props = def.properties as Record<string, Json> | undefined;
    if (!props) {
      out[name] = def;
      continue;
    }
    const next: Record<string, Json> = {};
    for (const [k, v] of Object.entries(props)) {
      if (v.$ref) next[k] = { anyOf: [v, { type: 'null' }] };
      else if (v.type === 'array' || v.format === 'date-time' || GO_STRING_POINTERS.has(`${name}.${k}`)) {
        next[k] = { ...v, type: [v.type, 'null'] };
      } else next[k] = v;
    }
    out[name] = { ...def, properties: next };
  }
  return out;
}
const giteaAjv = newAjv();
giteaAjv.addSchema(
  { definitions: goNullable(giteaSpec.definitions as Record<string, Json>) } as Json,
  'gitea',
);
const hooksSpec = require('@octokit/openapi-webhooks/generated/api.github.com.json') as Json;
const hooksAjv = newAjv();
hooksAjv.addSchema({ components: hooksSpec.components } as Json, 'wh');

/** The validator of a GitHub path's JSON answer, e.g. ('get', '/repos/{owner}/{repo}/actions/runs', 200). */
export function githubResponseValidator(method: string, path: string, status: number): ValidateFunction {
  const paths = githubSpec.paths as Record<string, Record<string, Json>>;
  const op = paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no ${method} ${path} in the GitHub spec`);
  let resp = (op.responses as Record<string, Json>)[String(status)];
  if (!resp) throw new Error(`no ${status} answer for ${method} ${path} in the GitHub spec`);
  if (typeof resp.$ref === 'string') {
    const responses = (githubSpec.components as Record<string, Record<string, Json>>).responses!;
    resp = responses[resp.$ref.split('/').pop()!]!;
  }
  const schema = (resp.content as Record<string, Json> | undefined)?.['application/json']?.schema;
  if (!schema) throw new Error(`no JSON schema for ${status} of ${method} ${path}`);
  const rewritten = JSON.parse(
    JSON.stringify(fromOpenApi30(schema)).replaceAll('"#/components/', '"gh#/components/'),
  );
  return ghAjv.compile(rewritten);
}

/** The validator of a Gitea path's answer from its swagger (responses → definitions). */
export function giteaResponseValidator(method: string, path: string, status: number): ValidateFunction {
  const paths = giteaSpec.paths as Record<string, Record<string, Json>>;
  const op = paths[path]?.[method.toLowerCase()];
  if (!op) throw new Error(`no ${method} ${path} in the Gitea swagger`);
  const resp = (op.responses as Record<string, Json>)[String(status)];
  if (!resp) throw new Error(`no ${status} answer for ${method} ${path} in the Gitea swagger`);
  const ref = resp.$ref as string | undefined;
  const named = ref ? (giteaSpec.responses as Record<string, Json>)[ref.split('/').pop()!] : resp;
  const schema = named?.schema;
  if (!schema) throw new Error(`no schema for ${status} of ${method} ${path}`);
  return giteaDefinitionValidator(schema as Json);
}

/** A Swagger 2.0 schema (or a definition's name) compiled against one description's definitions. */
function definitionValidator(ajv: ReturnType<typeof newAjv>, id: string) {
  return (schema: Json | string): ValidateFunction => {
    const s = typeof schema === 'string' ? { $ref: `#/definitions/${schema}` } : schema;
    const rewritten = JSON.parse(JSON.stringify(s).replaceAll('"#/definitions/', `"${id}#/definitions/`));
    return ajv.compile(rewritten);
  };
}

export const giteaDefinitionValidator = definitionValidator(giteaAjv, 'gitea');

export function webhookValidator(name: string): ValidateFunction {
  const v = hooksAjv.getSchema(`wh#/components/schemas/${name}`);
  if (!v) throw new Error(`no webhook schema ${name}`);
  return v;
}

/**
 * Forgejo: its own API description (Forgejo 15.0.9, rebuilt from npm @llamaduck/forgejo-ts by
 * scripts/refresh-specs.mjs; specs/SOURCES.md). The sim's `forgejo` dialect is Forgejo 16, whose
 * ActionRunJob adds what Forgejo's source adds (modules/structs/action.go: `run_id`, `html_url`, and
 * `steps` of ActionRunJobStep {number, name, status, started, stopped}, only on a single job);
 * FORGEJO_16 below carries exactly those additions over the vendored definitions.
 */
export const forgejoSpec = JSON.parse(readFileSync(`${specsDir}forgejo-api.v15.0.9.json`, 'utf8')) as Json;
const FORGEJO_16: Record<string, Record<string, Json>> = {
  ActionRunJob: {
    run_id: { type: 'number' },
    html_url: { type: 'string' },
    steps: { type: 'array', items: { $ref: '#/definitions/ActionRunJobStep' } },
  },
};
const forgejoDefinitions = (() => {
  const defs = structuredClone(forgejoSpec.definitions) as Record<string, Json>;
  for (const [name, extra] of Object.entries(FORGEJO_16)) {
    const def = defs[name]!;
    def.properties = { ...(def.properties as Json), ...extra };
  }
  defs.ActionRunJobStep = {
    type: 'object',
    properties: {
      number: { type: 'number' },
      name: { type: 'string' },
      status: { type: 'string' },
      started: { type: 'string' },
      stopped: { type: 'string' },
    },
  };
  return defs;
})();
const forgejoAjv = newAjv();
forgejoAjv.addSchema({ definitions: goNullable(forgejoDefinitions) } as Json, 'forgejo');

/** Forgejo's raw status words (models/actions/status.go; the swagger's `status` enum of ListActionRuns). */
export const FORGEJO_STATUSES = [
  'unknown',
  'waiting',
  'running',
  'success',
  'failure',
  'cancelled',
  'skipped',
  'blocked',
];

/** The validator of a Forgejo path's answer: Forgejo 15's description, or a Forgejo 16 route's known shape. */
export function forgejoResponseValidator(method: string, path: string, status: number): ValidateFunction {
  const paths = forgejoSpec.paths as Record<string, Record<string, Json>>;
  const op = paths[path]?.[method.toLowerCase()];
  const added = FORGEJO_16_ROUTES[`${method.toUpperCase()} ${path} ${status}`];
  if (!op) {
    if (added) return forgejoDefinitionValidator(added);
    throw new Error(`no ${method} ${path} in the Forgejo description`);
  }
  const resp = (op.responses as Record<string, Json>)[String(status)];
  if (!resp) throw new Error(`no ${status} answer for ${method} ${path} in the Forgejo description`);
  const schema = resp.schema;
  if (!schema) throw new Error(`no schema for ${status} of ${method} ${path} in the Forgejo description`);
  return forgejoDefinitionValidator(schema as Json);
}

/**
 * Routes Forgejo 16 added (not in the 15.0.9 description): routers/api/v1/repo/action.go
 * ListActionRunJobs (`ActionRunJobList`: a bare array), GetActionJob (`ActionRunJob` with steps).
 */
const FORGEJO_16_ROUTES: Record<string, Json> = {
  'GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs 200': {
    type: 'array',
    items: { $ref: '#/definitions/ActionRunJob' },
  },
  'GET /repos/{owner}/{repo}/actions/jobs/{job_id} 200': { $ref: '#/definitions/ActionRunJob' },
  // ListActionRunArtifacts: a bare array of ActionArtifact, as convert.ToActionArtifact fills it
  // (services/convert, Forgejo 16): no `url`, no `workflow_run`, the run as `run_id`.
  'GET /repos/{owner}/{repo}/actions/runs/{run_id}/artifacts 200': {
    type: 'array',
    items: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'name', 'size_in_bytes', 'archive_download_url', 'expired', 'run_id'],
      properties: {
        id: { type: 'integer' },
        name: { type: 'string' },
        size_in_bytes: { type: 'integer' },
        archive_download_url: { type: 'string' },
        expired: { type: 'boolean' },
        run_id: { type: 'integer' },
        created_at: { type: 'string', format: 'date-time' },
        updated_at: { type: 'string', format: 'date-time' },
        expires_at: { type: 'string', format: 'date-time' },
      },
    },
  },
};

export const forgejoDefinitionValidator = definitionValidator(forgejoAjv, 'forgejo');

/** The keys of `body` that the Forgejo definition (with Forgejo 16's additions) does not declare. */
export function forgejoUndeclaredKeys(definition: string, body: Record<string, unknown>): string[] {
  const def = forgejoDefinitions[definition];
  if (!def) throw new Error(`no definition ${definition} in the Forgejo description`);
  const props = def.properties as Json;
  return Object.keys(body).filter((k) => !(k in props));
}

/**
 * GitHub's `content-file` and `content-directory` schemas. `GET /repos/{owner}/{repo}/contents/{path}`
 * is not in the vendored subset, and @octokit/openapi (13 MB) is not installed: these are
 * transcribed from @octokit/openapi-types 29.0.1 (types.d.ts, components["schemas"]["content-file"] and
 * ["content-directory"]), which is generated from the same description: non-optional members are
 * `required`, `string | null` is nullable, `Format: uri` is kept.
 */
const uri = { type: 'string', format: 'uri' };
const uriOrNull = { type: ['string', 'null'], format: 'uri' };
const contentLinks = {
  type: 'object',
  required: ['git', 'html', 'self'],
  properties: { git: uriOrNull, html: uriOrNull, self: uri },
};
const contentCommon = {
  size: { type: 'integer' },
  name: { type: 'string' },
  path: { type: 'string' },
  sha: { type: 'string' },
  url: uri,
  git_url: uriOrNull,
  html_url: uriOrNull,
  download_url: uriOrNull,
  _links: contentLinks,
};
const contentRequired = [
  'type',
  'size',
  'name',
  'path',
  'sha',
  'url',
  'git_url',
  'html_url',
  'download_url',
  '_links',
];
export const githubContentSchemas = {
  'content-file': {
    type: 'object',
    required: [...contentRequired, 'encoding', 'content'],
    properties: {
      type: { enum: ['file'] },
      encoding: { type: 'string' },
      content: { type: 'string' },
      target: { type: 'string' },
      submodule_git_url: { type: 'string' },
      ...contentCommon,
    },
  },
  'content-directory': {
    type: 'array',
    items: {
      type: 'object',
      required: contentRequired,
      properties: {
        type: { enum: ['dir', 'file', 'submodule', 'symlink'] },
        content: { type: 'string' },
        ...contentCommon,
      },
    },
  },
};
export function githubContentValidator(name: keyof typeof githubContentSchemas): ValidateFunction {
  return githubContentValidatorFor(githubContentSchemas[name]);
}

/** A JSON schema transcribed from a GitHub description that is not vendored (see its comment). */
export function githubContentValidatorFor(schema: Json): ValidateFunction {
  return ghAjv.compile(schema);
}

/** The keys of `body` that `definition` (a Gitea swagger definition name) does not declare. */
export function giteaUndeclaredKeys(definition: string, body: Record<string, unknown>): string[] {
  const def = (giteaSpec.definitions as Record<string, Json>)[definition];
  if (!def) throw new Error(`no definition ${definition} in the Gitea swagger`);
  const props = def.properties as Json;
  return Object.keys(body).filter((k) => !(k in props));
}
