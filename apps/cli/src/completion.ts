// `xrd completion bash|zsh|fish`: shell completion scripts generated from the commander program
// itself, so they can never list a flag the CLI does not have.
import type { Command, Option } from 'commander';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

interface Spec {
  readonly name: string;
  readonly description: string;
  readonly options: readonly {
    long: string;
    description: string;
    takesValue: boolean;
    choices?: readonly string[];
  }[];
  readonly argChoices?: readonly string[];
}

function specOf(cmd: Command): Spec {
  const options = cmd.options
    .filter((o: Option) => o.long !== undefined && !o.hidden)
    .map((o: Option) => ({
      long: o.long as string,
      description: o.description,
      takesValue: o.required || o.optional,
      ...(o.argChoices ? { choices: o.argChoices } : {}),
    }));
  options.push({ long: '--help', description: 'show help', takesValue: false });
  const arg = cmd.registeredArguments[0];
  return {
    name: cmd.name(),
    description: cmd.description(),
    options,
    ...(arg?.argChoices ? { argChoices: arg.argChoices } : {}),
  };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
// zsh _arguments specs treat [ ] : as syntax inside descriptions.
const zdesc = (s: string) => s.replace(/[[\]:]/g, ' ').replace(/'/g, '');

function bash(specs: readonly Spec[]): string {
  const names = specs.map((s) => s.name).join(' ');
  const cases = specs
    .map((s) => {
      const flags = s.options.map((o) => o.long).join(' ');
      const values = s.options
        .filter((o) => o.choices)
        .map(
          (o) =>
            `      ${o.long}) COMPREPLY=( $(compgen -W ${q(o.choices!.join(' '))} -- "$cur") ); return ;;`,
        )
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
  const commands = specs.map((s) => `    ${q(`${s.name}:${zdesc(s.description)}`)}`).join('\n');
  const cases = specs
    .map((s) => {
      const opts = s.options.map((o) => {
        const value = o.choices ? `:value:(${o.choices.join(' ')})` : o.takesValue ? ':value:' : '';
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
      const value = o.choices ? ` -r -a ${q(o.choices.join(' '))}` : o.takesValue ? ' -r' : '';
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
