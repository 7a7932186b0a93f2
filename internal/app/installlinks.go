package app

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
)

// install-links puts beside the binary what `make install` does: the
// personality links (docs/integrations.md, "Personality detection") and the
// completion scripts, for a binary that `go install` put in ~/go/bin alone.

// mainModuleLine is how every Go binary built from this module names it:
// the build information the linker embeds as text ("mod\tPATH\tVERSION",
// the format of runtime/debug.BuildInfo.String; a module used as a library
// is a "dep" line instead). A file holding it is some version of us. A
// search rather than debug/buildinfo, which would link debug/elf, debug/pe
// and their kin into the binary every invocation loads, for this alone.
var mainModuleLine = []byte("\nmod\tgithub.com/monitor-token/monitor-token\t")

// personalityNames are the names the binary answers to besides its own.
var personalityNames = []string{"kubectl-monitor_token", "kubectl_complete-monitor_token", "git-credential-monitor-token"}

func (p *program) installLinks(c *cli.Context) error {
	if c.IsSet("dir") && c.String("dir") == "" {
		return usagef("install-links: --dir is empty; give a directory, or leave --dir out for the executable's own")
	}
	if c.Bool("force") && c.Bool("remove") {
		return usagef("install-links: --remove leaves what is not ours alone, whatever --force says; give one of them")
	}
	executable := p.Executable
	if executable == nil {
		executable = os.Executable
	}
	exe, err := executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err == nil {
		exe, err = filepath.Abs(exe)
	}
	if err != nil {
		return fmt.Errorf("install-links: cannot find the running executable: %v", atomicfile.PathErrReason(err))
	}
	goos := p.goos
	if goos == "" {
		goos = runtime.GOOS
	}
	l := &linker{
		goos: goos, exe: exe, dir: c.String("dir"), force: c.Bool("force"),
		write: atomicfile.Write, symlink: replaceSymlink,
	}
	lines, err := l.run(c.Bool("remove"))
	if err != nil {
		return err
	}
	_, err = io.WriteString(p.Stderr, strings.Join(lines, ""))
	return err
}

// linker does one install-links run for goos, which tests set to either
// system's.
type linker struct {
	goos  string
	exe   string // the running executable: absolute, links resolved
	dir   string // --dir; "" for the executable's directory
	force bool
	// write and symlink replace a file or a link atomically; tests make
	// them fail.
	write   func(path string, data []byte, perm fs.FileMode) error
	symlink func(target, path string) error
}

type itemKind int

const (
	kindLink itemKind = iota // a symbolic link to the executable
	kindCopy                 // a copy of the executable (Windows)
	kindFile                 // a completion script
)

// linkItem is one file or link install-links puts in place.
type linkItem struct {
	path      string
	kind      itemKind
	target    string // kindLink: what the link says
	data      []byte // kindCopy, kindFile: the content
	perm      fs.FileMode
	what      string // what belongs there, for messages
	firstLine string // kindFile: the line every version of the script starts with
}

// linkFound is what is at an item's path before anything changes: enough to
// judge it and to put it back.
type linkFound struct {
	info    fs.FileInfo // nil: nothing there
	link    string      // a link's target
	data    []byte      // a regular file's content
	ourCopy bool        // a regular file holding mainModuleLine: a build of us
}

type linkVerdict int

const (
	absent linkVerdict = iota
	upToDate
	ours    // an older or other form of ours: replaced without --force
	foreign // someone else's: --force replaces it, --remove leaves it
	blocked // a directory or special file: never replaced
)

