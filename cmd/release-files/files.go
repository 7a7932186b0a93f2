package main

import (
	"bytes"
	_ "embed"
	"fmt"
	"path"
	"strings"

	"github.com/cpuguy83/go-md2man/v2/md2man"
	"github.com/monitor-token/monitor-token/internal/commands"
	"github.com/monitor-token/monitor-token/internal/complete"
)

// manpageSections is what the man page says beyond the commands and flags,
// which come from the command definitions.
//
//go:embed manpage.md
var manpageSections string

// kubectlComplete is the program kubectl runs for `kubectl monitor-token
// <TAB>` (docs/integrations.md, "kubectl plugin completion"). The Unix
// archives carry it as a link to the binary, which answers by that name;
// krew unpacks regular files only, so its archives carry this script,
// which asks the plugin krew put on PATH.
const kubectlComplete = `#!/bin/sh
# kubectl runs this for ` + "`kubectl monitor-token <TAB>`" + `: put it on PATH beside kubectl-monitor_token.
exec kubectl-monitor_token __complete "$@"
`

func releaseFiles() ([]file, error) {
	man, err := manPage()
	if err != nil {
		return nil, err
	}
	files := []file{{path: "monitor-token.1", data: man, mode: 0o644}}
	for _, sh := range complete.Shells() {
		// Named as installed (complete.Shell's Path), so an installer
		// copies it without renaming.
		files = append(files, file{path: "completions/" + path.Base(sh.Path), data: []byte(sh.Script), mode: 0o644})
	}
	files = append(files, file{path: "kubectl_complete-monitor_token", data: []byte(kubectlComplete), mode: 0o755})
	return files, nil
}

// manPage renders monitor-token(1): urfave/cli's Markdown of the command
// line, with a section-1 title and manpageSections, through go-md2man, the
// renderer urfave/cli's own ToMan uses. The title has no date, so the page
// depends on the source alone.
func manPage() ([]byte, error) {
	md, err := commands.CommandLine().ToMarkdown()
	if err != nil {
		return nil, fmt.Errorf("the command line's Markdown: %w", err)
	}
	var page bytes.Buffer
	page.WriteString("% monitor-token 1\n\n")
	// urfave/cli heads each command with ##, which go-md2man renders as a
	// section (.SH) beside COMMANDS; one level down they are its
	// subsections (.SS).
	page.WriteString(strings.ReplaceAll(strings.TrimRight(md, "\n"), "\n## ", "\n### "))
	page.WriteString("\n\n")
	page.WriteString(manpageSections)
	return md2man.Render(page.Bytes()), nil
}
