// Route inputs are templated from the event: `{{ pr.number }}`, `{{ pr.head.sha }}`, … Only a fixed
// set of variables exists, and which ones depends on the route's trigger; `checkTemplate` rejects an
// unknown or unavailable variable when the config is loaded, so a typo fails at start, not at the
// first pull request.

/** The variables of one source event, flattened to their dotted names. */
export type TemplateVars = Readonly<Record<string, string>>;

/** Variables every event has. */
export const COMMON_VARIABLES = [
  'source.forge',
  'source.repo',
  'source.owner',
  'source.name',
  'event.name',
  'event.action',
  'sha',
  'ref',
  'correlation_id',
] as const;

/** Variables of `pull_request` events. */
export const PR_VARIABLES = [
  'pr.number',
  'pr.title',
  'pr.url',
  'pr.head.sha',
  'pr.head.ref',
  'pr.base.ref',
] as const;

/** Variables of `push` events. */
export const PUSH_VARIABLES = ['push.ref', 'push.branch', 'push.sha', 'push.before'] as const;

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** The names used in a template, in order of appearance. */
export function templateVariables(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? '');
}

/**
 * Returns a sentence describing the first unknown variable of `template` given the variables
 * `available`, or undefined when the template is valid.
 */
export function checkTemplate(template: string, available: readonly string[]): string | undefined {
  for (const name of templateVariables(template)) {
    if (!available.includes(name)) {
      return `uses unknown variable {{ ${name} }}; available here: ${available.join(', ')}`;
    }
  }
  // `{{ sha` (no closing braces) would otherwise be sent to the target literally.
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('{{') || rest.includes('}}')) {
    return 'has a {{ or }} that does not close a variable; write each one as {{ name }}';
  }
  return undefined;
}

/** Replaces every `{{ name }}`. A variable missing at run time renders as an empty string. */
export function renderTemplate(template: string, vars: TemplateVars): string {
  return template.replace(PLACEHOLDER, (_all, name: string) => vars[name] ?? '');
}
