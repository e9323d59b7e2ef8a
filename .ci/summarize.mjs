// Sums the vitest JSON reports that every package's test run writes (test-results.json) and prints
// the closing line CI reads. A package with a test script but no report (its run crashed) counts as
// one failure, and so does a non-zero exit of the test command with no failed test in the reports.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const exitCode = Number(process.argv[2] ?? 0);
let passed = 0;
let failed = 0;
let skipped = 0;
const missing = [];
for (const group of ['packages', 'apps', 'bench']) {
  if (!existsSync(group)) continue;
  const dirs = group === 'bench' ? ['.'] : readdirSync(group);
  for (const dir of dirs) {
    const pkgDir = group === 'bench' ? group : join(group, dir);
    const pkgFile = join(pkgDir, 'package.json');
    if (!existsSync(pkgFile)) continue;
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    if (!pkg.scripts?.test) continue;
    const report = join(pkgDir, 'test-results.json');
    if (!existsSync(report)) {
      missing.push(pkg.name);
      continue;
    }
    const r = JSON.parse(readFileSync(report, 'utf8'));
    passed += r.numPassedTests ?? 0;
    failed += r.numFailedTests ?? 0;
    skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
    if (!r.success && (r.numFailedTests ?? 0) === 0) failed += 1; // a suite failed to load
  }
}
if (missing.length) {
  console.log(`no test report from: ${missing.join(', ')}`);
  failed += missing.length;
}
if (exitCode !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
