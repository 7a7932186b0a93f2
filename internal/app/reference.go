package app

import (
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"
)

// CommandLine is the command line's definition as `monitor-token` runs it,
// for what is generated from it at release time: the man page
// (cmd/release-files, which is built without urfave_cli_no_docs, so that
// the released binary keeps that saving:
// docs/urfave-cli.md, "Build tag urfave_cli_no_docs"). It is not for running.
func CommandLine() *cli.App {
	p := newProgram(Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard})
	var notFound error
	return p.cliApp(&notFound)
}

// completionPaths are where each shell's loader looks for the script under
// a share directory ($PREFIX/share): bash-completion also in
// PATH-entry/../share/bash-completion/completions, zsh in site-functions
// on $fpath (autoloading _COMMAND), fish in vendor_completions.d. Every
// installer names its files after these: install-links, and the release's
// completions/ (cmd/release-files), from which Homebrew and the Linux
// packages install.
var completionPaths = []struct{ shell, path string }{
	{"bash", "bash-completion/completions/monitor-token"},
	{"zsh", "zsh/site-functions/_monitor-token"},
	{"fish", "fish/vendor_completions.d/monitor-token.fish"},
}

// CompletionFile is where shell's script goes under a share directory.
func CompletionFile(shell string) (path string, ok bool) {
	for _, c := range completionPaths {
		if c.shell == shell {
			return c.path, true
		}
	}
	return "", false
}

// CompletionShells are the shells `monitor-token completion` has a script
// for, sorted.
func CompletionShells() []string {
	shells := make([]string, 0, len(completionScripts))
	for shell := range completionScripts {
		shells = append(shells, shell)
	}
	slices.Sort(shells)
	return shells
}

// CompletionScript is what `monitor-token completion SHELL` prints.
func CompletionScript(shell string) (script string, ok bool) {
	script, ok = completionScripts[shell]
	return script, ok
}
