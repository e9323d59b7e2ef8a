// The README's test command (`pnpm test`): every package's tests through turbo (two at a time, all of
// them even when one fails), then ONE closing line with the totals of the whole run,
// "N passed, N failed". Extra arguments go to turbo (`pnpm test --filter=@xrd/core`); the totals then
// cover the packages that ran.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { removeReports, testTotals } from './test-totals.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const extra = process.argv.slice(2);

removeReports(root);
const run = spawnSync('turbo', ['run', 'test', '--concurrency=2', '--continue', ...extra], {
  cwd: root,
  stdio: 'inherit',
});
const exitCode = run.status ?? 1;
const totals = testTotals(root, { exitCode, requireAll: extra.length === 0 });
if (totals.missing.length > 0) console.log(`no test report from: ${totals.missing.join(', ')}`);
console.log(totals.line);
process.exit(totals.failed > 0 ? 1 : 0);
