// Which conclusions fail the caller's step. Default: everything except PASSING_CONCLUSIONS.
import { InvalidInputError } from './errors.js';
import { PASSING_CONCLUSIONS, RUN_CONCLUSIONS, type RunConclusion } from './types.js';

/** The default `fail-on`: every conclusion except success, skipped and neutral. */
export const DEFAULT_FAIL_ON: readonly RunConclusion[] = RUN_CONCLUSIONS.filter(
  (c) => !PASSING_CONCLUSIONS.includes(c),
);

export function isRunConclusion(value: string): value is RunConclusion {
  return (RUN_CONCLUSIONS as readonly string[]).includes(value);
}

/** True when `conclusion` is in `failOn` (a run without conclusion has not failed). */
export function isFailingConclusion(
  conclusion: RunConclusion | null | undefined,
  failOn: readonly RunConclusion[] = DEFAULT_FAIL_ON,
): boolean {
  return conclusion != null && failOn.includes(conclusion);
}

/**
 * Parses a comma (or whitespace) separated list of conclusions. Empty text gives the default;
 * `never` alone gives none (the step passes whatever the run concluded; outputs still tell).
 * `label` is how the user wrote the input, for the error message.
 */
export function parseFailOn(text: string | undefined, label = 'fail-on'): readonly RunConclusion[] {
  const items = (text ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0);
  if (items.length === 0) return DEFAULT_FAIL_ON;
  if (items.length === 1 && items[0] === 'never') return [];
  const out: RunConclusion[] = [];
  for (const item of items) {
    if (!isRunConclusion(item)) {
      throw new InvalidInputError(
        `\`${label}\` has an unknown conclusion "${item}"; use \`never\` or a comma list of ${RUN_CONCLUSIONS.join(', ')}.`,
        { input: label },
      );
    }
    if (!out.includes(item)) out.push(item);
  }
  return out;
}
