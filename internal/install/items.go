package install

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
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
	kind      itemKind
	target    string // kindLink: what the link says
	data      []byte // kindCopy, kindFile: the content
	perm      fs.FileMode
	what      string // what belongs there, for messages
	firstLine string // kindFile: the line every version of the script starts with
}

// ownName is the binary's name as installed.
func ownName(goos string) string {
	if goos == "windows" {
		return "monitor-token.exe"
	}
	return "monitor-token"
}

func (l *linker) exeName() string { return filepath.Base(l.Exe) }

// items are what install-links puts in dir and dir/../share for l.GOOS.
func (l *linker) items(dir string) ([]item, error) {
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
			items = append(items, item{path: filepath.Join(dir, name+".exe"), kind: kindCopy, data: data, perm: 0o755, what: "a copy of " + l.exeName()})
		}
		return items, nil
	}
	target := l.Exe
	if filepath.Dir(l.Exe) == dir || sameDir(filepath.Dir(l.Exe), dir) {
		target = l.exeName()
	}
	for _, name := range personalityNames {
		items = append(items, item{path: filepath.Join(dir, name), kind: kindLink, target: target, what: "a link to " + atomicfile.ShowPath(target)})
	}
	share := filepath.Join(dir, "..", "share")
	for _, c := range l.Completions {
		first, _, _ := strings.Cut(c.Script, "\n")
		items = append(items, item{
			path: filepath.Join(share, filepath.FromSlash(c.Path)), kind: kindFile,
			data: []byte(c.Script), perm: 0o644, what: "monitor-token's " + c.Shell + " completion", firstLine: first,
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
