// What the service answers to hostile or useless deliveries, against the running binary.
import { randomBytes, randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signBody } from '../src/signature.js';
import {
  runs,
  SECRET,
  type ServiceProcess,
  type Setup,
  type SimForge,
  startForge,
  startService,
  until,
  writeConfig,
} from './harness.js';

let forge: SimForge;
let gitea: SimForge;
let setup: Setup;
let service: ServiceProcess;

beforeAll(async () => {
  forge = await startForge('github', 'github', 20);
  gitea = await startForge('gitea', 'gitea-1.26', 20);
  setup = writeConfig(
    [forge, gitea],
    [
      { name: 'gh', source: forge, target: forge, workflow: 'build.yml' },
      { name: 'gt', source: gitea, target: gitea, workflow: 'build.yml' },
    ],
    { limits: { 'max-body-bytes': 65_536 } },
  );
  service = await startService(setup.configFile);
});

afterAll(async () => {
  service.child.kill('SIGTERM');
  await service.exited;
  await forge.sim.close();
  await gitea.sim.close();
  setup.cleanup();
});

const pr = (sha: string, number = 77) => ({
  action: 'opened',
  number,
  pull_request: { number, head: { sha, ref: 'feature/y' }, base: { ref: 'main' } },
  repository: { full_name: 'acme/source' },
});

