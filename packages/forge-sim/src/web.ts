// The web pages behind html_url (`<sim.url>/<owner>/<repo>/actions/runs/<id>`), so a link printed by
// xrd opens something. Not API: neither counted nor rate limited.
import { Router } from './router.js';
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
  r.add('GET', '/{owner}/{repo}/actions/runs/{id}/job/{job}', (ctx) =>
    page(ctx.params.owner!, ctx.params.repo!, ctx.params.id!),
  );
  r.add('GET', '/{owner}/{repo}/actions/runs/{id}/jobs/{job}', (ctx) =>
    page(ctx.params.owner!, ctx.params.repo!, ctx.params.id!),
  );
  return r;
}
