//go:build unix

package filecache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// What another user could have put in the cache directory, or done to it,
// is never served: each case is refused with a message naming the file or
// directory, and the planted token does not come back.
func TestPlantedCacheIsNeverServed(t *testing.T) {
	const planted = `{"token":"planted"}`
	cases := []struct {
		name  string
		root  bool
		setup func(t *testing.T, dir, path string)
		want  string
	}{
		{"a link to a token file elsewhere", false, func(t *testing.T, dir, path string) {
			other := filepath.Join(t.TempDir(), "theirs.json")
			os.WriteFile(other, []byte(planted), 0o600)
			os.Symlink(other, path)
		}, "is a symbolic link"},
		{"a directory others can write", false, func(t *testing.T, dir, path string) {
			os.WriteFile(path, []byte(planted), 0o600)
			os.Chmod(dir, 0o777)
		}, "is writable by group or others (mode 0777)"},
		{"a token file of another user", true, func(t *testing.T, dir, path string) {
			os.WriteFile(path, []byte(planted), 0o600)
			os.Chown(path, 65534, 65534)
		}, "belongs to another user (uid 65534)"},
		{"a directory of another user", true, func(t *testing.T, dir, path string) {
			os.WriteFile(path, []byte(planted), 0o600)
			os.Chown(dir, 65534, 65534)
		}, "belongs to another user (uid 65534)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.root && os.Geteuid() != 0 {
				t.Skip("skipping: making a file of another user needs root")
			}
			dir := filepath.Join(t.TempDir(), "monitor-token")
			os.Mkdir(dir, 0o700)
			fc := &Cache{Dir: dir}
			path := fc.Path("p/monitor-token")
			c.setup(t, dir, path)
			got, err := fc.Get(context.Background(), "p/monitor-token")
			if err == nil || got != "" {
				t.Fatalf("Get = %q, %v: a planted cache was served", got, err)
			}
			if !trustedpath.Refused(err) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want a refusal saying %q", err, c.want)
			}
		})
	}
}

// Writing into a refused directory fails too, and leaves nothing there.
func TestNoWriteIntoARefusedDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "monitor-token")
	os.Mkdir(dir, 0o700)
	os.Chmod(dir, 0o777)
	fc := &Cache{Dir: dir}
	err := fc.Set(context.Background(), "p/monitor-token", "x")
	if !trustedpath.Refused(err) {
		t.Fatalf("Set = %v, want a refusal", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("%d entries were written into a refused directory", len(entries))
	}
}
