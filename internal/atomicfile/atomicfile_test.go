package atomicfile

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

// names lists dir, so that a temporary file left behind shows up.
func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func checkFile(t *testing.T, path string, want []byte, perm fs.FileMode) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s holds %q, want %q", path, got, want)
	}
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.Mode().IsRegular() {
		t.Errorf("%s is %v, want a regular file", path, fi.Mode().Type())
	}
	// Windows has no Unix permission bits to compare.
	if runtime.GOOS != "windows" && fi.Mode().Perm() != perm {
		t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), perm)
	}
}

func TestWriteNewAndReplace(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		old      []byte // nil: no file before the Write
		oldPerm  fs.FileMode
		data     []byte
		perm     fs.FileMode
		wantList []string
	}{
		{name: "new private file", data: []byte("secret\n"), perm: 0o600},
		{name: "new public file", data: []byte("export A='b'\n"), perm: 0o644},
		{name: "empty data", data: []byte{}, perm: 0o600},
		// The mode comes from perm, not from the file being replaced.
		{name: "replace a longer file", old: bytes.Repeat([]byte("x"), 4096), oldPerm: 0o644, data: []byte("short"), perm: 0o600},
		{name: "replace a shorter file", old: []byte("s"), oldPerm: 0o600, data: bytes.Repeat([]byte("long "), 1000), perm: 0o644},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "file.json")
			if tc.old != nil {
				if err := os.WriteFile(path, tc.old, tc.oldPerm); err != nil {
					t.Fatal(err)
				}
			}
			if err := Write(path, tc.data, tc.perm); err != nil {
				t.Fatal(err)
			}
			checkFile(t, path, tc.data, tc.perm)
			if got := names(t, dir); len(got) != 1 || got[0] != "file.json" {
				t.Errorf("directory holds %q, want only file.json (a temporary file was left behind)", got)
			}
		})
	}
}

func TestWriteCreatesMissingDirectories0700(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	// An existing directory is the user's: Write must not tighten or loosen it.
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, "a", "b", "file")
	if err := Write(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, []byte("x"), 0o600)
	for dir, want := range map[string]fs.FileMode{
		root:                          0o755,
		filepath.Join(root, "a"):      0o700,
		filepath.Join(root, "a", "b"): 0o700,
	} {
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.IsDir() {
			t.Errorf("%s is not a directory", dir)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", dir, fi.Mode().Perm(), want)
		}
	}
}

func TestWriteFailureLeavesOldContentAndNoTemporaryFile(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// setup prepares dir, with writeOld for the file whose content must survive, and
		// returns the path to Write and that file.
		setup    func(t *testing.T, dir string) (path, keep string)
		wantStep string
	}{{
		// Fails for root too: no permission check is involved.
		name: "parent is a regular file",
		setup: func(t *testing.T, dir string) (string, string) {
			keep := writeOld(t, filepath.Join(dir, "old"))
			return filepath.Join(keep, "sub", "new"), keep
		},
		wantStep: "cannot create directory ",
	}, {
		name: "directory not writable",
		setup: func(t *testing.T, dir string) (string, string) {
			if runtime.GOOS == "windows" {
				t.Skip("Windows ignores the permission bits of a directory")
			}
			if os.Geteuid() == 0 {
				t.Skip("root ignores permissions; the regular-file parent case covers a failure for root")
			}
			keep := writeOld(t, filepath.Join(dir, "old"))
			if err := os.Chmod(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			// Give it back, or the test cannot remove it.
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			return keep, keep
		},
		wantStep: "cannot create a file in ",
	}, {
		// The last step fails, after the temporary file has been written in full: it must
		// still go.
		name: "path is a directory",
		setup: func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "target")
			if err := os.Mkdir(target, 0o700); err != nil {
				t.Fatal(err)
			}
			return target, writeOld(t, filepath.Join(target, "old"))
		},
		wantStep: "cannot move the new file into place: ",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path, keep := tc.setup(t, dir)
			before := names(t, dir)
			err := Write(path, []byte("new content"), 0o600)
			if err == nil {
				t.Fatal("Write succeeded")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tc.wantStep) {
				t.Errorf("error %q does not start with the step %q", msg, tc.wantStep)
			}
			if strings.Contains(msg, ".tmp-") {
				t.Errorf("error %q names the temporary file", msg)
			}
			if strings.Count(msg, dir) > 1 {
				t.Errorf("error %q repeats the path", msg)
			}
			// The OS reason is the innermost error; it must appear once.
			inner := err
			for errors.Unwrap(inner) != nil {
				inner = errors.Unwrap(inner)
			}
			if inner == err || strings.Count(msg, inner.Error()) != 1 {
				t.Errorf("error %q should carry the OS reason %q once, wrapped", msg, inner)
			}
			if got, rerr := os.ReadFile(keep); rerr != nil || string(got) != "old content" {
				t.Errorf("%s holds %q, %v after the failed Write, want the old content", keep, got, rerr)
			}
			if got := names(t, dir); !slices.Equal(got, before) {
				t.Errorf("directory holds %q after the failed Write, want %q (a temporary file was left behind)", got, before)
			}
		})
	}
}

