// Command release-files writes the files a release ships beside the
// binary, generated from the command definitions the binary runs
// (commands.CommandLine): the man page monitor-token.1, the shell completion
// scripts under completions/, and kubectl_complete-monitor_token, the
// script the krew archives carry. It is built without urfave_cli_no_docs,
// which the released binary keeps (docs/urfave-cli.md, "Build tag
// urfave_cli_no_docs"); .goreleaser.yaml runs it through
// scripts/release-files.sh.
//
// Its output depends on the source alone: no date, no version, no host, so
// two runs give the same bytes and the release stays reproducible.
//
//	go run ./cmd/release-files -out DIR
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stderr))
}

func run(args []string, stderr io.Writer) int {
	flags := flag.NewFlagSet("release-files", flag.ContinueOnError)
	flags.SetOutput(stderr)
	out := flags.String("out", "", "the directory to write into (created if missing)")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if *out == "" || flags.NArg() > 0 {
		fmt.Fprintln(stderr, "release-files: give the output directory, and nothing else: release-files -out DIR")
		return 2
	}
	files, err := releaseFiles()
	if err == nil {
		err = write(*out, files)
	}
	if err != nil {
		fmt.Fprintln(stderr, "release-files:", err)
		return 1
	}
	return 0
}

// file is one generated file: its path under the output directory, its
// bytes, and its mode.
type file struct {
	path string
	data []byte
	mode os.FileMode
}

func write(dir string, files []file) error {
	for _, f := range files {
		path := filepath.Join(dir, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, f.data, f.mode); err != nil {
			return err
		}
		// WriteFile keeps the mode of a file that was there, and the umask
		// trims a new one's: the archives take the mode from here.
		if err := os.Chmod(path, f.mode); err != nil {
			return err
		}
	}
	return nil
}
