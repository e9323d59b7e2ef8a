// The web pages behind html_url (`<sim.url>/<owner>/<repo>/actions/runs/<id>`), so a link printed by
// xrd opens something, and the contents API's download_url / html_url of the workflow files. Not API:
// neither counted nor rate limited.
import { contentsAt, resolveContentsRef } from './contents.js';
import { signature, zipReply } from './route-kit.js';
import { type Reply, Router } from './router.js';
import type { SimCore } from './sim.js';

function esc(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

export function buildWebRouter(sim: SimCore): Router {
  const r = new Router();
  const page = (owner: string, repo: string, key: string) => {
    const rp = sim.store.getRepo(owner, repo);
    if (!rp) return { status: 404, text: 'Not Found' };
    const n = Number(key);
    // GitHub links by run id; Gitea and Forgejo link by the per-repo run number (index).
    const run = sim.isGitHub ? sim.store.runsById.get(n) : rp.runs.find((x) => x.runNumber === n);
    if (!run || run.repo !== rp) return { status: 404, text: 'Not Found' };
    sim.store.advance(run);
    const jobs = run.jobs
      .map((j) => `<li>${esc(j.name)}: ${j.status} ${j.finalConclusion ?? ''}</li>`)
      .join('');
    return {
      status: 200,
      contentType: 'text/html; charset=utf-8',
      text: `<!doctype html><title>${esc(run.displayTitle)}</title><h1>${esc(run.displayTitle)}</h1><p>${esc(run.workflow.name)} #${run.runNumber}: ${run.status} ${run.conclusion ?? ''}</p><ul>${jobs}</ul>`,
    };
  };
  r.add('GET', '/{owner}/{repo}/actions/runs/{id}', (ctx) =>
    page(ctx.params.owner!, ctx.params.repo!, ctx.params.id!),
  );
  // The run page's artifact download: GitHub `artifacts/<id>` (upload-artifact v4's artifact-url),
  // Gitea `artifacts/<name>` (routers/web/web.go ArtifactsDownloadView). A browser session would be
  // needed on the real forges; the sim serves the zip to anyone.
  r.add('GET', '/{owner}/{repo}/actions/runs/{id}/artifacts/{artifact}', (ctx) => {
    const rp = sim.store.getRepo(ctx.params.owner!, ctx.params.repo!);
    const n = Number(ctx.params.id);
    const run = sim.isGitHub ? sim.store.runsById.get(n) : rp?.runs.find((x) => x.runNumber === n);
    const key = decodeURIComponent(ctx.params.artifact!);
    const artifact = run?.artifacts.find((a) => (sim.isGitHub ? String(a.id) === key : a.name === key));
    if (!rp || !run || run.repo !== rp || !artifact || artifact.expired)
      return { status: 404, text: 'Not Found' };
    return zipReply(artifact);
  });
  if (!sim.isGitHub && sim.dialect !== 'forgejo') {
    // Gitea's DownloadArtifactRaw (routers/api/v1/repo/action.go): outside the token-checked API
    // group, it checks the URL's signature and expiry itself: 401 "Error unauthorized" / "Error link
    // expired", 404 "Artifact has expired", else the zip.
    r.add('GET', '/api/v1/repos/{owner}/{repo}/actions/artifacts/{artifact_id}/zip/raw', (ctx) => {
      const artifact = sim.store.artifactsById.get(Number(ctx.params.artifact_id));
      const repo = artifact?.run.repo;
      const err = (status: number, message: string): Reply => ({
        status,
        body: { message, url: `${sim.url}/api/swagger` },
      });
      if (!artifact || !repo || repo.owner !== ctx.params.owner || repo.name !== ctx.params.repo) {
        return err(404, 'artifact not found');
      }
      const expires = Number(ctx.query.get('expires'));
      const endpoint = `api/v1/repos/${repo.owner}/${repo.name}/actions/artifacts/${artifact.id}/zip/raw`;
      if (ctx.query.get('sig') !== signature(sim, endpoint, expires, artifact.id)) {
        return err(401, 'Error unauthorized');
      }
      if (expires * 1000 < Date.now()) return err(401, 'Error link expired');
      if (artifact.expired) return err(404, 'Artifact has expired');
      return zipReply(artifact);
    });
  }
  r.add('GET', '/{owner}/{repo}/actions/runs/{id}/job/{job}', (ctx) =>
    page(ctx.params.owner!, ctx.params.repo!, ctx.params.id!),
  );
  r.add('GET', '/{owner}/{repo}/actions/runs/{id}/jobs/{job}', (ctx) =>
    page(ctx.params.owner!, ctx.params.repo!, ctx.params.id!),
  );
  // Workflow files: GitHub `/raw|blob|tree/<ref>/<path>`; Gitea `/raw|src/<branch|commit>/<ref>/<path>`.
  // A ref may hold slashes (`feature/x`): the first split whose ref and path both exist wins.
  const file = (owner: string, repo: string, rest: string, as: 'raw' | 'html'): Reply => {
    const rp = sim.store.getRepo(owner, repo);
    if (!rp) return { status: 404, text: 'Not Found' };
    let parts = rest.split('/');
    if (!sim.isGitHub) {
      if (parts[0] !== 'branch' && parts[0] !== 'commit') return { status: 404, text: 'Not Found' };
      parts = parts.slice(1);
    }
    for (let i = 1; i < parts.length; i++) {
      const ref = resolveContentsRef(rp, parts.slice(0, i).join('/'), { fullRefsAndShortShas: sim.isGitHub });
      const found = ref && contentsAt(rp, parts.slice(i).join('/'));
      if (!found) continue;
      const { entry, children } = found;
      if (as === 'raw') {
        if (entry.type !== 'file') return { status: 404, text: 'Not Found' };
        return { status: 200, text: entry.text, contentType: 'text/plain; charset=utf-8' };
      }
      const body =
        entry.type === 'file'
          ? `<pre>${esc(entry.text)}</pre>`
          : `<ul>${(children ?? []).map((c) => `<li>${esc(c.name)}</li>`).join('')}</ul>`;
      return {
        status: 200,
        contentType: 'text/html; charset=utf-8',
        text: `<!doctype html><title>${esc(entry.path)}</title><h1>${esc(entry.path)}</h1>${body}`,
      };
    }
    return { status: 404, text: 'Not Found' };
  };
  const views: Array<[string, 'raw' | 'html']> = sim.isGitHub
    ? [
        ['raw', 'raw'],
        ['blob', 'html'],
        ['tree', 'html'],
      ]
    : [
        ['raw', 'raw'],
        ['src', 'html'],
      ];
  for (const [segment, as] of views) {
    r.add('GET', `/{owner}/{repo}/${segment}/{rest+}`, (ctx) =>
      file(ctx.params.owner!, ctx.params.repo!, ctx.params.rest!, as),
    );
  }
  return r;
}
