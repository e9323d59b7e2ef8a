import { execFileSync } from 'node:child_process';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { fishComplete, hasShell, scriptFile, zshCompletion } from '../test/shells.js';
import { completionScript } from './completion.js';

function program(): Command {
  const p = new Command('xrd');
  p.command('dispatch')
    .description("dispatch a workflow (it's fast)")
    .option('--repo <owner/name>', 'the target [repo]')
    .option('--json', 'JSON out: one document');
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

  it('keeps apostrophes, colons and brackets of the descriptions in the zsh script', () => {
    const script = completionScript(program(), 'zsh');
    expect(script).toContain(`'dispatch:dispatch a workflow (it'\\''s fast)'`);
    expect(script).toContain(`'--repo[the target \\[repo\\]]:value: '`);
    expect(script).toContain(`'--json[JSON out: one document]'`);
  });

  it.skipIf(!hasShell('fish'))(
    'produces a fish script whose completions fish lists, descriptions intact',
    () => {
      const file = scriptFile(completionScript(program(), 'fish'), 'xrd.fish');
      expect(fishComplete(file, 'xrd di')).toEqual(["dispatch\tdispatch a workflow (it's fast)"]);
      expect(fishComplete(file, 'xrd dispatch --r')).toEqual(['--repo\tthe target [repo]']);
      expect(fishComplete(file, 'xrd dispatch --j')).toEqual(['--json\tJSON out: one document']);
    },
  );

  it.skipIf(!hasShell('zsh'))('produces a zsh script that completes commands and flags in a real zsh', () => {
    const script = completionScript(program(), 'zsh');
    expect(() => execFileSync('zsh', ['-n'], { input: script })).not.toThrow();
    const file = scriptFile(script, '_xrd');
    expect(zshCompletion(file, 'xrd di')).toBe('xrd dispatch');
    expect(zshCompletion(file, 'xrd dispatch --r')).toBe('xrd dispatch --repo');
    // a flag the program does not have is not completed
    expect(zshCompletion(file, 'xrd dispatch --q')).toBe('xrd dispatch --q');
  });
});
