// Webhooks out: each registered receiver gets the events it asked for, POSTed with the forge's real
// headers and an HMAC-SHA256 over the exact raw body (GitHub: X-Hub-Signature-256 "sha256=<hex>";
// Gitea/Forgejo send that too, plus X-Gitea-Signature as bare hex). Deliveries are recorded,
// can be redelivered (same delivery id, as GitHub's "Redeliver" does) and dropped on demand.
import { createHmac, randomUUID } from 'node:crypto';
import type { SimCore } from './sim.js';
import type { SimEvent } from './store.js';
import { forgejoActionDeliveries, giteaWebhookPayload, githubWebhookPayload } from './webhook-payloads.js';

export interface Hook {
  id: number;
  owner: string;
  repo: string;
  url: string;
  secret: string;
  events: string[];
}

export interface Delivery {
  id: string;
  event: string;
  action: string;
  hookId: number;
  /** HTTP status of the receiver's answer; 0 when unreachable; 'dropped' when never sent; 'pending'. */
  status: number | 'dropped' | 'pending';
  payload: unknown;
  body: string;
  headers: Record<string, string>;
  deliveredAt: string | null;
  redeliveries: number;
}

export class Webhooks {
  private readonly hooks: Hook[] = [];
  private readonly deliveries: Delivery[] = [];
  private readonly inflight = new Set<Promise<void>>();
  private dropRules: { count: number; event: string | undefined }[] = [];
  private nextHookId = 1;
  private closed = false;

  constructor(private readonly sim: SimCore) {}

  add(h: Omit<Hook, 'id'>): Hook {
    const hook = { ...h, id: this.nextHookId++ };
    this.hooks.push(hook);
    return hook;
  }

  list() {
    return this.deliveries.map(({ body: _b, headers: _h, ...d }) => d);
  }

  get(id: string): Delivery | undefined {
    return this.deliveries.find((d) => d.id === id);
  }

  drop(count: number, event: string | undefined): void {
    this.dropRules.push({ count, event });
  }

  /** Resolves once every delivery under way has been answered. */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  close(): void {
    this.closed = true;
  }

  emit(e: SimEvent): void {
    if (this.hooks.length === 0 || this.closed) return;
    const repo = e.kind === 'pull_request' ? e.repo : e.run.repo;
    const outgoing = this.deliveriesOf(e);
    for (const hook of this.hooks) {
      if (
        hook.owner.toLowerCase() !== repo.owner.toLowerCase() ||
        hook.repo.toLowerCase() !== repo.name.toLowerCase()
      ) {
        continue;
      }
      for (const o of outgoing) {
        if (!hook.events.includes(o.event) && !hook.events.includes('*')) continue;
        this.deliver(hook, o.event, o.eventType, (o.payload as { action: string }).action, o.payload);
      }
    }
  }

  /** What a forge sends for an event: its event name, type header and payload (none, one or two). */
  private deliveriesOf(e: SimEvent): { event: string; eventType: string; payload: unknown }[] {
    const one = (payload: unknown) => {
      // Gitea tells a PR push apart only in X-Gitea-Event-Type (HookEventPullRequestSync).
      const eventType =
        e.kind === 'pull_request' && e.action === 'synchronize' ? 'pull_request_sync' : e.kind;
      return [{ event: e.kind, eventType, payload }];
    };
    if (this.sim.isGitHub) return one(githubWebhookPayload(this.sim, e));
    if (this.sim.dialect === 'forgejo' && e.kind !== 'pull_request')
      return forgejoActionDeliveries(this.sim, e);
    // Gitea 1.24 has no workflow_run webhook (added in 1.25).
    if (e.kind === 'workflow_run' && this.sim.dialect === 'gitea-1.24') return [];
    return one(giteaWebhookPayload(this.sim, e));
  }

  private deliver(hook: Hook, event: string, eventType: string, action: string, payload: unknown): void {
    const body = JSON.stringify(payload);
    const id = randomUUID();
    const sig = createHmac('sha256', hook.secret).update(body).digest('hex');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': this.sim.isGitHub ? 'GitHub-Hookshot/sim' : 'Go-http-client/1.1',
      'x-github-event': event,
      'x-github-delivery': id,
      'x-github-hook-id': String(hook.id),
      'x-hub-signature-256': `sha256=${sig}`,
    };
    if (this.sim.isGitHub) {
      headers['x-hub-signature'] = `sha1=${createHmac('sha1', hook.secret).update(body).digest('hex')}`;
      headers['x-github-hook-installation-target-type'] = 'repository';
      headers['x-github-hook-installation-target-id'] = String(
        this.sim.store.getRepo(hook.owner, hook.repo)?.id ?? 0,
      );
    } else {
      headers['x-gitea-event'] = event;
      headers['x-gitea-event-type'] = eventType;
      headers['x-gitea-delivery'] = id;
      headers['x-gitea-signature'] = sig;
      headers['x-gogs-event'] = event;
      headers['x-gogs-delivery'] = id;
      headers['x-gogs-signature'] = sig;
      if (this.sim.dialect === 'forgejo') {
        headers['x-forgejo-event'] = event;
        headers['x-forgejo-delivery'] = id;
        headers['x-forgejo-signature'] = sig;
      }
    }
    const d: Delivery = {
      id,
      event,
      action,
      hookId: hook.id,
      status: 'pending',
      payload,
      body,
      headers,
      deliveredAt: null,
      redeliveries: 0,
    };
    this.deliveries.push(d);
    const rule = this.dropRules.find((r) => r.count > 0 && (!r.event || r.event === event));
    if (rule) {
      rule.count--;
      this.dropRules = this.dropRules.filter((r) => r.count > 0);
      d.status = 'dropped';
      return;
    }
    this.send(hook, d);
  }

  /** Deliveries to one receiver go out one after the other, in the order the events happened. */
  private readonly chains = new Map<number, Promise<void>>();

  private send(hook: Hook, d: Delivery): Promise<void> {
    const previous = this.chains.get(hook.id) ?? Promise.resolve();
    const p = previous.then(async () => {
      try {
        const res = await fetch(hook.url, {
          method: 'POST',
          headers: d.headers,
          body: d.body,
          signal: AbortSignal.timeout(10_000),
        });
        await res.arrayBuffer().catch(() => undefined);
        d.status = res.status;
      } catch {
        d.status = 0;
      }
      d.deliveredAt = new Date().toISOString();
    });
    this.chains.set(hook.id, p);
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p));
    return p;
  }

  async redeliver(id: string): Promise<Delivery | undefined> {
    const d = this.get(id);
    if (!d) return undefined;
    const hook = this.hooks.find((h) => h.id === d.hookId);
    if (!hook) return undefined;
    d.redeliveries++;
    await this.send(hook, d);
    return d;
  }
}
