// The workflow file a seeded WorkflowSpec stands for, as YAML: what the contents API serves for
// `.github/workflows/<file>` (GitHub) and `.gitea/workflows/<file>` (Gitea, Forgejo). A client that
// reads the file — the Gitea adapter warns about inputs the file does not declare, because Gitea drops
// them silently — must find in it exactly what the sim enforces: the name, `run-name`, the triggers
// with their `workflow_dispatch` inputs and `repository_dispatch` types, and the jobs with their steps.
import { stringify } from 'yaml';
import type { WorkflowSpec } from './types.js';

export function renderWorkflowYaml(spec: WorkflowSpec): string {
  const doc: Record<string, unknown> = {};
  if (spec.name !== undefined) doc.name = spec.name;
  if (spec.runName !== undefined) doc['run-name'] = spec.runName;
  doc.on = renderTriggers(spec.on);
  const jobs: Record<string, unknown> = {};
  const ids = jobIds(spec);
  for (const [i, job] of spec.jobs.entries()) {
    jobs[ids[i]!] = {
      name: job.name,
      'runs-on': 'ubuntu-latest',
      steps: job.steps.map((name, i) => ({ name, run: `echo "step ${i + 1} of ${job.steps.length}"` })),
    };
  }
  doc.jobs = jobs;
  // `on` stays a plain key: YAML 1.2 (what `yaml` writes) does not read it as a boolean.
  return `# ${spec.file}: rendered by forge-sim from the seeded WorkflowSpec.\n${stringify(doc, {
    lineWidth: 0,
    nullStr: '',
  })}`;
}

function renderTriggers(on: WorkflowSpec['on']): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (on.workflow_dispatch) {
    const inputs = on.workflow_dispatch.inputs;
    if (inputs && Object.keys(inputs).length > 0) {
      const rendered: Record<string, unknown> = {};
      for (const [name, input] of Object.entries(inputs)) {
        const one: Record<string, unknown> = {};
        if (input.description !== undefined) one.description = input.description;
        if (input.required !== undefined) one.required = input.required;
        if (input.default !== undefined) one.default = input.default;
        rendered[name] = one;
      }
      out.workflow_dispatch = { inputs: rendered };
    } else out.workflow_dispatch = null;
  }
  if (on.repository_dispatch) {
    const types = on.repository_dispatch.types;
    out.repository_dispatch = types && types.length > 0 ? { types } : null;
  }
  if (on.push) {
    const branches = on.push.branches;
    out.push = branches && branches.length > 0 ? { branches } : null;
  }
  return out;
}

/** The ids of the spec's jobs in its YAML (the keys under `jobs:`), in the spec's order. */
export function jobIds(spec: WorkflowSpec): string[] {
  const taken: Record<string, true> = {};
  return spec.jobs.map((job) => {
    const id = uniqueId(jobId(job.name), taken);
    taken[id] = true;
    return id;
  });
}

/** A job id GitHub accepts: starts with a letter or `_`, then letters, digits, `-` and `_`. */
function jobId(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  if (slug === '') return 'job';
  return /^[a-z_]/.test(slug) ? slug : `job-${slug}`;
}

function uniqueId(id: string, taken: Record<string, unknown>): string {
  if (!(id in taken)) return id;
  for (let n = 2; ; n++) if (!(`${id}-${n}` in taken)) return `${id}-${n}`;
}
