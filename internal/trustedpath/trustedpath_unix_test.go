//go:build unix

package trustedpath

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// nobody is the other user of these tests; chown to it needs root.
const nobody = 65534

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipping: making a file of another user needs root")
	}
}

// base is a private directory to build each case under: t.TempDir is the
// test's own, 0700, below the sticky /tmp.
func base(t *testing.T) string {
	t.Helper()
	d := t.TempDir()
	if err := Check(d); err != nil {
		t.Fatalf("the test's own temporary directory is refused: %v", err)
	}
	return d
}

func TestCheck(t *testing.T) {
	cases := []struct {
		name  string
		root  bool
		setup func(t *testing.T, b string) string // returns the cache directory
		want  string                              // "" = accepted; else part of the message
	}{
		{"created by Ensure", false, func(t *testing.T, b string) string { return filepath.Join(b, "a", "monitor-token") }, ""},
		{"group writable", false, func(t *testing.T, b string) string {
			d := filepath.Join(b, "monitor-token")
			mkdir(t, d, 0o770)
			return d
		}, "the cache directory " + "%B/monitor-token is writable by group or others (mode 0770); run chmod go-w %B/monitor-token"},
		{"readable by others is fine", false, func(t *testing.T, b string) string {
			d := filepath.Join(b, "monitor-token")
			mkdir(t, d, 0o755)
			return d
		}, ""},
		{"a file", false, func(t *testing.T, b string) string {
			d := filepath.Join(b, "monitor-token")
			os.WriteFile(d, nil, 0o600)
			return d
		}, "is not a directory"},
		{"world-writable parent", false, func(t *testing.T, b string) string {
			mkdir(t, filepath.Join(b, "shared"), 0o777)
			d := filepath.Join(b, "shared", "monitor-token")
			mkdir(t, d, 0o700)
			return d
		}, "the directory %B/shared above the cache directory is writable by group or others (mode 0777) without the sticky bit"},
		{"sticky world-writable parent, as /tmp", false, func(t *testing.T, b string) string {
			mkdir(t, filepath.Join(b, "tmp"), 0o777|fs.ModeSticky)
			d := filepath.Join(b, "tmp", "monitor-token")
			mkdir(t, d, 0o700)
			return d
		}, ""},
		{"a link of the user's to a private directory", false, func(t *testing.T, b string) string {
			mkdir(t, filepath.Join(b, "real"), 0o700)
			d := filepath.Join(b, "monitor-token")
			os.Symlink(filepath.Join(b, "real"), d)
			return d
		}, ""},
		{"a link to a world-writable directory", false, func(t *testing.T, b string) string {
			mkdir(t, filepath.Join(b, "open"), 0o777)
			mkdir(t, filepath.Join(b, "open", "real"), 0o700)
			d := filepath.Join(b, "monitor-token")
			os.Symlink(filepath.Join(b, "open", "real"), d)
			return d
		}, "the directory %B/open above the cache directory is writable"},
		{"owned by another user", true, func(t *testing.T, b string) string {
			d := filepath.Join(b, "monitor-token")
			mkdir(t, d, 0o700)
			chown(t, d)
			return d
		}, "the cache directory %B/monitor-token belongs to another user (uid 65534); monitor-token keeps tokens and locks only in a directory of yours"},
		{"a parent another user made in a sticky directory", true, func(t *testing.T, b string) string {
			mkdir(t, filepath.Join(b, "tmp"), 0o777|fs.ModeSticky)
			cache := filepath.Join(b, "tmp", ".cache")
			mkdir(t, cache, 0o755)
			chown(t, cache)
			d := filepath.Join(cache, "monitor-token")
			mkdir(t, d, 0o700)
			return d
		}, "the directory %B/tmp/.cache above the cache directory belongs to another user (uid 65534), who could swap what is below it"},
		{"a link another user planted", true, func(t *testing.T, b string) string {
			mkdir(t, filepath.Join(b, "tmp"), 0o777|fs.ModeSticky)
			mkdir(t, filepath.Join(b, "mine"), 0o700)
			d := filepath.Join(b, "tmp", "monitor-token")
			os.Symlink(filepath.Join(b, "mine"), d)
			if err := os.Lchown(d, nobody, nobody); err != nil {
				t.Fatal(err)
			}
			return d
		}, "the link %B/tmp/monitor-token on the cache directory's path belongs to another user (uid 65534)"},
		{"a link on the way through another user's directory", true, func(t *testing.T, b string) string {
			// b/v/l -> b/att/hop -> b/real: the first link and the end are
			// the user's, the middle is not, and its owner can repoint hop.
			mkdir(t, filepath.Join(b, "v"), 0o700)
			mkdir(t, filepath.Join(b, "real"), 0o700)
			att := filepath.Join(b, "att")
			mkdir(t, att, 0o755)
			os.Symlink(filepath.Join(b, "real"), filepath.Join(att, "hop"))
			if err := os.Lchown(filepath.Join(att, "hop"), nobody, nobody); err != nil {
				t.Fatal(err)
			}
			chown(t, att)
			os.Symlink(filepath.Join(att, "hop"), filepath.Join(b, "v", "l"))
			return filepath.Join(b, "v", "l")
		}, "belongs to another user (uid 65534)"},
		{"a relative link chain of the user's", false, func(t *testing.T, b string) string {
			mkdir(t, filepath.Join(b, "a"), 0o700)
			mkdir(t, filepath.Join(b, "a", "real"), 0o700)
			os.Symlink("a/real", filepath.Join(b, "l1"))
			os.Symlink("../l1", filepath.Join(b, "a", "l2"))
			return filepath.Join(b, "a", "l2")
		}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root {
				needRoot(t)
			}
			b := base(t)
			dir := c.setup(t, b)
			err := Ensure(dir)
			want := strings.ReplaceAll(c.want, "%B", b)
			switch {
			case want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case want == "":
				return
			case err == nil:
				t.Fatalf("accepted, want %q", want)
			case !Refused(err) || !strings.Contains(err.Error(), want):
				t.Fatalf("err = %v (refused %v), want it to say %q", err, Refused(err), want)
			}
		})
	}
}

