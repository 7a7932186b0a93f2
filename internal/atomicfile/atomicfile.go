// Package atomicfile replaces a file so that readers, and the file system after a crash, see
// either the old content or the complete new content, never a torn or empty file.
//
// Why each step of Write:
//   - The data goes to a temporary file in the same directory as the target, because a rename
//     is atomic only within one file system; a temporary file elsewhere (say in os.TempDir)
//     could sit on another one, and the rename would fail or become a copy.
//   - The temporary file is created 0600, so that no other user can read a private file even
//     as the temporary copy, and is then set to the requested mode exactly, before any data goes
//     in: the umask must not decide the mode of a file whose caller asked for one.
//   - It is fsynced before the rename, so that after a crash the name points either at the old
//     content or at the complete new content; without it a file system may commit the rename
//     before the data and leave an empty file behind the name.
//   - The directory is fsynced after the rename, so that the rename itself survives a crash.
//     That step is best effort: the new file is already in place, and Windows and some network
//     and FUSE file systems cannot fsync a directory, which must not turn a completed save into
//     a reported failure.
//
// Missing parent directories are created 0700: they may hold secrets, and a directory that
// already exists is the user's and is left as it is. The temporary file is removed whenever
// Write fails.
//
// Write does not follow symbolic links: the rename replaces a link at path with a regular file.
// A caller that means to replace the file a link points to resolves the link first.
//
// Two writers at once cannot tear the file; the last rename wins.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// Write writes data to path through a temporary file and a rename, and leaves the file with
// mode perm (see the package documentation for why each step exists).
//
// Its errors name the step that failed and the OS reason once; they do not name the temporary
// file (os errors would), and they show directories rather than path, so a caller adds path
// when its message needs it. The OS error stays wrapped for errors.Is.
func Write(path string, data []byte, perm fs.FileMode) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		// MkdirAll reports the component that failed, which is more useful than dir.
		where := dir
		var pe *fs.PathError
		if errors.As(err, &pe) {
			where = pe.Path
		}
		return fmt.Errorf("cannot create directory %s: %w", ShowPath(where), PathErrReason(err))
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot create a file in %s: %w", ShowPath(dir), PathErrReason(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp uses 0600 minus the umask; the caller asked for perm. Windows keeps only a
	// read-only flag and may refuse, which is no reason to lose the write.
	if err := tmp.Chmod(perm); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("cannot set permissions of a file in %s: %w", ShowPath(dir), PathErrReason(err))
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write a file in %s: %w", ShowPath(dir), PathErrReason(err))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot flush a file in %s to disk: %w", ShowPath(dir), PathErrReason(err))
	}
	// Close can report a failed write-back (network file systems), so it is checked too.
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write a file in %s: %w", ShowPath(dir), PathErrReason(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("cannot move the new file into place: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable, as far as the system allows (see the package
// documentation for why failures are ignored).
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}

// PathErrReason drops the path that *fs.PathError repeats: a message that already says where
// needs only the reason, and the path may be the temporary file's, which means nothing to the
// user. The config package's messages use it too.
func PathErrReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ShowPath returns p as is, or quoted when it holds characters that would break a one-line
// message.
func ShowPath(p string) string {
	if q := strconv.Quote(p); p == "" || q[1:len(q)-1] != p || strings.ContainsAny(p, " \"") {
		return q
	}
	return p
}
