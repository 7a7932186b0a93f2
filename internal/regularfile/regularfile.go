// Package regularfile reads a small file that must be a regular file: a
// credential, a config file. Reading such a path naively goes wrong when it
// names something else: open(2) of a named pipe waits for a writer, with no
// way for a cancelled context to stop it, and a device such as /dev/zero
// never ends. Read opens without waiting, checks what it opened (not what
// the path named a moment before, which a swap can change), and reads no
// more than its limit.
package regularfile

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular and ErrTooLarge match, with errors.Is, the errors of the
// types below.
var (
	ErrNotRegular = errors.New("not a regular file")
	ErrTooLarge   = errors.New("file too large")
)

// NotRegularError: the path names something other than a regular file
// (after following symbolic links).
type NotRegularError struct {
	Path string
	// Kind says what it is: "a directory", "a named pipe", "a socket",
	// "a device" or "a special file".
	Kind string
}

// Error leaves the path out: the callers' messages name the file in their
// own words.
func (e *NotRegularError) Error() string { return "it is " + e.Kind + ", not a regular file" }

func (e *NotRegularError) Is(target error) bool { return target == ErrNotRegular }

// TooLargeError: the file holds more than Limit bytes.
type TooLargeError struct {
	Path  string
	Limit int64
	// Size is the size fstat reported; 0 when that was within the limit
	// and only the read found more (the file grew, or is one of those
	// /proc files that report no size).
	Size int64
}

// Error leaves the path out, as NotRegularError's does.
func (e *TooLargeError) Error() string {
	if e.Size > 0 {
		return fmt.Sprintf("it is %d bytes, larger than the %d bytes limit", e.Size, e.Limit)
	}
	return fmt.Sprintf("it is larger than the %d bytes limit", e.Limit)
}

func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// Read returns the contents of the regular file at path (a symbolic link to
// one is followed) when it holds at most limit bytes.
//
// The errors: ctx's own when ctx is done before the open or after the read;
// a *NotRegularError; a *TooLargeError; else the *fs.PathError of the open,
// fstat or read, so errors.Is(err, fs.ErrNotExist) and fs.ErrPermission
// hold. None carries any of the contents.
//
// The open does not wait on a named pipe, and the read of a regular file
// does not wait on anything, so ctx is checked rather than watched.
func Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f, err := open(path, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadOpened(ctx, f, path, limit)
}

// OpenNoFollow opens path for reading as Read does, except that a symbolic
// link is not followed: the open fails, and IsLink says so. It is for a
// path whose links were resolved and checked already (internal/trustedpath),
// where a link found now was put there meanwhile.
func OpenNoFollow(path string) (*os.File, error) { return open(path, NoFollow) }

// OpenForUpdate is OpenNoFollow for reading and writing, for a file that is
// rewritten in place because another program locks and writes that very
// file (the ibmcloud CLI's config: internal/ibmcloud).
func OpenForUpdate(path string) (*os.File, error) { return open(path, NoFollow|os.O_RDWR) }

// ReadOpened is the rest of Read, for a file opened with OpenNoFollow (and
// checked by the caller): what f is, its size, and at most limit bytes.
func ReadOpened(ctx context.Context, f *os.File, path string, limit int64) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Kind: kind(fi.Mode())}
	}
	if fi.Size() > limit {
		return nil, &TooLargeError{Path: path, Limit: limit, Size: fi.Size()}
	}
	// One byte past the limit, whatever fstat said: the file may have grown
	// since, and some files (/proc) report no size at all.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, &TooLargeError{Path: path, Limit: limit}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return data, nil
}

// kind names what m describes, for a file that is not a regular one.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}
