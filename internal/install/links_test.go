package install

import (
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	unixLinked = []string{
		"linked ROOT/bin/kubectl-monitor_token -> monitor-token",
		"linked ROOT/bin/kubectl_complete-monitor_token -> monitor-token",
		"linked ROOT/bin/git-credential-monitor-token -> monitor-token",
	}
	unixWrote = []string{
		"wrote ROOT/share/bash-completion/completions/monitor-token",
		"wrote ROOT/share/zsh/site-functions/_monitor-token",
		"wrote ROOT/share/fish/vendor_completions.d/monitor-token.fish",
	}
	zshHint      = "zsh: add fpath+=(ROOT/share/zsh/site-functions) to ~/.zshrc before compinit"
	unixUpToDate = []string{
		"up to date ROOT/bin/kubectl-monitor_token",
		"up to date ROOT/bin/kubectl_complete-monitor_token",
		"up to date ROOT/bin/git-credential-monitor-token",
		"up to date ROOT/share/bash-completion/completions/monitor-token",
		"up to date ROOT/share/zsh/site-functions/_monitor-token",
		"up to date ROOT/share/fish/vendor_completions.d/monitor-token.fish",
	}
	unixRemoved = []string{
		"removed ROOT/bin/kubectl-monitor_token",
		"removed ROOT/bin/kubectl_complete-monitor_token",
		"removed ROOT/bin/git-credential-monitor-token",
		"removed ROOT/share/bash-completion/completions/monitor-token",
		"removed ROOT/share/zsh/site-functions/_monitor-token",
		"removed ROOT/share/fish/vendor_completions.d/monitor-token.fish",
	}
	windowsWrote = []string{
		"wrote ROOT/bin/kubectl-monitor_token.exe, a copy of monitor-token.exe",
		"wrote ROOT/bin/kubectl_complete-monitor_token.exe, a copy of monitor-token.exe",
		"wrote ROOT/bin/git-credential-monitor-token.exe, a copy of monitor-token.exe",
	}
)

