package commands

import (
	"os"
	"path/filepath"
	"testing"
)

// The child gets ChildStderr itself, not a pipe through the run's
// serialized Stderr: a terminal stays a terminal to it, and exec does not
// wait for its background children to close a pipe.
func TestRunExecGivesTheChildTheStreamItself(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	path := filepath.Join(t.TempDir(), "stderr")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	f := r.factory()
	f.ChildStderr = file
	err = runExec(t.Context(), f, ExecOptions{Flags: FlagValues{"profile": "p"}, Command: []string{"readlink", "/proc/self/fd/2"}})
	r.check("fd 2", err, path+"\n", "", "")
}
