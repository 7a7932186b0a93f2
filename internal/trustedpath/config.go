package trustedpath

import (
	"context"
	"errors"
	"io/fs"
	"os"

	"github.com/monitor-token/monitor-token/internal/regularfile"
)

// A SettingsFile is a file whose contents decide where secrets go (the
// config file, the ibmcloud CLI's session file), read and written under the
// config rule: every directory on the way belongs to the user or root and
// no one else can write it unless it is sticky, every link on the way
// belongs to the user or root, and the file itself is the user's or root's
// and closed to writes by others (see the package documentation). Name and
// Move are how refusals say it.
type SettingsFile struct {
	Name string // "the config file"
	Move string // the way out: "set MONITOR_TOKEN_CONFIG to a file of yours ..."
	// NotSystem makes Resolve refuse, with a *SystemPathError, a path that
	// goes through /dev or /proc, for a file that is replaced by a rename.
	NotSystem bool
}

// ConfigFile is monitor-token's own config file.
var ConfigFile = SettingsFile{Name: "the config file", Move: "set MONITOR_TOKEN_CONFIG to a file of yours on a path only you and root control"}

func (f SettingsFile) place() place { return place{name: f.Name, move: f.Move, notSystem: f.NotSystem} }

// Resolve checks the way to the file at path and returns the file's real
// path, links resolved. The file itself may be a link of the user's, as
// dotfile managers make; the file it names is what is read and replaced.
// dirExists is false when the directory that would hold the file does not
// exist yet (a first run): nothing is there to read, and EnsureDir makes
// it.
func (f SettingsFile) Resolve(path string) (real string, dirExists bool, err error) {
	return resolveSettings(f.place(), path)
}

// EnsureDir creates dir, the file's directory, when missing (0700,
// through nothing Resolve would refuse), and checks it: the lock and the
// temporary file of a write go there.
func (f SettingsFile) EnsureDir(dir string) error { return ensureSettingsDir(f.place(), dir) }

// Open opens real, a path Resolve returned, for a bounded read
// (regularfile.ReadOpened), without following a link and without waiting on
// a named pipe, and checks what it opened.
func (f SettingsFile) Open(real string) (*os.File, error) {
	return f.open(real, regularfile.OpenNoFollow)
}

// OpenForUpdate is Open for reading and writing in place, for a file that
// another program locks and rewrites as itself (the ibmcloud CLI's config),
// where a rename would leave that program's lock on the old file.
func (f SettingsFile) OpenForUpdate(real string) (*os.File, error) {
	return f.open(real, regularfile.OpenForUpdate)
}

// Read returns the contents of the file at path, at most limit bytes,
// after Resolve and Open: the way to it and the file held to the rule, no
// link followed that appeared since, no wait on a named pipe. A file, or a
// directory for it, that does not exist gives an error matching
// fs.ErrNotExist; the read's errors are regularfile.ReadOpened's.
func (f SettingsFile) Read(ctx context.Context, path string, limit int64) ([]byte, error) {
	// A missing directory needs no case of its own: the open of the path
	// Resolve gives then fails with ENOENT.
	real, _, err := f.Resolve(path)
	if err != nil {
		return nil, err
	}
	file, err := f.Open(real)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return regularfile.ReadOpened(ctx, file, path, limit)
}

// CheckExisting checks what is at real, a path Resolve returned, before a
// new file is renamed over it: nothing, or a regular file of the user's or
// root's. A directory or a special file is refused (a rename cannot replace
// the one and should not replace the other), and so is another user's
// file, which in a sticky directory only its owner may replace.
func (f SettingsFile) CheckExisting(real string) error {
	fi, err := os.Lstat(real)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	switch {
	case fi.IsDir():
		return &Error{What: f.Name, Path: real, Problem: "is a directory", Fix: "give the path of a file"}
	case !fi.Mode().IsRegular():
		return &Error{What: f.Name, Path: real, Problem: "is not a regular file", Fix: "remove it, or " + f.Move}
	}
	// Another user's file, as Foreign says; its mode does not matter, as
	// what replaces it has its own.
	if problem, byMode := entryProblem(fi); problem != "" && !byMode {
		return &Error{What: f.Name, Path: real, Problem: problem, Fix: "remove it, or " + f.Move}
	}
	return nil
}

func (f SettingsFile) open(real string, open func(string) (*os.File, error)) (*os.File, error) {
	file, err := open(real)
	if err != nil {
		if regularfile.IsLink(err) {
			// Resolve resolved every link; this one appeared since.
			return nil, &Error{What: f.Name, Path: real, Problem: "became a symbolic link while it was opened", Fix: "remove it, or " + f.Move}
		}
		return nil, err
	}
	fi, err := file.Stat()
	if err == nil {
		err = checkSettingsFile(f.place(), real, fi)
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	return file, nil
}