func writeOld(t *testing.T, path string) string {
	t.Helper()
	if err := os.WriteFile(path, []byte("old content"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestWriteReplacesLinkNotTarget(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	link := filepath.Join(dir, "link")
	if err := os.WriteFile(target, []byte("target content"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("target", link); err != nil {
		t.Skipf("cannot create a symbolic link here: %v", err)
	}
	if err := Write(link, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkFile(t, link, []byte("new"), 0o600) // Lstat: a regular file now, no longer a link
	if got, err := os.ReadFile(target); err != nil || string(got) != "target content" {
		t.Errorf("the link's target holds %q, %v; Write must not follow the link", got, err)
	}
}

// content is the distinct, full content of writer w's i-th write: large enough that a
// non-atomic write would be seen half done.
func content(w, i int) []byte {
	head := fmt.Sprintf("writer %d write %d\n", w, i)
	return bytes.Repeat([]byte(head), 64<<10/len(head))
}

// checkWhole reports whether b is one of the contents writers produce, in full.
func checkWhole(b []byte) bool {
	var w, i int
	if _, err := fmt.Sscanf(string(b), "writer %d write %d\n", &w, &i); err != nil {
		return false
	}
	return bytes.Equal(b, content(w, i))
}

func TestWriteConcurrentWritersNeverTear(t *testing.T) {
	t.Parallel()
	const writers, writes = 8, 50
	path := filepath.Join(t.TempDir(), "file")
	if err := Write(path, content(-1, -1), 0o600); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	var readers sync.WaitGroup
	var torn, reads int
	readers.Add(1)
	go func() {
		defer readers.Done()
		for {
			select {
			case <-done:
				return
			default:
			}
			b, err := os.ReadFile(path)
			if err != nil {
				// Windows may refuse to open a file while it is being renamed over.
				if runtime.GOOS != "windows" {
					t.Errorf("read during the writes: %v", err)
					return
				}
				continue
			}
			reads++
			if !checkWhole(b) {
				torn++
			}
		}
	}()

	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range writes {
				// Windows refuses to rename over a file another writer or the reader has open;
				// the test is about torn content, which must not appear there either.
				if err := Write(path, content(w, i), 0o600); err != nil && runtime.GOOS != "windows" {
					t.Errorf("writer %d write %d: %v", w, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	readers.Wait()

	t.Logf("%d reads during the writes", reads)
	if torn > 0 {
		t.Errorf("%d of %d reads during the writes saw a torn or foreign file", torn, reads)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !checkWhole(b) {
		t.Errorf("after the writes the file holds %d bytes that are no written content in full", len(b))
	}
	if got := names(t, filepath.Dir(path)); len(got) != 1 {
		t.Errorf("directory holds %q after the writes, want only the file", got)
	}
}

func TestShowPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"/home/u/.config/monitor-token", "/home/u/.config/monitor-token"},
		{"", `""`},
		{"/a b", `"/a b"`},
		{`/a"b`, `"/a\"b"`},
		{"/a\nb", `"/a\nb"`},
		{"/caf\u00e9", "/caf\u00e9"},
	} {
		if got := ShowPath(tc.in); got != tc.want {
			t.Errorf("ShowPath(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
