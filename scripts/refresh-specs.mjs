#!/usr/bin/env node
// Regenerates the API descriptions forge-sim is checked against (packages/forge-sim/specs/) from their
// npm packages, and verifies the files that have no npm package by their sha256.
//
//   node scripts/refresh-specs.mjs           rewrite the generated files
//   node scripts/refresh-specs.mjs --check   regenerate in memory; exit 1 when a vendored file differs
//
// Needs the npm registry (it runs `npm pack` into a temporary folder) and TypeScript (a root
// devDependency). Each source is pinned by version and tarball sha256; see specs/SOURCES.md.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const specs = join(root, 'packages/forge-sim/specs');
const check = process.argv.includes('--check');

const OCTOKIT = {
  name: '@octokit/openapi',
  version: '23.0.2',
  tarballSha256: '71a18407dd5e8464f4e0525daf03deabbe65abd9287d6adc7b5d98f516cd0d0c',
  file: 'package/generated/api.github.com.json',
  fileSha256: '829b4bebb19a53133289f7b0bc819f4f1118115821db2ca9f25e9ee995a7da2a',
};
const FORGEJO = {
  name: '@llamaduck/forgejo-ts',
  version: '15.0.9',
  tarballSha256: 'ba491761854e3fd3a2b6cffc16d2e2e254888737596db75b2ad28986336aef3a',
  types: 'package/dist/index.d.ts',
  client: 'package/dist/index.mjs',
};
/** Files with no npm package: where they came from, and the sha256 they must keep. */
const PINNED = [
  {
    path: 'packages/forge-sim/specs/gitea-swagger.v1.json',
    sha256: '9029288ab6645a316cc225ee5f53f597482c58aecd0ee985acb98d1c13ecd9b3',
    from:
      "Gitea 1.27.1's own /swagger.v1.json as served by a live instance; copy from the public repository " +
      'eliroca/gitea-api, file swagger.v1.json at commit 67e162e207bc1b2ad87ce694680de85373f5f19d. Gitea ' +
      'publishes no npm package of it: to refresh, download /swagger.v1.json from a Gitea of the wanted ' +
      'version, replace the file, and update this sha256 and specs/SOURCES.md.',
  },
  {
    path: 'docs/reference/cross-repo-dispatch-README.md',
    sha256: '1b05adc5d8f1a0393e35e7a2fb945d49be8dadb38a8c43b54747d158cb68c4b9',
    from: 'the README of stinkyfingers/cross-repo-dispatch, kept as it was written (docs/reference/README.md).',
  },
  {
    path: 'docs/reference/gitea-dispatch-source-README.md',
    sha256: '7686d0a9a0724499bd3ebb35d3e69078d8021a0ed065a6ce72b2fdae77aa5274',
    from: 'the README of the Gitea dispatch-source/dispatch-target walkthrough, kept as it was written.',
  },
];

const sha256 = (data) => createHash('sha256').update(data).digest('hex');

function fail(message) {
  console.error(`refresh-specs: ${message}`);
  process.exit(1);
}

/** `npm pack` of one exact version into `dir`; returns the tarball path after checking its sha256. */
function pack(pkg, dir) {
  const out = execFileSync(
    'npm',
    ['pack', `${pkg.name}@${pkg.version}`, '--silent', '--pack-destination', dir],
    {
      encoding: 'utf8',
    },
  );
  const tarball = join(dir, out.trim().split('\n').pop());
  const got = sha256(readFileSync(tarball));
  if (got !== pkg.tarballSha256) {
    fail(`${pkg.name}@${pkg.version} tarball sha256 is ${got}, expected ${pkg.tarballSha256}.`);
  }
  return tarball;
}

function extract(tarball, dir, ...files) {
  execFileSync('tar', ['xzf', tarball, '-C', dir, ...files]);
  return files.map((f) => readFileSync(join(dir, f), 'utf8'));
}

// ---- GitHub: a subset of @octokit/openapi's api.github.com.json -------------------------------

