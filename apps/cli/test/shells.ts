// Real shells for the completion tests, where the machine has them (CI images may not: those tests
// are skipped there and the scripts' text is still checked).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function hasShell(shell: string): boolean {
  return spawnSync(shell, ['-c', 'true']).status === 0;
}

/** A new empty folder holding only `files` (empty files), for completing paths. */
export function folderWith(...files: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'xrd-completion-cwd-'));
  for (const f of files) writeFileSync(join(dir, f), '');
  return dir;
}

export function scriptFile(text: string, name: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'xrd-completion-')), name);
  writeFileSync(file, text);
  return file;
}

/** fish's own completions for `line` with the script sourced (`complete -C`): one line each. */
export function fishComplete(script: string, line: string, cwd?: string): string[] {
  const out = execFileSync(
    'fish',
    ['--no-config', '-c', `source ${script}; complete -C ${fishQuote(line)}`],
    {
      ...(cwd ? { cwd } : {}),
    },
  );
  return out.toString().split('\n').filter(Boolean);
}

/**
 * What completion leaves of `line` after a Tab in an interactive zsh that loaded the script the way
 * its help says (sourced after compinit). A zsh in a pseudo-terminal (zsh/zpty) types the line and
 * a Tab, goes to the start of the line (Ctrl-A) and prefixes `print -r -- BUF:`, so running the line
 * prints what completion left in it; the terminal is read for that line, for at most 5 s.
 */
export function zshCompletion(script: string, line: string, cwd?: string): string | undefined {
  const driver = `
zmodload zsh/zpty
zpty -b z 'zsh -f -i'
zpty -w z 'PS1="%% "; bindkey -e; autoload -Uz compinit; compinit -u -D; source ${script}'
zpty -w -n z ${zshQuote(`${line}\t\x01`)}
zpty -w z 'print -r -- BUF:'
out=
for i in {1..100}; do
  if zpty -r -t z chunk; then out+=$chunk; else sleep 0.05; fi
  [[ $out == *$'\n'BUF:*$'\n'* ]] && break
done
zpty -d z
print -r -- "$out"
`;
  const out = execFileSync('zsh', ['-f', '-c', driver], {
    timeout: 15_000,
    ...(cwd ? { cwd } : {}),
  }).toString();
  return /(?:^|\n)BUF:([^\r\n]*)/.exec(out)?.[1]?.trimEnd();
}

function zshQuote(s: string): string {
  return `$'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\t/g, '\\t').replace(/\x01/g, '\\x01')}'`;
}

function fishQuote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
