// A fan-out route in-process against core's in-memory forge: `concurrency` bounds the dispatches
// under way at once (each dispatch held 60 ms by the forge here), and every target is dispatched
// once, answered by one status and one comment; `timeout` is one deadline for all targets.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Forge } from '@xrd/core';
import { createMemoryForge, expr } from '@xrd/core/testing';
import { createZip } from '@xrd/forge-sim';
import { afterEach, expect, it } from 'vitest';
import { parseConfig } from './config.js';
import { createLogger } from './log.js';
import { type RunningService, startService } from './service.js';
import { signBody } from './signature.js';

const SECRET = 'test-secret';
const REPOS = ['a', 'b', 'c', 'd', 'e'];
let service: RunningService | undefined;
let dir: string | undefined;
afterEach(async () => {
  await service?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The service's config with one fan-out route from acme/source; fast polls, short leases. */
function configFor(
  dispatch: Record<string, unknown>,
  options: { report?: Record<string, unknown>; concurrency?: number } = {},
) {
  dir = mkdtempSync(join(tmpdir(), 'xrd-fan-out-'));
  return parseConfig({
    listen: { port: 0 },
    store: { path: join(dir, 'db.sqlite') },
    worker: { 'poll-interval': '20ms', lease: '5s', concurrency: options.concurrency ?? 16 },
    reconcile: { interval: '50ms', 'safety-interval': '50ms', 'correlation-timeout': '3s' },
    forges: [
      { name: 'mem', kind: 'github', 'api-url': 'https://forge.test', token: 't', 'webhook-secret': SECRET },
    ],
    routes: [
      {
        name: 'all',
        when: { forge: 'mem', repo: 'acme/source', pull_request: true },
        dispatch: { forge: 'mem', workflow: 'build.yml', ...dispatch },
        ...(options.report ? { report: options.report } : {}),
      },
    ],
  });
}

/** A signed `pull_request opened` for PR `number` at a head sha of `shaChar`s; answered 202. */
async function openPr(url: string, number: number, shaChar: string): Promise<void> {
  const body = JSON.stringify({
    action: 'opened',
    number,
    pull_request: {
      number,
      title: 't',
      html_url: '',
      head: { sha: shaChar.repeat(40), ref: 'f' },
      base: { ref: 'main' },
    },
    repository: { full_name: 'acme/source' },
  });
  const res = await fetch(`${url}/hooks/mem`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': randomUUID(),
      'x-hub-signature-256': `sha256=${signBody(SECRET, body)}`,
    },
    body,
  });
  expect(res.status).toBe(202);
}

