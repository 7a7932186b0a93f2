//go:build unix

package commands

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// What --output must not be, refused before anything is fetched: a
// directory, another user's file (which a sticky directory would not let
// the user replace), a special file, and the system's own files, where
// /dev/stdout would resolve to whatever stdout is redirected to and
// replace it.
func TestRunGetOutputRefusals(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "adir"), 0o700)
	mkfifo(t, filepath.Join(dir, "fifo"))
	others := filepath.Join(dir, "others")
	os.WriteFile(others, []byte("x"), 0o644)
	chowned := os.Chown(others, 65534, 65534) == nil
	redirected := filepath.Join(dir, "redirected")
	// A link whose ".." leads into /proc: the kernel takes it where the
	// link goes, not where the text says.
	os.Symlink("/proc/self/fdinfo", filepath.Join(dir, "x"))
	viaDotDot := dir + "/x/../fd/1"
	for _, tt := range []struct {
		name, output, want string
		needsChown         bool
	}{
		{"a directory", filepath.Join(dir, "adir"), "the token file " + filepath.Join(dir, "adir") + " is a directory; give the path of a file", false},
		{"a named pipe", filepath.Join(dir, "fifo"), "the token file " + filepath.Join(dir, "fifo") + " is not a regular file; remove it, or give --output a path in a directory of yours that only you and root can write", false},
		{"another user's file", others, "the token file " + others + " belongs to another user (uid 65534); remove it, or give --output a path in a directory of yours that only you and root can write", true},
		{"/dev/stdout", "/dev/stdout", "get --output /dev/stdout: it leads to /dev or /proc, the system's files, not a place for a token file; drop --output to print the token to stdout", false},
		{"/proc/self/fd/1", "/proc/self/fd/1", "get --output /proc/self/fd/1: it leads to /dev or /proc, the system's files, not a place for a token file; drop --output to print the token to stdout", false},
		{"a link and .. into /proc", viaDotDot, "get --output " + viaDotDot + ": it leads to /dev or /proc, the system's files, not a place for a token file; drop --output to print the token to stdout", false},
	} {
		if tt.needsChown && !chowned {
			continue // chown to another user needs root
		}
		r.emu.ResetCounts()
		f := r.factory()
		if tt.output == "/dev/stdout" || tt.output == "/proc/self/fd/1" || tt.output == viaDotDot {
			// stdout redirected to a file, as a service's log is.
			out, err := os.Create(redirected)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			saved, _ := syscall.Dup(1)
			syscall.Dup2(int(out.Fd()), 1)
			err = runGet(t.Context(), f, GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Output: tt.output, FileMode: 0o600})
			syscall.Dup2(saved, 1)
			syscall.Close(saved)
			if errText(err) != tt.want {
				t.Errorf("%s: error %q, want %q", tt.name, errText(err), tt.want)
			}
			if fi, err := os.Stat(redirected); err != nil || fi.Size() != 0 {
				t.Errorf("%s: the file behind stdout was replaced or written", tt.name)
			}
			continue
		}
		err := runGet(t.Context(), f, GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Output: tt.output, FileMode: 0o600})
		if errText(err) != tt.want {
			t.Errorf("%s: error %q, want %q", tt.name, errText(err), tt.want)
		}
		if n := len(r.emu.Requests()); n != 0 {
			t.Errorf("%s: %d requests before the refusal, want none", tt.name, n)
		}
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
}
