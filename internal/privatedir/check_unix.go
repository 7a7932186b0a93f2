//go:build unix

package privatedir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"github.com/monitor-token/monitor-token/internal/shellword"
)

// NoFollow makes open(2) fail with ELOOP on a symbolic link rather than
// follow it (POSIX open(2), O_NOFOLLOW), for callers that open through
// another package.
const NoFollow = syscall.O_NOFOLLOW

// openFlags adds O_NONBLOCK, so a planted named pipe cannot hold the open;
// regular files ignore it.
const openFlags = NoFollow | syscall.O_NONBLOCK | syscall.O_CLOEXEC

// IsLink says whether an open with NoFollow failed because the path is a
// symbolic link.
func IsLink(err error) bool { return errors.Is(err, syscall.ELOOP) }

func owner(fi fs.FileInfo) (uint32, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return st.Uid, true
}

// trusted: a directory on the path may belong to the user or to root
// (OpenSSH's safe_path accepts the same two), and no one else.
func trusted(uid uint32) bool { return uid == 0 || uid == uint32(os.Geteuid()) }

func checkDir(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return &Error{What: "the cache directory", Path: abs, Problem: "is not a directory", Fix: "remove it, or set XDG_CACHE_HOME to a directory of yours"}
	}
	if uid, _ := owner(fi); uid != uint32(os.Geteuid()) {
		return &Error{What: "the cache directory", Path: abs, Problem: fmt.Sprintf("belongs to another user (uid %d)", uid),
			Fix: "monitor-token keeps tokens and locks only in a directory of yours: remove it, or set XDG_CACHE_HOME to a directory you own"}
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return &Error{What: "the cache directory", Path: abs, Problem: fmt.Sprintf("is writable by group or others (mode %04o)", fi.Mode().Perm()),
			Fix: "run chmod go-w " + shellword.Word(abs)}
	}
	// The path as given, each link on it included, then the path the links
	// lead to: a link is as safe as the directory it sits in and its owner.
	if err := checkAbove(abs, os.Lstat); err != nil {
		return err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return err
	}
	return checkAbove(real, os.Stat)
}

// checkAbove checks path's own entry (when stat is Lstat and it is a link)
// and every directory above it up to the root.
func checkAbove(path string, stat func(string) (fs.FileInfo, error)) error {
	for p := path; ; {
		fi, err := stat(p)
		if err != nil {
			return err
		}
		uid, _ := owner(fi)
		switch {
		case p != path && !trusted(uid):
			return &Error{What: "the directory", Path: p, Problem: fmt.Sprintf("above the cache directory belongs to another user (uid %d), who could swap what is below it", uid),
				Fix: "set XDG_CACHE_HOME to a directory of yours on a path only you and root control"}
		case fi.Mode()&fs.ModeSymlink != 0 && !trusted(uid):
			return &Error{What: "the link", Path: p, Problem: fmt.Sprintf("on the cache directory's path belongs to another user (uid %d)", uid),
				Fix: "set XDG_CACHE_HOME to a directory of yours on a path only you and root control"}
		case p != path && fi.IsDir() && fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0:
			return &Error{What: "the directory", Path: p, Problem: fmt.Sprintf("above the cache directory is writable by group or others (mode %04o) without the sticky bit", fi.Mode().Perm()),
				Fix: "run chmod go-w " + shellword.Word(p) + ", or set XDG_CACHE_HOME to a directory on a path only you and root control"}
		}
		parent := filepath.Dir(p)
		if parent == p {
			return nil
		}
		p = parent
	}
}

func checkOwnedFile(path string, fi fs.FileInfo, secret bool) error {
	if uid, _ := owner(fi); uid != uint32(os.Geteuid()) {
		return fileError(path, fmt.Sprintf("belongs to another user (uid %d)", uid), "remove it")
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return fileError(path, "has other hard links", "remove it")
	}
	if secret && fi.Mode().Perm()&0o077 != 0 {
		return fileError(path, fmt.Sprintf("is open to group or others (mode %04o)", fi.Mode().Perm()), "remove it, and the next fetch writes a private one")
	}
	return nil
}