// run installs (or removes) every item and returns the report lines, or
// an error after which the file system is as it was.
func (l *linker) run(remove bool) ([]string, error) {
	dir := l.dir
	if dir == "" {
		dir = filepath.Dir(l.exe)
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("install-links: cannot use --dir %s: %v", atomicfile.ShowPath(l.dir), err)
	}
	exeInfo, err := os.Stat(l.exe)
	if err != nil {
		return nil, fmt.Errorf("install-links: cannot read the executable %s: %v", atomicfile.ShowPath(l.exe), atomicfile.PathErrReason(err))
	}
	items, err := l.items(dir)
	if err != nil {
		return nil, err
	}

	// Everything is looked at before anything changes.
	founds := make([]linkFound, len(items))
	verdicts := make([]linkVerdict, len(items))
	reasons := make([]string, len(items))
	var refused []int
	for i, it := range items {
		f, err := inspectPath(it.path)
		if err != nil {
			return nil, err
		}
		if f.info != nil && os.SameFile(f.info, exeInfo) {
			return nil, fmt.Errorf("install-links: %s is the running executable itself; run install-links from the binary named %s instead", atomicfile.ShowPath(it.path), ownName(l.goos))
		}
		founds[i] = f
		verdicts[i], reasons[i] = l.judge(it, f, exeInfo)
		switch {
		case verdicts[i] == blocked:
			// First, for the message: --force would not help.
			refused = append([]int{i}, refused...)
		case verdicts[i] == foreign && !l.force:
			refused = append(refused, i)
		}
	}
	if len(refused) > 0 && !remove {
		first := refused[0]
		msg := fmt.Sprintf("install-links: %s %s", atomicfile.ShowPath(items[first].path), reasons[first])
		them := "it"
		if len(refused) > 1 {
			msg += fmt.Sprintf(" (and %d more in the way)", len(refused)-1)
			them = "them"
		}
		if verdicts[first] == blocked {
			return nil, fmt.Errorf("%s; move %s away and run install-links again", msg, them)
		}
		return nil, fmt.Errorf("%s; remove %s, or pass --force to replace %s", msg, them, them)
	}

	var lines []string
	var done []int // the items changed so far, to undo
	var made []string
	fail := func(err error) ([]string, error) {
		if uerr := l.undo(items, founds, done, made); uerr != nil {
			return nil, fmt.Errorf("%v; undoing the changes before it failed too: %v", err, uerr)
		}
		return nil, fmt.Errorf("%v; nothing was changed", err)
	}
	for i, it := range items {
		show := atomicfile.ShowPath(it.path)
		switch v := verdicts[i]; {
		case remove && (v == upToDate || v == ours):
			if err := os.Remove(it.path); err != nil {
				return fail(fmt.Errorf("install-links: cannot remove %s: %v", show, atomicfile.PathErrReason(err)))
			}
			done = append(done, i)
			lines = append(lines, "removed "+show+"\n")
		case remove && v == absent:
			lines = append(lines, "nothing at "+show+"\n")
		case remove:
			lines = append(lines, "left "+show+" alone: it "+reasons[i]+"\n")
		case v == upToDate:
			lines = append(lines, "up to date "+show+"\n")
		default:
			m, err := makeDirs(filepath.Dir(it.path))
			made = append(made, m...)
			if err == nil {
				err = l.put(it)
			}
			if err != nil {
				return fail(fmt.Errorf("install-links: cannot write %s: %v", show, err))
			}
			done = append(done, i)
			switch it.kind {
			case kindLink:
				lines = append(lines, "linked "+show+" -> "+atomicfile.ShowPath(it.target)+"\n")
			case kindCopy:
				lines = append(lines, "wrote "+show+", a copy of "+l.exeName()+"\n")
			default:
				lines = append(lines, "wrote "+show+"\n")
			}
		}
	}
	if hint := l.zshHint(dir); hint != "" && !remove {
		lines = append(lines, hint+"\n")
	}
	return lines, nil
}

// zshHint says how to make zsh find the completion under dir/../share,
// unless it is where zsh looks by default (its fpath has its own prefix's
// site-functions; /usr and /usr/local are the usual prefixes).
func (l *linker) zshHint(dir string) string {
	share := filepath.Join(dir, "..", "share")
	if l.goos == "windows" || share == "/usr/share" || share == "/usr/local/share" {
		return ""
	}
	return "zsh: add fpath+=(" + atomicfile.ShowPath(filepath.Join(share, "zsh", "site-functions")) + ") to ~/.zshrc before compinit"
}

// ownName is the binary's name as installed.
func ownName(goos string) string {
	if goos == "windows" {
		return "monitor-token.exe"
	}
	return "monitor-token"
}

func (l *linker) exeName() string { return filepath.Base(l.exe) }

// items are what install-links puts in dir and dir/../share for l.goos.
func (l *linker) items(dir string) ([]linkItem, error) {
	var items []linkItem
	if l.goos == "windows" {
		// A symbolic link needs a privilege (or developer mode) most
		// Windows users lack: the personalities are copies there, as in
		// the Windows archive (docs/platforms.md, "Windows").
		// --remove compares with it too: a copy is ours by its bytes.
		data, err := os.ReadFile(l.exe)
		if err != nil {
			return nil, fmt.Errorf("install-links: cannot read the executable %s: %v", atomicfile.ShowPath(l.exe), atomicfile.PathErrReason(err))
		}
		for _, name := range personalityNames {
			items = append(items, linkItem{path: filepath.Join(dir, name+".exe"), kind: kindCopy, data: data, perm: 0o755, what: "a copy of " + l.exeName()})
		}
		return items, nil
	}
	target := l.exe
	if filepath.Dir(l.exe) == dir || sameDir(filepath.Dir(l.exe), dir) {
		target = l.exeName()
	}
	for _, name := range personalityNames {
		items = append(items, linkItem{path: filepath.Join(dir, name), kind: kindLink, target: target, what: "a link to " + atomicfile.ShowPath(target)})
	}
	share := filepath.Join(dir, "..", "share")
	for _, c := range completionPaths {
		script, _ := CompletionScript(c.shell)
		first, _, _ := strings.Cut(script, "\n")
		items = append(items, linkItem{
			path: filepath.Join(share, filepath.FromSlash(c.path)), kind: kindFile,
			data: []byte(script), perm: 0o644, what: "monitor-token's " + c.shell + " completion", firstLine: first,
		})
	}
	return items, nil
}