it.each([1, 2])(
  'concurrency %i: at most that many dispatches under way at once',
  async (concurrency) => {
    const forge = createMemoryForge({
      now: Date.now,
      returnsRunId: true,
      workflows: REPOS.map((r) => ({
        repo: `acme/${r}`,
        file: 'build.yml',
        runName: `Build ${expr('inputs.correlation_id')}`,
        appearAfterMs: 0,
        startAfterMs: 10,
        durationMs: 50,
      })),
    });
    let open = 0;
    let most = 0;
    const slow: Forge = new Proxy(forge, {
      get(target, prop) {
        if (prop === 'dispatch') {
          return async (...args: Parameters<Forge['dispatch']>) => {
            open += 1;
            most = Math.max(most, open);
            await new Promise((r) => setTimeout(r, 60));
            try {
              return await target.dispatch(...args);
            } finally {
              open -= 1;
            }
          };
        }
        const value: unknown = Reflect.get(target, prop);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const config = configFor(
      { targets: REPOS.map((r) => ({ repo: `acme/${r}` })), concurrency },
      {
        // 32: while intake is busy the worker runs 32/16 = 2 steps, so the route's cap is what binds.
        concurrency: 32,
      },
    );
    service = await startService(config, {
      createForge: () => slow,
      logger: createLogger('error', [SECRET]),
    });
    await openPr(service.url, 3, 'c');
    const end = Date.now() + 15_000;
    while (!forge.statuses.some((s) => s.status.context === 'xrd/targets' && s.status.state !== 'pending')) {
      if (Date.now() > end) throw new Error('no final aggregated status');
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(most).toBe(concurrency);
    expect(forge.runs()).toHaveLength(REPOS.length);
    const finals = forge.statuses.filter(
      (s) => s.status.context === 'xrd/targets' && s.status.state !== 'pending',
    );
    expect(finals.map((s) => s.status.state)).toEqual(['success']);
    expect(finals[0]?.status.description).toBe('5 targets: 5 success');
    expect(forge.comments).toHaveLength(1);
  },
  20_000,
);

it('timeout: one deadline for all targets; the runs still open are cancelled with cancel-on-timeout', async () => {
  const forge = createMemoryForge({
    now: Date.now,
    returnsRunId: true,
    workflows: ['quick', 'slow'].map((r) => ({
      repo: `acme/${r}`,
      file: 'build.yml',
      runName: `Build ${expr('inputs.correlation_id')}`,
      appearAfterMs: 0,
      startAfterMs: 10,
      durationMs: r === 'quick' ? 50 : 600_000,
    })),
  });
  const config = configFor(
    { targets: [{ repo: 'acme/quick' }, { repo: 'acme/slow' }], timeout: '1s', 'cancel-on-timeout': true },
    { report: { 'status-per-target': true } },
  );
  service = await startService(config, { createForge: () => forge, logger: createLogger('error', [SECRET]) });
  await openPr(service.url, 4, 'd');
  const final = () =>
    forge.statuses.filter((s) => s.status.context === 'xrd/targets' && s.status.state !== 'pending');
  const end = Date.now() + 15_000;
  while (final().length === 0) {
    if (Date.now() > end) throw new Error('no final aggregated status');
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(final().map((s) => [s.status.state, s.status.description])).toEqual([
    ['error', '2 targets: 1 success, 1 error (acme/slow build.yml)'],
  ]);
  const slow = forge.runs().find((r) => r.displayTitle?.startsWith('Build') && r.url.includes('acme/slow'));
  expect(slow?.conclusion).toBe('cancelled');
  expect(
    forge.statuses.find((s) => s.status.context === 'xrd/acme/slow/build' && s.status.state !== 'pending')
      ?.status.description,
  ).toBe("Timed out: the route's deadline passed");
  expect(forge.comments).toHaveLength(1);
  expect(forge.comments[0]?.body).toMatch(/\| acme\/slow build\.yml \| .* \| timed out after 1s/);
}, 20_000);

it("the comment tables each target's remote outputs (their `xrd-outputs` artifact), as the action does", async () => {
  const outputs = (version: string) => ({
    name: 'xrd-outputs',
    zip: createZip([{ name: 'outputs.json', content: JSON.stringify({ version }) }]),
  });
  const forge = createMemoryForge({
    now: Date.now,
    returnsRunId: true,
    workflows: [
      { repo: 'acme/app', artifacts: [outputs('1.2.3')] },
      { repo: 'acme/docs', artifacts: [outputs('9.9.9')] },
      { repo: 'acme/plain' },
    ].map((w) => ({
      ...w,
      file: 'build.yml',
      runName: `Build ${expr('inputs.correlation_id')}`,
      appearAfterMs: 0,
      startAfterMs: 10,
      durationMs: 50,
    })),
  });
  const config = configFor({
    targets: [{ repo: 'acme/app' }, { repo: 'acme/docs' }, { repo: 'acme/plain' }],
  });
  service = await startService(config, { createForge: () => forge, logger: createLogger('error', [SECRET]) });
  await openPr(service.url, 5, 'e');
  const end = Date.now() + 15_000;
  while (!forge.comments.some((c) => c.body.includes('success**'))) {
    if (Date.now() > end) throw new Error('no final comment');
    await new Promise((r) => setTimeout(r, 20));
  }
  const comment = forge.comments[0]?.body ?? '';
  expect(comment).toContain('**Outputs of acme/app build.yml**');
  expect(comment).toContain('**Outputs of acme/docs build.yml**');
  expect(comment).not.toContain('Outputs of acme/plain');
  const app = comment.slice(comment.indexOf('Outputs of acme/app'));
  expect(app.slice(0, app.indexOf('Outputs of acme/docs'))).toContain('| version | `1.2.3` |');
  expect(comment.slice(comment.indexOf('Outputs of acme/docs'))).toContain('| version | `9.9.9` |');
}, 20_000);
