//go:build unix

package install

import (
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// nobody is the other user of these tests; chown to it needs root.
const nobody = 65534

// wantMove is the way out every directory refusal offers.
const wantMove = "pass --dir a directory of yours on a path only you and root control"

// TestLinksSharedDirs: install-links writes only into directories no one
// but the user and root can change (OpenSSH's rule for ~/.ssh, held by
// internal/trustedpath), and checks them all before it writes anything;
// what it finds in them that another user owns, or others can write, is
// foreign: never up to date, replaced only with --force.
func TestLinksSharedDirs(t *testing.T) {
	type tc struct {
		name  string
		root  bool // chown to nobody
		setup func(lw *linksWorld)
		opts  Options
		dir   string // --dir under ROOT; "" for none
		out   string
		err   string
		want  func(lw *linksWorld, before map[string]string) map[string]string // nil: unchanged
	}
	installedRel := func(lw *linksWorld, _ map[string]string) map[string]string { return lw.installed("monitor-token") }
	plantForeign := func(lw *linksWorld) {
		lw.chmod(lw.bin, 0o777|fs.ModeSticky)
		bash := filepath.Join(lw.root, "share", testCompletions[0].Path)
		os.Remove(filepath.Join(lw.bin, "kubectl-monitor_token"))
		os.Remove(bash)
		// The very link install-links would make, but another user's: in
		// a sticky directory its owner can still repoint it.
		lw.symlink("monitor-token", filepath.Join(lw.bin, "kubectl-monitor_token"))
		lw.chown(filepath.Join(lw.bin, "kubectl-monitor_token"))
		// The very script, but anyone can rewrite it.
		lw.writeFile(bash, testCompletions[0].Script, 0o644)
		lw.chmod(bash, 0o666)
	}
	cases := []tc{
		{
			name:  "the links' directory writable by others",
			setup: func(lw *linksWorld) { lw.chmod(lw.bin, 0o777) },
			err:   "install-links: the links' directory ROOT/bin is writable by group or others (mode 0777) without the sticky bit; run chmod go-w ROOT/bin, or " + wantMove,
		},
		{
			name: "the links' directory another user made", root: true,
			setup: func(lw *linksWorld) { lw.chmod(lw.bin, 0o755); lw.chown(lw.bin) },
			err:   "install-links: the links' directory ROOT/bin belongs to another user (uid 65534), who could swap what is put in it; " + wantMove,
		},
		{
			// As `mkdir -p` by nobody under umask 000 leaves it.
			name: "a share tree another user made", root: true,
			setup: func(lw *linksWorld) {
				for _, d := range []string{"share", "share/zsh", "share/zsh/site-functions"} {
					lw.mkdir(filepath.Join(lw.root, d), 0o777)
					lw.chown(filepath.Join(lw.root, d))
				}
			},
			err: "install-links: the directory ROOT/share above the bash completion's directory belongs to another user (uid 65534), who could swap what is below it; " + wantMove,
		},
		{
			name: "a missing directory to be made in one others can write",
			dir:  "opt/bin",
			setup: func(lw *linksWorld) {
				lw.mkdir(filepath.Join(lw.root, "opt"), 0o777)
			},
			err: "install-links: the directory ROOT/opt above the links' directory is writable by group or others (mode 0777) without the sticky bit; run chmod go-w ROOT/opt, or " + wantMove,
		},
		{
			name: "a completion directory others can write",
			setup: func(lw *linksWorld) {
				lw.mkdir(filepath.Join(lw.root, "share/fish/vendor_completions.d"), 0o757)
			},
			err: "install-links: the fish completion's directory ROOT/share/fish/vendor_completions.d is writable by group or others (mode 0757) without the sticky bit; run chmod go-w ROOT/share/fish/vendor_completions.d, or " + wantMove,
		},
		{
			// As /tmp: others cannot rename or remove what is not theirs.
			name:  "a sticky directory passes",
			setup: func(lw *linksWorld) { lw.chmod(lw.bin, 0o777|fs.ModeSticky) },
			out:   lines(cat(unixLinked, unixWrote, []string{zshHint})...),
			want:  installedRel,
		},
		{
			name: "entries another user planted, or others can write, are foreign", root: true,
			setup: plantForeign,
			err:   "install-links: ROOT/bin/kubectl-monitor_token belongs to another user (uid 65534) (and 1 more in the way); remove them, or pass --force to replace them",
		},
		{
			name: "a script of ours others can write is foreign",
			setup: func(lw *linksWorld) {
				lw.mustRun(Options{})
				lw.chmod(filepath.Join(lw.root, "share", testCompletions[1].Path), 0o646)
			},
			err: "install-links: ROOT/share/zsh/site-functions/_monitor-token is writable by group or others (mode 0646); remove it, or pass --force to replace it",
		},
		{
			name: "--force replaces foreign entries", root: true,
			setup: plantForeign,
			opts:  Options{Force: true},
			out:   lines(cat(unixLinked, unixWrote, []string{zshHint})...),
			want:  installedRel,
		},
		{
			name: "--remove leaves foreign entries", root: true,
			setup: func(lw *linksWorld) { lw.mustRun(Options{}); plantForeign(lw) },
			opts:  Options{Remove: true},
			out: lines(
				"left ROOT/bin/kubectl-monitor_token alone: it belongs to another user (uid 65534)",
				"removed ROOT/bin/kubectl_complete-monitor_token",
				"removed ROOT/bin/git-credential-monitor-token",
				"left ROOT/share/bash-completion/completions/monitor-token alone: it is writable by group or others (mode 0666)",
				"removed ROOT/share/zsh/site-functions/_monitor-token",
				"removed ROOT/share/fish/vendor_completions.d/monitor-token.fish",
			),
			want: func(lw *linksWorld, before map[string]string) map[string]string {
				for _, k := range []string{"bin/kubectl_complete-monitor_token", "bin/git-credential-monitor-token", "share/zsh/site-functions/_monitor-token", "share/fish/vendor_completions.d/monitor-token.fish"} {
					delete(before, k)
				}
				return before
			},
		},
		{
			// No --force writes into a directory that failed.
			name: "--force does not pass a directory", root: true,
			setup: func(lw *linksWorld) { lw.chown(lw.bin) },
			opts:  Options{Force: true},
			err:   "install-links: the links' directory ROOT/bin belongs to another user (uid 65534), who could swap what is put in it; " + wantMove,
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root && os.Geteuid() != 0 {
				t.Skip("skipping: making a file of another user needs root")
			}
			lw := newLinksWorld(t, "linux")
			if c.setup != nil {
				c.setup(lw)
			}
			o := c.opts
			if c.dir != "" {
				o.Dir = filepath.Join(lw.root, c.dir)
			}
			before := lw.tree()
			r := lw.run(o)
			if r.out != c.out || r.err != c.err {
				t.Errorf("Links %+v: report:\n%s\nerror: %s\nwant report:\n%s\nerror: %s", o, r.out, r.err, c.out, c.err)
			}
			want := before
			if c.want != nil {
				want = c.want(lw, maps.Clone(before))
			}
			diffTrees(t, lw.tree(), want)
		})
	}
}

