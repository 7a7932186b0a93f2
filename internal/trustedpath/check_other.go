//go:build !unix

package trustedpath

import (
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

func checkReplaceable(place, string, fs.FileInfo) error { return nil }
