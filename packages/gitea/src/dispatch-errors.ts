// Messages for a refused dispatch. Each names what most likely went wrong and what to do, because the
// forge's own answer rarely does (Gitea answers a bare 404 for four different mistakes).
import { AuthError, DispatchRejectedError, ForgeHttpError, type XrdError } from '@xrd/core';
import type { HttpClient, HttpResponse } from './http.js';
import { serverMessage } from './http.js';

export interface DispatchTarget {
  readonly owner: string;
  readonly repo: string;
  readonly workflow: string;
  readonly ref: string;
  /** What reading the workflow file found out, when it was tried (e.g. "not in .gitea/workflows …"). */
  readonly fileFinding?: string;
}

export function dispatchError(client: HttpClient, response: HttpResponse, target: DispatchTarget): XrdError {
  const { status } = response;
  const said = serverMessage(response.body);
  const server = said ? ` (server said: ${client.redact(said)})` : '';
  const what = `Dispatching ${target.workflow} in ${target.owner}/${target.repo} on ref "${target.ref}"`;
  const finding = target.fileFinding ? `; ${target.fileFinding}` : '';
  switch (status) {
    case 401:
      return new AuthError(
        `${what} was refused with 401${server}: the token is missing, invalid or expired; pass a valid token with write:repository.`,
        { status },
      );
    case 403:
      return new AuthError(
        `${what} was refused with 403${server}: the token lacks write:repository on ${target.owner}/${target.repo} (or Actions are disabled there); use a token with write:repository.`,
        { status },
      );
    case 404:
      return new DispatchRejectedError(
        `${what} was refused with 404${server}: the workflow file is not on that ref, the file name is wrong, the token cannot see the repository, or the server does not know the workflow yet${finding}.`,
        {
          status,
          hint: `Check that .gitea/workflows/${target.workflow} exists on "${target.ref}"; a new workflow may need one manual run from the web UI before the API accepts it.`,
        },
      );
    case 422:
      return new DispatchRejectedError(
        `${what} was refused with 422${server}: the workflow has no workflow_dispatch trigger or the ref does not exist${finding}; add "on: workflow_dispatch" to it or pass an existing branch or tag.`,
        { status },
      );
    case 400:
      return new DispatchRejectedError(
        `${what} was refused with 400${server}: check the ref and the inputs${finding}.`,
        { status },
      );
    case 429:
      return new ForgeHttpError(
        `${what} was refused with 429 (rate limited); it was not run, try again later.`,
        {
          status,
        },
      );
    default:
      // 5xx and anything unexpected: the server may have created the run before failing.
      return new ForgeHttpError(
        `${what} got ${status}${server}; the run may or may not have started, so look for it before dispatching again.`,
        { status, ambiguous: status >= 500 || status < 400 },
      );
  }
}
