//go:build unix

package trustedpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"

	"github.com/monitor-token/monitor-token/internal/regularfile"
	"github.com/monitor-token/monitor-token/internal/shellword"
)

// openFlags adds O_NONBLOCK, so a planted named pipe cannot hold the open;
// regular files ignore it.
const openFlags = NoFollow | syscall.O_NONBLOCK | syscall.O_CLOEXEC

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

// walk resolves path from the root one component at a time, as the kernel
// does, and checks everything it passes: each directory it goes through
// belongs to the user or root and is not writable by others unless sticky,
// and each link it follows belongs to the user or root. A link's target is
// walked the same way, so no directory or link of another user can sit
// anywhere on the way, however many links lead there. A ".." goes up from
// where the walk is, after the links before it, as the kernel takes it
// (path_resolution(7)): the path is not cleaned as text first, which would
// make "link/.." the directory holding the link rather than the parent of
// where it leads, and so check one directory while the caller's open
// reaches another. It returns the resolved path of the longest part that
// exists and the components still missing below it (nil when all of path
// exists).
func (pl place) walk(path string) (resolved string, missing []string, err error) {
	todo := strings.Split(path, "/")
	cur, links := "/", 0
	if err := pl.checkTraversed(cur); err != nil {
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
			if pl.notSystem && systemPath(cur) {
				return "", nil, &SystemPathError{Path: path}
			}
			return cur, append([]string{name}, todo...), nil
		}
		if err != nil {
			return "", nil, err
		}
		if fi.Mode()&fs.ModeSymlink != 0 {
			if pl.notSystem && systemPath(next) {
				// /dev/stdout, /proc/self, /proc/PID/fd/N: links that
				// stand for a descriptor, not for a path.
				return "", nil, &SystemPathError{Path: path}
			}
			if uid, _ := owner(fi); !trusted(uid) {
				return "", nil, pl.pathError("the link", next, fmt.Sprintf("on %s's path belongs to another user (uid %d)", pl.name, uid))
			}
			if links++; links > maxLinks {
				return "", nil, pl.pathError("the path", path, "has too many symbolic links")
			}
			target, err := os.Readlink(next)
			if err != nil {
				return "", nil, err
			}
			if kind, ok := procObject(target); ok {
				// /proc/PID/fd/N of a pipe or socket (/dev/stdin fed by
				// a pipe) names no path: "pipe:[1234]", read as a
				// relative path, would look for a file that is not there.
				return "", nil, &regularfile.NotRegularError{Path: path, Kind: kind}
			}
			if filepath.IsAbs(target) {
				cur = "/"
			}
			todo = append(strings.Split(target, "/"), todo...)
			continue
		}
		cur = next
		if len(todo) > 0 {
			if err := pl.checkTraversed(cur); err != nil {
				return "", nil, err
			}
		}
	}
	if pl.notSystem && systemPath(cur) {
		return "", nil, &SystemPathError{Path: path}
	}
	return cur, nil, nil
}

// systemPath says whether p is under /dev or /proc, /dev/shm (a plain
// directory) aside.
func systemPath(p string) bool {
	for _, dir := range []string{"/dev", "/proc"} {
		if p == dir || strings.HasPrefix(p, dir+"/") {
			return p != "/dev/shm" && !strings.HasPrefix(p, "/dev/shm/")
		}
	}
	return false
}

// checkTraversed checks a directory the walk goes through.
func (pl place) checkTraversed(p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	return pl.checkDirRule(p, fi, "the directory", "above "+pl.name+" ", "what is below it")
}

// checkDirRule is the rule for a directory, OpenSSH's safe_path: it
// belongs to the user or root, and no one else can write it unless it is
// sticky. A refusal says what and where the directory is ("the directory"
// P "above the cache directory "), and what its owner could swap. What is
// not a directory is left to the caller.
func (pl place) checkDirRule(p string, fi fs.FileInfo, what, where, swaps string) error {
	uid, _ := owner(fi)
	switch {
	case !trusted(uid):
		return pl.pathError(what, p, fmt.Sprintf("%sbelongs to another user (uid %d), who could swap %s", where, uid, swaps))
	case fi.IsDir() && fi.Mode().Perm()&0o022 != 0 && fi.Mode()&fs.ModeSticky == 0:
		return &Error{What: what, Path: p, Problem: fmt.Sprintf("%sis writable by group or others (mode %04o) without the sticky bit", where, fi.Mode().Perm()),
			Fix: "run chmod go-w " + shellword.Word(p) + ", or " + pl.move}
	}
	return nil
}

// walkAbs is walk over path made absolute, which the messages show. A
// relative path is joined to the working directory as text, not cleaned
// (filepath.Abs would clean it): walk takes its ".." itself.
func (pl place) walkAbs(path string) (abs, real string, missing []string, err error) {
	abs = path
	if !filepath.IsAbs(path) {
		wd, err := os.Getwd()
		if err != nil {
			return "", "", nil, err
		}
		abs = wd + "/" + path
	}
	real, missing, err = pl.walk(abs)
	return abs, real, missing, err
}

