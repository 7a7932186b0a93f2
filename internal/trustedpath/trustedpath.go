// Package trustedpath is the rule for every path monitor-token trusts: the
// config file, and the directory of its lock files and opted-in token
// files. Each must be private to the user (or root's), and nothing someone
// else put on the way is followed or served.
//
// The threat is another local user. The cache directory comes from
// $XDG_CACHE_HOME or $HOME, and either can name a place another user
// reached first (HOME=/tmp on a CI runner, a shared scratch disk): whoever
// owns a directory on the path can swap what is below it, and so plant a
// token file that monitor-token would serve, or a lock-file symlink that
// would make it create a file wherever the link points. So the rule is
// OpenSSH's for ~/.ssh (its safe_path check, which StrictModes applies):
// the directory is the user's and writable by no one else, and every
// directory above it belongs to the user or to root and is writable by no
// one else either, except a sticky one such as /tmp, where others cannot
// rename or remove what is not theirs (sticky bit, POSIX "rename" and
// "unlinkat"). Files in it are opened without following a symbolic link,
// and what was opened is checked: a regular file of the user's, with no
// other hard link, and, for a file holding a token, private to the user.
//
// The config file gets the path rule too: it names the endpoints the API
// key is sent to, so a config another user could write is a way to that
// key. Its own directory and the file may also be root's (a system-wide
// config), and the directory may be sticky: what is checked is that no one
// but the user and root can change what monitor-token reads or writes
// there (see config.go).
//
// The directories install-links writes links and completion scripts into
// get the rule of a directory on the way, held for the directory itself
// too, and what it finds there the config file's test (see writedir.go):
// whoever could change them could swap what the user later runs.
//
// On Windows the per-user %LOCALAPPDATA% is protected by its ACL and there
// are no Unix owners and modes to check: only "is it a directory" and "is
// it a regular file" are (see check_other.go).
package trustedpath

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/regularfile"
)

// ErrRefused matches, with errors.Is, every *Error: a directory or file
// monitor-token will not use.
var ErrRefused = errors.New("refused: not private to the user")

// Error says which directory or file was refused, why, and what to do.
type Error struct {
	// What is "the cache directory", "the directory" (an ancestor) or
	// "the cache file".
	What string
	Path string
	// Problem: "belongs to another user (uid 65534)", "is writable by
	// group or others (mode 0777)".
	Problem string
	// Fix is the next step, such as "run chmod go-w PATH".
	Fix string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s %s %s; %s", e.What, atomicfile.ShowPath(e.Path), e.Problem, e.Fix)
}

func (e *Error) Is(target error) bool { return target == ErrRefused }

// A place is what a walk leads to, as messages name it, with the way out
// a refusal offers.
type place struct {
	name string // "the cache directory", "the config file"
	move string // "set XDG_CACHE_HOME to ..."
	// notSystem refuses a path that goes through /dev or /proc (see
	// SystemPathError).
	notSystem bool
}

// SystemPathError is the refusal of a path that leads through /dev or
// /proc (/dev/shm aside) to a place that must be a plain file: there a
// name such as /dev/stdout, or /proc/self/fd/1 however it is reached,
// stands for whatever a descriptor of the process is, a log file stdout is
// redirected to, say, which a rename would replace.
type SystemPathError struct{ Path string }

func (e *SystemPathError) Error() string {
	return atomicfile.ShowPath(e.Path) + " leads to /dev or /proc, the system's files"
}

// pathError is the refusal of something on the way to pl.
func (pl place) pathError(what, p, problem string) error {
	return &Error{What: what, Path: p, Problem: problem, Fix: pl.move}
}

var cachePlace = place{name: "the cache directory", move: "set XDG_CACHE_HOME to a directory of yours on a path only you and root control"}

// NoFollow and IsLink are regularfile's, the one owner of how a link is
// refused at open (O_NOFOLLOW where the system has it), for the callers
// that open through another package (the lock's gofrs/flock).
const NoFollow = regularfile.NoFollow

// IsLink says whether an open with NoFollow failed because the path is a
// symbolic link.
func IsLink(err error) bool { return regularfile.IsLink(err) }

// Refused says whether err is (or wraps) a refusal of this package.
func Refused(err error) bool { return errors.Is(err, ErrRefused) }

// Ensure creates dir (and its parents) with mode 0700 when it is missing,
// then checks it as Check does. Nothing is created through a path Check
// would refuse.
func Ensure(dir string) error { return ensureDir(dir, cachePlace, checkFinal) }

// Check checks that dir is a directory private to the user, on a path no
// other user can change. A dir that does not exist gives an error matching
// fs.ErrNotExist; a refusal is an *Error.
func Check(dir string) error { return checkDir(dir) }

// OpenFile opens the file name in a directory Check accepted, never
// following a symbolic link, never waiting on a named pipe, and checks
// what it opened: a regular file of the user's with no other hard link.
// With secret set, the file must also be closed to group and others, as
// every token file monitor-token writes is (0600). A refusal is an *Error;
// other errors are the open's, so fs.ErrNotExist holds for a missing file.
func OpenFile(path string, flag int, perm fs.FileMode, secret bool) (*os.File, error) {
	f, err := os.OpenFile(path, flag|openFlags, perm)
	if err != nil {
		if IsLink(err) {
			return nil, fileError(path, "is a symbolic link", "remove it: monitor-token never follows links in its cache directory")
		}
		if isSpecialOpen(err) {
			return nil, fileError(path, "is not a regular file", "remove it")
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		if !fi.Mode().IsRegular() {
			err = fileError(path, "is not a regular file", "remove it")
		} else {
			err = checkOwnedFile("the cache file", path, fi, secret)
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// CheckLock checks the fstat of an opened lock file as OpenFile checks a
// cache file, for the lock's open through gofrs/flock (internal/filelock),
// in the cache or the config directory.
func CheckLock(path string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		return lockError(path, "is not a regular file", "remove it")
	}
	return checkOwnedFile("the lock file", path, fi, false)
}

// LockLinkError is the refusal of a lock file that is a symbolic link, for
// the lock's open (with NoFollow) that failed as IsLink says.
func LockLinkError(path string) error {
	return lockError(path, "is a symbolic link", "remove it: monitor-token never follows links where it keeps its locks")
}

func fileError(path, problem, fix string) error {
	return &Error{What: "the cache file", Path: path, Problem: problem, Fix: fix}
}

func lockError(path, problem, fix string) error {
	return &Error{What: "the lock file", Path: path, Problem: problem, Fix: fix}
}
