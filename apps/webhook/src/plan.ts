// Which routes a source event fires, and the dispatch each one asks for. Pure: the worker stores the
// plans in one transaction with the delivery, so a replay plans the same dispatch and the store's
// dedupe key turns it into nothing.
import { randomUUID } from 'node:crypto';
import { generateCorrelationId } from '@xrd/core';
import type { RouteConfig, RouteTarget, ServiceConfig } from './config.js';
import type { PullRequestEvent, PushEvent } from './events.js';
import type { DispatchPlan } from './store/types.js';
import { renderTemplate, type TemplateVars } from './template.js';

export type SourceEvent = PullRequestEvent | PushEvent;

/** The routes a source event from `forge` triggers. */
export function matchRoutes(config: ServiceConfig, forge: string, event: SourceEvent): RouteConfig[] {
  return config.routes.filter((r) => {
    if (r.when.forge !== forge) return false;
    if (`${r.when.repo.owner}/${r.when.repo.repo}`.toLowerCase() !== event.repo.toLowerCase()) return false;
    return event.type === 'pull_request'
      ? r.when.pullRequest.includes(event.action)
      : r.when.push.includes(event.branch);
  });
}

/** True when some route listens for events of `repo` on `forge` (source side) or dispatches there. */
export function isKnownRepo(
  config: ServiceConfig,
  forge: string,
  repo: string,
  side: 'source' | 'target',
): boolean {
  const wanted = repo.toLowerCase();
  return config.routes.some((r) => {
    const refs = side === 'source' ? [r.when] : (r.fanOut?.targets ?? [r.dispatch]);
    return refs.some(
      (ref) => ref.forge === forge && `${ref.repo.owner}/${ref.repo.repo}`.toLowerCase() === wanted,
    );
  });
}

export function templateVars(forge: string, event: SourceEvent, correlationId: string): TemplateVars {
  const [owner = '', name = ''] = event.repo.split('/');
  const common = {
    'source.forge': forge,
    'source.repo': event.repo,
    'source.owner': owner,
    'source.name': name,
    'event.name': event.type,
    correlation_id: correlationId,
  };
  if (event.type === 'pull_request') {
    return {
      ...common,
      'event.action': event.action,
      sha: event.headSha,
      ref: event.headRef,
      'pr.number': String(event.number),
      'pr.title': event.title,
      'pr.url': event.url,
      'pr.head.sha': event.headSha,
      'pr.head.ref': event.headRef,
      'pr.base.ref': event.baseRef,
    };
  }
  return {
    ...common,
    'event.action': '',
    sha: event.sha,
    ref: event.branch,
    'push.ref': event.ref,
    'push.branch': event.branch,
    'push.sha': event.sha,
    'push.before': event.before,
  };
}

/** The dispatch plans for one source event: one per matching route, one per target of a fan-out route. */
export function planDispatches(
  config: ServiceConfig,
  forge: string,
  event: SourceEvent,
  eventAt: number,
): DispatchPlan[] {
  return matchRoutes(config, forge, event).flatMap((route) => {
    const scope = event.type === 'pull_request' ? `pr:${event.number}` : `branch:${event.branch}`;
    const subject = `${route.name}|${forge}|${event.repo.toLowerCase()}|${scope}`;
    const sha = event.type === 'pull_request' ? event.headSha : event.sha;
    const common = {
      eventAt,
      route: route.name,
      supersede: route.supersede,
      cancelSuperseded: route.cancelSuperseded,
      sourceForge: forge,
      sourceRepo: event.repo,
      prNumber: event.type === 'pull_request' ? event.number : null,
      headSha: sha,
      headRef: event.type === 'pull_request' ? event.headRef : event.branch,
      correlationInput: route.dispatch.correlationInput,
      correlation: route.dispatch.correlation,
    };
    const target = (t: Omit<RouteTarget, 'name' | 'context'>, correlationId: string) => {
      const vars = templateVars(forge, event, correlationId);
      const inputs: Record<string, string> = {};
      for (const [key, template] of Object.entries(t.inputs)) inputs[key] = renderTemplate(template, vars);
      return {
        targetForge: t.forge,
        targetRepo: `${t.repo.owner}/${t.repo.repo}`,
        workflow: t.workflow === undefined ? null : String(t.workflow),
        eventType: t.eventType ?? null,
        targetRef: renderTemplate(t.ref, vars),
        inputs: JSON.stringify(inputs),
        correlationId,
      };
    };
    const fan = route.fanOut;
    if (fan === undefined) {
      const correlationId = generateCorrelationId();
      return [
        {
          id: randomUUID(),
          dedupeKey: `${subject}|${sha}`,
          subjectKey: subject,
          ...common,
          ...target(route.dispatch, correlationId),
          reportContext: route.report.context,
          reportStatus: route.report.status,
          reportComment: route.report.comment && event.type === 'pull_request',
        },
      ];
    }
    // A fan-out route: each target is a dispatch of its own (superseded by the same target of a
    // newer push), grouped by the route's subject and the sha; the group reports once (fan-out.ts).
    const key = `${subject}|${sha}`;
    return fan.targets.map((t, index) => {
      const subjectKey = `${subject}|target:${index}`;
      return {
        id: randomUUID(),
        dedupeKey: `${subjectKey}|${sha}`,
        subjectKey,
        ...common,
        ...target(t, generateCorrelationId()),
        reportContext: t.context,
        reportStatus: route.report.status && fan.statusPerTarget,
        reportComment: false,
        fanOut: {
          key,
          index,
          count: fan.targets.length,
          name: t.name,
          context: route.report.context,
          status: route.report.status,
          comment: route.report.comment && event.type === 'pull_request',
          failFast: fan.failFast,
          concurrency: fan.concurrency,
          ...(fan.timeoutMs !== undefined
            ? { timeoutMs: fan.timeoutMs, cancelOnTimeout: fan.cancelOnTimeout }
            : {}),
        },
      };
    });
  });
}
