// `pnpm --filter @xrd/tools tag-action` (RELEASING.md, step 4): after `changeset publish` tagged
// `@xrd/action@<version>`, adds `v<version>` and moves `v<major>` to it, then prints the push commands.
import { tagActionRelease } from './action-release.ts';
import { REPOSITORY_ROOT } from './paths.ts';

try {
  const tags = tagActionRelease(REPOSITORY_ROOT);
  const moved = tags.movedFrom ? ` (moved from ${tags.movedFrom.slice(0, 12)})` : '';
  console.log(`${tags.exact} and ${tags.moving}${moved} → ${tags.commit.slice(0, 12)}`);
  console.log(`Push them: git push origin ${tags.exact} && git push --force origin ${tags.moving}`);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
