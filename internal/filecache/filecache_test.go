package filecache

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/monitor-token/monitor-token/store"
)

func TestFileCache(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "cache")
	var announced []string
	c := &Cache{Dir: dir, Announce: func(p string) { announced = append(announced, p) }}
	if _, err := c.Get(ctx, "p/monitor-token"); !errors.Is(err, ErrNotFound) || errors.As(err, new(*store.Error)) {
		t.Fatalf("empty cache: err = %v, want ErrNotFound and no keyring error", err)
	}
	for _, v := range []string{"one", "two"} {
		if err := c.Set(ctx, "p/monitor-token", v); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := c.Get(ctx, "p/monitor-token"); err != nil || got != "two" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	path := filepath.Join(dir, "p.monitor-token.json")
	if len(announced) != 1 || announced[0] != path {
		t.Fatalf("announced %v, want %s once (only when the file is created)", announced, path)
	}
	fi, _ := os.Stat(path)
	di, _ := os.Stat(dir)
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("modes file %v dir %v, want 0600 and 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("%d entries: a temporary file was left behind", len(entries))
	}
	if err := c.Delete(ctx, "p/monitor-token"); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete(ctx, "p/monitor-token"); !errors.Is(err, ErrNotFound) || errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
	os.WriteFile(path, make([]byte, maxItem+1), 0o600)
	if _, err := c.Get(ctx, "p/monitor-token"); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("an oversized file: err = %v; want an error that is not a miss", err)
	}
}
