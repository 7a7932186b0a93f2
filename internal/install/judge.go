package install

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/regularfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// mainModuleLine is how every Go binary built from this module names it:
// the build information the linker embeds as text ("mod\tPATH\tVERSION",
// the format of runtime/debug.BuildInfo.String; a module used as a library
// is a "dep" line instead). A file holding it is some version of us. A
// search rather than debug/buildinfo, which would link debug/elf, debug/pe
// and their kin into the binary every invocation loads, for this alone.
var mainModuleLine = []byte("\nmod\tgithub.com/monitor-token/monitor-token\t")

// found is what is at an item's path before anything changes: enough to
// judge it and to put it back.
type found struct {
	info    fs.FileInfo // nil: nothing there; a regular file's from the fstat of what was read
	link    string      // a link's target
	data    []byte      // a regular file's content
	ourCopy bool        // a regular file holding mainModuleLine: a build of us
	// special: the open found something other than a regular file, put
	// there after the lstat said one.
	special bool
	// tooLarge: a regular file of more than the item's limit, not read.
	tooLarge bool
}

// verdict is whose a found thing is, and so what a run may do with it.
type verdict int

const (
	absent verdict = iota
	upToDate
	ours    // an older or other form of ours: replaced without --force
	foreign // someone else's: --force replaces it, --remove leaves it
	blocked // a directory, a special file, one too large: never replaced
)

// inspect reads what is at path, without following a link there and
// reading no more than limit bytes of a file.
func inspect(path string, limit int64) (found, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return found{}, nil
	}
	if err != nil {
		return found{}, fmt.Errorf("install-links: cannot look at %s: %w; nothing was changed", atomicfile.ShowPath(path), atomicfile.PathErrReason(err))
	}
	f := found{info: fi}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		f.link, err = os.Readlink(path)
	case fi.Mode().IsRegular():
		err = f.read(path, limit)
	}
	if err != nil {
		return found{}, fmt.Errorf("install-links: cannot read %s: %w; nothing was changed", atomicfile.ShowPath(path), atomicfile.PathErrReason(err))
	}
	return f, nil
}

// read reads the regular file lstat found at path. What is there may have
// changed since: the open neither follows a link nor waits on a named pipe
// (internal/regularfile), and what it opened is what is judged.
func (f *found) read(path string, limit int64) error {
	file, err := regularfile.OpenNoFollow(path)
	switch {
	case errors.Is(err, regularfile.ErrNotRegular):
		f.special = true
		return nil
	case regularfile.IsLink(err):
		return errors.New("it became a symbolic link while install-links looked at it; run install-links again")
	case err != nil:
		return err
	}
	defer file.Close()
	if f.info, err = file.Stat(); err != nil {
		return err
	}
	// The reads of a regular file do not wait: nothing to cancel.
	f.data, err = regularfile.ReadOpened(context.Background(), file, path, limit)
	switch {
	case errors.Is(err, regularfile.ErrNotRegular):
		f.special = true
		return nil
	case errors.Is(err, regularfile.ErrTooLarge):
		f.tooLarge = true
		return nil
	case err != nil:
		return err
	}
	f.ourCopy = bytes.Contains(f.data, mainModuleLine)
	return nil
}

// judge says whose f is, and for foreign and blocked ones why, as the end
// of a sentence that starts with the path.
func judge(it item, f found, exeInfo fs.FileInfo) (verdict, string) {
	if f.info == nil {
		return absent, ""
	}
	isLink := f.info.Mode()&fs.ModeSymlink != 0
	switch {
	case f.info.IsDir():
		return blocked, "is a directory, not " + it.what
	case !isLink && (f.special || !f.info.Mode().IsRegular()):
		return blocked, "is not a regular file, and not " + it.what
	case f.tooLarge:
		return blocked, fmt.Sprintf("is larger than install-links reads in place of %s (%d bytes)", it.what, it.limit)
	}
	// Another user's, or one others can change, even if it is what would
	// be put there: its owner can swap it later (trustedpath.Foreign).
	if problem := trustedpath.Foreign(f.info); problem != "" {
		return foreign, problem
	}
	switch {
	case isLink && it.kind == kindLink && f.link == it.target:
		return upToDate, ""
	case isLink && it.kind != kindFile && linksTo(it.path, exeInfo):
		return ours, ""
	case isLink:
		return foreign, "is a link to " + atomicfile.ShowPath(f.link) + ", not " + it.what
	case it.kind != kindLink && bytes.Equal(f.data, it.data):
		return upToDate, ""
	case it.kind != kindFile && f.ourCopy:
		return ours, ""
	case it.kind == kindFile && bytes.HasPrefix(f.data, []byte(it.firstLine+"\n")):
		return ours, ""
	case it.kind == kindLink:
		return foreign, "is a file, not " + it.what
	}
	return foreign, "is not " + it.what
}

// linksTo says whether the link at path leads to the executable.
func linksTo(path string, exeInfo fs.FileInfo) bool {
	fi, err := os.Stat(path)
	return err == nil && os.SameFile(fi, exeInfo)
}
