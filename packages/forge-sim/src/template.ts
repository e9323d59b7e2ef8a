// Renders the `${{ … }}` expressions a workflow may use in `run-name` and step names. Only the
// contexts a dispatched run can carry are supported: inputs, github.event.inputs,
// github.event.client_payload, github.event_name, github.ref(_name), github.sha, github.run_number.
// An unknown expression renders as the empty string, as GitHub's expression engine does for a
// missing property.

export interface TemplateContext {
  inputs: Record<string, string>;
  clientPayload: Record<string, unknown> | undefined;
  eventName: string;
  ref: string;
  refName: string;
  sha: string;
  runNumber: number;
  actor: string;
}

const EXPR = /\$\{\{\s*([^}]*?)\s*\}\}/g;

function lookup(path: string[], root: unknown): unknown {
  let cur: unknown = root;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function evaluate(expr: string, ctx: TemplateContext): string {
  const path = expr.split('.').map((p) => p.trim());
  const head = path[0];
  let value: unknown;
  if (head === 'inputs') value = lookup(path.slice(1), ctx.inputs);
  else if (head === 'github') {
    const rest = path.slice(1);
    const key = rest[0];
    if (key === 'event') {
      const sub = rest[1];
      if (sub === 'client_payload') value = lookup(rest.slice(2), ctx.clientPayload ?? {});
      else if (sub === 'inputs') value = lookup(rest.slice(2), ctx.inputs);
    } else if (key === 'event_name') value = ctx.eventName;
    else if (key === 'ref') value = ctx.ref;
    else if (key === 'ref_name') value = ctx.refName;
    else if (key === 'sha') value = ctx.sha;
    else if (key === 'run_number') value = ctx.runNumber;
    else if (key === 'actor') value = ctx.actor;
  }
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function renderTemplate(template: string, ctx: TemplateContext): string {
  return template.replace(EXPR, (_m, expr: string) => evaluate(expr, ctx));
}
