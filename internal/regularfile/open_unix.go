//go:build unix

package regularfile

import (
	"errors"
	"os"
	"syscall"
)

// NoFollow makes open(2) fail with ELOOP on a symbolic link rather than
// follow it (POSIX open(2), O_NOFOLLOW), for callers that open through
// another package (internal/filelock's gofrs/flock).
const NoFollow = syscall.O_NOFOLLOW

// IsLink says whether an open with NoFollow failed because the path is a
// symbolic link.
func IsLink(err error) bool { return errors.Is(err, syscall.ELOOP) }

// open opens path for reading (and writing, with os.O_RDWR in flags) without waiting: with O_NONBLOCK, open(2) of a
// named pipe returns at once instead of waiting for a writer, while regular
// files ignore the flag, so their reads still return every byte (POSIX
// open(2), "O_NONBLOCK"). O_NOCTTY keeps a terminal from becoming the
// process's controlling terminal. os.OpenFile adds O_CLOEXEC anyway; it is
// named so that the flags say it all.
func open(path string, flags int) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOCTTY|syscall.O_CLOEXEC|flags, 0)
	if errors.Is(err, syscall.ENXIO) {
		// open(2) refuses a socket, and a device with no driver behind it,
		// with ENXIO ("no such device or address"); say what it is instead.
		// Nothing is opened, so this stat after the fact races with nothing.
		if fi, serr := os.Stat(path); serr == nil && !fi.Mode().IsRegular() {
			return nil, &NotRegularError{Path: path, Kind: kind(fi.Mode())}
		}
	}
	return f, err
}
