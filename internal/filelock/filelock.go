// Package filelock is the one cross-process lock of monitor-token, an OS
// file lock (flock(2) on Unix, LockFileEx on Windows, through gofrs/flock).
// Two things use it: a profile's fetch lock, so that of many processes
// started together on a cold cache one fetches and the others read its
// result (as kubelogin's token cache does), and the config file's lock,
// held around every read-modify-write so that concurrent writers lose
// nothing (as git's config.lock). The kernel releases the lock when its
// holder exits, so a holder that crashed or was SIGKILLed never blocks the
// next one.
package filelock

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// retryDelay is how often a waiter tries the lock again.
const retryDelay = 20 * time.Millisecond

// Path is the file of the lock named name in dir.
func Path(dir, name string) string { return filepath.Join(dir, name+".lock") }

// Acquire takes the lock named name in dir, waiting as long as ctx allows.
// The directory is created 0700 and the file 0600: neither holds a secret,
// but other users have no business there. unlock releases it.
func Acquire(ctx context.Context, dir, name string) (unlock func(), err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock directory %s: %w", dir, err)
	}
	path := Path(dir, name)
	// The open (inside gofrs/flock, with these flags) never follows a link
	// planted under the lock's name, and what it opened is checked before
	// the lock counts (internal/trustedpath).
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR|trustedpath.NoFollow), flock.SetPermissions(0o600))
	ok, err := fl.TryLockContext(ctx, retryDelay)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("another monitor-token held the lock %s for too long: %w", path, ctx.Err())
		}
		if trustedpath.IsLink(err) {
			return nil, trustedpath.LockLinkError(path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		return nil, fmt.Errorf("lock %s: not acquired", path)
	}
	fi, err := fl.Stat() // fstat of the open file, not of the path
	if err == nil {
		err = trustedpath.CheckLock(path, fi)
	}
	if err != nil {
		fl.Unlock()
		return nil, err
	}
	return func() { fl.Unlock() }, nil
}