func sameDir(a, b string) bool {
	ai, err := os.Stat(a)
	if err != nil {
		return false
	}
	bi, err := os.Stat(b)
	return err == nil && os.SameFile(ai, bi)
}

func inspectPath(path string) (linkFound, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return linkFound{}, nil
	}
	if err != nil {
		return linkFound{}, fmt.Errorf("install-links: cannot look at %s: %v; nothing was changed", atomicfile.ShowPath(path), atomicfile.PathErrReason(err))
	}
	f := linkFound{info: fi}
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		f.link, err = os.Readlink(path)
	case fi.Mode().IsRegular():
		if f.data, err = os.ReadFile(path); err == nil {
			f.ourCopy = bytes.Contains(f.data, mainModuleLine)
		}
	}
	if err != nil {
		return linkFound{}, fmt.Errorf("install-links: cannot read %s: %v; nothing was changed", atomicfile.ShowPath(path), atomicfile.PathErrReason(err))
	}
	return f, nil
}

// judge says whose f is, and for foreign and blocked ones why, as the end
// of a sentence that starts with the path.
func (l *linker) judge(it linkItem, f linkFound, exeInfo fs.FileInfo) (linkVerdict, string) {
	if f.info == nil {
		return absent, ""
	}
	isLink := f.info.Mode()&fs.ModeSymlink != 0
	switch {
	case f.info.IsDir():
		return blocked, "is a directory, not " + it.what
	case isLink && it.kind == kindLink && f.link == it.target:
		return upToDate, ""
	case isLink && it.kind != kindFile && linksTo(it.path, exeInfo):
		return ours, ""
	case isLink:
		return foreign, "is a link to " + atomicfile.ShowPath(f.link) + ", not " + it.what
	case !f.info.Mode().IsRegular():
		return blocked, "is not a regular file, and not " + it.what
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

// put writes one item in place, atomically.
func (l *linker) put(it linkItem) error {
	if it.kind == kindLink {
		return l.symlink(it.target, it.path)
	}
	return l.write(it.path, it.data, it.perm)
}

// undo puts back what was at the done items' paths, and removes the
// directories made, newest first.
func (l *linker) undo(items []linkItem, founds []linkFound, done []int, made []string) error {
	var errs []error
	for k := len(done) - 1; k >= 0; k-- {
		it, f := items[done[k]], founds[done[k]]
		var err error
		switch {
		case f.info == nil:
			err = os.Remove(it.path)
		case f.info.Mode()&fs.ModeSymlink != 0:
			err = l.symlink(f.link, it.path)
		default:
			err = l.write(it.path, f.data, f.info.Mode().Perm())
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("%s: %v", atomicfile.ShowPath(it.path), atomicfile.PathErrReason(err)))
		}
	}
	for k := len(made) - 1; k >= 0; k-- {
		if err := os.Remove(made[k]); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("%s: %v", atomicfile.ShowPath(made[k]), atomicfile.PathErrReason(err)))
		}
	}
	return errors.Join(errs...)
}

// makeDirs creates dir and its missing parents 0755 and returns the ones
// it made, parents first, so a failed run can remove them again.
func makeDirs(dir string) ([]string, error) {
	var missing []string
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Lstat(d); err == nil || !errors.Is(err, fs.ErrNotExist) {
			break
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	slices.Reverse(missing)
	return createDirs(missing)
}

// createDirs creates each of dirs, parents first, and returns the ones it
// made. One that another process made meanwhile (a second install-links at
// the same time) is no error, and not this run's to remove.
func createDirs(dirs []string) ([]string, error) {
	var made []string
	for _, d := range dirs {
		err := os.Mkdir(d, 0o755)
		if errors.Is(err, fs.ErrExist) {
			if info, serr := os.Stat(d); serr == nil && info.IsDir() {
				continue
			}
		}
		if err != nil {
			return made, fmt.Errorf("cannot create directory %s: %v", atomicfile.ShowPath(d), atomicfile.PathErrReason(err))
		}
		made = append(made, d)
	}
	return made, nil
}

// replaceSymlink makes path a symbolic link to target atomically: a new
// link under a temporary name in the same directory, renamed over path, so
// that path is the old link or the new one, never missing.
func replaceSymlink(target, path string) error {
	dir := filepath.Dir(path)
	for range 100 {
		tmp := filepath.Join(dir, fmt.Sprintf(".%s.tmp-%d", filepath.Base(path), rand.Uint32()))
		err := os.Symlink(target, tmp)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("cannot create a link in %s: %w", atomicfile.ShowPath(dir), atomicfile.PathErrReason(err))
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			var le *os.LinkError
			if errors.As(err, &le) {
				err = le.Err
			}
			return fmt.Errorf("cannot move the new link into place: %w", err)
		}
		return nil
	}
	return fmt.Errorf("cannot create a link in %s: every temporary name is taken", atomicfile.ShowPath(dir))
}
