// Validators over the official API descriptions in ../shared/specs (GitHub OpenAPI 3.0 subset, Gitea
// Swagger 2.0) and @octokit/openapi-webhooks, for the fidelity tests.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import AjvModule, { type ValidateFunction } from 'ajv';
import formatsModule from 'ajv-formats';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const addFormats = formatsModule as unknown as typeof formatsModule.default;
const require = createRequire(import.meta.url);
const specsDir = fileURLToPath(new URL('../../../../../shared/specs/', import.meta.url));

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

export function giteaDefinitionValidator(schema: Json | string): ValidateFunction {
  const s = typeof schema === 'string' ? { $ref: `#/definitions/${schema}` } : schema;
  const rewritten = JSON.parse(JSON.stringify(s).replaceAll('"#/definitions/', '"gitea#/definitions/'));
  return giteaAjv.compile(rewritten);
}

export function webhookValidator(name: string): ValidateFunction {
  const v = hooksAjv.getSchema(`wh#/components/schemas/${name}`);
  if (!v) throw new Error(`no webhook schema ${name}`);
  return v;
}

/** Forgejo has no spec in ../shared/specs: these follow modules/structs/action.go (Forgejo v16). */
const forgejoAjv = newAjv();
const user = {
  type: 'object',
  required: ['id', 'login'],
  properties: { id: { type: 'integer' }, login: { type: 'string' } },
};
const repo = {
  type: 'object',
  required: ['id', 'full_name'],
  properties: { id: { type: 'integer' }, full_name: { type: 'string' } },
};
const time = { type: 'string', format: 'date-time' };
const forgejoStatus = {
  enum: ['unknown', 'waiting', 'running', 'success', 'failure', 'cancelled', 'skipped', 'blocked'],
};
export const forgejoSchemas = {
  ActionRun: {
    type: 'object',
    required: [
      'id',
      'title',
      'repository',
      'workflow_id',
      'index_in_repo',
      'trigger_user',
      'prettyref',
      'is_ref_deleted',
      'commit_sha',
      'is_fork_pull_request',
      'need_approval',
      'approved_by',
      'event',
      'event_payload',
      'trigger_event',
      'status',
      'started',
      'stopped',
      'created',
      'updated',
      'duration',
      'html_url',
    ],
    additionalProperties: false,
    properties: {
      id: { type: 'integer' },
      title: { type: 'string' },
      repository: repo,
      workflow_id: { type: 'string' },
      index_in_repo: { type: 'integer' },
      trigger_user: user,
      ScheduleID: { type: 'integer' },
      prettyref: { type: 'string' },
      is_ref_deleted: { type: 'boolean' },
      commit_sha: { type: 'string', pattern: '^[0-9a-f]{40}$' },
      is_fork_pull_request: { type: 'boolean' },
      need_approval: { type: 'boolean' },
      approved_by: { type: 'integer' },
      event: { type: 'string' },
      event_payload: { type: 'string' },
      trigger_event: { type: 'string' },
      status: forgejoStatus,
      started: time,
      stopped: time,
      created: time,
      updated: time,
      duration: { type: 'integer' },
      html_url: { type: 'string' },
    },
  },
  ActionRunJob: {
    type: 'object',
    required: [
      'id',
      'run_id',
      'attempt',
      'handle',
      'repo_id',
      'owner_id',
      'name',
      'needs',
      'runs_on',
      'task_id',
      'status',
    ],
    properties: {
      id: { type: 'integer' },
      run_id: { type: 'integer' },
      attempt: { type: 'integer' },
      handle: { type: 'string' },
      repo_id: { type: 'integer' },
      owner_id: { type: 'integer' },
      name: { type: 'string' },
      needs: { type: 'array', items: { type: 'string' } },
      runs_on: { type: 'array', items: { type: 'string' } },
      task_id: { type: 'integer' },
      status: forgejoStatus,
      steps: {
        type: 'array',
        items: {
          type: 'object',
          required: ['number', 'name', 'status', 'started', 'stopped'],
          properties: {
            number: { type: 'integer' },
            name: { type: 'string' },
            status: forgejoStatus,
            started: time,
            stopped: time,
          },
        },
      },
    },
  },
  DispatchWorkflowRun: {
    type: 'object',
    required: ['id', 'run_number', 'jobs'],
    additionalProperties: false,
    properties: {
      id: { type: 'integer' },
      run_number: { type: 'integer' },
      jobs: { type: 'array', items: { type: 'string' } },
    },
  },
};
export function forgejoValidator(name: keyof typeof forgejoSchemas): ValidateFunction {
  return forgejoAjv.compile(forgejoSchemas[name]);
}

/**
 * GitHub's `content-file` and `content-directory` schemas. `GET /repos/{owner}/{repo}/contents/{path}`
 * is not in the subset in ../shared/specs, and @octokit/openapi (13 MB) is not installed: these are
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
  return ghAjv.compile(githubContentSchemas[name]);
}

/** The keys of `body` that `definition` (a Gitea swagger definition name) does not declare. */
export function giteaUndeclaredKeys(definition: string, body: Record<string, unknown>): string[] {
  const def = (giteaSpec.definitions as Record<string, Json>)[definition];
  if (!def) throw new Error(`no definition ${definition} in the Gitea swagger`);
  const props = def.properties as Json;
  return Object.keys(body).filter((k) => !(k in props));
}