func TestEnsureMakesAPrivateDirectory(t *testing.T) {
	d := filepath.Join(base(t), "x", "monitor-token")
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	if err := Ensure(d); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(d)
	if fi.Mode().Perm() != 0o700 {
		t.Fatalf("mode %04o under umask 0, want 0700", fi.Mode().Perm())
	}
}

func TestCheckOfAMissingDirectory(t *testing.T) {
	if err := Check(filepath.Join(base(t), "none")); !errors.Is(err, fs.ErrNotExist) || Refused(err) {
		t.Fatalf("err = %v, want not-exist", err)
	}
}

func TestOpenFile(t *testing.T) {
	cases := []struct {
		name   string
		root   bool
		secret bool
		setup  func(t *testing.T, dir, path string)
		want   string // "" = opened
	}{
		{"the user's private file", false, true, func(t *testing.T, dir, path string) { os.WriteFile(path, []byte("x"), 0o600) }, ""},
		{"a symbolic link to the user's file", false, true, func(t *testing.T, dir, path string) {
			os.WriteFile(filepath.Join(dir, "real"), []byte("x"), 0o600)
			os.Symlink(filepath.Join(dir, "real"), path)
		}, "the cache file %P is a symbolic link; remove it: monitor-token never follows links in its cache directory"},
		{"a named pipe", false, true, func(t *testing.T, dir, path string) {
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "the cache file %P is not a regular file; remove it"},
		{"a directory", false, false, func(t *testing.T, dir, path string) { mkdir(t, path, 0o700) }, "is not a regular file"},
		{"a socket", false, true, func(t *testing.T, dir, path string) {
			l, err := net.Listen("unix", path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { l.Close() })
		}, "the cache file %P is not a regular file; remove it"},
		{"a second hard link", false, true, func(t *testing.T, dir, path string) {
			os.WriteFile(filepath.Join(dir, "other"), []byte("x"), 0o600)
			os.Link(filepath.Join(dir, "other"), path)
		}, "the cache file %P has other hard links; remove it"},
		{"a token file others can read", false, true, func(t *testing.T, dir, path string) { os.WriteFile(path, []byte("x"), 0o644) }, "the cache file %P is open to group or others (mode 0644)"},
		{"a lock file others can read", false, false, func(t *testing.T, dir, path string) { os.WriteFile(path, nil, 0o644) }, ""},
		{"another user's file", true, true, func(t *testing.T, dir, path string) {
			os.WriteFile(path, []byte("x"), 0o600)
			chown(t, path)
		}, "the cache file %P belongs to another user (uid 65534); remove it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root {
				needRoot(t)
			}
			dir := base(t)
			path := filepath.Join(dir, "p.monitor-token.json")
			c.setup(t, dir, path)
			f, err := OpenFile(path, os.O_RDONLY, 0, c.secret)
			want := strings.ReplaceAll(c.want, "%P", path)
			if want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				f.Close()
				return
			}
			if err == nil {
				f.Close()
				t.Fatalf("opened, want %q", want)
			}
			if !Refused(err) || !strings.Contains(err.Error(), want) {
				t.Fatalf("err = %v, want it to say %q", err, want)
			}
		})
	}
}

