// `pnpm check`'s workflow and action-metadata check (see actions-check.ts): prints each finding as
// `file:line:column: message [kind]` and exits 1 when there is any.
import { checkActions, formatFinding } from './actions-check.ts';
import { REPOSITORY_ROOT } from './paths.ts';

const { checked, findings } = await checkActions(REPOSITORY_ROOT);
for (const finding of findings) console.error(formatFinding(finding));
if (findings.length > 0) {
  console.error(
    `${findings.length} finding(s) in workflows / action metadata; fix them (actionlint docs: https://github.com/rhysd/actionlint/blob/main/docs/checks.md).`,
  );
  process.exit(1);
}
console.log(`actionlint and the action metadata schema: ${checked.length} files, no findings.`);
