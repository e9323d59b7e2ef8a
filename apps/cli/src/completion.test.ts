import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { completionScript } from './completion.js';

function program(): Command {
  const p = new Command('xrd');
  p.command('dispatch')
    .description("dispatch a workflow (it's fast)")
    .option('--repo <owner/name>', 'the target [repo]')
    .option('--json', 'JSON out');
  p.command('completion').description('completion').argument('<shell>');
  return p;
}

describe('completionScript', () => {
  it('lists commands and their flags for every shell', () => {
    for (const shell of ['bash', 'zsh', 'fish'] as const) {
      const script = completionScript(program(), shell);
      expect(script).toContain('dispatch');
      expect(script).toContain('repo');
      expect(script).toContain('json');
    }
  });

  it('produces a bash script that bash accepts', () => {
    const script = completionScript(program(), 'bash');
    expect(() => execFileSync('bash', ['-n'], { input: script })).not.toThrow();
    const out = execFileSync('bash', [
      '-c',
      `${script}\nCOMP_WORDS=(xrd dispatch --r); COMP_CWORD=2; _xrd; echo "\${COMPREPLY[@]}"`,
    ]);
    expect(out.toString().trim()).toBe('--repo');
  });
});