// TestLinks runs install-links for each system through each situation: a
// fresh directory, a second run, someone else's file in the way (refused:
// nothing changes), the same with --force, and --remove with someone
// else's file left alone.
func TestLinks(t *testing.T) {
	type tc struct {
		name  string
		goos  string
		setup func(lw *linksWorld)
		opts  Options // Force, Remove
		out   string  // the report
		err   string  // the error; "" for none
		// want is the tree after the run, from the tree before it;
		// nil: unchanged.
		want func(lw *linksWorld, before map[string]string) map[string]string
	}
	installedRel := func(lw *linksWorld, _ map[string]string) map[string]string { return lw.installed("monitor-token") }
	cases := []tc{
		{
			name: "unix/fresh", goos: "linux",
			out:  lines(cat(unixLinked, unixWrote, []string{zshHint})...),
			want: installedRel,
		},
		{
			name: "unix/second run", goos: "linux",
			setup: func(lw *linksWorld) { lw.mustRun(Options{}) },
			out:   lines(cat(unixUpToDate, []string{zshHint})...),
		},
		{
			name: "unix/older versions of ours are replaced", goos: "linux",
			setup: func(lw *linksWorld) {
				// The link by absolute path, the completion script of an
				// older release: both ours.
				lw.symlink(lw.exe, filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.root, "share/zsh/site-functions/_monitor-token"), "#compdef monitor-token\nold body\n", 0o644)
			},
			out:  lines(cat(unixLinked, unixWrote, []string{zshHint})...),
			want: installedRel,
		},
		{
			name: "unix/foreign link refused", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.symlink("/elsewhere", filepath.Join(lw.bin, "kubectl-monitor_token"))
			},
			err: "install-links: ROOT/bin/kubectl-monitor_token is a link to /elsewhere, not a link to monitor-token; remove it, or pass --force to replace it",
		},
		{
			name: "unix/foreign files refused", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.writeFile(filepath.Join(lw.bin, "git-credential-monitor-token"), "#!/bin/sh\necho other helper\n", 0o755)
				lw.writeFile(filepath.Join(lw.root, "share/fish/vendor_completions.d/monitor-token.fish"), "complete -c monitor-token -a mine\n", 0o644)
			},
			err: "install-links: ROOT/bin/git-credential-monitor-token is a file, not a link to monitor-token (and 1 more in the way); remove them, or pass --force to replace them",
		},
		{
			name: "unix/--force replaces foreign ones", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.symlink("/elsewhere", filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.bin, "git-credential-monitor-token"), "#!/bin/sh\necho other helper\n", 0o755)
				lw.writeFile(filepath.Join(lw.root, "share/fish/vendor_completions.d/monitor-token.fish"), "complete -c monitor-token -a mine\n", 0o644)
			},
			opts: Options{Force: true},
			out:  lines(cat(unixLinked, unixWrote, []string{zshHint})...),
			want: installedRel,
		},
		{
			name: "unix/a directory in the way is refused even with --force", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.writeFile(filepath.Join(lw.bin, "kubectl-monitor_token", "keep"), "x", 0o644)
			},
			opts: Options{Force: true},
			err:  "install-links: ROOT/bin/kubectl-monitor_token is a directory, not a link to monitor-token; move it away and run install-links again",
		},
		{
			name: "unix/a directory is named first, --force would not help", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.symlink("/elsewhere", filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.root, "share/zsh/site-functions/_monitor-token/keep"), "x", 0o644)
			},
			err: "install-links: ROOT/share/zsh/site-functions/_monitor-token is a directory, not monitor-token's zsh completion (and 1 more in the way); move them away and run install-links again",
		},
		{
			name: "unix/--remove leaves foreign ones", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.mustRun(Options{})
				os.Remove(filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.symlink("/elsewhere", filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.root, "share/zsh/site-functions/_monitor-token"), "#compdef other\n", 0o644)
				os.Remove(filepath.Join(lw.root, "share/fish/vendor_completions.d/monitor-token.fish"))
			},
			opts: Options{Remove: true},
			out: lines(
				"left ROOT/bin/kubectl-monitor_token alone: it is a link to /elsewhere, not a link to monitor-token",
				"removed ROOT/bin/kubectl_complete-monitor_token",
				"removed ROOT/bin/git-credential-monitor-token",
				"removed ROOT/share/bash-completion/completions/monitor-token",
				"left ROOT/share/zsh/site-functions/_monitor-token alone: it is not monitor-token's zsh completion",
				"nothing at ROOT/share/fish/vendor_completions.d/monitor-token.fish",
			),
			want: func(lw *linksWorld, before map[string]string) map[string]string {
				for _, k := range []string{"bin/kubectl_complete-monitor_token", "bin/git-credential-monitor-token", "share/bash-completion/completions/monitor-token"} {
					delete(before, k)
				}
				return before
			},
		},
		{
			name: "unix/--remove twice", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.mustRun(Options{})
				lw.mustRun(Options{Remove: true})
			},
			opts: Options{Remove: true},
			out: lines(
				"nothing at ROOT/bin/kubectl-monitor_token",
				"nothing at ROOT/bin/kubectl_complete-monitor_token",
				"nothing at ROOT/bin/git-credential-monitor-token",
				"nothing at ROOT/share/bash-completion/completions/monitor-token",
				"nothing at ROOT/share/zsh/site-functions/_monitor-token",
				"nothing at ROOT/share/fish/vendor_completions.d/monitor-token.fish",
			),
		},
		{
			name: "unix/--remove after install", goos: "linux",
			setup: func(lw *linksWorld) { lw.mustRun(Options{}) },
			opts:  Options{Remove: true},
			out:   lines(unixRemoved...),
			want: func(lw *linksWorld, before map[string]string) map[string]string {
				// The directories stay: others' files may share them.
				for _, k := range []string{"bin/kubectl-monitor_token", "bin/kubectl_complete-monitor_token", "bin/git-credential-monitor-token"} {
					delete(before, k)
				}
				for _, c := range testCompletions {
					delete(before, filepath.Join("share", c.Path))
				}
				return before
			},
		},
		{
			// Only the copies, as in the Windows archive: the completion
			// scripts given are not written, and no zsh hint.
			name: "windows/fresh", goos: "windows",
			out:  lines(windowsWrote...),
			want: installedRel,
		},
		{
			name: "windows/second run", goos: "windows",
			setup: func(lw *linksWorld) { lw.mustRun(Options{}) },
			out: lines(
				"up to date ROOT/bin/kubectl-monitor_token.exe",
				"up to date ROOT/bin/kubectl_complete-monitor_token.exe",
				"up to date ROOT/bin/git-credential-monitor-token.exe",
			),
		},
		{
			name: "windows/foreign file refused", goos: "windows",
			setup: func(lw *linksWorld) {
				lw.writeFile(filepath.Join(lw.bin, "kubectl_complete-monitor_token.exe"), "MZ another program", 0o755)
			},
			err: "install-links: ROOT/bin/kubectl_complete-monitor_token.exe is not a copy of monitor-token.exe; remove it, or pass --force to replace it",
		},
		{
			name: "windows/--force replaces it", goos: "windows",
			setup: func(lw *linksWorld) {
				lw.writeFile(filepath.Join(lw.bin, "kubectl_complete-monitor_token.exe"), "MZ another program", 0o644)
			},
			opts: Options{Force: true},
			out:  lines(windowsWrote...),
			want: installedRel,
		},
		{
			name: "windows/--remove leaves foreign ones", goos: "windows",
			setup: func(lw *linksWorld) {
				lw.mustRun(Options{})
				lw.writeFile(filepath.Join(lw.bin, "git-credential-monitor-token.exe"), "MZ another program", 0o755)
			},
			opts: Options{Remove: true},
			out: lines(
				"removed ROOT/bin/kubectl-monitor_token.exe",
				"removed ROOT/bin/kubectl_complete-monitor_token.exe",
				"left ROOT/bin/git-credential-monitor-token.exe alone: it is not a copy of monitor-token.exe",
			),
			want: func(lw *linksWorld, before map[string]string) map[string]string {
				delete(before, "bin/kubectl-monitor_token.exe")
				delete(before, "bin/kubectl_complete-monitor_token.exe")
				return before
			},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lw := newLinksWorld(t, c.goos)
			if c.setup != nil {
				c.setup(lw)
			}
			before := lw.tree()
			r := lw.run(c.opts)
			if r.out != c.out || r.err != c.err {
				t.Errorf("Links %+v: report:\n%s\nerror: %s\nwant report:\n%s\nerror: %s", c.opts, r.out, r.err, c.out, c.err)
			}
			want := before
			if c.want != nil {
				want = c.want(lw, maps.Clone(before))
			}
			diffTrees(t, lw.tree(), want)
		})
	}
}

