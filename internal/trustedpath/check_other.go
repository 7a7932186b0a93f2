//go:build !unix

package trustedpath

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

const openFlags = 0

func isSpecialOpen(error) bool { return false }

func ensureDir(dir string, _ place, _ func(abs, real string) error) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return checkDir(dir)
}

func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &Error{What: "the cache directory", Path: dir, Problem: "is not a directory", Fix: "remove it"}
	}
	return nil
}

func checkOwnedFile(what, path string, fi fs.FileInfo, secret bool) error { return nil }

// resolveSettings follows a link at path, as the config file may be one (a
// dotfile manager's); there are no owners to check on the way.
func resolveSettings(_ place, path string) (real string, dirExists bool, err error) {
	if _, err := os.Stat(filepath.Dir(path)); err != nil {
		return path, false, nil
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, true, nil
	}
	real, err = filepath.EvalSymlinks(path)
	return real, true, err
}

func ensureSettingsDir(_ place, dir string) error { return os.MkdirAll(dir, 0o700) }

func checkSettingsFile(place, string, fs.FileInfo) error { return nil }

func checkFinal(abs, _ string) error { return checkDir(abs) }

func entryProblem(fs.FileInfo) (string, bool) { return "", false }

// resolveWriteDir resolves the links on the way to dir where it exists;
// there are no owners to check. Windows takes ".." from the text of a path
// (GetFullPathName), so filepath.Abs's clean is the system's own reading.
func resolveWriteDir(pl place, dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for existing, rest := abs, ""; ; {
		real, err := filepath.EvalSymlinks(existing)
		if err == nil {
			if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
				return "", pl.pathError(pl.name, existing, "is not a directory")
			}
			return filepath.Join(real, rest), nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		parent := filepath.Dir(existing)
		if parent == existing {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(existing), rest)
		existing = parent
	}
}
