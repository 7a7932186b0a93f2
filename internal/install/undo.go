package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
)

// undo puts back what was at the done items' paths, and removes the
// directories made, newest first.
func (l *linker) undo(items []item, founds []found, done []int, made []string) error {
	var errs []error
	for k := len(done) - 1; k >= 0; k-- {
		it, f := items[done[k]], founds[done[k]]
		var err error
		switch {
		case f.info == nil:
			err = os.Remove(it.path)
		case f.info.Mode()&fs.ModeSymlink != 0:
			err = l.symlink(f.link, it.path)
		default:
			err = l.write(it.path, f.data, f.info.Mode().Perm())
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("%s: %w", atomicfile.ShowPath(it.path), atomicfile.PathErrReason(err)))
		}
	}
	for k := len(made) - 1; k >= 0; k-- {
		if err := os.Remove(made[k]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("%s: %w", atomicfile.ShowPath(made[k]), atomicfile.PathErrReason(err)))
		}
	}
	return errors.Join(errs...)
}

// makeDirs creates dir and its missing parents 0755 and returns the ones
// it made, parents first, so a failed run can remove them again.
func makeDirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	slices.Reverse(missing)
	return createDirs(missing)
}

// createDirs creates each of dirs, parents first, and returns the ones it
// made. One that another process made meanwhile (a second install-links at
// the same time) is no error, and not this run's to remove.
func createDirs(dirs []string) ([]string, error) {
	var made []string
	for _, d := range dirs {
		err := os.Mkdir(d, 0o755)
		if errors.Is(err, fs.ErrExist) {
			if info, serr := os.Stat(d); serr == nil && info.IsDir() {
				continue
			}
		}
		if err != nil {
			return made, fmt.Errorf("cannot create directory %s: %w", atomicfile.ShowPath(d), atomicfile.PathErrReason(err))
		}
		made = append(made, d)
	}
	return made, nil
}
