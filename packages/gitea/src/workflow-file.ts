// Reading what a workflow file declares. Gitea drops workflow_dispatch inputs the file does not
// declare without a word (the dispatch still answers 204/200), so a misspelt `correlation_id` would
// only show up as a run that is never correlated; reading the file lets us warn before that.
import { parse } from 'yaml';

export interface WorkflowTriggers {
  /** The file has an `on: workflow_dispatch` trigger. */
  readonly workflowDispatch: boolean;
  /** The declared workflow_dispatch inputs (empty when none are declared). */
  readonly inputs: readonly string[];
}

/** Undefined when the text is not a workflow (unparseable YAML, no `on`). */
export function readTriggers(text: string): WorkflowTriggers | undefined {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object') return undefined;
  // YAML 1.1 parsers read a bare `on` key as boolean true; `yaml` (1.2 core) keeps it a string, but
  // a file written by such a tool may carry `true:`.
  const on = (doc as Record<string, unknown>).on ?? (doc as Record<string, unknown>).true;
  if (on === undefined || on === null) return undefined;
  if (typeof on === 'string') return { workflowDispatch: on === 'workflow_dispatch', inputs: [] };
  if (Array.isArray(on)) return { workflowDispatch: on.includes('workflow_dispatch'), inputs: [] };
  if (typeof on !== 'object') return undefined;
  if (!Object.hasOwn(on, 'workflow_dispatch')) return { workflowDispatch: false, inputs: [] };
  const dispatch = (on as Record<string, unknown>).workflow_dispatch;
  const inputs = (dispatch as { inputs?: unknown } | null)?.inputs;
  return {
    workflowDispatch: true,
    inputs: inputs && typeof inputs === 'object' ? Object.keys(inputs) : [],
  };
}

/** Inputs sent but not declared by the file, in the order sent. */
export function undeclaredInputs(sent: readonly string[], triggers: WorkflowTriggers): string[] {
  const declared = new Set(triggers.inputs);
  return sent.filter((name) => !declared.has(name));
}
