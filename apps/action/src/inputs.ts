// Action inputs → the canonical raw map that `parseRunOptions` (core) validates. The only thing
// decided here is which input *name* a value came from: the cross-repo-dispatch names
// (`event_type`, `workflow_status_timeout`, …) are aliases of xrd's names, so that the reference
// README's example runs unchanged, and errors name the input exactly as the workflow wrote it.
import { InvalidInputError, type RawRunOptionName, type RawRunOptions } from '@xrd/core';

/** Reads one input as the runner passes it (`INPUT_<NAME>`), trimmed; '' when unset. */
export type GetInput = (name: string) => string;

/** xrd input → the cross-repo-dispatch input that means the same. */
export const REFERENCE_ALIASES = {
  'event-type': 'event_type',
  'client-payload': 'client_payload',
  timeout: 'workflow_status_timeout',
  'poll-interval': 'workflow_status_retry_interval',
  'max-runs': 'max_runs',
  'correlation-id': 'sha',
} as const satisfies Partial<Record<RawRunOptionName, string>>;

/** Inputs passed through to core under their own name. */
const DIRECT_INPUTS = [
  'forge',
  'server-url',
  'api-url',
  'repo',
  'owner',
  'workflow',
  'ref',
  'inputs',
  'wait',
  'fail-on',
  'correlation',
  'correlation-input',
  'report-status',
  'status-context',
  'report-comment',
  'source-repo',
  'cancel-on-timeout',
  'cancel-on-cancel',
] as const satisfies readonly RawRunOptionName[];

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
 * alias are both set to different values (nothing has been sent yet).
 */
export function readActionInputs(getInput: GetInput): ActionInputs {
  const raw: Partial<Record<RawRunOptionName, string>> = {};
  const labels = new Map<RawRunOptionName, string>();

  for (const name of DIRECT_INPUTS) {
    const value = getInput(name);
    if (value !== '') raw[name] = value;
  }
  for (const [name, alias] of Object.entries(REFERENCE_ALIASES) as [RawRunOptionName, string][]) {
    const own = getInput(name);
    const aliased = getInput(alias);
    if (own !== '' && aliased !== '' && own !== aliased) {
      throw new InvalidInputError(
        `Inputs \`${name}\` and \`${alias}\` are both set and differ; \`${alias}\` is the cross-repo-dispatch name of \`${name}\`, so set only one of them.`,
        { input: alias },
      );
    }
    if (aliased !== '') {
      raw[name] = aliased;
      labels.set(name, alias);
    } else if (own !== '') {
      raw[name] = own;
    }
  }

  // cross-repo-dispatch finds the run by a step named after `sha`: keep that convention unless the
  // workflow asks for another correlation explicitly.
  if (labels.get('correlation-id') === 'sha' && raw.correlation === undefined) {
    raw.correlation = 'step-name';
  }

  // `token` defaults to the job's own token in action.yml, so `pat` (the reference name) wins when
  // given rather than being reported as a conflict.
  const pat = getInput('pat');
  const token = pat !== '' ? pat : getInput('token');
  const user = getInput('user');
  const commentTitle = getInput('comment-title');

  return {
    raw,
    label: (name) => labels.get(name) ?? name,
    token,
    tokenInput: pat !== '' ? 'pat' : 'token',
    ...(user !== '' ? { user } : {}),
    ...(commentTitle !== '' ? { commentTitle } : {}),
  };
}

/** Inputs whose values must never be printed. */
export const SECRET_INPUTS = ['token', 'pat'] as const;
