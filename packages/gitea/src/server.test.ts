import { describe, expect, test } from 'vitest';
import { capabilitiesOf, kindFromVersion, parseVersion, profileFor } from './server.js';

describe('kindFromVersion', () => {
  test.each([
    ['1.24.6', 'gitea'],
    ['1.25.2', 'gitea'],
    ['1.26.0+dev-42-gabcdef', 'gitea'],
    ['v1.25.0', 'gitea'],
    ['11.0.1+gitea-1.22.0', 'forgejo'],
    ['7.0.0', 'forgejo'],
    ['12.0.0-dev', 'forgejo'],
    ['Forgejo 1.21.11', 'forgejo'],
    // Old Forgejo used Gitea-like numbers with a suffix; custom builds say anything.
    ['1.21.11-1', undefined],
    ['development', undefined],
    ['', undefined],
  ])('%s → %s', (version, kind) => {
    expect(kindFromVersion(version)).toBe(kind);
  });
});

test('parseVersion', () => {
  expect(parseVersion('1.25.2')).toEqual({ major: 1, minor: 25, patch: 2 });
  expect(parseVersion('11.0')).toEqual({ major: 11, minor: 0, patch: 0 });
  expect(parseVersion('dev')).toBeUndefined();
});

describe('profileFor', () => {
  test('Gitea 1.24: tasks only, no run id, no logs', () => {
    const p = profileFor('gitea', '1.24.6');
    expect(p).toMatchObject({
      dispatchMode: 'plain',
      expectedPath: 'none',
      runsVia: 'tasks',
      jobsApi: false,
      jobLogs: false,
      cancel: false,
      artifacts: false,
      workflowRunWebhooks: false,
    });
    expect(p.limitations.join('\n')).toMatchInlineSnapshot(`
      "Gitea 1.24.6 does not return the run id from a dispatch (Gitea 1.26 does); the run is found by its correlation id in the run-name.
      Gitea before 1.25 has no workflow run API: runs are followed through /actions/tasks, which lists a run only once a runner has picked up one of its jobs.
      Job steps are not available before Gitea 1.25, so step-name correlation cannot work; put the correlation id in run-name.
      Job logs cannot be read through the API before Gitea 1.25.
      Artifacts cannot be listed before Gitea 1.25: Gitea 1.24's artifacts API wants the run's id, which its API never shows.
      A run whose later jobs have not been picked up yet can look finished in /actions/tasks.
      Runs cannot be cancelled through the Gitea API (no cancel endpoint up to Gitea 1.27); cancel them in the web UI.
      Gitea before 1.25 sends no workflow_run webhooks; the run is followed by polling.
      repository_dispatch does not exist on Gitea or Forgejo (go-gitea/gitea#24132); use workflow_dispatch."
    `);
  });

  test('Gitea 1.25: run API, no run id', () => {
    const p = profileFor('gitea', '1.25.2');
    expect(p).toMatchObject({
      dispatchMode: 'plain',
      expectedPath: 'none',
      runsVia: 'runs',
      jobsApi: true,
      jobLogs: true,
    });
    expect(p.limitations[0]).toMatchInlineSnapshot(
      `"Gitea 1.25.2 does not return the run id from a dispatch (Gitea 1.26 does); the run is found by its correlation id in the run-name or a step name."`,
    );
  });

  test('Gitea 1.26 and later, and unknown Gitea versions: run details', () => {
    for (const version of ['1.26.0', '1.27.1', undefined, 'main']) {
      expect(profileFor('gitea', version)).toMatchObject({
        dispatchMode: 'query-return-run-details',
        expectedPath: 'run-details',
        runsVia: 'runs',
      });
    }
  });

  test('Forgejo: run info in the body, .forgejo/workflows first', () => {
    const p = profileFor('forgejo', '11.0.1+gitea-1.22.0');
    expect(p).toMatchObject({
      dispatchMode: 'body-return-run-info',
      expectedPath: 'run-info',
      runsVia: 'runs',
    });
    expect(p.workflowDirs[0]).toBe('.forgejo/workflows');
  });

  test('Forgejo: a webhook when a run ends from 13 on (action_run_*), not before', () => {
    for (const [version, hooks] of [
      ['11.0.1+gitea-1.22.0', false],
      ['12.0.0', false],
      ['13.0.0+gitea-1.22.0', true],
      ['16.0.0', true],
      [undefined, true],
    ] as const) {
      const p = profileFor('forgejo', version);
      expect(p.workflowRunWebhooks, String(version)).toBe(hooks);
      expect(p.limitations.join('\n'), String(version)).toMatch(
        hooks ? /learns that a run ended from its action_run_success/ : /follows runs by polling/,
      );
    }
  });
});

test('capabilitiesOf', () => {
  const caps = capabilitiesOf(profileFor('gitea', '1.25.2'), false);
  expect(caps).toMatchObject({
    kind: 'gitea',
    server: 'Gitea 1.25.2',
    returnsRunId: false,
    repositoryDispatch: false,
    runApi: true,
    cancel: false,
    conditionalRequests: false,
    commitStates: ['pending', 'success', 'failure', 'error', 'warning', 'skipped'],
  });
  expect(capabilitiesOf(profileFor('gitea', '1.26.1'), true).returnsRunId).toBe(true);
  expect(capabilitiesOf(profileFor('gitea', undefined), true).returnsRunId).toBe('unknown');
  expect(capabilitiesOf(profileFor('forgejo', '11.0.1'), true).server).toBe('Forgejo 11.0.1');
});
