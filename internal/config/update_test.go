package config

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/filelock"
)

func addProfile(name string) func(*File) error {
	return func(f *File) error {
		f.Profiles[name] = Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid}
		return nil
	}
}

// Writers of different profiles at once: every profile survives. Without
// the lock most of them are lost (the last rename wins).
func TestUpdateLosesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cfg", "config.json")
	const n = 24
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = Update(context.Background(), path, addProfile(fmt.Sprintf("p%d", i)))
		}()
	}
	wg.Wait()
	f, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("Update %d: %v", i, err)
		}
		if _, ok := f.Profiles[fmt.Sprintf("p%d", i)]; !ok {
			t.Errorf("profile p%d was lost", i)
		}
	}
}

// A file that does not load is not written, and change is not called.
func TestUpdateLeavesABrokenFileAlone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	broken := []byte(`{"profiles": {`)
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	called := false
	err := Update(context.Background(), path, func(*File) error { called = true; return nil })
	var pe *ParseError
	if !errors.As(err, &pe) || called {
		t.Fatalf("Update = %v (called %v), want a ParseError and no change", err, called)
	}
	if got, _ := os.ReadFile(path); string(got) != string(broken) {
		t.Errorf("the file was rewritten: %q", got)
	}
}

// An error from change leaves the file as it was.
func TestUpdateChangeErrorWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	if err := Update(context.Background(), path, addProfile("a")); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	boom := errors.New("boom")
	err := Update(context.Background(), path, func(f *File) error { delete(f.Profiles, "a"); return boom })
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("file changed after a failed change: %s", after)
	}
}

// A writer waits for the holder and ends with its context.
func TestUpdateWaitEndsWithTheContext(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	unlock, err := filelock.Acquire(context.Background(), filepath.Dir(path), filepath.Base(path))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := Update(ctx, path, addProfile("a")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Update under a held lock = %v, want the deadline", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Error("the file was written while another writer held the lock")
	}
}

func TestCacheDir(t *testing.T) {
	const (
		unixMissing    = "no user cache directory: neither $XDG_CACHE_HOME nor $HOME is set to an absolute path"
		darwinMissing  = "no user cache directory: $HOME is not set to an absolute path"
		windowsMissing = "no user cache directory: %LOCALAPPDATA% is not set"
	)
	tests := []struct {
		goos    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"linux", map[string]string{"XDG_CACHE_HOME": "/c", "HOME": "/h"}, "/c/monitor-token", ""},
		{"linux", map[string]string{"XDG_CACHE_HOME": "rel", "HOME": "/h"}, "/h/.cache/monitor-token", ""},
		{"linux", map[string]string{"HOME": "/h"}, "/h/.cache/monitor-token", ""},
		{"linux", map[string]string{"HOME": "rel"}, "", unixMissing},
		{"linux", map[string]string{}, "", unixMissing},
		{"darwin", map[string]string{"HOME": "/Users/u"}, "/Users/u/Library/Caches/monitor-token", ""},
		{"darwin", map[string]string{"XDG_CACHE_HOME": "/c"}, "", darwinMissing},
		// Windows: the names as the system spells them (the app's getenv
		// matches them regardless of case there); HOME means nothing.
		{"windows", map[string]string{"LOCALAPPDATA": `C:\Users\u\AppData\Local`}, `C:\Users\u\AppData\Local` + string(filepath.Separator) + "monitor-token", ""},
		{"windows", map[string]string{"HOME": "/h", "XDG_CACHE_HOME": "/c"}, "", windowsMissing},
	}
	for _, tt := range tests {
		got, err := cacheDir(tt.goos, func(k string) string { return tt.env[k] })
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.wantErr {
			t.Errorf("cacheDir(%s, %v) = %q, %q; want %q, %q", tt.goos, tt.env, got, gotErr, tt.want, tt.wantErr)
		}
	}
}
