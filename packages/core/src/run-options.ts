// One typed options object shared by the action and the CLI: both turn their raw inputs (action
// inputs, argv flags) into the same canonical raw map, and `parseRunOptions` validates it before
// any request is sent. Each error names the input as the user wrote it (via `label`).
import type { CorrelationMode } from './engine-types.js';
import type { ForgeKind, RepoRef, RunConclusion } from './types.js';

/** Canonical raw option names (the action's input names). Values are the user's strings. */
export type RawRunOptionName =
  | 'forge'
  | 'server-url'
  | 'api-url'
  | 'repo'
  | 'owner'
  | 'workflow'
  | 'event-type'
  | 'ref'
  | 'inputs'
  | 'client-payload'
  | 'wait'
  | 'timeout'
  | 'poll-interval'
  | 'max-runs'
  | 'fail-on'
  | 'correlation'
  | 'correlation-id'
  | 'correlation-input'
  | 'report-status'
  | 'status-context'
  | 'report-comment'
  | 'source-repo'
  | 'cancel-on-timeout'
  | 'cancel-on-cancel';

export type RawRunOptions = Readonly<Partial<Record<RawRunOptionName, string | undefined>>>;

export interface ReportOptions {
  /** The source repository that receives the status and the comment. */
  readonly repo: RepoRef;
  /** Commit to put the status on (report-status). */
  readonly sha?: string;
  /** Status context. Default `xrd/<target repo>`. */
  readonly context: string;
  /** Pull request / issue number to comment on (report-comment). */
  readonly pr?: number;
}

export interface RunOptions {
  readonly forge: ForgeKind;
  /** API base URL (GitHub: https://api.github.com or https://HOST/api/v3; Gitea: https://HOST[/sub]). */
  readonly apiUrl: string;
  readonly repo: RepoRef;
  readonly workflow?: string | number;
  readonly eventType?: string;
  readonly ref: string;
  readonly inputs: Readonly<Record<string, string>>;
  readonly clientPayload?: Readonly<Record<string, unknown>>;
  readonly correlation: CorrelationMode;
  readonly correlationId?: string;
  readonly correlationInput: string;
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly intervalMs: number;
  readonly maxRuns: number;
  readonly failOn: readonly RunConclusion[];
  readonly report?: ReportOptions;
  readonly cancelOnTimeout: boolean;
  readonly cancelOnAbort: boolean;
}

export interface ParseRunOptionsContext {
  /** How the user wrote an option (`--repo` for the CLI, `repo` for the action). */
  readonly label?: (name: RawRunOptionName) => string;
  /** Defaults from the environment (runner variables), applied to options the user left empty. */
  readonly defaults?: RawRunOptions;
}
