//go:build unix

package atomicfile

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWriteModeIgnoresUmask changes the process umask, so it must not run in parallel with
// anything that creates files; top-level parallel tests start only after it has returned.
func TestWriteModeIgnoresUmask(t *testing.T) {
	for _, umask := range []int{0o077, 0o000} {
		for _, perm := range []fs.FileMode{0o600, 0o644} {
			t.Run(fmt.Sprintf("umask %03o perm %04o", umask, perm), func(t *testing.T) {
				dir := filepath.Join(t.TempDir(), "new")
				path := filepath.Join(dir, "file")
				data := []byte(fmt.Sprintf("written under umask %03o\n", umask))

				old := syscall.Umask(umask)
				err := Write(path, data, perm)
				syscall.Umask(old)
				if err != nil {
					t.Fatal(err)
				}
				checkFile(t, path, data, perm)
				// A permissive umask must not loosen a created directory, nor a restrictive
				// one matter: it is 0700 either way.
				fi, err := os.Stat(dir)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o700 {
					t.Errorf("created directory has mode %v, want 0700", fi.Mode().Perm())
				}
			})
		}
	}
}
