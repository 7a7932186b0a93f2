package install

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// ResolveExecutable gives Links the file itself, by its absolute path,
// however the process was started.
func TestResolveExecutable(t *testing.T) {
	lw := newLinksWorld(t, "linux")
	lw.symlink(lw.exe, filepath.Join(lw.root, "alias", "mt"))
	t.Chdir(lw.root)
	for _, c := range []struct {
		name       string
		executable func() (string, error)
		want, err  string
	}{
		{"absolute", func() (string, error) { return lw.exe, nil }, lw.exe, ""},
		{"through a link", func() (string, error) { return filepath.Join(lw.root, "alias", "mt"), nil }, lw.exe, ""},
		{"relative", func() (string, error) { return filepath.Join("bin", "monitor-token"), nil }, lw.exe, ""},
		{"relative, through a link", func() (string, error) { return filepath.Join("alias", "mt"), nil }, lw.exe, ""},
		{"no /proc", func() (string, error) { return "", errors.New("no /proc") }, "", "install-links: cannot find the running executable: no /proc"},
		{"gone", func() (string, error) { return filepath.Join(lw.root, "gone"), nil }, "", "install-links: cannot find the running executable: no such file or directory"},
	} {
		got, err := ResolveExecutable(c.executable)
		var gotErr string
		if err != nil {
			gotErr = strings.ReplaceAll(err.Error(), lw.root, "ROOT")
		}
		if got != c.want || gotErr != c.err {
			t.Errorf("%s: %q, %q; want %q, %q", c.name, got, gotErr, c.want, c.err)
		}
	}
}
