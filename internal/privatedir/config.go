package privatedir

import (
	"os"

	"github.com/monitor-token/monitor-token/internal/regularfile"
)

// ResolveConfig checks the way to the config file at path and returns the
// file's real path, links resolved: every directory on the way belongs to
// the user or root and no one else can write it unless it is sticky, and
// every link belongs to the user or root (see the package documentation).
// The config file itself may be a link of the user's, as dotfile managers
// make; the file it names is what is read and replaced. dirExists is false
// when the directory that would hold the file does not exist yet (a first
// run): nothing is there to read, and EnsureConfigDir makes it.
func ResolveConfig(path string) (real string, dirExists bool, err error) {
	return resolveConfig(path)
}

// EnsureConfigDir creates dir, the config file's directory, when missing
// (0700, through nothing ResolveConfig would refuse), and checks it.
func EnsureConfigDir(dir string) error { return ensureConfigDir(dir) }

// OpenConfig opens real, a path ResolveConfig returned, for a bounded read
// (regularfile.ReadOpened), without following a link and without waiting on
// a named pipe, and checks what it opened: a file of the user's or root's
// that no one else can write.
func OpenConfig(real string) (*os.File, error) {
	f, err := regularfile.OpenNoFollow(real)
	if err != nil {
		if regularfile.IsLink(err) {
			// ResolveConfig resolved every link; this one appeared since.
			return nil, &Error{What: "the config file", Path: real, Problem: "became a symbolic link while it was opened", Fix: "remove it, or " + configPlace.move}
		}
		return nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = checkConfigFile(real, fi)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
