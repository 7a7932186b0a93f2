//go:build unix

package ibmcloud

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"github.com/gofrs/flock"

	"github.com/monitor-token/monitor-token/internal/regularfile"
)

// cliRetry is how often a wait for the CLI's lock tries again: the CLI's
// own retry delay (persistor.go's lockedRead and lockedWrite pass 100 ms
// to TryLockContext).
const cliRetry = 100 * time.Millisecond

// lockCLI takes the lock the ibmcloud CLI takes around each read and each
// write of its config: flock(2) on config.json itself, through gofrs/flock,
// in the plugin SDK's bluemix/configuration/persistor.go
// (docs/integrations.md, "ibmcloud session refresh"). A read takes it
// shared, which waits for the CLI's write and lets other readers in; a
// write takes it exclusive. The wait ends with ctx, or after lockWait, the
// CLI's own bound. real is a path sessionFile.Resolve returned: the lock
// is opened without following a link, waiting or creating the file.
func lockCLI(ctx context.Context, real string, exclusive bool) (unlock func(), err error) {
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	// O_NONBLOCK: the open of a named pipe put there does not wait for a
	// writer; the read after it refuses what is not a regular file.
	l := flock.New(real, flock.SetFlag(os.O_RDONLY|regularfile.NoFollow|syscall.O_NONBLOCK))
	try := l.TryRLockContext
	if exclusive {
		try = l.TryLockContext
	}
	ok, err := try(ctx, cliRetry)
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, fmt.Errorf("the ibmcloud CLI held its config's lock for too long (another ibmcloud command still running?): %w", ctx.Err())
	case err != nil:
		return nil, err
	case !ok:
		return nil, errors.New("the ibmcloud CLI's config lock was not acquired")
	}
	return func() { l.Unlock() }, nil
}
