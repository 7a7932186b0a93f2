package app

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/store"
)

// linksWorld is one install-links test's file system: ROOT/bin holds a
// stand-in executable, and the run acts for goos.
type linksWorld struct {
	t    *testing.T
	goos string
	root string
	bin  string
	exe  string // what Env.Executable returns
}

func newLinksWorld(t *testing.T, goos string) *linksWorld {
	t.Helper()
	root := t.TempDir()
	lw := &linksWorld{t: t, goos: goos, root: root, bin: filepath.Join(root, "bin")}
	name := "monitor-token"
	if goos == "windows" {
		name += ".exe"
	}
	lw.exe = filepath.Join(lw.bin, name)
	lw.writeFile(lw.exe, "stand-in for monitor-token "+goos+"\n", 0o755)
	return lw
}

func (lw *linksWorld) run(args ...string) result {
	lw.t.Helper()
	return lw.runWith(func() (string, error) { return lw.exe, nil }, args...)
}

func (lw *linksWorld) runWith(executable func() (string, error), args ...string) result {
	lw.t.Helper()
	var stdout, stderr bytes.Buffer
	code := Run(lw.t.Context(), Env{
		Args:        append([]string{"monitor-token", "install-links"}, args...),
		Stdin:       strings.NewReader(""),
		Stdout:      &stdout,
		Stderr:      &stderr,
		Environ:     []string{"HOME=" + filepath.Join(lw.root, "home")},
		OpenSecrets: func() broker.Secrets { return store.NewMemory(KeyringService) },
		Executable:  executable,
		goos:        lw.goos,
	})
	// Messages name ROOT, which differs per test.
	return result{code: code, stdout: stdout.String(), stderr: strings.ReplaceAll(stderr.String(), lw.root, "ROOT")}
}

func (lw *linksWorld) writeFile(path, content string, perm fs.FileMode) {
	lw.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		lw.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		lw.t.Fatal(err)
	}
}

func (lw *linksWorld) symlink(target, path string) {
	lw.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		lw.t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		lw.t.Fatal(err)
	}
}

// tree is every file, link and directory under ROOT: kind, mode, link
// target or content.
func (lw *linksWorld) tree() map[string]string {
	lw.t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(lw.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(lw.root, path)
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			out[rel] = "link -> " + target
		case fi.IsDir():
			out[rel] = fmt.Sprintf("dir %v", fi.Mode().Perm())
		default:
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			out[rel] = fileState(fi.Mode().Perm(), data)
		}
		return nil
	})
	if err != nil {
		lw.t.Fatal(err)
	}
	return out
}

// installed is the tree a fresh install-links leaves in an empty ROOT
// beside bin/monitor-token, the links saying target.
func (lw *linksWorld) installed(target string) map[string]string {
	lw.t.Helper()
	exe, err := os.ReadFile(lw.exe)
	if err != nil {
		lw.t.Fatal(err)
	}
	want := map[string]string{
		".":   lw.tree()["."],
		"bin": lw.tree()["bin"],
		filepath.Join("bin", filepath.Base(lw.exe)): fileState(0o755, exe),
	}
	if lw.goos == "windows" {
		for _, name := range personalityNames {
			want[filepath.Join("bin", name+".exe")] = fileState(0o755, exe)
		}
		return want
	}
	for _, name := range personalityNames {
		want[filepath.Join("bin", name)] = "link -> " + target
	}
	for _, d := range []string{"share", "share/bash-completion", "share/bash-completion/completions", "share/zsh", "share/zsh/site-functions", "share/fish", "share/fish/vendor_completions.d"} {
		want[d] = "dir -rwxr-xr-x"
	}
	for _, c := range completionPaths {
		script, _ := CompletionScript(c.shell)
		want[filepath.Join("share", c.path)] = fileState(0o644, []byte(script))
	}
	return want
}

// fileState is a file's mode and content, a big one's by its digest.
func fileState(perm fs.FileMode, data []byte) string {
	if len(data) > 4096 {
		return fmt.Sprintf("file %v, %d bytes, sha256 %x", perm, len(data), sha256.Sum256(data))
	}
	return fmt.Sprintf("file %v %q", perm, data)
}