// A planted link is not followed even to create a file: the link's target
// must not come into being.
func TestOpenFileDoesNotCreateThroughALink(t *testing.T) {
	dir := base(t)
	target := filepath.Join(dir, "elsewhere")
	link := filepath.Join(dir, "p.lock")
	os.Symlink(target, link)
	_, err := OpenFile(link, os.O_CREATE|os.O_RDWR, 0o600, false)
	if !Refused(err) {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if _, err := os.Lstat(target); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the link's target was created: %v", err)
	}
}

func mkdir(t *testing.T, d string, mode fs.FileMode) {
	t.Helper()
	if err := os.Mkdir(d, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(d, mode); err != nil {
		t.Fatal(err)
	}
}

func chown(t *testing.T, path string) {
	t.Helper()
	if err := os.Chown(path, nobody, nobody); err != nil {
		t.Fatal(err)
	}
}

// Ensure never creates anything through a path it would refuse: a link
// another user planted where the cache directory's parent should be must
// not make the user create a directory where the link points.
func TestEnsureCreatesNothingThroughARefusedPath(t *testing.T) {
	needRoot(t)
	b := base(t)
	mkdir(t, filepath.Join(b, "tmp"), 0o777|fs.ModeSticky)
	evil := filepath.Join(b, "tmp", "evil")
	mkdir(t, evil, 0o755)
	chown(t, evil)
	target := filepath.Join(b, "etc")
	mkdir(t, target, 0o755)
	link := filepath.Join(evil, ".cache")
	os.Symlink(filepath.Join(target, "not-yet"), link)
	if err := os.Lchown(link, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	err := Ensure(filepath.Join(link, "monitor-token"))
	if !Refused(err) {
		t.Fatalf("Ensure = %v, want a refusal", err)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 {
		t.Fatalf("Ensure created %s through the planted link", entries[0].Name())
	}
}

// Ensure makes the directories a link of the user's leads to, and the
// missing part of a plain path, but never climbs a "..".
func TestEnsureFollowsTheUsersLinks(t *testing.T) {
	b := base(t)
	mkdir(t, filepath.Join(b, "data"), 0o700)
	os.Symlink(filepath.Join(b, "data", "cache"), filepath.Join(b, ".cache")) // dangling: cache is made
	if err := Ensure(filepath.Join(b, ".cache", "monitor-token")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(b, "data", "cache", "monitor-token")); err != nil || !fi.IsDir() {
		t.Fatalf("the directory was not made where the link leads: %v", err)
	}
	os.Symlink("missing/../x", filepath.Join(b, "up"))
	if err := Ensure(filepath.Join(b, "up", "monitor-token")); !Refused(err) {
		t.Fatalf("Ensure through missing/.. = %v, want a refusal", err)
	}
}

// A ".." after a link goes up from where the link leads, as the kernel
// takes it (path_resolution(7)), not from the text: the directory checked
// and made is the one the caller's later opens reach.
func TestEnsureTakesDotDotAfterALink(t *testing.T) {
	b := base(t)
	mkdir(t, filepath.Join(b, "data"), 0o700)
	mkdir(t, filepath.Join(b, "data", "deep"), 0o700)
	os.Symlink(filepath.Join(b, "data", "deep"), filepath.Join(b, "link"))
	// Joined as text: filepath.Join would clean the "..".
	if err := Ensure(b + "/link/../cache"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(b, "data", "cache")); err != nil || !fi.IsDir() {
		t.Errorf("not made beside where the link leads: %v", err)
	}
	if _, err := os.Lstat(filepath.Join(b, "cache")); err == nil {
		t.Errorf("made where the text says, beside the link")
	}
}
