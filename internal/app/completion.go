package app

import (
	"io"

	"github.com/urfave/cli/v2"
)

// Completion scripts in the form urfave/cli offers (its autocomplete/
// scripts): the shell calls the program back with
// --generate-bash-completion, and the program lists the commands or flags
// that fit. So completion always matches the binary that is installed.

const bashCompletion = `# bash completion for monitor-token; load with:
#   source <(monitor-token completion bash)
_monitor_token_complete() {
  local cur opts
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "$cur" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  return 0
}
complete -o bashdefault -o default -F _monitor_token_complete monitor-token
`

const zshCompletion = `#compdef monitor-token
# zsh completion for monitor-token; load with:
#   source <(monitor-token completion zsh)
_monitor_token() {
  local -a opts
  local cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} "$cur" --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _monitor_token monitor-token
`

func (p *program) completion(c *cli.Context) error {
	scripts := map[string]string{"bash": bashCompletion, "zsh": zshCompletion}
	script, ok := scripts[c.Args().First()]
	if c.NArg() != 1 || !ok {
		return usagef("completion: give bash or zsh: source <(%s completion bash)", p.name)
	}
	_, err := io.WriteString(p.Stdout, script)
	return err
}