// TestLinksResolvesDir: --dir is the directory the kernel reaches, ".."
// taken from where a link leads rather than from the text, and the
// completion scripts go beside that real directory; the report and the
// zsh hint name the directories written to.
func TestLinksResolvesDir(t *testing.T) {
	for _, c := range []struct {
		name   string
		target string // ROOT/link leads there
		dir    string // --dir, under ROOT
		out    []string
	}{
		{
			name: "a link to a directory", target: "real/bin", dir: "link",
			out: []string{
				"linked ROOT/real/bin/kubectl-monitor_token -> ROOT/bin/monitor-token",
				"linked ROOT/real/bin/kubectl_complete-monitor_token -> ROOT/bin/monitor-token",
				"linked ROOT/real/bin/git-credential-monitor-token -> ROOT/bin/monitor-token",
				"wrote ROOT/real/share/bash-completion/completions/monitor-token",
				"wrote ROOT/real/share/zsh/site-functions/_monitor-token",
				"wrote ROOT/real/share/fish/vendor_completions.d/monitor-token.fish",
				"zsh: add fpath+=(ROOT/real/share/zsh/site-functions) to ~/.zshrc before compinit",
			},
		},
		{
			// link/.. is the parent of where the link leads, not ROOT.
			name: "the parent of a link", target: "a/b/bin", dir: "link/..",
			out: []string{
				"linked ROOT/a/b/kubectl-monitor_token -> ROOT/bin/monitor-token",
				"linked ROOT/a/b/kubectl_complete-monitor_token -> ROOT/bin/monitor-token",
				"linked ROOT/a/b/git-credential-monitor-token -> ROOT/bin/monitor-token",
				"wrote ROOT/a/share/bash-completion/completions/monitor-token",
				"wrote ROOT/a/share/zsh/site-functions/_monitor-token",
				"wrote ROOT/a/share/fish/vendor_completions.d/monitor-token.fish",
				"zsh: add fpath+=(ROOT/a/share/zsh/site-functions) to ~/.zshrc before compinit",
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			lw := newLinksWorld(t, "linux")
			lw.mkdir(filepath.Join(lw.root, c.target), 0o755)
			lw.symlink(filepath.Join(lw.root, c.target), filepath.Join(lw.root, "link"))
			// Joined as text: filepath.Join would clean the "..".
			r := lw.run(Options{Dir: lw.root + "/" + c.dir})
			if r.err != "" || r.out != lines(c.out...) {
				t.Errorf("--dir ROOT/%s: report:\n%s\nerror: %s\nwant:\n%s", c.dir, r.out, r.err, lines(c.out...))
			}
			for _, p := range []string{"share", "kubectl-monitor_token", "../share"} {
				if exists(filepath.Join(lw.root, p)) {
					t.Errorf("ROOT/%s was written: the --dir text was cleaned", p)
				}
			}
		})
	}
}

