// The words for a refused dispatch. Each names what most likely went wrong and what to do, because
// the forge's own answer rarely does (Gitea answers a bare 404 for four different mistakes). The
// code (DISPATCH_REJECTED, AUTH, RATE_LIMITED, FORGE_HTTP) comes from the one classification.
import type { Classified } from '@xrd/transport';
import type { Purpose } from './http.js';

export interface DispatchTarget {
  readonly owner: string;
  readonly repo: string;
  readonly workflow: string;
  readonly ref: string;
  /** What reading the workflow file found out, when it was tried (e.g. "not in .gitea/workflows …"). */
  readonly fileFinding?: () => string | undefined;
}

export function dispatchPurpose(target: DispatchTarget): Purpose {
  const repo = `${target.owner}/${target.repo}`;
  return {
    op: { kind: 'dispatch', write: true },
    action: `dispatch ${target.workflow} in ${repo} on ref "${target.ref}"`,
    say: (c: Classified, _generic: string, said: string | undefined) => {
      const what = `Dispatching ${target.workflow} in ${repo} on ref "${target.ref}"`;
      const server = said ? ` (server said: ${said})` : '';
      const found = target.fileFinding?.();
      const finding = found ? `; ${found}` : '';
      switch (c.situation) {
        case 'unauthorized':
          return `${what} was refused with 401${server}: the token is missing, invalid or expired; pass a valid token with write:repository.`;
        case 'forbidden':
          return `${what} was refused with 403${server}: the token lacks write:repository on ${repo} (or Actions are disabled there); use a token with write:repository.`;
        case 'not-found':
          return `${what} was refused with 404${server}: the workflow file is not on that ref, the file name is wrong, the token cannot see the repository, or the server does not know the workflow yet${finding}. Check that .gitea/workflows/${target.workflow} exists on "${target.ref}"; a new workflow may need one manual run from the web UI before the API accepts it.`;
        case 'rejected':
          return c.status === 422
            ? `${what} was refused with 422${server}: the workflow has no workflow_dispatch trigger or the ref does not exist${finding}; add "on: workflow_dispatch" to it or pass an existing branch or tag.`
            : `${what} was refused with ${c.status}${server}: check the ref and the inputs${finding}.`;
        default:
          return undefined;
      }
    },
  };
}