async function deliver(
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

const github = (body: string, id: string, event = 'pull_request', secret = SECRET) =>
  deliver('/hooks/github', body, {
    'x-github-event': event,
    'x-github-delivery': id,
    'x-hub-signature-256': `sha256=${signBody(secret, body)}`,
  });

describe('webhook intake', () => {
  it('401 on a bad signature and nothing stored: the same delivery id, signed right, is then new', async () => {
    const body = JSON.stringify(pr('1'.repeat(40), 101));
    const id = randomUUID();
    expect((await github(body, id, 'pull_request', 'not-the-secret')).status).toBe(401);
    expect(
      (await deliver('/hooks/github', body, { 'x-github-event': 'pull_request', 'x-github-delivery': id }))
        .status,
    ).toBe(401);
    // A valid GitHub signature does not pass on a body that was changed after signing.
    const tampered = await deliver('/hooks/github', body.replace('101', '102'), {
      'x-github-event': 'pull_request',
      'x-github-delivery': id,
      'x-hub-signature-256': `sha256=${signBody(SECRET, body)}`,
    });
    expect(tampered.status).toBe(401);
    expect((await github(body, id)).body.status).toBe('accepted');
  });

  it('accepts Gitea bare-hex X-Gitea-Signature and rejects it when wrong', async () => {
    const body = JSON.stringify(pr('2'.repeat(40), 201));
    const headers = { 'x-gitea-event': 'pull_request', 'x-gitea-delivery': randomUUID() };
    expect(
      (await deliver('/hooks/gitea', body, { ...headers, 'x-gitea-signature': signBody('nope', body) }))
        .status,
    ).toBe(401);
    const ok = await deliver('/hooks/gitea', body, {
      ...headers,
      'x-gitea-signature': signBody(SECRET, body),
    });
    expect(ok).toMatchObject({ status: 202, body: { status: 'accepted' } });
  });

  it('a replayed delivery id has one effect', async () => {
    const sha = '3'.repeat(40);
    const body = JSON.stringify(pr(sha, 301));
    const id = randomUUID();
    const answers = await Promise.all([github(body, id), github(body, id), github(body, id)]);
    expect(answers.map((a) => a.body.status).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
    // A different delivery of the same event (same head sha) is stored but dispatches nothing new.
    expect((await github(body, randomUUID())).body.status).toBe('accepted');
    await new Promise((r) => setTimeout(r, 800));
    expect((await runs(forge)).filter((r) => r.inputs?.pr_head_sha === sha)).toHaveLength(1);
  });

  it('413 on an oversize body (declared or streamed), before any signature work', async () => {
    const big = JSON.stringify({ ...pr('4'.repeat(40)), padding: 'x'.repeat(70_000) });
    const res = await github(big, randomUUID());
    expect(res.status).toBe(413);
  });

  it('400 on malformed JSON and on a missing delivery id; 404 for an unknown forge path', async () => {
    expect((await github('{"action": "opened",', randomUUID())).status).toBe(400);
    const body = JSON.stringify(pr('5'.repeat(40)));
    expect(
      (
        await deliver('/hooks/github', body, {
          'x-github-event': 'pull_request',
          'x-hub-signature-256': `sha256=${signBody(SECRET, body)}`,
        })
      ).status,
    ).toBe(400);
    expect((await deliver('/hooks/bitbucket', body, {})).status).toBe(404);
  });

  it('202-ignores unknown events, actions and repositories without storing them', async () => {
    const issue = JSON.stringify({ action: 'opened', repository: { full_name: 'acme/source' } });
    expect((await github(issue, randomUUID(), 'issues')).body).toEqual({
      status: 'ignored',
      reason: 'event issues',
    });
    const closed = JSON.stringify({ ...pr('6'.repeat(40)), action: 'closed' });
    expect((await github(closed, randomUUID())).body).toEqual({
      status: 'ignored',
      reason: 'pull_request closed',
    });
    const other = JSON.stringify({ ...pr('7'.repeat(40)), repository: { full_name: 'someone/else' } });
    expect((await github(other, randomUUID())).body).toEqual({
      status: 'ignored',
      reason: 'no route for this repository and event',
    });
    expect((await github('{}', randomUUID(), 'ping')).body).toEqual({ status: 'pong' });
  });

  it('serves health, readiness and Prometheus metrics without any secret', async () => {
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${service.url}/readyz`)).json()).toEqual({ status: 'ready', store: 'sqlite' });
    const text = await (await fetch(`${service.url}/metrics`)).text();
    expect(text).toContain('# TYPE xrd_webhook_ack_seconds histogram');
    expect(text).toMatch(
      /xrd_webhook_deliveries_total\{forge="github",event="pull_request",result="http_401"\} [1-9]/,
    );
    expect(text).toMatch(/xrd_webhook_inflight_runs\{state="running"\} \d+/);
    const logs = JSON.stringify(service.logs);
    expect(logs).not.toContain(SECRET);
    expect(logs).not.toContain('e2e-token-0123456789');
  });

  it('a client that aborts its upload gets no error-level line: one info line with the reason', async () => {
    const { port, hostname } = new URL(service.url);
    const body = JSON.stringify(pr('8'.repeat(40), 801));
    await new Promise<void>((resolve, reject) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(
          `POST /hooks/github HTTP/1.1\r\nhost: ${hostname}\r\ncontent-type: application/json\r\n` +
            `content-length: ${body.length}\r\nx-github-event: pull_request\r\nx-github-delivery: ${randomUUID()}\r\n` +
            `x-hub-signature-256: sha256=${signBody(SECRET, body)}\r\n\r\n${body.slice(0, 20)}`,
          () => setTimeout(() => socket.destroy(), 50),
        );
      });
      socket.on('close', () => resolve());
      socket.on('error', reject);
    });
    const aborted = await until('the abort logged', () =>
      service.logs.find((l) => l.msg === 'delivery upload aborted by the client; nothing stored'),
    );
    expect(aborted).toMatchObject({ level: 'info', forge: 'github' });
    expect(typeof aborted?.reason).toBe('string');
    expect(service.logs.filter((l) => l.level === 'error')).toEqual([]);
  });
  it('2,000 unsigned requests with random event headers create no metric series', async () => {
    // A service of its own: nothing else happens in it while the series are counted.
    const quiet = await startService(setup.configFile, { XRD_STORE_PATH: `${setup.dbFile}.quiet` });
    const series = async () => {
      const text = await (await fetch(`${quiet.url}/metrics`)).text();
      return text
        .split('\n')
        .filter((l) => l !== '' && !l.startsWith('#'))
        .map((l) => l.replace(/ \S+$/, ''));
    };
    const unsigned = async (event: string) =>
      (
        await fetch(`${quiet.url}/hooks/github`, {
          method: 'POST',
          headers: { 'x-github-event': event, 'x-github-delivery': randomUUID() },
          body: '{}',
        })
      ).status;
    // One unsigned request of an unknown event first: its series is the one all of them share.
    expect(await unsigned('warm-up')).toBe(401);
    const before = await series();
    const sent: string[] = [];
    for (let batch = 0; batch < 100; batch++) {
      const events = Array.from({ length: 20 }, () => `evt-${randomBytes(12).toString('hex')}`);
      sent.push(...events);
      const answers = await Promise.all(events.map(unsigned));
      expect(answers.every((status) => status === 401)).toBe(true);
    }
    const after = await series();
    expect(after.filter((x) => !before.includes(x))).toEqual([]);
    expect(after).toEqual(before);
    expect(sent).toHaveLength(2000);
    const text = await (await fetch(`${quiet.url}/metrics`)).text();
    expect(text).toMatch(
      /xrd_webhook_deliveries_total\{forge="github",event="other",result="http_401"\} (\d+)/,
    );
    expect(sent.some((e) => text.includes(e))).toBe(false);
    quiet.child.kill('SIGTERM');
    await quiet.exited;
  });
});
