// The bench harness: every scenario yields rows; a scenario that cannot run yields an `n/a` row
// with its reason, a scenario that fails yields an `error` row. Nothing here asserts a number.

/** One line of the results table. */
export interface Row {
  /** The area the row belongs to, e.g. `rate-limit cost`. */
  readonly area: string;
  /** What was run, precisely enough to reproduce it. */
  readonly scenario: string;
  /** What xrd measured (formatted), or the n/a / error text. */
  readonly xrd: string;
  /** The same scenario driven the way the reference cross-repo-dispatch does it, where it applies. */
  readonly reference?: string;
  /**
   * The same scenario driven by each peer tool's algorithm (keyed by peer), with xrd's ratio to it;
   * rows that have these go to the peers table.
   */
  readonly peers?: Readonly<Record<string, string>>;
  readonly status: 'ok' | 'n/a' | 'error';
  /** Raw numbers behind the formatted cells, for results.json. */
  readonly metrics?: Readonly<Record<string, number | string | null>>;
  readonly notes?: string;
}

/** Thrown by a scenario whose subject does not exist (yet): the row prints `n/a (reason)`. */
export class NotAvailable extends Error {
  override readonly name = 'NotAvailable';
}

export function naRow(area: string, scenario: string, reason: string): Row {
  return { area, scenario, xrd: `n/a (${reason})`, status: 'n/a' };
}

export function errorRow(area: string, scenario: string, error: unknown): Row {
  return { area, scenario, xrd: `error: ${describeError(error)}`, status: 'error' };
}

export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    // An abort (core's AbortedError, from its sleep too) says why only in its cause: the time budget.
    const why = code === 'ABORTED' && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    const text = `${typeof code === 'string' ? `${code}: ` : ''}${error.message}${why}`;
    return text.replace(/\s+/g, ' ').slice(0, 200);
  }
  return String(error).slice(0, 200);
}

export type RowBody = Omit<Row, 'area' | 'scenario'>;

/**
 * Runs one measurement and turns what it throws into a row body: NotAvailable, or an xrd error
 * saying the server cannot do it (`UNSUPPORTED_BY_SERVER`), become `n/a`; anything else `error`.
 */
export async function settle(body: () => Promise<RowBody>): Promise<RowBody> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof NotAvailable) return { xrd: `n/a (${error.message})`, status: 'n/a' };
    if ((error as { code?: unknown })?.code === 'UNSUPPORTED_BY_SERVER') {
      return { xrd: `n/a (${describeError(error)})`, status: 'n/a' };
    }
    return { xrd: `error: ${describeError(error)}`, status: 'error' };
  }
}

/** A bounded piece of work: it gets a signal that aborts at its time budget. */
export interface Section {
  readonly area: string;
  /** Real-time budget in ms; the signal aborts when it is spent. */
  readonly budgetMs: number;
  run(ctx: SectionContext): Promise<void>;
}

export interface SectionContext {
  readonly area: string;
  readonly signal: AbortSignal;
  /** Adds a row now (so a later crash or timeout keeps what was measured). */
  add(row: Row): void;
  /** Progress line on stderr. */
  log(message: string): void;
  /**
   * Runs one scenario: its row, or an n/a row when it throws NotAvailable, or an error row.
   * The callback gets the section's signal.
   */
  scenario(scenario: string, body: (signal: AbortSignal) => Promise<RowBody>): Promise<void>;
}

export interface HarnessRun {
  readonly rows: Row[];
  readonly sections: { area: string; elapsedMs: number; timedOut: boolean }[];
}

export async function runSections(
  sections: readonly Section[],
  options: { deadline: number; only?: readonly string[] },
): Promise<HarnessRun> {
  const rows: Row[] = [];
  const done: HarnessRun['sections'] = [];
  for (const section of sections) {
    if (options.only && !options.only.some((word) => section.area.includes(word))) continue;
    const started = Date.now();
    const left = options.deadline - started;
    const controller = new AbortController();
    const budget = Math.min(section.budgetMs, Math.max(0, left));
    const timer = setTimeout(() => controller.abort(new Error(`time budget of ${budget} ms spent`)), budget);
    const log = (message: string): void => {
      process.stderr.write(
        `[bench ${((Date.now() - started) / 1000).toFixed(1)}s] ${section.area}: ${message}\n`,
      );
    };
    const ctx: SectionContext = {
      area: section.area,
      signal: controller.signal,
      add: (row) => rows.push(row),
      log,
      scenario: async (scenario, body) => {
        if (controller.signal.aborted) {
          rows.push(naRow(section.area, scenario, 'section time budget spent'));
          return;
        }
        log(scenario);
        const row = await settle(() => body(controller.signal));
        rows.push({ area: section.area, scenario, ...row });
      },
    };
    if (budget <= 0) {
      rows.push(naRow(section.area, '(whole section)', 'suite time budget spent'));
    } else {
      try {
        await section.run(ctx);
      } catch (error) {
        if (error instanceof NotAvailable) rows.push(naRow(section.area, '(whole section)', error.message));
        else rows.push(errorRow(section.area, '(whole section)', error));
      }
    }
    clearTimeout(timer);
    done.push({ area: section.area, elapsedMs: Date.now() - started, timedOut: controller.signal.aborted });
  }
  return { rows, sections: done };
}

/** Renders rows as one Markdown table (it reads fine in a terminal too). */
export function renderTable(rows: readonly Row[]): string {
  return markdownTable(
    ['Area', 'Scenario', 'xrd', 'Reference cross-repo-dispatch'],
    rows.map((row) => [row.area, row.scenario, row.xrd, row.reference ?? '—']),
  );
}

/** Rows measured against peer tools: one column per peer. */
export function renderPeerTable(
  rows: readonly Row[],
  peers: ReadonlyArray<{ key: string; label: string }>,
): string {
  return markdownTable(
    ['Scenario', 'xrd', ...peers.map((p) => p.label)],
    rows.map((row) => [row.scenario, row.xrd, ...peers.map((p) => row.peers?.[p.key] ?? '—')]),
  );
}

function markdownTable(header: readonly string[], lines: ReadonlyArray<readonly string[]>): string {
  const esc = (cell: string): string => cell.replace(/\|/g, '\\|');
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => esc(line[i] ?? '').length)));
  const fmt = (cells: readonly string[]): string =>
    `| ${cells.map((cell, i) => esc(cell).padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [fmt(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...lines.map(fmt)].join('\n');
}
