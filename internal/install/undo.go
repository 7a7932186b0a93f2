package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// madeDir is a directory a run created: its path and what it was, so that
// undo removes that very directory and nothing else now at its path.
type madeDir struct {
	path string
	info fs.FileInfo
}

// undo puts back what was at the done items' paths, and removes the
// directories made, newest first.
func (l *linker) undo(items []item, founds []found, done []int, made []madeDir) error {
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
		// A path that now leads elsewhere (a link put in place of a
		// parent) is not followed to remove what is there.
		if fi, err := os.Lstat(made[k].path); err != nil || !os.SameFile(fi, made[k].info) {
			continue
		}
		if err := os.Remove(made[k].path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("%s: %w", atomicfile.ShowPath(made[k].path), atomicfile.PathErrReason(err)))
		}
	}
	return errors.Join(errs...)
}

// makeDirs creates dir and its missing parents 0755 and returns the ones
// it made, parents first, so a failed run can remove them again.
func makeDirs(dir string) ([]madeDir, error) {
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
// the same time) is no error, and not this run's to remove. Each is looked
// at, without following a link, before the next is made in it: in a
// sticky directory another user may put a link or a directory of theirs
// at the name first, and a mkdir by path would go through it.
func createDirs(dirs []string) ([]madeDir, error) {
	var made []madeDir
	for _, d := range dirs {
		err := os.Mkdir(d, 0o755)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return made, fmt.Errorf("cannot create directory %s: %w", atomicfile.ShowPath(d), atomicfile.PathErrReason(err))
		}
		fi, lerr := os.Lstat(d)
		if lerr != nil {
			return made, fmt.Errorf("cannot create directory %s: %w", atomicfile.ShowPath(d), atomicfile.PathErrReason(lerr))
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			return made, fmt.Errorf("the directory %s is a symbolic link, not a directory made for install-links; remove it, or %s", atomicfile.ShowPath(d), moveDir)
		case !fi.IsDir():
			return made, fmt.Errorf("cannot create directory %s: something else is there; remove it, or %s", atomicfile.ShowPath(d), moveDir)
		}
		if problem := trustedpath.Foreign(fi); problem != "" {
			return made, fmt.Errorf("the directory %s %s, who could swap what is put in it; %s", atomicfile.ShowPath(d), problem, moveDir)
		}
		if err == nil {
			made = append(made, madeDir{d, fi})
		}
	}
	return made, nil
}
