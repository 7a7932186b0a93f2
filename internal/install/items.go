package install

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// personalityNames are the names the binary answers to besides its own
// (docs/integrations.md, "Personality detection").
var personalityNames = []string{"kubectl-monitor_token", "kubectl_complete-monitor_token", "git-credential-monitor-token"}

type itemKind int

const (
	kindLink itemKind = iota // a symbolic link to the executable
	kindCopy                 // a copy of the executable (Windows)
	kindFile                 // a completion script
)

// item is one file or link install-links puts in place.
type item struct {
	path      string
	dir       trustedpath.WriteDir // its directory's rule, as refusals name it
	kind      itemKind
	target    string // kindLink: what the link says
	data      []byte // kindCopy, kindFile: the content
	perm      fs.FileMode
	what      string // what belongs there, for messages
	firstLine string // kindFile: the line every version of the script starts with
	shell     string // kindFile: the completion's shell
	// limit is how much of a file found there is read: more is not one of
	// ours (see the constants below).
	limit int64
}

// How much of a file in an item's place inspect reads. A completion
// script of ours is some kilobytes (internal/complete's scripts), so one
// of more than 1 MiB is no version of it, and no more than that is read
// to find out. A copy of the executable (Windows), or a file where a link
// goes, is ours when it is a build of us, whose size changes little from
// one version to the next: the running executable's size and 64 MiB more.
// A larger file is refused even with --force, since a failed run could not
// put back what it did not read.
const (
	maxScript = 1 << 20
	exeMargin = 64 << 20
)

// moveDir is the way out of a refused directory.
const moveDir = "pass --dir a directory of yours on a path only you and root control"

// linksDir is the rule for the directory of the links (or copies).
var linksDir = trustedpath.WriteDir{Name: "the links' directory", Move: moveDir}

// ownName is the binary's name as installed.
func ownName(goos string) string {
	if goos == "windows" {
		return "monitor-token.exe"
	}
	return "monitor-token"
}

func (l *linker) exeName() string { return filepath.Base(l.Exe) }

// items are what install-links puts in dir and dir/../share for l.GOOS,
// each in the real directory it would be written to. Every directory is
// checked (trustedpath.WriteDir) before anything is looked at in it; the
// first that fails is the error.
func (l *linker) items(dir string, exeSize int64) ([]item, error) {
	dir, err := linksDir.Resolve(dir)
	if err != nil {
		return nil, dirError(err)
	}
	var items []item
	if l.GOOS == "windows" {
		// A symbolic link needs a privilege (or developer mode) most
		// Windows users lack: the personalities are copies there, as in
		// the Windows archive (docs/platforms.md, "Windows").
		// --remove compares with it too: a copy is ours by its bytes.
		data, err := os.ReadFile(l.Exe)
		if err != nil {
			return nil, fmt.Errorf("install-links: cannot read the executable %s: %w", atomicfile.ShowPath(l.Exe), atomicfile.PathErrReason(err))
		}
		for _, name := range personalityNames {
			items = append(items, item{path: filepath.Join(dir, name+".exe"), dir: linksDir, kind: kindCopy, data: data, perm: 0o755, what: "a copy of " + l.exeName(), limit: exeSize + exeMargin})
		}
		return items, nil
	}
	target := l.Exe
	if filepath.Dir(l.Exe) == dir || sameDir(filepath.Dir(l.Exe), dir) {
		target = l.exeName()
	}
	for _, name := range personalityNames {
		items = append(items, item{path: filepath.Join(dir, name), dir: linksDir, kind: kindLink, target: target, what: "a link to " + atomicfile.ShowPath(target), limit: exeSize + exeMargin})
	}
	// dir is real: its ".." is the directory holding it.
	share := filepath.Join(dir, "..", "share")
	for _, c := range l.Completions {
		rule := trustedpath.WriteDir{Name: "the " + c.Shell + " completion's directory", Move: moveDir}
		cdir, err := rule.Resolve(filepath.Join(share, filepath.FromSlash(path.Dir(c.Path))))
		if err != nil {
			return nil, dirError(err)
		}
		first, _, _ := strings.Cut(c.Script, "\n")
		items = append(items, item{
			path: filepath.Join(cdir, path.Base(c.Path)), dir: rule, kind: kindFile,
			data: []byte(c.Script), perm: 0o644, what: "monitor-token's " + c.Shell + " completion", firstLine: first,
			shell: c.Shell, limit: maxScript,
		})
	}
	return items, nil
}

// dirError is the error of a directory check: a refusal says which
// directory, why and the fix itself; anything else (a file on the way) is
// said of the path it happened at.
func dirError(err error) error {
	if trustedpath.Refused(err) {
		return fmt.Errorf("install-links: %w", err)
	}
	where := ""
	var pe *fs.PathError
	if errors.As(err, &pe) {
		where = " " + atomicfile.ShowPath(pe.Path)
	}
	return fmt.Errorf("install-links: cannot look at%s: %w; nothing was changed: pass --dir a directory", where, atomicfile.PathErrReason(err))
}

func sameDir(a, b string) bool {
	ai, err := os.Stat(a)
	if err != nil {
		return false
	}
	bi, err := os.Stat(b)
	return err == nil && os.SameFile(ai, bi)
}
