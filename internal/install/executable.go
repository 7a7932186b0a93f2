package install

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
)

// ResolveExecutable is the running executable as Options.Exe wants it:
// absolute, links resolved, so that a binary started through a link (an
// alias, a personality link of an earlier install) links to the file
// itself. executable is the process's seam for os.Executable; nil is
// os.Executable.
func ResolveExecutable(executable func() (string, error)) (string, error) {
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
		return "", fmt.Errorf("install-links: cannot find the running executable: %w", atomicfile.PathErrReason(err))
	}
	return exe, nil
}