func checkDir(dir string) error {
	abs, real, missing, err := cachePlace.walkAbs(dir)
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
// and only below a part walk accepted, then checks the whole: the walk
// again, and final on dir itself. Nothing is ever created through a link
// or in a directory that would be refused.
func ensureDir(dir string, pl place, final func(abs, real string) error) error {
	abs, real, missing, err := pl.walkAbs(dir)
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
			return pl.pathError("the path", abs, "leads through a link to \"..\" below a directory that does not exist")
		}
		if err := pl.checkTraversed(real); err != nil {
			return err
		}
		next := filepath.Join(real, name)
		// EEXIST: someone made it meanwhile; the check below judges it.
		if err := os.Mkdir(next, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		real = next
	}
	abs, real, missing, err = pl.walkAbs(abs)
	if err != nil {
		return err
	}
	if missing != nil {
		return &fs.PathError{Op: "stat", Path: abs, Err: fs.ErrNotExist}
	}
	return final(abs, real)
}

func checkOwnedFile(what, path string, fi fs.FileInfo, secret bool) error {
	refuse := func(problem, fix string) error { return &Error{What: what, Path: path, Problem: problem, Fix: fix} }
	if uid, _ := owner(fi); uid != uint32(os.Geteuid()) {
		return refuse(fmt.Sprintf("belongs to another user (uid %d)", uid), "remove it")
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		return refuse("has other hard links", "remove it")
	}
	if secret && fi.Mode().Perm()&0o077 != 0 {
		return refuse(fmt.Sprintf("is open to group or others (mode %04o)", fi.Mode().Perm()), "remove it, and the next fetch writes a private one")
	}
	return nil
}

// resolveSettings walks path, a settings file, checking every directory and
// link on the way (the file's own directory among them, as a directory the
// walk goes through), and returns where the file really is. dirExists is
// false when the directory that would hold it is missing.
func resolveSettings(pl place, path string) (real string, dirExists bool, err error) {
	abs, cur, missing, err := pl.walkAbs(path)
	switch {
	case err != nil:
		return "", false, err
	case missing == nil:
		return cur, true, nil
	case len(missing) == 1:
		return filepath.Join(cur, missing[0]), true, nil
	}
	return abs, false, nil
}

// ensureSettingsDir makes the directory of a settings file: the rule of a
// directory the walk goes through holds for it too, since monitor-token
// writes the lock and the temporary file there.
func ensureSettingsDir(pl place, dir string) error {
	return ensureDir(dir, pl, func(_, real string) error { return pl.checkTraversed(real) })
}

// checkSettingsFile: a settings file belongs to the user or root and no one
// else can write it (OpenSSH's rule for ~/.ssh/config, secure_permissions).
// What is not a regular file is left to the read, which says what it is.
func checkSettingsFile(pl place, path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return nil
	}
	switch problem, byMode := entryProblem(fi); {
	case problem == "":
		return nil
	case byMode:
		return &Error{What: pl.name, Path: path, Problem: problem, Fix: "run chmod go-w " + shellword.Word(path)}
	default:
		return &Error{What: pl.name, Path: path, Problem: problem, Fix: "remove it, or " + pl.move}
	}
}

// entryProblem is the rule for a file or link found where the user's own
// should be (OpenSSH's secure_permissions): it belongs to the user or
// root, and, a regular file, no one else can write it. A link's own mode
// means nothing (symlink(7)); only its owner can repoint it. problem says
// why fi fails, "" when it passes; byMode says chmod go-w would fix it.
func entryProblem(fi fs.FileInfo) (problem string, byMode bool) {
	if uid, _ := owner(fi); !trusted(uid) {
		return fmt.Sprintf("belongs to another user (uid %d)", uid), false
	}
	if fi.Mode().IsRegular() && fi.Mode().Perm()&0o022 != 0 {
		return fmt.Sprintf("is writable by group or others (mode %04o)", fi.Mode().Perm()), true
	}
	return "", false
}

// resolveWriteDir resolves dir as walk does, and holds it to the rule of a
// directory the walk goes through: every directory on the way, and dir
// itself where it exists; where it does not, walk has checked the deepest
// one that does, which the missing ones are created under.
func resolveWriteDir(pl place, dir string) (string, error) {
	abs, real, missing, err := pl.walkAbs(dir)
	if err != nil {
		return "", err
	}
	if missing == nil {
		fi, err := os.Lstat(real)
		if err != nil {
			return "", err
		}
		if !fi.IsDir() {
			return "", pl.pathError(pl.name, abs, "is not a directory")
		}
		return real, pl.checkDirRule(real, fi, pl.name, "", "what is put in it")
	}
	if slices.Contains(missing, "..") {
		// The kernel fails such a path (ENOENT): there is no directory to
		// go up from.
		return "", pl.pathError("the path", abs, `goes up ("..") out of a directory that does not exist`)
	}
	return filepath.Join(append([]string{real}, missing...)...), nil
}

// procObject says what a /proc link's target names when it is no path
// (proc(5), /proc/PID/fd: "type:[inode]" for a pipe or socket,
// "anon_inode:NAME" for the kernel's own objects).
func procObject(target string) (kind string, ok bool) {
	switch {
	case strings.HasPrefix(target, "pipe:["):
		return "a pipe", true
	case strings.HasPrefix(target, "socket:["):
		return "a socket", true
	case strings.HasPrefix(target, "anon_inode:"):
		return "a special file", true
	}
	return "", false
}