const GITHUB_PATH_PREFIXES = [
  '/repos/{owner}/{repo}/actions/runs',
  '/repos/{owner}/{repo}/actions/workflows',
  '/repos/{owner}/{repo}/actions/jobs',
  '/repos/{owner}/{repo}/actions/artifacts',
];
const GITHUB_PATHS = new Set([
  '/rate_limit',
  '/repos/{owner}/{repo}/dispatches',
  '/repos/{owner}/{repo}/statuses/{sha}',
  '/repos/{owner}/{repo}/commits/{ref}/status',
  '/repos/{owner}/{repo}/commits/{ref}/statuses',
  '/repos/{owner}/{repo}/check-runs',
  '/repos/{owner}/{repo}/check-runs/{check_run_id}',
  '/repos/{owner}/{repo}/commits/{ref}/check-runs',
  '/repos/{owner}/{repo}/issues/{issue_number}/comments',
  '/repos/{owner}/{repo}/issues/comments/{comment_id}',
  '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries',
  '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}',
  '/repos/{owner}/{repo}/hooks/{hook_id}/deliveries/{delivery_id}/attempts',
]);
const GITHUB_WEBHOOKS = new Set([
  'workflow-run-requested',
  'workflow-run-in-progress',
  'workflow-run-completed',
  'workflow-job-queued',
  'workflow-job-waiting',
  'workflow-job-in-progress',
  'workflow-job-completed',
  'workflow-dispatch',
  'repository-dispatch-sample.collected',
  'status',
  'ping',
]);

