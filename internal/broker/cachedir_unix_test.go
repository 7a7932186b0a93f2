//go:build unix

package broker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/privatedir"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// A token file planted in the cache directory (here a link to a file the
// attacker controls) fails the command: it is neither served nor quietly
// replaced, and nothing is fetched, so the user learns of it.
func TestPlantedTokenFileFailsTheCommand(t *testing.T) {
	b, _, api, _ := newBroker(t)
	p := withEnvKey(target, "key")
	p.Cache = config.CacheFile
	theirs := filepath.Join(t.TempDir(), "theirs.json")
	os.WriteFile(theirs, []byte(encodeEntry(p, "planted", time.Time{})), 0o600)
	fc, _ := b.fileCache(p.Name)
	if err := os.Symlink(theirs, fc.Path(TokenItem(p.Name))); err != nil {
		t.Fatal(err)
	}
	tok, err := b.Token(context.Background(), p)
	if err == nil || tok.Value != "" {
		t.Fatalf("Token = %+v, %v: a planted file was served or replaced", tok, err)
	}
	if !privatedir.Refused(err) || !strings.Contains(err.Error(), "is a symbolic link") {
		t.Fatalf("err = %v, want the refusal of the link", err)
	}
	if api.exchanges != 0 {
		t.Fatalf("%d exchanges: the credential went out although the cache was refused", api.exchanges)
	}
	if fi, err := os.Lstat(fc.Path(TokenItem(p.Name))); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the planted link was replaced (%v): the user should see it", err)
	}
}

// A cache directory others can write is not used for the fetch lock: the
// fetch goes on without it and says why; nothing is created in it.
func TestNoLockInADirectoryOthersCanWrite(t *testing.T) {
	b, _, _, warnings := newBroker(t)
	os.Chmod(b.CacheDir, 0o777)
	tok, err := b.Token(context.Background(), withEnvKey(target, "key"))
	if err != nil || tok.Value == "" {
		t.Fatalf("Token = %+v, %v", tok, err)
	}
	if len(*warnings) != 1 || !strings.Contains((*warnings)[0].Error(), "fetching without the lock") ||
		!strings.Contains((*warnings)[0].Error(), "is writable by group or others (mode 0777); run chmod go-w") {
		t.Fatalf("warnings = %v", *warnings)
	}
	if _, err := os.Lstat(filepath.Join(b.CacheDir, target.Name+".lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a lock file was made in the refused directory: %v", err)
	}
}

// A profile in the environment never logs in, so its fetch is where a
// token file left by an earlier cache=file setting goes: switched to none
// (or the keyring), no plain-text copy stays behind.
func TestEnvironmentProfileLeavesNoStaleTokenFile(t *testing.T) {
	b, _, _, warnings := newBroker(t)
	p := withEnvKey(target, "key")
	p.From = profile.FromEnvironment
	p.Cache = config.CacheFile
	if _, err := b.Token(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	fc, _ := b.fileCache(p.Name)
	file := fc.Path(TokenItem(p.Name))
	if _, err := os.Stat(file); err != nil {
		t.Fatalf("cache=file wrote no file: %v", err)
	}
	p.Cache = config.CacheNone
	if _, err := b.Token(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(file); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the token file of the old setting is still there (%v); warnings %v", err, *warnings)
	}
}
