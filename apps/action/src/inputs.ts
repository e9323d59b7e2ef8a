// Action inputs → the canonical raw map that `parseRunOptions` (core) validates. Which inputs exist,
// and which cross-repo-dispatch names (`event_type`, `workflow_status_timeout`, …) are aliases of
// xrd's, comes from core's option schema (`OPTIONS`), the same table action.yml is checked against.
// The only thing decided here is which input *name* a value came from, so that the reference
// README's example runs unchanged and errors name the input exactly as the workflow wrote it.
//
// An input set to '' counts as not set: the runner passes unset inputs as empty strings too, and a
// `${{ … }}` expression that evaluates to nothing looks the same, so the action cannot tell a
// deliberate empty value from an absent one (the CLI and the webhook config can, and refuse it).
import {
  InvalidInputError,
  OPTION_LIST,
  type OptionName,
  type RawRunOptionName,
  type RawRunOptions,
  readOption,
} from '@xrd/core';

/** Reads one input as the runner passes it (`INPUT_<NAME>`), trimmed; '' when unset. */
export type GetInput = (name: string) => string;

/** Options that are inputs of the step but not run options core parses. */
const STEP_ONLY: readonly OptionName[] = ['token', 'user', 'comment-title'];

export interface ActionInputs {
  /** The canonical raw map for `parseRunOptions`. */
  readonly raw: RawRunOptions;
  /** How the workflow wrote each option (an alias name when the value came from one). */
  readonly label: (name: RawRunOptionName) => string;
  /** The token (`token`, or `pat` when given); '' when neither is set. */
  readonly token: string;
  /** Which input the token came from, for messages. */
  readonly tokenInput: 'token' | 'pat';
  /** cross-repo-dispatch `user`: Basic authentication as this user with the token. */
  readonly user?: string;
  readonly commentTitle?: string;
}

/**
 * Collects the inputs. Throws `InvalidInputError` when an xrd input and its cross-repo-dispatch
 * alias are both set to different values, or when the token or `comment-title` cannot be used
 * (nothing has been sent yet).
 */
export function readActionInputs(getInput: GetInput): ActionInputs {
  const raw: Partial<Record<RawRunOptionName, string>> = {};
  const labels = new Map<RawRunOptionName, string>();

  for (const spec of OPTION_LIST) {
    if (spec.action === undefined || STEP_ONLY.includes(spec.name)) continue;
    const name = spec.name as RawRunOptionName;
    const own = getInput(name);
    for (const { name: alias } of spec.action.aliases ?? []) {
      const aliased = getInput(alias);
      if (aliased === '') continue;
      if (own !== '' && own !== aliased) {
        throw new InvalidInputError(
          `Inputs \`${name}\` and \`${alias}\` are both set and differ; \`${alias}\` is the cross-repo-dispatch name of \`${name}\`, so set only one of them.`,
          { input: alias },
        );
      }
      raw[name] = aliased;
      labels.set(name, alias);
    }
    if (raw[name] === undefined && own !== '') raw[name] = own;
  }

  // `sha` (cross-repo-dispatch's correlation) is an option of its own: core switches on that
  // action's compatibility mode with it (its defaults, its payload, step-name correlation).

  // `token` defaults to the job's own token in action.yml, so `pat` (the reference name) wins when
  // given rather than being reported as a conflict.
  const pat = getInput('pat');
  const tokenInput = pat !== '' ? 'pat' : 'token';
  const token = pat !== '' ? pat : getInput('token');
  if (token !== '') readOption('token', token, { label: tokenInput });
  // `user` is checked by `prepare` once the forge is known (GitHub and Gitea differ in name length).
  const user = getInput('user');
  const commentTitle = getInput('comment-title');
  if (commentTitle !== '') readOption('comment-title', commentTitle, { label: 'comment-title' });

  return {
    raw,
    label: (name) => labels.get(name) ?? name,
    token,
    tokenInput,
    ...(user !== '' ? { user } : {}),
    ...(commentTitle !== '' ? { commentTitle } : {}),
  };
}

/** Inputs whose values must never be printed. */
export const SECRET_INPUTS = ['token', 'pat'] as const;
