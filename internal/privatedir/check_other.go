//go:build !unix

package privatedir

import (
	"io/fs"
	"os"
)

// NoFollow: Windows has no O_NOFOLLOW; the per-user %LOCALAPPDATA% that
// holds the cache directory is closed to other users by its ACL.
const NoFollow = 0

const openFlags = 0

func IsLink(error) bool { return false }

func isSpecialOpen(error) bool { return false }

func ensureDir(dir string) error {
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

func checkOwnedFile(path string, fi fs.FileInfo, secret bool) error { return nil }