// An older monitor-token.exe's copies are ours: an upgrade replaces them
// without --force, and --remove removes them. Ours is told by the Go build
// information naming the module, which this test binary has.
func TestLinksReplacesOlderWindowsCopies(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	older, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	lw := newLinksWorld(t, "windows")
	lw.writeFile(filepath.Join(lw.bin, "kubectl-monitor_token.exe"), string(older), 0o755)
	lw.mustRun(Options{Remove: true})
	if exists(filepath.Join(lw.bin, "kubectl-monitor_token.exe")) {
		t.Error("--remove left the older copy")
	}
	lw.writeFile(filepath.Join(lw.bin, "kubectl-monitor_token.exe"), string(older), 0o755)
	r := lw.run(Options{})
	if r.err != "" || r.out != lines(windowsWrote...) {
		t.Errorf("report:\n%s\nerror: %s", r.out, r.err)
	}
	diffTrees(t, lw.tree(), lw.installed(""))
}

// Without --dir the links go beside the executable, found through the
// link it was started by; with --dir elsewhere they name it by its
// absolute path, and the completion goes under that DIR/../share.
func TestLinksDirAndTarget(t *testing.T) {
	lw := newLinksWorld(t, "linux")
	alias := filepath.Join(lw.root, "alias", "mt")
	lw.symlink(lw.exe, alias)
	exe, err := ResolveExecutable(func() (string, error) { return alias, nil })
	if err != nil || exe != lw.exe {
		t.Fatalf("ResolveExecutable through %s: %q, %v; want %s", alias, exe, err, lw.exe)
	}
	r := lw.run(Options{Exe: exe})
	if r.err != "" || r.out != lines(cat(unixLinked, unixWrote, []string{zshHint})...) {
		t.Errorf("no --dir: report:\n%s\nerror: %s", r.out, r.err)
	}
	want := lw.installed("monitor-token")
	want["alias"] = "dir -rwxr-xr-x"
	want["alias/mt"] = "link -> " + lw.exe
	diffTrees(t, lw.tree(), want)

	// --dir names the executable's directory another way: still relative,
	// and said by its real path.
	other := filepath.Join(lw.root, "via")
	lw.symlink("bin", other)
	if r := lw.run(Options{Dir: other, Remove: true}); r.err != "" || strings.Contains(r.out, "left") {
		t.Errorf("--remove through --dir %s: report:\n%s\nerror: %s", other, r.out, r.err)
	}
	r = lw.run(Options{Dir: other})
	if !strings.Contains(r.out, "linked ROOT/bin/kubectl-monitor_token -> monitor-token\n") {
		t.Errorf("--dir through a link to bin: report:\n%s\nerror: %s", r.out, r.err)
	}

	elsewhere := filepath.Join(lw.root, "opt", "bin")
	r = lw.run(Options{Dir: elsewhere})
	wantOut := lines(
		"linked ROOT/opt/bin/kubectl-monitor_token -> ROOT/bin/monitor-token",
		"linked ROOT/opt/bin/kubectl_complete-monitor_token -> ROOT/bin/monitor-token",
		"linked ROOT/opt/bin/git-credential-monitor-token -> ROOT/bin/monitor-token",
		"wrote ROOT/opt/share/bash-completion/completions/monitor-token",
		"wrote ROOT/opt/share/zsh/site-functions/_monitor-token",
		"wrote ROOT/opt/share/fish/vendor_completions.d/monitor-token.fish",
		"zsh: add fpath+=(ROOT/opt/share/zsh/site-functions) to ~/.zshrc before compinit",
	)
	if r.err != "" || r.out != wantOut {
		t.Errorf("--dir elsewhere: report:\n%s\nerror: %s\nwant:\n%s", r.out, r.err, wantOut)
	}
	for _, name := range personalityNames {
		target, err := os.Readlink(filepath.Join(elsewhere, name))
		if err != nil || target != lw.exe {
			t.Errorf("%s: link to %q (%v), want %s", name, target, err, lw.exe)
		}
	}
	// A relative link from an earlier install is ours too: replaced.
	os.Remove(filepath.Join(elsewhere, "kubectl-monitor_token"))
	lw.symlink("../../bin/monitor-token", filepath.Join(elsewhere, "kubectl-monitor_token"))
	r = lw.run(Options{Dir: elsewhere})
	if r.err != "" || !strings.HasPrefix(r.out, "linked ROOT/opt/bin/kubectl-monitor_token -> ROOT/bin/monitor-token\nup to date ROOT/opt/bin/kubectl_complete-monitor_token\n") {
		t.Errorf("relative link of ours: report:\n%s\nerror: %s", r.out, r.err)
	}
}

