// Sums the vitest JSON reports that every package's test run writes (test-results.json) into the one
// closing line of a test run: "N passed, N failed" (", N skipped" when some were). Used by the README's
// test command (scripts/test.mjs) and by CI (.ci/summarize.mjs), so both count the same way.
//
// A package with a test script but no report (its run crashed before vitest wrote one) counts as one
// failure, and so does a suite that failed to load; a non-zero exit of the test command with no failed
// test in the reports counts as one failure too.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** The workspace's package folders, from pnpm-workspace.yaml (`dir/*` and `dir` entries). */
export function workspaceDirs(root) {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  const block = /^packages:\n((?:\s+-\s+.*\n?)+)/m.exec(text);
  const patterns = (block?.[1] ?? '')
    .split('\n')
    .map((l) => l.replace(/^\s*-\s*/, '').trim())
    .filter(Boolean);
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return existsSync(join(root, parent)) ? readdirSync(join(root, parent)).map((d) => join(parent, d)) : [];
  });
}

function packagesWithTests(root) {
  return workspaceDirs(root).flatMap((dir) => {
    const file = join(root, dir, 'package.json');
    if (!existsSync(file)) return [];
    const pkg = JSON.parse(readFileSync(file, 'utf8'));
    return pkg.scripts?.test ? [{ dir, name: pkg.name }] : [];
  });
}

/** Removes the reports of an earlier run, so a package whose run crashes cannot count old results. */
export function removeReports(root) {
  for (const { dir } of packagesWithTests(root))
    rmSync(join(root, dir, 'test-results.json'), { force: true });
}

/**
 * The totals of the reports under `root`. `requireAll`: a package with a test script and no report
 * is a failure (off for a filtered run, where turbo ran only some packages).
 */
export function testTotals(root, { exitCode = 0, requireAll = true } = {}) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const missing = [];
  for (const { dir, name } of packagesWithTests(root)) {
    const report = join(root, dir, 'test-results.json');
    if (!existsSync(report)) {
      if (requireAll) missing.push(name);
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    if (!r.success && (r.numFailedTests ?? 0) === 0) failed += 1; // a suite failed to load
  }
  failed += missing.length;
  if (exitCode !== 0 && failed === 0) failed = 1;
  return {
    missing,
    failed,
    line: `${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`,
  };
}
