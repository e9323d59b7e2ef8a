// Webhook payloads (filled in below for each forge).
import { ghRepo, ghRun, ghUser, SIM_USER } from './github-shapes.js';
import type { SimCore } from './sim.js';
import type { SimEvent } from './store.js';

export function githubWebhookPayload(sim: SimCore, e: SimEvent): unknown {
  const sender = ghUser(sim.urls, SIM_USER.login, SIM_USER.id);
  if (e.kind === 'pull_request')
    return { action: e.action, number: e.pull.number, repository: ghRepo(sim.urls, e.repo), sender };
  if (e.kind === 'workflow_run')
    return {
      action: e.action,
      workflow_run: ghRun(sim.urls, e.run),
      repository: ghRepo(sim.urls, e.run.repo),
      sender,
    };
  return {
    action: e.action,
    workflow_job: { id: e.job.id, run_id: e.run.id },
    repository: ghRepo(sim.urls, e.run.repo),
    sender,
  };
}

export function giteaWebhookPayload(sim: SimCore, e: SimEvent): unknown {
  return githubWebhookPayload(sim, e);
}