func diffTrees(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("%s: missing, want %s", k, w)
		} else if g != w {
			t.Errorf("%s: %s, want %s", k, g, w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: unexpected %s", k, g)
		}
	}
}

// lines joins the expected stderr lines.
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

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

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// TestInstallLinks runs install-links for each system through each
// situation: a fresh directory, a second run, someone else's file in the
// way (refused: nothing changes), the same with --force, and --remove
// with someone else's file left alone.
func TestInstallLinks(t *testing.T) {
	type tc struct {
		name  string
		goos  string
		setup func(lw *linksWorld)
		args  []string
		code  int
		err   string
		// want is the tree after the run, from the tree before it;
		// nil: unchanged.
		want func(lw *linksWorld, before map[string]string) map[string]string
	}
	installedRel := func(lw *linksWorld, _ map[string]string) map[string]string { return lw.installed("monitor-token") }
	cases := []tc{
		{
			name: "unix/fresh", goos: "linux",
			err:  lines(cat(unixLinked, unixWrote, []string{zshHint})...),
			want: installedRel,
		},
		{
			name: "unix/second run", goos: "linux",
			setup: func(lw *linksWorld) { lw.mustRun() },
			err:   lines(cat(unixUpToDate, []string{zshHint})...),
		},
		{
			name: "unix/older versions of ours are replaced", goos: "linux",
			setup: func(lw *linksWorld) {
				// The link by absolute path, the completion script of an
				// older release: both ours.
				lw.symlink(lw.exe, filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.root, "share/zsh/site-functions/_monitor-token"), "#compdef monitor-token\nold body\n", 0o644)
			},
			err:  lines(cat(unixLinked, unixWrote, []string{zshHint})...),
			want: installedRel,
		},
		{
			name: "unix/foreign link refused", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.symlink("/elsewhere", filepath.Join(lw.bin, "kubectl-monitor_token"))
			},
			code: ExitError,
			err:  "monitor-token: install-links: ROOT/bin/kubectl-monitor_token is a link to /elsewhere, not a link to monitor-token; remove it, or pass --force to replace it\n",
		},
		{
			name: "unix/foreign files refused", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.writeFile(filepath.Join(lw.bin, "git-credential-monitor-token"), "#!/bin/sh\necho other helper\n", 0o755)
				lw.writeFile(filepath.Join(lw.root, "share/fish/vendor_completions.d/monitor-token.fish"), "complete -c monitor-token -a mine\n", 0o644)
			},
			code: ExitError,
			err:  "monitor-token: install-links: ROOT/bin/git-credential-monitor-token is a file, not a link to monitor-token (and 1 more in the way); remove them, or pass --force to replace them\n",
		},
		{
			name: "unix/--force replaces foreign ones", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.symlink("/elsewhere", filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.bin, "git-credential-monitor-token"), "#!/bin/sh\necho other helper\n", 0o755)
				lw.writeFile(filepath.Join(lw.root, "share/fish/vendor_completions.d/monitor-token.fish"), "complete -c monitor-token -a mine\n", 0o644)
			},
			args: []string{"--force"},
			err:  lines(cat(unixLinked, unixWrote, []string{zshHint})...),
			want: installedRel,
		},
		{
			name: "unix/a directory in the way is refused even with --force", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.writeFile(filepath.Join(lw.bin, "kubectl-monitor_token", "keep"), "x", 0o644)
			},
			args: []string{"--force"},
			code: ExitError,
			err:  "monitor-token: install-links: ROOT/bin/kubectl-monitor_token is a directory, not a link to monitor-token; move it away and run install-links again\n",
		},
		{
			name: "unix/a directory is named first, --force would not help", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.symlink("/elsewhere", filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.root, "share/zsh/site-functions/_monitor-token/keep"), "x", 0o644)
			},
			code: ExitError,
			err:  "monitor-token: install-links: ROOT/share/zsh/site-functions/_monitor-token is a directory, not monitor-token's zsh completion (and 1 more in the way); move them away and run install-links again\n",
		},
		{
			name: "unix/--remove leaves foreign ones", goos: "linux",
			setup: func(lw *linksWorld) {
				lw.mustRun()
				os.Remove(filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.symlink("/elsewhere", filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.root, "share/zsh/site-functions/_monitor-token"), "#compdef other\n", 0o644)
				os.Remove(filepath.Join(lw.root, "share/fish/vendor_completions.d/monitor-token.fish"))
			},
			args: []string{"--remove"},
			err: lines(
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
				lw.mustRun()
				lw.mustRun("--remove")
			},
			args: []string{"--remove"},
			err: lines(
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
			setup: func(lw *linksWorld) { lw.mustRun() },
			args:  []string{"--remove"},
			err:   lines(unixRemoved...),
			want: func(lw *linksWorld, before map[string]string) map[string]string {
				// The directories stay: others' files may share them.
				for _, k := range []string{"bin/kubectl-monitor_token", "bin/kubectl_complete-monitor_token", "bin/git-credential-monitor-token"} {
					delete(before, k)
				}
				for _, c := range completionPaths {
					delete(before, filepath.Join("share", c.path))
				}
				return before
			},
		},
		{
			name: "windows/fresh", goos: "windows",
			err:  lines(windowsWrote...),
			want: installedRel,
		},
		{
			name: "windows/second run", goos: "windows",
			setup: func(lw *linksWorld) { lw.mustRun() },
			err: lines(
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
			code: ExitError,
			err:  "monitor-token: install-links: ROOT/bin/kubectl_complete-monitor_token.exe is not a copy of monitor-token.exe; remove it, or pass --force to replace it\n",
		},
		{
			name: "windows/--force replaces it", goos: "windows",
			setup: func(lw *linksWorld) {
				lw.writeFile(filepath.Join(lw.bin, "kubectl_complete-monitor_token.exe"), "MZ another program", 0o644)
			},
			args: []string{"--force"},
			err:  lines(windowsWrote...),
			want: installedRel,
		},
		{
			name: "windows/--remove leaves foreign ones", goos: "windows",
			setup: func(lw *linksWorld) {
				lw.mustRun()
				lw.writeFile(filepath.Join(lw.bin, "git-credential-monitor-token.exe"), "MZ another program", 0o755)
			},
			args: []string{"--remove"},
			err: lines(
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
			r := lw.run(c.args...)
			if r.code != c.code || r.stderr != c.err || r.stdout != "" {
				t.Errorf("install-links %s: exit %d, stdout %q, stderr:\n%s\nwant exit %d, stderr:\n%s", strings.Join(c.args, " "), r.code, r.stdout, r.stderr, c.code, c.err)
			}
			want := before
			if c.want != nil {
				want = c.want(lw, lw.copyTree(before))
			}
			diffTrees(t, lw.tree(), want)
		})
	}
}

