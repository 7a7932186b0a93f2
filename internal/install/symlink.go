package install

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
)

// replaceSymlink makes path a symbolic link to target atomically: a new
// link under a temporary name in the same directory, renamed over path, so
// that path is the old link or the new one, never missing.
func replaceSymlink(target, path string) error {
	dir := filepath.Dir(path)
	for range 100 {
		tmp := filepath.Join(dir, fmt.Sprintf(".%s.tmp-%d", filepath.Base(path), rand.Uint32()))
		err := os.Symlink(target, tmp)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot create a link in %s: %w", atomicfile.ShowPath(dir), atomicfile.PathErrReason(err))
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			var le *os.LinkError
			if errors.As(err, &le) {
				err = le.Err
			}
			return fmt.Errorf("cannot move the new link into place: %w", err)
		}
		return nil
	}
	return fmt.Errorf("cannot create a link in %s: every temporary name is taken", atomicfile.ShowPath(dir))
}
