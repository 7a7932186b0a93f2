// Package fetchlock makes parallel monitor-token processes on a cold cache
// fetch a profile's token once: the first takes an OS file lock, fetches and
// caches; the others wait for the lock and then find the token in the cache
// (issue 4; the same idea as kubelogin's token cache lock). The lock is
// flock(2): the kernel releases it when its holder exits, so a crashed
// holder never blocks anyone.
package fetchlock

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/gofrs/flock"
)

// retryDelay is how often a waiter tries the lock again.
const retryDelay = 20 * time.Millisecond

// Dir is where the lock files live: <user cache dir>/monitor-token, with
// the user cache dir computed from getenv as os.UserCacheDir does
// (XDG_CACHE_HOME when absolute, else ~/.cache; ~/Library/Caches on macOS;
// %LocalAppData% on Windows), so tests can inject the environment.
func Dir(getenv func(string) string) (string, error) {
	var base string
	switch runtime.GOOS {
	case "windows":
		base = getenv("LocalAppData")
	case "darwin", "ios":
		if home := getenv("HOME"); home != "" {
			base = filepath.Join(home, "Library", "Caches")
		}
	default:
		base = getenv("XDG_CACHE_HOME")
		if !filepath.IsAbs(base) {
			base = ""
			if home := getenv("HOME"); filepath.IsAbs(home) {
				base = filepath.Join(home, ".cache")
			}
		}
	}
	if base == "" {
		return "", errors.New("no user cache directory (HOME is not set)")
	}
	return filepath.Join(base, "monitor-token"), nil
}

// Acquire takes the lock named name in dir, waiting as long as ctx allows.
// The directory is created 0700 and the file 0600: neither holds a secret,
// but other users have no business there. unlock releases it.
func Acquire(ctx context.Context, dir, name string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock directory %s: %w", dir, err)
	}
	path := filepath.Join(dir, name+".lock")
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, retryDelay)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("another monitor-token has been fetching this token for too long (lock %s): %w", path, ctx.Err())
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("lock %s: not acquired", path)
	}
	return func() { fl.Unlock() }, nil
}