// TestLinksReadsBounded: a file in place of a completion script is read
// up to a limit, so a huge one (sparse here, so the test writes nothing
// big) is refused as not ours without reading it into memory; --force does
// not replace it, since a run that fails could not put it back.
func TestLinksReadsBounded(t *testing.T) {
	lw := newLinksWorld(t, "linux")
	zsh := filepath.Join(lw.root, "share", testCompletions[1].Path)
	lw.writeFile(zsh, testCompletions[1].Script, 0o644)
	if err := os.Truncate(zsh, maxScript+1); err != nil {
		t.Fatal(err)
	}
	before := lw.tree()
	want := "install-links: ROOT/share/zsh/site-functions/_monitor-token is larger than install-links reads in place of monitor-token's zsh completion (1048576 bytes); move it away and run install-links again"
	for _, o := range []Options{{}, {Force: true}} {
		if r := lw.run(o); r.err != want || r.out != "" {
			t.Errorf("Links %+v: report:\n%s\nerror: %s\nwant: %s", o, r.out, r.err, want)
		}
	}
	diffTrees(t, lw.tree(), before)
}

func (lw *linksWorld) mkdir(dir string, mode fs.FileMode) {
	lw.t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		lw.t.Fatal(err)
	}
	lw.chmod(dir, mode)
}

// chmod sets mode whatever the umask.
func (lw *linksWorld) chmod(path string, mode fs.FileMode) {
	lw.t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		lw.t.Fatal(err)
	}
}

// chown gives path, or the link at path, to nobody.
func (lw *linksWorld) chown(path string) {
	lw.t.Helper()
	if err := os.Lchown(path, nobody, nobody); err != nil {
		lw.t.Fatal(err)
	}
}

// TestLinksChecksWhatItMadeAgain: a directory install-links is to make
// in a sticky one may be made first by another user, between the check
// and the mkdir; the check after the mkdir refuses it, and the run is
// undone.
func TestLinksChecksWhatItMadeAgain(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: making a file of another user needs root")
	}
	lw := newLinksWorld(t, "linux")
	sticky := filepath.Join(lw.root, "sticky")
	lw.mkdir(sticky, 0o777|fs.ModeSticky)
	before := lw.tree()
	r := lw.run(Options{Dir: filepath.Join(sticky, "bin"), symlink: func(target, path string) error {
		// While the links are written, the other user makes share.
		if !exists(filepath.Join(sticky, "share")) {
			lw.mkdir(filepath.Join(sticky, "share"), 0o755)
			lw.chown(filepath.Join(sticky, "share"))
		}
		return replaceSymlink(target, path)
	}})
	want := "install-links: the directory ROOT/sticky/share above the bash completion's directory belongs to another user (uid 65534), who could swap what is below it; " + wantMove + "; nothing was changed"
	if r.err != want || r.out != "" {
		t.Errorf("report:\n%s\nerror: %s\nwant: %s", r.out, r.err, want)
	}
	before["sticky/share"] = "dir -rwxr-xr-x"
	diffTrees(t, lw.tree(), before)
}

// The links point at the executable, and kubectl and git run it through
// them from then on: an executable another user could swap (its directory
// writable by others, or the file theirs or writable by others) is refused
// before anything is written, as a directory the links go in would be.
func TestLinksRefuseAnExecutableOthersCanSwap(t *testing.T) {
	for _, tt := range []struct {
		name  string
		root  bool
		setup func(lw *linksWorld, exeDir string)
		err   string
	}{
		{"its directory writable by others", false, func(lw *linksWorld, exeDir string) { lw.chmod(exeDir, 0o777) },
			"install-links: the executable's directory ROOT/dl is writable by group or others (mode 0777) without the sticky bit; run chmod go-w ROOT/dl, or " + wantExeMove},
		{"the file writable by others", false, func(lw *linksWorld, exeDir string) { lw.chmod(filepath.Join(exeDir, "monitor-token"), 0o777) },
			"install-links: the executable ROOT/dl/monitor-token is writable by group or others (mode 0777), and the links would run whatever it becomes; " + wantExeMove},
		{"the file another user's", true, func(lw *linksWorld, exeDir string) { lw.chown(filepath.Join(exeDir, "monitor-token")) },
			"install-links: the executable ROOT/dl/monitor-token belongs to another user (uid 65534), and the links would run whatever it becomes; " + wantExeMove},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() != 0 {
				t.Skip("skipped: chown to another user needs root")
			}
			lw := newLinksWorld(t, "linux")
			exeDir := filepath.Join(lw.root, "dl")
			os.Mkdir(exeDir, 0o755)
			exe := filepath.Join(exeDir, "monitor-token")
			lw.writeFile(exe, "stand-in for monitor-token linux\n", 0o755)
			tt.setup(lw, exeDir)
			before := lw.tree()
			r := lw.run(Options{Exe: exe, Dir: lw.bin})
			if r.err != tt.err {
				t.Errorf("error\n got %s\nwant %s", r.err, tt.err)
			}
			diffTrees(t, lw.tree(), before)
		})
	}
}

const wantExeMove = "move monitor-token into a directory of yours that only you and root can write, and run install-links from there"
