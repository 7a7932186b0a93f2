//go:build unix

package privatedir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// isSpecialOpen: open(2) refuses a socket, and a device with no driver,
// with ENXIO; both are files no one but an intruder put there.
func isSpecialOpen(err error) bool { return errors.Is(err, syscall.ENXIO) }

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

// maxLinks bounds the links one walk follows, as the kernel's own limit
// does (Linux: 40, path_resolution(7)).
const maxLinks = 40

// pathError is the refusal of something on the way to the cache directory.
func pathError(what, p, problem string) error {
	return &Error{What: what, Path: p, Problem: problem,
		Fix: "set XDG_CACHE_HOME to a directory of yours on a path only you and root control"}
}

// walk resolves path from the root one component at a time, as the kernel
// does, and checks everything it passes: each directory it goes through
// belongs to the user or root and is not writable by others unless sticky,
// and each link it follows belongs to the user or root. A link's target is
// walked the same way, so no directory or link of another user can sit
// anywhere on the way, however many links lead there. It returns the
// resolved path of the longest part that exists and the components still
// missing below it (nil when all of path exists).
func walk(path string) (resolved string, missing []string, err error) {
	todo := strings.Split(strings.TrimPrefix(filepath.Clean(path), "/"), "/")
	cur, links := "/", 0
	if err := checkTraversed(cur); err != nil {
		return "", nil, err
	}
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			cur = filepath.Dir(cur) // already checked on the way down
			continue
		}
		next := filepath.Join(cur, name)
		fi, err := os.Lstat(next)
		if errors.Is(err, fs.ErrNotExist) {
			return cur, append([]string{name}, todo...), nil
		}
		if err != nil {
			return "", nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if uid, _ := owner(fi); !trusted(uid) {
				return "", nil, pathError("the link", next, fmt.Sprintf("on the cache directory's path belongs to another user (uid %d)", uid))
			}
			if links++; links > maxLinks {
				return "", nil, pathError("the path", path, "has too many symbolic links")
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", nil, err
			}
			if filepath.IsAbs(target) {
				cur = "/"
			}
			todo = append(strings.Split(target, "/"), todo...)
			continue
		}
		cur = next
		if len(todo) > 0 {
			if err := checkTraversed(cur); err != nil {
				return "", nil, err
			}
		}
	}
	return cur, nil, nil
}

// checkTraversed checks a directory the walk goes through.
func checkTraversed(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	uid, _ := owner(fi)
	switch {
	case !trusted(uid):
		return pathError("the directory", p, fmt.Sprintf("above the cache directory belongs to another user (uid %d), who could swap what is below it", uid))
	case fi.IsDir() && fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0:
		return &Error{What: "the directory", Path: p, Problem: fmt.Sprintf("above the cache directory is writable by group or others (mode %04o) without the sticky bit", fi.Mode().Perm()),
			Fix: "run chmod go-w " + shellword.Word(p) + ", or set XDG_CACHE_HOME to a directory on a path only you and root control"}
	}
	return nil
}

// walkDir is walk over dir made absolute, which the messages show.
func walkDir(dir string) (abs, real string, missing []string, err error) {
	if abs, err = filepath.Abs(dir); err != nil {
		return "", "", nil, err
	}
	real, missing, err = walk(abs)
	return abs, real, missing, err
}

func checkDir(dir string) error {
	abs, real, missing, err := walkDir(dir)
	if err != nil {
		return err
	}
	if missing != nil {
		return &fs.PathError{Op: "stat", Path: abs, Err: fs.ErrNotExist}
	}
	return checkFinal(abs, real)
}

// checkFinal checks the cache directory itself, found at real.
func checkFinal(abs, real string) error {
	fi, err := os.Lstat(real)
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
	return nil
}

// ensureDir creates what is missing of dir, one directory at a time (0700)
// and only below a part walk accepted, then checks the whole. Nothing is
// ever created through a link or in a directory that would be refused.
func ensureDir(dir string) error {
	abs, real, missing, err := walkDir(dir)
	if err != nil {
		return err
	}
	for _, name := range missing {
		if name == "" || name == "." {
			continue
		}
		if name == ".." {
			// A link whose target climbs out of a directory that does not
			// exist yet: nothing a user sets up on purpose.
			return pathError("the path", abs, "leads through a link to \"..\" below a directory that does not exist")
		}
		if err := checkTraversed(real); err != nil {
			return err
		}
		next := filepath.Join(real, name)
		// EEXIST: someone made it meanwhile; the check below judges it.
		if err := os.Mkdir(next, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		real = next
	}
	return checkDir(abs)
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
