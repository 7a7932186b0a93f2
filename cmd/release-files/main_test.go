package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/commands"
	"github.com/monitor-token/monitor-token/internal/complete"
)

// generate runs the program into a new directory and returns its files.
func generate(t *testing.T) (string, map[string][]byte) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "out")
	var stderr bytes.Buffer
	if code := run([]string{"-out", dir}, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		rel, _ := filepath.Rel(dir, path)
		files[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return dir, files
}

func TestTheFilesAndTheirModes(t *testing.T) {
	dir, files := generate(t)
	want := map[string]fs.FileMode{
		"monitor-token.1":                0o644,
		"completions/monitor-token":      0o644,
		"completions/_monitor-token":     0o644,
		"completions/monitor-token.fish": 0o644,
		"kubectl_complete-monitor_token": 0o755,
	}
	if len(files) != len(want) {
		t.Errorf("wrote %d files, want %d: %v", len(files), len(want), keys(files))
	}
	for name, mode := range want {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if info.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, want %v", name, info.Mode().Perm(), mode)
		}
	}
}

func keys(m map[string][]byte) []string {
	var k []string
	for name := range m {
		k = append(k, name)
	}
	return k
}

// The release is reproducible only if these are: no date, host or path.
func TestTwoRunsGiveTheSameBytes(t *testing.T) {
	_, first := generate(t)
	_, second := generate(t)
	for name, data := range first {
		if !bytes.Equal(data, second[name]) {
			t.Errorf("%s differs between two runs", name)
		}
	}
}

func TestRunningOverAnEarlierOutputResetsModes(t *testing.T) {
	dir, _ := generate(t)
	path := filepath.Join(dir, "kubectl_complete-monitor_token")
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"-out", dir}, &bytes.Buffer{}); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if info, _ := os.Stat(path); info.Mode().Perm() != 0o755 {
		t.Errorf("mode %v after a second run, want 0755", info.Mode().Perm())
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"-out", "x", "extra"}, {"-nope"}} {
		var stderr bytes.Buffer
		if code := run(args, &stderr); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
		if !strings.Contains(stderr.String(), "-out") {
			t.Errorf("%q: %q does not say how to call it", args, stderr.String())
		}
	}
}

func TestTheManPageHasEveryCommandAndTheExtraSections(t *testing.T) {
	_, files := generate(t)
	page := string(files["monitor-token.1"])
	if !regexp.MustCompile(`(?m)^\.TH monitor-token 1$`).MatchString(page) {
		t.Errorf("no section-1 title: %.80q", page)
	}
	if regexp.MustCompile(`20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]`).MatchString(page) {
		t.Error("the page carries a date: it would differ between releases of the same source")
	}
	for _, cmd := range commands.CommandLine().VisibleCommands() {
		if !regexp.MustCompile(`(?m)^\.SS ` + regexp.QuoteMeta(cmd.Name) + `(,|$)`).MatchString(page) {
			t.Errorf("no subsection for the command %s", cmd.Name)
		}
	}
	for _, section := range []string{"NAME", "SYNOPSIS", "COMMANDS", "ENVIRONMENT", "FILES", "EXIT STATUS", "SEE ALSO"} {
		if !strings.Contains(page, ".SH "+section+"\n") {
			t.Errorf("no %s section", section)
		}
	}
}

// Every variable the program reads is named in the page: a new one that is
// not documented fails here.
func TestTheManPageNamesTheVariablesTheProgramReads(t *testing.T) {
	_, files := generate(t)
	page := string(files["monitor-token.1"])
	literal := regexp.MustCompile(`"(MONITOR_TOKEN_[A-Z_]+|IBMCLOUD_[A-Z_]+)"`)
	notRead := map[string]bool{"MONITOR_TOKEN_IAM_TOKEN": true} // what exec sets
	for _, pkg := range []string{"internal/app", "internal/commands", "internal/profile", "internal/config", "internal/broker", "store"} {
		sources, _ := filepath.Glob(filepath.Join("..", "..", pkg, "*.go"))
		if len(sources) == 0 {
			t.Fatalf("no sources in %s", pkg)
		}
		for _, src := range sources {
			if strings.HasSuffix(src, "_test.go") {
				continue
			}
			data, err := os.ReadFile(src)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range literal.FindAllStringSubmatch(string(data), -1) {
				name := m[1]
				if notRead[name] || strings.Contains(name, "_TEST_") || strings.HasPrefix(name, "IBMCLOUD_PLUGIN") {
					continue
				}
				// The man page escapes nothing in these names, but may
				// break them across lines in the rendered text only.
				if !strings.Contains(page, name) {
					t.Errorf("%s (read in %s) is not in the man page's ENVIRONMENT", name, src)
				}
			}
		}
	}
}

func TestCompletionFilesAreWhatTheShellsLoad(t *testing.T) {
	_, files := generate(t)
	for shell, name := range map[string]string{"bash": "monitor-token", "zsh": "_monitor-token", "fish": "monitor-token.fish"} {
		sh, _ := complete.ScriptFor(shell)
		script := sh.Script
		if got := string(files["completions/"+name]); got != script {
			t.Errorf("%s: not `monitor-token completion %s`", name, shell)
		}
	}
	// zsh autoloads a file on $fpath only when its first line is #compdef.
	if !bytes.HasPrefix(files["completions/_monitor-token"], []byte("#compdef monitor-token\n")) {
		t.Error("_monitor-token does not start with #compdef monitor-token")
	}
}

// The krew archives' completion program asks the plugin on PATH, passing
// the words kubectl gives it unchanged.
func TestKubectlCompleteScriptPassesTheWords(t *testing.T) {
	dir, _ := generate(t)
	bin := t.TempDir()
	stub := "#!/bin/sh\nfor a in \"$@\"; do printf '[%s]' \"$a\"; done\n"
	if err := os.WriteFile(filepath.Join(bin, "kubectl-monitor_token"), []byte(stub), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(dir, "kubectl_complete-monitor_token"), "get", "--pro", "")
	cmd.Env = []string{"PATH=" + bin + ":/usr/bin:/bin"}
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := "[__complete][get][--pro][]"; string(out) != want {
		t.Errorf("ran kubectl-monitor_token with %s, want %s", out, want)
	}
}
