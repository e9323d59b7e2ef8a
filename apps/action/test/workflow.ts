// Reads the copy-ready workflows in examples/ so the end-to-end tests run exactly what a user copies:
// the xrd step's `with:` map (expressions evaluated the way the runner would, for the small subset
// the examples use) and the target workflow turned into a forge-sim WorkflowSpec.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples');

type Context = Record<string, unknown>;

function lookup(path: string, context: Context): unknown {
  let value: unknown = context;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function operand(text: string, context: Context): unknown {
  const t = text.trim();
  const literal = /^'(.*)'$/.exec(t);
  if (literal) return literal[1]!.replace(/''/g, "'");
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  if (!/^[A-Za-z_][\w.-]*$/.test(t)) throw new Error(`the test cannot evaluate "${t}"`);
  return lookup(t, context);
}

/** `fromJSON(path).a.b`: the runner's fromJSON on a step output, then property access. */
function fromJson(text: string, context: Context): { value: unknown } | undefined {
  const m = /^fromJSON\(\s*([A-Za-z_][\w.-]*)\s*\)((?:\.[A-Za-z_][\w-]*)*)$/.exec(text.trim());
  if (!m) return undefined;
  let value: unknown = JSON.parse(String(lookup(m[1]!, context)));
  for (const part of (m[2] ?? '').split('.').filter(Boolean)) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  return { value };
}

/** `a || b`, `a == 'x'`, `fromJSON(x).y`, paths and literals: what the examples use, nothing more. */
export function evaluate(expr: string, context: Context): unknown {
  const parsed = fromJson(expr, context);
  if (parsed) return parsed.value;
  for (const alternative of expr.split('||')) {
    const eq = alternative.split('==');
    const value =
      eq.length === 2 ? operand(eq[0]!, context) === operand(eq[1]!, context) : operand(alternative, context);
    if (value) return value;
  }
  return '';
}

function toText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function interpolate(text: string, context: Context): string {
  return text.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expr: string) => toText(evaluate(expr, context)));
}

interface WorkflowFile {
  name?: string;
  'run-name'?: string;
  on: Record<string, unknown>;
  jobs: Record<
    string,
    {
      name?: string;
      steps: Array<{ name?: string; uses?: string; run?: string; with?: Record<string, unknown> }>;
    }
  >;
}

export async function readWorkflow(relative: string): Promise<WorkflowFile> {
  return parse(await readFile(join(EXAMPLES, relative), 'utf8')) as WorkflowFile;
}

/** The `with:` of the step that uses xrd's action, evaluated against `context`. */
export async function xrdStepWith(relative: string, context: Context): Promise<Record<string, string>> {
  const wf = await readWorkflow(relative);
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps) {
      if (step.uses?.includes('/apps/action@')) {
        const out: Record<string, string> = {};
        for (const [k, v] of Object.entries(step.with ?? {})) out[k] = interpolate(String(v), context);
        return out;
      }
    }
  }
  throw new Error(`${relative} has no step using xrd's action`);
}

/** The `run:` script of a step, evaluated against `context` (e.g. the xrd step's outputs). */
export async function stepScript(relative: string, stepName: string, context: Context): Promise<string> {
  const wf = await readWorkflow(relative);
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps) {
      if (step.name === stepName && step.run !== undefined) return interpolate(step.run, context);
    }
  }
  throw new Error(`${relative} has no step "${stepName}" with a run script`);
}

/**
 * What the workflow's `actions/upload-artifact` steps upload, as forge-sim ArtifactSpecs. The sim
 * runs no shell, so `files` says what each artifact (by the name the step gives it) holds.
 */
function uploadsOf(wf: WorkflowFile, files: Record<string, Record<string, string>>) {
  const uploads: Array<{ name: string; files: Record<string, string> }> = [];
  for (const job of Object.values(wf.jobs)) {
    for (const step of job.steps) {
      if (!step.uses?.startsWith('actions/upload-artifact@')) continue;
      const name = String(step.with?.name ?? 'artifact');
      const content = files[name];
      if (!content) throw new Error(`the test does not say what artifact "${name}" holds`);
      uploads.push({ name, files: content });
    }
  }
  return uploads;
}

/**
 * A forge-sim WorkflowSpec from a target workflow file: its triggers, run-name, jobs and steps, and,
 * given `files` (artifact name → path → text), the artifacts its upload-artifact steps produce.
 */
export async function workflowSpec(
  relative: string,
  file: string,
  extra: Record<string, unknown> = {},
  files?: Record<string, Record<string, string>>,
) {
  const wf = await readWorkflow(relative);
  return {
    ...(files ? { artifacts: uploadsOf(wf, files) } : {}),
    file,
    ...(wf.name !== undefined ? { name: wf.name } : {}),
    on: wf.on,
    ...(wf['run-name'] !== undefined ? { runName: wf['run-name'] } : {}),
    jobs: Object.entries(wf.jobs).map(([id, job]) => ({
      name: job.name ?? id,
      steps: job.steps.map((s) => s.name ?? s.uses ?? 'Run'),
    })),
    ...extra,
  };
}
