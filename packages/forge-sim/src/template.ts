// Renders `run-name` and step names: `${{ … }}` parts evaluated by GitHub's expression language
// (./expressions.ts) over the contexts a dispatched run has when its title is made: `inputs`, and
// `github` (event_name, event — the dispatch's payload: `inputs` / `client_payload` / `action` —,
// ref, ref_name, sha, run_number, run_id, run_attempt, actor, repository, repository_owner, workflow).
// A missing property is null and renders as the empty string, as GitHub's does.
import { interpolate, type Value } from './expressions.js';

export interface TemplateContext {
  inputs: Record<string, string>;
  clientPayload: Record<string, unknown> | undefined;
  eventName: string;
  ref: string;
  refName: string;
  sha: string;
  runNumber: number;
  actor: string;
  runId?: number;
  repository?: string;
  workflow?: string;
  /** repository_dispatch: its `event_type`, which the event payload carries as `action`. */
  eventType?: string | undefined;
}

export function templateContexts(ctx: TemplateContext): Record<string, Value> {
  const event: Record<string, Value> = {};
  if (ctx.eventName === 'workflow_dispatch') {
    event.inputs = ctx.inputs;
    event.ref = ctx.ref;
    if (ctx.workflow !== undefined) event.workflow = ctx.workflow;
  }
  if (ctx.eventName === 'repository_dispatch') {
    event.action = ctx.eventType ?? null;
    event.client_payload = (ctx.clientPayload ?? {}) as Value;
  }
  const [owner = ''] = (ctx.repository ?? '').split('/');
  return {
    inputs: ctx.inputs,
    github: {
      event_name: ctx.eventName,
      event,
      ref: ctx.ref,
      ref_name: ctx.refName,
      ref_type: 'branch',
      sha: ctx.sha,
      run_number: ctx.runNumber,
      run_id: ctx.runId ?? null,
      run_attempt: 1,
      actor: ctx.actor,
      triggering_actor: ctx.actor,
      repository: ctx.repository ?? null,
      repository_owner: owner || null,
      workflow: ctx.workflow ?? null,
    },
  };
}

export function renderTemplate(template: string, ctx: TemplateContext): string {
  return interpolate(template, templateContexts(ctx));
}
