// The one PR comment of a report key, written by the single routes (worker.ts) and the fan-out
// routes (fan-out.ts) alike. The store keeps the id each key last wrote, so an update edits it with
// one request instead of listing the PR's comments first (the webhook reports every run of a PR;
// from its second run on, that is one request fewer per run). The id is only a shortcut: when none
// is kept (the first run, a crash between posting and recording, a pruned row) or the comment was
// deleted (404), the adapter finds the comment by its marker, or posts it, as without it.
import type { CallContext, Forge, RepoRef } from '@xrd/core';
import { commentMarker } from '@xrd/core';
import type { Store } from './store/types.js';

export interface CommentTarget {
  /** The forge's name in the config (the source's). */
  readonly forgeName: string;
  readonly forge: Forge;
  readonly repo: RepoRef;
  readonly pr: number;
  /** The report context: the comment's marker is made from it. */
  readonly context: string;
}

/** The store's key of a comment: forge, repository, PR and marker. */
function commentKey(target: CommentTarget, marker: string): string {
  return `${target.forgeName}:${target.repo.owner}/${target.repo.repo}#${target.pr}:${marker}`;
}

/** Writes the comment (body made with its marker) and records the id it has now. */
export async function writeComment(
  store: Store,
  target: CommentTarget,
  body: (marker: string) => string,
  ctx: CallContext,
  now: () => number,
): Promise<void> {
  const marker = commentMarker(target.context);
  const key = commentKey(target, marker);
  const knownId = await store.commentId(key);
  const written = await target.forge.upsertComment(target.repo, target.pr, marker, body(marker), ctx, {
    knownId,
  });
  await store.recordComment(key, written.id, now());
}