// The zsh hint names the directory the zsh completion went to, and is
// left out where zsh looks by default and for the other shells.
func TestLinksZshHint(t *testing.T) {
	for _, c := range []struct {
		shell, dir string
		want       string
	}{
		{"zsh", "/opt/mt/share/zsh/site-functions", "zsh: add fpath+=(/opt/mt/share/zsh/site-functions) to ~/.zshrc before compinit"},
		{"zsh", "/Users/me/go/share/zsh/site-functions", "zsh: add fpath+=(/Users/me/go/share/zsh/site-functions) to ~/.zshrc before compinit"},
		{"zsh", "/opt/my mt/share/zsh/site-functions", `zsh: add fpath+=("/opt/my mt/share/zsh/site-functions") to ~/.zshrc before compinit`},
		{"zsh", "/usr/local/share/zsh/site-functions", ""},
		{"zsh", "/usr/share/zsh/site-functions", ""},
		{"bash", "/opt/mt/share/bash-completion/completions", ""},
		{"", "/opt/mt/bin", ""},
	} {
		it := item{path: c.dir + "/x", shell: c.shell}
		if got := fpathHint(it); got != c.want {
			t.Errorf("%s in %s: hint %q, want %q", c.shell, c.dir, got, c.want)
		}
	}
}

func TestLinksErrors(t *testing.T) {
	lw := newLinksWorld(t, "linux")
	before := lw.tree()
	notDir := filepath.Join(lw.root, "bin", "monitor-token", "x")
	if r, want := lw.run(Options{Dir: notDir}), "install-links: cannot look at ROOT/bin/monitor-token/x: not a directory; nothing was changed: pass --dir a directory"; r.err != want || r.out != "" {
		t.Errorf("--dir %s: report:\n%s\nerror: %s\nwant: %s", notDir, r.out, r.err, want)
	}
	gone := filepath.Join(lw.root, "gone")
	if r, want := lw.run(Options{Exe: gone}), "install-links: cannot read the executable ROOT/gone: no such file or directory"; r.err != want || r.out != "" {
		t.Errorf("Exe %s: report:\n%s\nerror: %s\nwant: %s", gone, r.out, r.err, want)
	}
	// The binary started as one of the names it would replace.
	self := filepath.Join(lw.bin, "git-credential-monitor-token")
	lw.writeFile(self, "stand-in", 0o755)
	r := lw.run(Options{Exe: self, Dir: lw.bin})
	if want := "install-links: ROOT/bin/git-credential-monitor-token is the running executable itself; run install-links from the binary named monitor-token instead"; r.err != want || r.out != "" {
		t.Errorf("running as a personality file: report:\n%s\nerror: %s\nwant: %s", r.out, r.err, want)
	}
	os.Remove(self)
	diffTrees(t, lw.tree(), before)
}
