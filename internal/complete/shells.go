// Package complete answers shell completion: the `__complete` request
// (engine.go), which the scripts of `monitor-token completion` and kubectl
// ask, and those scripts with where each shell's loader finds them
// (shells.go).
package complete

import "slices"

// The scripts ask the program itself what fits
// (`monitor-token __complete WORD... CURRENT`, engine.go), so completion
// always matches the binary that is installed and knows flag values: the
// config file's profiles, the regions, the fixed sets. Each script reads
// cobra's format: candidates a line ("VALUE\tDESCRIPTION"), then
// ":DIRECTIVE", whose bit 4 forbids falling back to file names. What each
// shell gives a completion function and takes back is in
// docs/integrations.md, "Shell completion".

const bashCompletion = `# bash completion for monitor-token; load with:
#   source <(monitor-token completion bash)
_monitor_token_complete() {
  local -a words=()
  local i out directive line cur=${COMP_WORDS[COMP_CWORD]}
  # bash splits --flag=value at the "=" (COMP_WORDBREAKS) and completes
  # what follows it: the program is asked about --flag and the value.
  for ((i = 1; i < COMP_CWORD; i++)); do
    [[ ${COMP_WORDS[i]} == "=" ]] || words+=("${COMP_WORDS[i]}")
  done
  [[ $cur == "=" ]] && cur=
  out=$("${COMP_WORDS[0]}" __complete "${words[@]}" "$cur" 2>/dev/null) || return 0
  directive=${out##*$'\n'}
  directive=${directive#:}
  COMPREPLY=()
  while IFS= read -r line; do
    [[ $line == :* ]] && continue
    line=${line%%$'\t'*}
    [[ -n $line && $line == "$cur"* ]] && COMPREPLY+=("$line")
  done <<<"$out"
  if (( directive & 4 )); then
    compopt +o default +o bashdefault 2>/dev/null
  fi
  return 0
}
complete -o bashdefault -o default -F _monitor_token_complete monitor-token
`

const zshCompletion = `#compdef monitor-token
# zsh completion for monitor-token; load with:
#   source <(monitor-token completion zsh)
_monitor_token() {
  local -a lines comps
  local out directive line value desc
  out=$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  lines=("${(@f)out}")
  directive=${lines[-1]#:}
  for line in "${(@)lines[1,-2]}"; do
    [[ -n $line ]] || continue
    value=${line%%$'\t'*}
    desc=
    [[ $line == *$'\t'* ]] && desc=${line#*$'\t'}
    comps+=("${value//:/\\:}${desc:+:$desc}")
  done
  if (( ${#comps} )); then
    _describe 'monitor-token' comps
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
compdef _monitor_token monitor-token
`

const fishCompletion = `# fish completion for monitor-token; load with:
#   monitor-token completion fish | source
# or save it as ~/.config/fish/completions/monitor-token.fish
function __monitor_token_complete
    set -l words (commandline -opc) (commandline -ct)
    set -l out (command $words[1] __complete $words[2..-1] 2>/dev/null); or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -eq 0; and test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\n' $out
end
complete -c monitor-token -f -a '(__monitor_token_complete)'
`

// Shell is one shell that completion supports.
type Shell struct {
	Name   string // as `monitor-token completion NAME` takes it
	Script string // what `monitor-token completion NAME` prints
	// Path is where the shell's loader looks for Script under a share
	// directory ($PREFIX/share), slash-separated. Every installer names
	// its file after it: install-links, and the release's completions/
	// (cmd/release-files), from which Homebrew and the Linux packages
	// install.
	Path string
}

// shells is the one list of supported shells, in the order completion
// offers them and installers install them. The paths: bash-completion
// looks in PATH-entry/../share/bash-completion/completions too, zsh in
// site-functions on $fpath (autoloading _COMMAND), fish in
// vendor_completions.d.
var shells = []Shell{
	{Name: "bash", Script: bashCompletion, Path: "bash-completion/completions/monitor-token"},
	{Name: "zsh", Script: zshCompletion, Path: "zsh/site-functions/_monitor-token"},
	{Name: "fish", Script: fishCompletion, Path: "fish/vendor_completions.d/monitor-token.fish"},
}

// Shells are the supported shells: bash, zsh, fish, in that order.
func Shells() []Shell { return slices.Clone(shells) }

// ScriptFor is the shell called name, if completion supports it.
func ScriptFor(name string) (Shell, bool) {
	for _, sh := range shells {
		if sh.Name == name {
			return sh, true
		}
	}
	return Shell{}, false
}

// ShellNames are the supported shells as the candidates for the argument
// of `monitor-token completion`.
func ShellNames() []Candidate {
	names := make([]string, len(shells))
	for i, sh := range shells {
		names[i] = sh.Name
	}
	return Values(names...)
}
