// `xrd completion bash|zsh|fish`: shell completion scripts generated from the commander program
// itself, so they can never list a flag the CLI does not have.
import type { Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What an option's value is, for completing it: one of its choices, a local path, or free text. */
type ValueKind = 'none' | 'choice' | 'file' | 'dir' | 'text';

interface Spec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly {
    long: string;
    description: string;
    value: ValueKind;
    choices?: readonly string[];
  }[];
  readonly argChoices?: readonly string[];
}

/**
 * The value's kind from its placeholder in the flags (`--targets <file>`, `--artifacts-dir <dir>`,
 * `--token-file <path>`): only those name local paths. `<file|id>` (a workflow file of the target
 * repository), `<owner/name>` and the rest are text the shell cannot complete.
 */
function valueKind(o: Option): ValueKind {
  if (!(o.required || o.optional)) return 'none';
  if (o.argChoices) return 'choice';
  const placeholder = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1];
  if (placeholder === 'dir') return 'dir';
  if (placeholder === 'file' || placeholder === 'path') return 'file';
  return 'text';
}

function specOf(cmd: Command): Spec {
  const options: Spec['options'][number][] = cmd.options
    .filter((o: Option) => o.long !== undefined && !o.hidden)
    .map((o: Option) => ({
      long: o.long as string,
      description: o.description,
      value: valueKind(o),
      ...(o.argChoices ? { choices: o.argChoices } : {}),
    }));
  options.push({ long: '--help', description: 'show help', value: 'none' });
  const arg = cmd.registeredArguments[0];
  return {
    name: cmd.name(),
    description: cmd.description(),
    options,
    ...(arg?.argChoices ? { argChoices: arg.argChoices } : {}),
  };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
// In a zsh `_arguments` spec the description sits in brackets: `[`, `]` and `\` in it take a
// backslash. A colon there, or in the description half of a `_describe` entry (after the name's
// colon), is plain text; apostrophes are left to the single quotes around the whole word (`q`).
const zdesc = (s: string) => s.replace(/([[\]\\])/g, '\\$1');

function bash(specs: readonly Spec[]): string {
  const names = specs.map((s) => s.name).join(' ');
  const cases = specs
    .map((s) => {
      const flags = s.options.map((o) => o.long).join(' ');
      const values = s.options
        .flatMap((o) => {
          // A free-text value (a repository, a ref) gets no candidates rather than the flags.
          const reply = {
            none: undefined,
            choice: `$(compgen -W ${q((o.choices ?? []).join(' '))} -- "$cur")`,
            file: '$(compgen -f -- "$cur")',
            dir: '$(compgen -d -- "$cur")',
            text: '',
          }[o.value];
          return reply === undefined ? [] : [`      ${o.long}) COMPREPLY=( ${reply} ); return ;;`];
        })
        .join('\n');
      const args = s.argChoices ? ` ${s.argChoices.join(' ')}` : '';
      return `    ${s.name})\n      case "$prev" in\n${values}\n      esac\n      COMPREPLY=( $(compgen -W ${q(flags + args)} -- "$cur") ) ;;`;
    })
    .join('\n');
  return `# xrd completion for bash. Load it with: eval "$(xrd completion bash)"
_xrd() {
  local cur prev cmd
  cur="\${COMP_WORDS[COMP_CWORD]}"
  prev="\${COMP_WORDS[COMP_CWORD-1]}"
  cmd="\${COMP_WORDS[1]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=( $(compgen -W ${q(`${names} help --help --version`)} -- "$cur") )
    return
  fi
  case "$cmd" in
${cases}
  esac
}
complete -F _xrd xrd
`;
}

function zsh(specs: readonly Spec[]): string {
  const commands = specs.map((s) => `    ${q(`${s.name}:${s.description}`)}`).join('\n');
  const cases = specs
    .map((s) => {
      const opts = s.options.map((o) => {
        const value = {
          none: '',
          choice: `:value:(${(o.choices ?? []).join(' ')})`,
          file: ':file:_files',
          dir: ':directory:_files -/',
          text: ':value: ',
        }[o.value];
        return `        ${q(`${o.long}[${zdesc(o.description)}]${value}`)}`;
      });
      if (s.argChoices) opts.push(`        ${q(`1:shell:(${s.argChoices.join(' ')})`)}`);
      return `    ${s.name})\n      _arguments \\\n${opts.join(' \\\n')} ;;`;
    })
    .join('\n');
  return `#compdef xrd
# xrd completion for zsh. Load it with: source <(xrd completion zsh)
_xrd() {
  local -a commands
  commands=(
${commands}
  )
  if (( CURRENT == 2 )); then
    _describe 'command' commands
    return
  fi
  shift words
  (( CURRENT-- ))
  case "$words[1]" in
${cases}
  esac
}
if [ "$funcstack[1]" = "_xrd" ]; then
  _xrd "$@"
else
  compdef _xrd xrd
fi
`;
}

function fish(specs: readonly Spec[]): string {
  const lines = [
    '# xrd completion for fish. Load it with: xrd completion fish | source',
    'complete -c xrd -f',
  ];
  for (const s of specs) {
    lines.push(`complete -c xrd -n __fish_use_subcommand -a ${s.name} -d ${q(s.description)}`);
    const when = `-n ${q(`__fish_seen_subcommand_from ${s.name}`)}`;
    for (const o of s.options) {
      // -x: a value, and none of the files fish would offer otherwise; -F: the files after all.
      const value = {
        none: '',
        choice: ` -x -a ${q((o.choices ?? []).join(' '))}`,
        file: ' -r -F',
        dir: ` -x -a '(__fish_complete_directories)'`,
        text: ' -x',
      }[o.value];
      lines.push(`complete -c xrd ${when} -l ${o.long.replace(/^--/, '')}${value} -d ${q(o.description)}`);
    }
    if (s.argChoices) lines.push(`complete -c xrd ${when} -a ${q(s.argChoices.join(' '))}`);
  }
  return `${lines.join('\n')}\n`;
}

export function completionScript(program: Command, shell: Shell): string {
  const specs = program.commands.filter((c) => c.name() !== 'help').map(specOf);
  if (shell === 'bash') return bash(specs);
  if (shell === 'zsh') return zsh(specs);
  return fish(specs);
}
