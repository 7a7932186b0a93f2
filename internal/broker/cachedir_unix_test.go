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
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
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
	if !trustedpath.Refused(err) || !strings.Contains(err.Error(), "is a symbolic link") {
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

// Nothing is removed from a cache directory that is refused: a link
// planted where the directory should be leads to files that are not
// monitor-token's, whatever the command (logout, logout --all, refresh, a
// cache=none get cleaning up after an old cache=file setting).
func TestNothingIsRemovedThroughARefusedDirectory(t *testing.T) {
	victims := []string{"p.lock", "p.monitor-token.json", "other.lock", "other.monitor-token.json"}
	setup := func(t *testing.T) (*Broker, string, *[]error) {
		b, sec, _, warnings := newBroker(t)
		sec.inner.Set(context.Background(), APIKeyItem("p"), "key")
		target := t.TempDir() // another directory of the user's, not the cache
		for _, name := range victims {
			os.WriteFile(filepath.Join(target, name), []byte("keep"), 0o600)
		}
		// The planted link: a shared sticky directory, its link not the user's.
		shared := t.TempDir()
		os.Chmod(shared, 0o777|os.ModeSticky)
		b.CacheDir = filepath.Join(shared, "monitor-token")
		os.Symlink(target, b.CacheDir)
		return b, target, warnings
	}
	if os.Geteuid() != 0 {
		t.Skip("skipping: a link of another user needs root to make")
	}
	steps := map[string]func(b *Broker) error{
		"logout":     func(b *Broker) error { return b.Logout(context.Background(), "p") },
		"logout all": func(b *Broker) error { return b.LogoutAll(context.Background()) },
		"refresh": func(b *Broker) error {
			p := target
			p.Cache = config.CacheFile
			_, err := b.Refresh(context.Background(), p)
			return err
		},
		"cache=none get": func(b *Broker) error {
			p := withEnvKey(target, "key")
			p.From, p.Cache = profile.FromEnvironment, config.CacheNone
			_, err := b.Token(context.Background(), p)
			return err
		},
	}
	for name, step := range steps {
		t.Run(name, func(t *testing.T) {
			b, dir, warnings := setup(t)
			if err := os.Lchown(b.CacheDir, 65534, 65534); err != nil {
				t.Fatal(err)
			}
			err := step(b)
			for _, v := range victims {
				if _, serr := os.Stat(filepath.Join(dir, v)); serr != nil {
					t.Errorf("%s removed %s through the planted link (err %v, warnings %v)", name, v, err, *warnings)
				}
			}
			// One line says it: an error, or a warning, not both.
			said := len(*warnings)
			if err != nil {
				said++
			}
			if said != 1 {
				t.Errorf("%s: err %v and warnings %v; want the refusal said once", name, err, *warnings)
			}
		})
	}
}

// A cache directory that does not exist when logout looks may be another
// user's by the time it removes files: the look right before the removals
// is the one that counts, and a directory that was missing holds nothing
// of ours, so nothing is removed through what appeared meanwhile.
func TestLogoutRemovesNothingThroughADirectoryThatAppeared(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: a link of another user needs root to make")
	}
	for name, logout := range map[string]func(b *Broker) error{
		"logout":     func(b *Broker) error { return b.Logout(context.Background(), "p") },
		"logout all": func(b *Broker) error { return b.LogoutAll(context.Background()) },
	} {
		t.Run(name, func(t *testing.T) {
			b, _, _, _ := newBroker(t)
			victim := t.TempDir()
			for _, f := range []string{"p.lock", "p.monitor-token.json"} {
				os.WriteFile(filepath.Join(victim, f), []byte("keep"), 0o600)
			}
			shared := t.TempDir()
			os.Chmod(shared, 0o777|os.ModeSticky)
			b.CacheDir = filepath.Join(shared, "monitor-token") // missing
			plant := func() {
				os.Symlink(victim, b.CacheDir)
				os.Lchown(b.CacheDir, 65534, 65534)
			}
			testHookBeforeRemovals = plant
			defer func() { testHookBeforeRemovals = func() {} }()
			logout(b)
			for _, f := range []string{"p.lock", "p.monitor-token.json"} {
				if _, err := os.Stat(filepath.Join(victim, f)); err != nil {
					t.Errorf("%s was removed through the link that appeared: %v", f, err)
				}
			}
		})
	}
}
