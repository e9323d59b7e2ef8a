// Prints the closing line CI reads, "N passed, N failed", from the reports of the test run that
// .ci/run just made (the counting is scripts/test-totals.mjs, shared with `pnpm test`).
import { fileURLToPath } from 'node:url';
import { testTotals } from '../scripts/test-totals.mjs';

const totals = testTotals(fileURLToPath(new URL('..', import.meta.url)), {
  exitCode: Number(process.argv[2] ?? 0),
});
if (totals.missing.length > 0) console.log(`no test report from: ${totals.missing.join(', ')}`);
console.log(totals.line);
process.exit(totals.failed > 0 ? 1 : 0);