func (lw *linksWorld) copyTree(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// mustRun runs install-links and fails the test unless it exits 0.
func (lw *linksWorld) mustRun(args ...string) {
	lw.t.Helper()
	if r := lw.run(args...); r.code != 0 {
		lw.t.Fatalf("install-links %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
}

// An older monitor-token.exe's copies are ours: an upgrade replaces them
// without --force, and --remove removes them. Ours is told by the Go build
// information naming the module, which this test binary has.
func TestInstallLinksReplacesOlderWindowsCopies(t *testing.T) {
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
	lw.mustRun("--remove")
	if exists(filepath.Join(lw.bin, "kubectl-monitor_token.exe")) {
		t.Error("--remove left the older copy")
	}
	lw.writeFile(filepath.Join(lw.bin, "kubectl-monitor_token.exe"), string(older), 0o755)
	r := lw.run()
	if r.code != 0 || r.stderr != lines(windowsWrote...) {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
	diffTrees(t, lw.tree(), lw.installed(""))
}

// Without --dir the links go beside the executable, found through the
// link it was started by; with --dir elsewhere they name it by its
// absolute path, and the completion goes under that DIR/../share.
func TestInstallLinksDirAndTarget(t *testing.T) {
	lw := newLinksWorld(t, "linux")
	alias := filepath.Join(lw.root, "alias", "mt")
	lw.symlink(lw.exe, alias)
	r := lw.runWith(func() (string, error) { return alias, nil })
	if r.code != 0 || r.stderr != lines(cat(unixLinked, unixWrote, []string{zshHint})...) {
		t.Errorf("no --dir: exit %d, stderr:\n%s", r.code, r.stderr)
	}
	want := lw.installed("monitor-token")
	want["alias"] = "dir -rwxr-xr-x"
	want["alias/mt"] = "link -> " + lw.exe
	diffTrees(t, lw.tree(), want)

	// --dir names the executable's directory another way: still relative.
	other := filepath.Join(lw.root, "via")
	lw.symlink("bin", other)
	if r := lw.run("--dir", other, "--remove"); r.code != 0 || strings.Contains(r.stderr, "left") {
		t.Errorf("--remove through --dir %s: exit %d, stderr:\n%s", other, r.code, r.stderr)
	}
	r = lw.run("--dir", other)
	if !strings.Contains(r.stderr, "linked ROOT/via/kubectl-monitor_token -> monitor-token\n") {
		t.Errorf("--dir through a link to bin: exit %d, stderr:\n%s", r.code, r.stderr)
	}

	elsewhere := filepath.Join(lw.root, "opt", "bin")
	r = lw.run("--dir", elsewhere)
	wantErr := lines(
		"linked ROOT/opt/bin/kubectl-monitor_token -> ROOT/bin/monitor-token",
		"linked ROOT/opt/bin/kubectl_complete-monitor_token -> ROOT/bin/monitor-token",
		"linked ROOT/opt/bin/git-credential-monitor-token -> ROOT/bin/monitor-token",
		"wrote ROOT/opt/share/bash-completion/completions/monitor-token",
		"wrote ROOT/opt/share/zsh/site-functions/_monitor-token",
		"wrote ROOT/opt/share/fish/vendor_completions.d/monitor-token.fish",
		"zsh: add fpath+=(ROOT/opt/share/zsh/site-functions) to ~/.zshrc before compinit",
	)
	if r.code != 0 || r.stderr != wantErr {
		t.Errorf("--dir elsewhere: exit %d, stderr:\n%s\nwant:\n%s", r.code, r.stderr, wantErr)
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
	r = lw.run("--dir", elsewhere)
	if r.code != 0 || !strings.HasPrefix(r.stderr, "linked ROOT/opt/bin/kubectl-monitor_token -> ROOT/bin/monitor-token\nup to date ROOT/opt/bin/kubectl_complete-monitor_token\n") {
		t.Errorf("relative link of ours: exit %d, stderr:\n%s", r.code, r.stderr)
	}
}

// The zsh hint is left out where zsh looks by default.
func TestInstallLinksZshHint(t *testing.T) {
	lw := &linker{goos: "linux", exe: "/usr/local/bin/monitor-token"}
	for dir, want := range map[string]bool{"/usr/local/bin": false, "/usr/bin": false, "/opt/mt/bin": true} {
		if got := lw.zshHint(dir) != ""; got != want {
			t.Errorf("%s: hint %v, want %v", dir, got, want)
		}
	}
}

func TestInstallLinksErrors(t *testing.T) {
	lw := newLinksWorld(t, "linux")
	before := lw.tree()
	for _, c := range []struct {
		args []string
		exe  func() (string, error)
		code int
		err  string
	}{
		{[]string{"--force", "--remove"}, nil, ExitUsage, "monitor-token: install-links: --remove leaves what is not ours alone, whatever --force says; give one of them\n"},
		{[]string{"--dir", ""}, nil, ExitUsage, "monitor-token: install-links: --dir is empty; give a directory, or leave --dir out for the executable's own\n"},
		{[]string{"extra"}, nil, ExitUsage, "monitor-token: install-links: unexpected argument \"extra\" (flags go before arguments; this command takes none)\n"},
		{nil, func() (string, error) { return "", errors.New("no /proc") }, ExitError, "monitor-token: install-links: cannot find the running executable: no /proc\n"},
		{nil, func() (string, error) { return filepath.Join(lw.root, "gone"), nil }, ExitError, "monitor-token: install-links: cannot find the running executable: no such file or directory\n"},
		{[]string{"--dir", filepath.Join(lw.root, "bin", "monitor-token", "x")}, nil, ExitError, "monitor-token: install-links: cannot look at ROOT/bin/monitor-token/x/kubectl-monitor_token: not a directory; nothing was changed\n"},
	} {
		exe := c.exe
		if exe == nil {
			exe = func() (string, error) { return lw.exe, nil }
		}
		r := lw.runWith(exe, c.args...)
		if r.code != c.code || r.stderr != c.err {
			t.Errorf("install-links %q: exit %d, stderr:\n%s\nwant exit %d:\n%s", c.args, r.code, r.stderr, c.code, c.err)
		}
	}
	// The binary started as one of the names it would replace.
	self := filepath.Join(lw.bin, "git-credential-monitor-token")
	lw.writeFile(self, "stand-in", 0o755)
	r := lw.runWith(func() (string, error) { return self, nil }, "--dir", lw.bin)
	if want := "monitor-token: install-links: ROOT/bin/git-credential-monitor-token is the running executable itself; run install-links from the binary named monitor-token instead\n"; r.code != ExitError || r.stderr != want {
		t.Errorf("running as a personality file: exit %d, stderr:\n%s\nwant:\n%s", r.code, r.stderr, want)
	}
	os.Remove(self)
	diffTrees(t, lw.tree(), before)
}

// A write that fails half way undoes the ones before it: the links made
// and replaced, the directories created.
func TestInstallLinksUndoesAFailedRun(t *testing.T) {
	for _, setup := range []string{"fresh", "older"} {
		t.Run(setup, func(t *testing.T) {
			lw := newLinksWorld(t, "linux")
			if setup == "older" {
				lw.symlink(lw.exe, filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.root, "share/bash-completion/completions/monitor-token"), "# bash completion for monitor-token; load with:\nold\n", 0o644)
			}
			before := lw.tree()
			l := &linker{goos: "linux", exe: lw.exe, symlink: replaceSymlink, write: func(path string, data []byte, perm fs.FileMode) error {
				if strings.HasSuffix(path, "_monitor-token") {
					return errors.New("disk full")
				}
				return atomicfile.Write(path, data, perm)
			}}
			out, err := l.run(false)
			want := "install-links: cannot write " + filepath.Join(lw.root, "share/zsh/site-functions/_monitor-token") + ": disk full; nothing was changed"
			if err == nil || err.Error() != want || out != nil {
				t.Errorf("run: %q, %v; want the error %s", out, err, want)
			}
			diffTrees(t, lw.tree(), before)
		})
	}
}

// --dir completes file names.
func TestInstallLinksCompletion(t *testing.T) {
	w := newWorld(t)
	if r := w.must("", "__complete", "install-links", "--dir", ""); r.stdout != ":0\n" {
		t.Errorf("--dir: %q", r.stdout)
	}
	if r := w.must("", "__complete", "install-links", "--"); r.stdout != "--dir\twhere the links go (default: the executable's directory); completion goes under DIR/../share\n--force\treplace files and links in the way that are not monitor-token's\n--remove\tremove what install-links installs, where it is monitor-token's\n--help\tshow help\n:4\n" {
		t.Errorf("flags: %q", r.stdout)
	}
}

// A directory another install-links made between this run's look and its
// mkdir is used, not an error, and not recorded as this run's to undo.
func TestInstallLinksCreateDirsTakesADirectoryMadeMeanwhile(t *testing.T) {
	root := t.TempDir()
	share, zsh := filepath.Join(root, "share"), filepath.Join(root, "share", "zsh")
	if err := os.Mkdir(share, 0o755); err != nil { // made by the other run
		t.Fatal(err)
	}
	made, err := createDirs([]string{share, zsh})
	if err != nil {
		t.Fatalf("createDirs: %v", err)
	}
	if !slices.Equal(made, []string{zsh}) {
		t.Errorf("made %q, want only %q", made, zsh)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := createDirs([]string{file}); err == nil {
		t.Error("a file where a directory should be was taken for one")
	}
}
