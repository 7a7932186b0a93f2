package install

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testCompletions stand in for the real scripts, which live above this
// package. Their first lines are the real scripts' (internal/complete's
// shells.go), which is what tells an older version of ours.
var testCompletions = []Completion{
	{Shell: "bash", Path: "bash-completion/completions/monitor-token", Script: "# bash completion for monitor-token; load with:\nbash body\n"},
	{Shell: "zsh", Path: "zsh/site-functions/_monitor-token", Script: "#compdef monitor-token\nzsh body\n"},
	{Shell: "fish", Path: "fish/vendor_completions.d/monitor-token.fish", Script: "# fish completion for monitor-token; load with:\nfish body\n"},
}

// linksWorld is one install-links test's file system: ROOT/bin holds a
// stand-in executable, and the run acts for goos.
type linksWorld struct {
	t    *testing.T
	goos string
	root string
	bin  string
	exe  string // Options.Exe
}

func newLinksWorld(t *testing.T, goos string) *linksWorld {
	t.Helper()
	// Resolved, so that the executable ResolveExecutable finds through a
	// link is lw.exe itself where the temporary directory is behind a
	// link (macOS's /var).
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	lw := &linksWorld{t: t, goos: goos, root: root, bin: filepath.Join(root, "bin")}
	name := "monitor-token"
	if goos == "windows" {
		name += ".exe"
	}
	lw.exe = filepath.Join(lw.bin, name)
	lw.writeFile(lw.exe, "stand-in for monitor-token "+goos+"\n", 0o755)
	return lw
}

// outcome is one run's report and error, ROOT for the world's root, which
// differs per test.
type outcome struct{ out, err string }

// run runs Links with o's Dir, Force and Remove, for the world's system
// and executable (o.Exe when set) and testCompletions.
func (lw *linksWorld) run(o Options) outcome {
	lw.t.Helper()
	o.GOOS = lw.goos
	if o.Exe == "" {
		o.Exe = lw.exe
	}
	o.Completions = testCompletions
	lines, err := Links(o)
	var r outcome
	r.out = strings.ReplaceAll(strings.Join(lines, ""), lw.root, "ROOT")
	if err != nil {
		r.err = strings.ReplaceAll(err.Error(), lw.root, "ROOT")
		if lines != nil {
			lw.t.Errorf("Links failed (%v) and reported %q too", err, lines)
		}
	}
	return r
}

// mustRun runs Links and fails the test unless it succeeds.
func (lw *linksWorld) mustRun(o Options) {
	lw.t.Helper()
	if r := lw.run(o); r.err != "" {
		lw.t.Fatalf("Links %+v: %s", o, r.err)
	}
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
	for _, c := range testCompletions {
		want[filepath.Join("share", c.Path)] = fileState(0o644, []byte(c.Script))
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

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// lines joins the expected report lines.
func lines(l ...string) string { return strings.Join(l, "\n") + "\n" }

func cat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
