// Package install puts beside the binary what `make install` does: the
// personality links (docs/integrations.md, "Personality detection") and the
// completion scripts, for a binary that `go install` put in ~/go/bin alone.
// It is the work of `monitor-token install-links`: the command parses the
// flags, finds the executable (ResolveExecutable) and prints what Links
// returns. Links looks at every path before it changes any, and a run that
// fails half way puts back what it changed, so that the file system is
// left as it was.
package install

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// Options are one install-links run's.
type Options struct {
	// GOOS is the system to act for: "windows" writes copies of the
	// executable, any other links to it; "" is runtime.GOOS. Tests set
	// either system's.
	GOOS string
	// Exe is the running executable: absolute, links resolved
	// (ResolveExecutable).
	Exe string
	// Dir is where the links go: --dir; "" for Exe's directory. The
	// completion scripts go under Dir/../share.
	Dir string
	// Force replaces files and links in the way that are not ours.
	Force bool
	// Remove removes what a run without it installs, where it is ours.
	Remove bool
	// Completions are the completion scripts to install; not on
	// Windows, where install-links writes only the copies, as the
	// Windows archive holds only them.
	Completions []Completion

	// write and symlink replace a file or a link atomically; nil is
	// atomicfile.Write and replaceSymlink. Tests make them fail.
	write   func(path string, data []byte, perm fs.FileMode) error
	symlink func(target, path string) error
}

// Completion is one shell's completion script and where its loader looks
// for it.
type Completion struct {
	Shell  string // "bash", "zsh", "fish": for messages; "zsh" also for the fpath hint
	Path   string // under the share directory ($PREFIX/share), slash-separated
	Script string // the content; its first line is the same in every version
}

// Links installs (or with o.Remove removes) the links and the completion
// scripts, and returns the report for the user: a line for each path, what
// was done there, then the zsh hint; each line ends in a newline. After an
// error the file system is as it was; the error says so, or says what could
// not be put back.
func Links(o Options) (lines []string, err error) {
	if o.GOOS == "" {
		o.GOOS = runtime.GOOS
	}
	if o.write == nil {
		o.write = atomicfile.Write
	}
	if o.symlink == nil {
		o.symlink = replaceSymlink
	}
	return (&linker{o}).run()
}

// linker does one run of Links.
type linker struct{ Options }

// run installs (or removes) every item and returns the report lines, or
// an error after which the file system is as it was.
func (l *linker) run() ([]string, error) {
	dir := l.Dir
	if dir == "" {
		dir = filepath.Dir(l.Exe)
	}
	exeInfo, err := os.Stat(l.Exe)
	if err != nil {
		return nil, fmt.Errorf("install-links: cannot read the executable %s: %w", atomicfile.ShowPath(l.Exe), atomicfile.PathErrReason(err))
	}
	// Every directory is checked here, before anything is written.
	items, err := l.items(dir, exeInfo.Size())
	if err != nil {
		return nil, err
	}
	if !l.Remove {
		if err := checkExecutable(l.Exe, exeInfo); err != nil {
			return nil, err
		}
	}

	// Everything is looked at before anything changes.
	founds := make([]found, len(items))
	verdicts := make([]verdict, len(items))
	reasons := make([]string, len(items))
	var refused []int
	for i, it := range items {
		f, err := inspect(it.path, it.limit)
		if err != nil {
			return nil, err
		}
		if f.info != nil && os.SameFile(f.info, exeInfo) {
			return nil, fmt.Errorf("install-links: %s is the running executable itself; run install-links from the binary named %s instead", atomicfile.ShowPath(it.path), ownName(l.GOOS))
		}
		founds[i] = f
		verdicts[i], reasons[i] = judge(it, f, exeInfo)
		switch {
		case verdicts[i] == blocked:
			// First, for the message: --force would not help.
			refused = append([]int{i}, refused...)
		case verdicts[i] == foreign && !l.Force:
			refused = append(refused, i)
		}
	}
	if len(refused) > 0 && !l.Remove {
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
	var made []madeDir
	fail := func(err error) ([]string, error) {
		if uerr := l.undo(items, founds, done, made); uerr != nil {
			return nil, fmt.Errorf("%w; undoing the changes before it failed too: %w", err, uerr)
		}
		return nil, fmt.Errorf("%w; nothing was changed", err)
	}
	for i, it := range items {
		show := atomicfile.ShowPath(it.path)
		switch v := verdicts[i]; {
		case l.Remove && (v == upToDate || v == ours):
			if err := os.Remove(it.path); err != nil {
				return fail(fmt.Errorf("install-links: cannot remove %s: %w", show, atomicfile.PathErrReason(err)))
			}
			done = append(done, i)
			lines = append(lines, "removed "+show+"\n")
		case l.Remove && v == absent:
			lines = append(lines, "nothing at "+show+"\n")
		case l.Remove:
			lines = append(lines, "left "+show+" alone: it "+reasons[i]+"\n")
		case v == upToDate:
			lines = append(lines, "up to date "+show+"\n")
		default:
			m, err := makeDirs(filepath.Dir(it.path))
			made = append(made, m...)
			if err == nil {
				// Again now that it exists: in a sticky directory another
				// user may have made a missing one first.
				_, err = it.dir.Resolve(filepath.Dir(it.path))
				if trustedpath.Refused(err) {
					return fail(fmt.Errorf("install-links: %w", err))
				}
			}
			if err == nil {
				err = l.put(it)
			}
			if err != nil {
				return fail(fmt.Errorf("install-links: cannot write %s: %w", show, err))
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
	for _, it := range items {
		if hint := fpathHint(it); hint != "" && !l.Remove {
			lines = append(lines, hint+"\n")
		}
	}
	return lines, nil
}

// fpathHint says how to make zsh find its completion, it, unless it is not
// the zsh completion or it went where zsh looks by default (its fpath has
// its own prefix's site-functions; /usr and /usr/local are the usual
// prefixes). The directory named is the real one the script was written
// to, which passed the check with the rest.
func fpathHint(it item) string {
	fpath := filepath.Dir(it.path)
	if it.shell != "zsh" || fpath == "/usr/share/zsh/site-functions" || fpath == "/usr/local/share/zsh/site-functions" {
		return ""
	}
	return "zsh: add fpath+=(" + atomicfile.ShowPath(fpath) + ") to ~/.zshrc before compinit"
}

// put writes one item in place, atomically.
func (l *linker) put(it item) error {
	if it.kind == kindLink {
		return l.symlink(it.target, it.path)
	}
	return l.write(it.path, it.data, it.perm)
}

// exeDir is how refusals name the executable's directory, and the way out.
var exeDir = trustedpath.WriteDir{
	Name: "the executable's directory",
	Move: "move monitor-token into a directory of yours that only you and root can write, and run install-links from there",
}

// checkExecutable holds the executable the links point at to the rule of
// the directories they go in: kubectl and git run it through them from now
// on, so whoever could swap it, through its directory or the file itself,
// would have the user run their code. exe is resolved (ResolveExecutable),
// fi its stat.
func checkExecutable(exe string, fi fs.FileInfo) error {
	if _, err := exeDir.Resolve(filepath.Dir(exe)); err != nil {
		return fmt.Errorf("install-links: %w", err)
	}
	if problem := trustedpath.Foreign(fi); problem != "" {
		return fmt.Errorf("install-links: the executable %s %s, and the links would run whatever it becomes; %s", atomicfile.ShowPath(exe), problem, exeDir.Move)
	}
	return nil
}
