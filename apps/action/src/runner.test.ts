import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRunner } from './runner.js';

function files() {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-runner-'));
  const paths = {
    GITHUB_OUTPUT: join(dir, 'out'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_STEP_SUMMARY: join(dir, 'sum'),
  };
  for (const path of Object.values(paths)) writeFileSync(path, '');
  return paths;
}

describe('the runner protocol', () => {
  afterEach(() => {
    process.exitCode = 0;
  });

  it('reads inputs and state as the runner passes them', () => {
    const runner = createRunner({ 'INPUT_API-URL': '  https://x  ', INPUT_MY_INPUT: 'v', STATE_runId: '42' });
    expect(runner.getInput('api-url')).toBe('https://x');
    expect(runner.getInput('my input')).toBe('v');
    expect(runner.getInput('missing')).toBe('');
    expect(runner.getState('runId')).toBe('42');
  });

  it('writes outputs and state to the runner files with a random delimiter, values with line breaks intact', () => {
    const env = files();
    const runner = createRunner(env);
    runner.setOutput('failed-jobs', '[\n{"a":1}\n]');
    runner.saveState('runId', '42');
    const out = readFileSync(env.GITHUB_OUTPUT, 'utf8');
    const match = /^failed-jobs<<(ghadelimiter_[0-9a-f-]{36})\n\[\n\{"a":1\}\n\]\n\1\n$/.exec(out);
    expect(match).not.toBeNull();
    expect(readFileSync(env.GITHUB_STATE, 'utf8')).toMatch(
      /^runId<<ghadelimiter_\S+\n42\nghadelimiter_\S+\n$/,
    );
  });

  it('falls back to workflow commands without runner files, and escapes what commands carry', () => {
    const lines: string[] = [];
    const runner = createRunner({}, (text) => lines.push(text));
    runner.saveState('isPost', 'true');
    runner.setSecret('s3cr3t');
    runner.error('100% failed\nnext line', { title: 'acme/target: build, again' });
    runner.warning('careful\r');
    runner.debug('d');
    runner.startGroup('Waiting');
    runner.endGroup();
    runner.setFailed('it failed');
    expect(lines.join('')).toBe(
      [
        '::save-state name=isPost::true',
        '::add-mask::s3cr3t',
        '::error title=acme/target%3A build%2C again::100%25 failed%0Anext line',
        '::warning::careful%0D',
        '::debug::d',
        '::group::Waiting',
        '::endgroup::',
        '::error::it failed',
        '',
      ].join('\n'),
    );
    expect(process.exitCode).toBe(1);
    expect(runner.appendSummary('# x')).toBe(false);
  });

  it('appends the summary when the runner gives a summary file', () => {
    const env = files();
    expect(createRunner(env).appendSummary('## Result')).toBe(true);
    expect(readFileSync(env.GITHUB_STEP_SUMMARY, 'utf8')).toBe('## Result\n');
  });
});
