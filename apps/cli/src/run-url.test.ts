import { describe, expect, it } from 'vitest';
import { parseRunArgument } from './run-url.js';

describe('parseRunArgument', () => {
  it('takes a bare id, leaving the repository to --repo', () => {
    expect(parseRunArgument('123456')).toEqual({ runId: 123456, source: 'id' });
  });

  it('reads a github.com web URL, including a job link and an attempt', () => {
    expect(parseRunArgument('https://github.com/acme/target/actions/runs/987')).toEqual({
      runId: 987,
      repo: { owner: 'acme', repo: 'target' },
      forge: 'github',
      serverUrl: 'https://github.com',
      source: 'html-url',
    });
    expect(parseRunArgument('https://github.com/acme/target/actions/runs/987/job/55')).toMatchObject({
      runId: 987,
      jobId: 55,
      forge: 'github',
    });
    expect(parseRunArgument('https://github.com/acme/target/actions/runs/987/attempts/2/')).toMatchObject({
      runId: 987,
      forge: 'github',
    });
  });

  it('reads API URLs of github.com, GHES and Gitea (with a sub-path)', () => {
    expect(parseRunArgument('https://api.github.com/repos/acme/target/actions/runs/5')).toEqual({
      runId: 5,
      repo: { owner: 'acme', repo: 'target' },
      forge: 'github',
      apiUrl: 'https://api.github.com',
      source: 'api-url',
    });
    expect(parseRunArgument('https://ghe.corp.example/api/v3/repos/a/b/actions/runs/7/jobs')).toMatchObject({
      forge: 'github',
      apiUrl: 'https://ghe.corp.example/api/v3',
      runId: 7,
    });
    expect(parseRunArgument('https://git.example.com/gitea/api/v1/repos/a/b/actions/runs/9')).toMatchObject({
      forge: 'gitea',
      apiUrl: 'https://git.example.com/gitea/api/v1',
      repo: { owner: 'a', repo: 'b' },
      runId: 9,
    });
    expect(parseRunArgument('https://codeberg.org/api/v1/repos/a/b/actions/runs/9')).toMatchObject({
      forge: 'forgejo',
    });
  });

  it('reads an API URL served at the server root (the simulator, api.github.com style) as GitHub', () => {
    expect(parseRunArgument('http://127.0.0.1:4000/repos/acme/target/actions/runs/3')).toMatchObject({
      forge: 'github',
      apiUrl: 'http://127.0.0.1:4000',
      runId: 3,
    });
  });

  it('leaves the forge open for a self-hosted web URL unless a Gitea job link settles it', () => {
    const loc = parseRunArgument('https://git.example.com/sub/acme/target/actions/runs/12');
    expect(loc.forge).toBeUndefined();
    expect(loc.serverUrl).toBe('https://git.example.com/sub');
    expect(parseRunArgument('https://git.example.com/acme/target/actions/runs/12/jobs/0')).toMatchObject({
      forge: 'gitea',
      serverUrl: 'https://git.example.com',
    });
    expect(parseRunArgument('https://ghe.example.com/acme/target/actions/runs/12/job/77')).toMatchObject({
      forge: 'github',
      jobId: 77,
    });
  });

  it('rejects anything else in one sentence naming RUN', () => {
    const message = (value: string) => {
      try {
        parseRunArgument(value);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(message('')).toMatchInlineSnapshot(
      `"RUN "" is empty; give a run id with --repo OWNER/NAME, or a run URL such as https://github.com/OWNER/NAME/actions/runs/123."`,
    );
    expect(message('abc')).toMatchInlineSnapshot(
      `"RUN "abc" is neither a run id nor an http(s) URL; give a run id with --repo OWNER/NAME, or a run URL such as https://github.com/OWNER/NAME/actions/runs/123."`,
    );
    expect(message('0')).toContain('has no valid run id');
    expect(message('99999999999999999999')).toContain('has no valid run id');
    expect(message('https://github.com/acme/target/pull/1')).toContain('is not a workflow run URL');
    expect(message('https://x.example/weird/repos/a/b/actions/runs/1')).toContain('unknown API prefix');
  });
});