function keepGitHubPath(path) {
  return GITHUB_PATHS.has(path) || GITHUB_PATH_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

/** Every `#/components/<kind>/<name>` reachable from `node`, following components transitively. */
function refClosure(node, components) {
  const seen = new Map(); // kind -> Set(name)
  const queue = [node];
  while (queue.length > 0) {
    const cur = queue.pop();
    if (Array.isArray(cur)) {
      queue.push(...cur);
      continue;
    }
    if (cur === null || typeof cur !== 'object') continue;
    for (const [k, v] of Object.entries(cur)) {
      if (k === '$ref' && typeof v === 'string' && v.startsWith('#/components/')) {
        const [, , kind, name] = v.split('/');
        const names = seen.get(kind) ?? new Set();
        if (!names.has(name)) {
          names.add(name);
          seen.set(kind, names);
          const target = components[kind]?.[name];
          if (target === undefined) fail(`unresolved $ref ${v}`);
          queue.push(target);
        }
      } else queue.push(v);
    }
  }
  return seen;
}

export function githubSubset(full) {
  const paths = {};
  for (const [path, item] of Object.entries(full.paths)) if (keepGitHubPath(path)) paths[path] = item;
  const webhooks = {};
  for (const [name, item] of Object.entries(full['x-webhooks']))
    if (GITHUB_WEBHOOKS.has(name)) webhooks[name] = item;
  const used = refClosure([paths, webhooks], full.components);
  const components = {};
  for (const kind of [...used.keys()].sort()) {
    components[kind] = {};
    for (const name of [...used.get(kind)].sort()) components[kind][name] = full.components[kind][name];
  }
  const tagsUsed = new Set();
  for (const item of [...Object.values(paths), ...Object.values(webhooks)]) {
    for (const op of Object.values(item))
      if (op && Array.isArray(op.tags)) for (const t of op.tags) tagsUsed.add(t);
  }
  const { title: _t, description: _d, ...infoRest } = full.info;
  return {
    openapi: full.openapi,
    info: {
      version: infoRest.version,
      title:
        'GitHub REST API subset: Actions runs/workflows/jobs/artifacts, dispatches, commit statuses, check runs, issue comments, webhook deliveries, rate_limit (extracted from @octokit/openapi)',
      description: `Subset of generated/api.github.com.json from npm @octokit/openapi@${OCTOKIT.version} (GitHub's official description from github/rest-api-description plus x-octokit). Paths filtered; every referenced component kept (transitively), unchanged. x-github-breaking-changes entries (API version 2026-03-10) are preserved on operations.`,
      ...Object.fromEntries(Object.entries(infoRest).filter(([k]) => k !== 'version')),
    },
    tags: full.tags.filter((t) => tagsUsed.has(t.name)),
    servers: full.servers,
    externalDocs: full.externalDocs,
    paths,
    'x-webhooks': webhooks,
    components,
  };
}

// ---- Forgejo: a Swagger 2.0 subset rebuilt from @llamaduck/forgejo-ts's types ------------------

// The client is generated (by @hey-api/openapi-ts) from Forgejo's own swagger; its `index.d.ts` keeps
// every definition as a type alias (`ActionRun`), every operation's request as `<Op>Data` (with its
// `url`), its answers as `<Op>Responses` / `<Op>Errors`, and `index.mjs` the HTTP method.
const FORGEJO_PATH_PREFIXES = ['/repos/{owner}/{repo}/actions/'];
const FORGEJO_PATHS = new Set([
  '/version',
  '/repos/{owner}/{repo}',
  '/repos/{owner}/{repo}/contents/{filepath}',
  '/repos/{owner}/{repo}/statuses/{sha}',
  '/repos/{owner}/{repo}/commits/{ref}/status',
  '/repos/{owner}/{repo}/commits/{ref}/statuses',
  '/repos/{owner}/{repo}/issues/{index}/comments',
  '/repos/{owner}/{repo}/issues/comments/{id}',
]);

function forgejoSubset(dts, mjs, ts) {
  const sf = ts.createSourceFile('index.d.ts', dts, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const aliases = new Map();
  for (const st of sf.statements) if (ts.isTypeAliasDeclaration(st)) aliases.set(st.name.text, st);

  const docOf = (node) =>
    ts
      .getJSDocCommentsAndTags(node)
      .map((d) => (typeof d.comment === 'string' ? d.comment : ''))
      .join('\n')
      .trim();
  const referenced = new Set();
  const toSchema = (t) => {
    switch (t.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { type: 'string' };
      case ts.SyntaxKind.NumberKeyword:
        return { type: 'number' };
      case ts.SyntaxKind.BooleanKeyword:
        return { type: 'boolean' };
      case ts.SyntaxKind.UnknownKeyword:
      case ts.SyntaxKind.AnyKeyword:
        return {};
      case ts.SyntaxKind.ParenthesizedType:
        return toSchema(t.type);
      case ts.SyntaxKind.ArrayType:
        return { type: 'array', items: toSchema(t.elementType) };
      case ts.SyntaxKind.LiteralType: {
        const l = t.literal;
        if (l.kind === ts.SyntaxKind.NullKeyword) return { type: 'null' };
        if (ts.isStringLiteral(l)) return { type: 'string', enum: [l.text] };
        if (ts.isNumericLiteral(l)) return { type: 'number', enum: [Number(l.text)] };
        return { type: 'boolean', enum: [l.kind === ts.SyntaxKind.TrueKeyword] };
      }
      case ts.SyntaxKind.UnionType: {
        const parts = t.types.map(toSchema);
        if (parts.every((p) => p.type === 'string' && p.enum))
          return { type: 'string', enum: parts.flatMap((p) => p.enum) };
        return { anyOf: parts };
      }
      case ts.SyntaxKind.TypeReference: {
        const name = t.typeName.getText(sf);
        if (name === 'Array' && t.typeArguments?.length === 1)
          return { type: 'array', items: toSchema(t.typeArguments[0]) };
        if (name === 'Blob' || name === 'File') return { type: 'string', format: 'binary' };
        if (!aliases.has(name)) fail(`forgejo-ts: unknown type ${name}`);
        referenced.add(name);
        return { $ref: `#/definitions/${name}` };
      }
      case ts.SyntaxKind.TypeLiteral: {
        const properties = {};
        const required = [];
        let additional;
        for (const m of t.members) {
          if (ts.isPropertySignature(m) && m.type) {
            const key = m.name.getText(sf).replace(/^['"]|['"]$/g, '');
            const schema = toSchema(m.type);
            const description = docOf(m);
            properties[key] = description ? { description, ...schema } : schema;
            if (!m.questionToken) required.push(key);
          } else if (ts.isIndexSignatureDeclaration(m) && m.type) additional = toSchema(m.type);
        }
        return {
          type: 'object',
          ...(Object.keys(properties).length ? { properties } : {}),
          ...(required.length ? { required } : {}),
          ...(additional ? { additionalProperties: additional } : {}),
        };
      }
      default:
        fail(`forgejo-ts: no rule for ${ts.SyntaxKind[t.kind]} (${t.getText(sf).slice(0, 60)})`);
    }
  };

  const methods = new Map();
  const opRe =
    /var (\w+) = \(options\) => \(options(?:\?)?\.client \?\? client\)\.(get|post|put|patch|delete|head)\(\{[\s\S]*?url: "([^"]+)"/g;
  for (const m of mjs.matchAll(opRe)) methods.set(m[1], { method: m[2], url: m[3] });

  const paths = {};
  for (const [fn, { method, url }] of methods) {
    if (!(FORGEJO_PATHS.has(url) || FORGEJO_PATH_PREFIXES.some((p) => url.startsWith(p)))) continue;
    const op = fn[0].toUpperCase() + fn.slice(1);
    const data = aliases.get(`${op}Data`);
    if (!data) fail(`forgejo-ts: no ${op}Data for ${method.toUpperCase()} ${url}`);
    const responses = {};
    for (const suffix of ['Responses', 'Errors']) {
      const alias = aliases.get(`${op}${suffix}`);
      if (!alias || !ts.isTypeLiteralNode(alias.type)) continue;
      for (const m of alias.type.members) {
        if (!ts.isPropertySignature(m) || !m.type) continue;
        const code = m.name.getText(sf);
        const description = docOf(m) || (suffix === 'Responses' ? 'success' : 'error');
        const noBody = [ts.SyntaxKind.VoidKeyword, ts.SyntaxKind.UnknownKeyword].includes(m.type.kind);
        responses[code] = noBody ? { description } : { description, schema: toSchema(m.type) };
      }
    }
    const parameters = [];
    for (const m of data.type.members ?? []) {
      if (!ts.isPropertySignature(m) || !m.type) continue;
      const where = m.name.getText(sf);
      if (where === 'body' && m.type.kind !== ts.SyntaxKind.NeverKeyword) {
        parameters.push({ name: 'body', in: 'body', required: !m.questionToken, schema: toSchema(m.type) });
      }
      if ((where === 'path' || where === 'query') && ts.isTypeLiteralNode(m.type)) {
        for (const p of m.type.members) {
          if (!ts.isPropertySignature(p) || !p.type) continue;
          parameters.push({
            name: p.name.getText(sf),
            in: where,
            required: !p.questionToken,
            ...toSchema(p.type),
          });
        }
      }
    }
    paths[url] ??= {};
    paths[url][method] = {
      operationId: fn,
      parameters,
      responses,
    };
  }

  // The $ref closure over the definitions, in name order.
  const definitions = {};
  const done = new Set();
  while (done.size < referenced.size) {
    for (const name of [...referenced].sort()) {
      if (done.has(name)) continue;
      done.add(name);
      const alias = aliases.get(name);
      const description = docOf(alias);
      const schema = toSchema(alias.type);
      definitions[name] = description ? { description, ...schema } : schema;
    }
  }
  const sorted = Object.fromEntries(
    Object.keys(definitions)
      .sort()
      .map((k) => [k, definitions[k]]),
  );
  const sortedPaths = Object.fromEntries(
    Object.keys(paths)
      .sort()
      .map((k) => [k, paths[k]]),
  );
  return {
    swagger: '2.0',
    info: {
      title: 'Forgejo API subset: Actions, repository, contents, commit statuses, issue comments',
      version: FORGEJO.version,
      description: `Rebuilt by scripts/refresh-specs.mjs from the types of npm ${FORGEJO.name}@${FORGEJO.version} (dist/index.d.ts, generated by @hey-api/openapi-ts from Forgejo ${FORGEJO.version}'s swagger; HTTP methods from dist/index.mjs). Paths filtered; every referenced definition kept. TypeScript does not tell integers from other numbers, nor date-times from strings: those are "number" and "string" here.`,
    },
    basePath: '/api/v1',
    paths: sortedPaths,
    definitions: sorted,
  };
}

// ---- main ---------------------------------------------------------------------------------

const tmp = mkdtempSync(join(tmpdir(), 'xrd-specs-'));
let differences = 0;
try {
  const outputs = [];
  {
    const tarball = pack(OCTOKIT, tmp);
    const [text] = extract(tarball, tmp, OCTOKIT.file);
    const got = sha256(text);
    if (got !== OCTOKIT.fileSha256) fail(`${OCTOKIT.file} sha256 is ${got}, expected ${OCTOKIT.fileSha256}.`);
    // One-space indentation, no final newline: the layout the subset was first written in.
    outputs.push(['github-actions-subset.json', JSON.stringify(githubSubset(JSON.parse(text)), null, 1)]);
  }
  {
    const ts = createRequire(join(root, 'package.json'))('typescript');
    const tarball = pack(FORGEJO, tmp);
    const [dts, mjs] = extract(tarball, tmp, FORGEJO.types, FORGEJO.client);
    outputs.push([
      `forgejo-api.v${FORGEJO.version}.json`,
      `${JSON.stringify(forgejoSubset(dts, mjs, ts), null, 1)}\n`,
    ]);
  }
  for (const [name, text] of outputs) {
    const file = join(specs, name);
    let current;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === text) {
      console.log(`ok        packages/forge-sim/specs/${name} (sha256 ${sha256(text)})`);
    } else if (check) {
      differences++;
      console.log(
        `DIFFERS   packages/forge-sim/specs/${name}: regenerated ${sha256(text)}, vendored ${current === undefined ? 'missing' : sha256(current)}`,
      );
    } else {
      writeFileSync(file, text);
      console.log(`written   packages/forge-sim/specs/${name} (sha256 ${sha256(text)})`);
    }
  }
  for (const p of PINNED) {
    const got = sha256(readFileSync(join(root, p.path)));
    if (got === p.sha256) console.log(`ok        ${p.path} (pinned; from ${p.from})`);
    else {
      differences++;
      console.log(`DIFFERS   ${p.path}: sha256 ${got}, pinned ${p.sha256}. It comes from ${p.from}`);
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
if (differences > 0) fail(`${differences} file(s) differ from their sources (see above).`);
