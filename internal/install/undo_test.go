package install

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
)

// A write that fails half way undoes the ones before it: the links made
// and replaced, the directories created.
func TestLinksUndoesAFailedRun(t *testing.T) {
	for _, setup := range []string{"fresh", "older"} {
		t.Run(setup, func(t *testing.T) {
			lw := newLinksWorld(t, "linux")
			if setup == "older" {
				lw.symlink(lw.exe, filepath.Join(lw.bin, "kubectl-monitor_token"))
				lw.writeFile(filepath.Join(lw.root, "share/bash-completion/completions/monitor-token"), "# bash completion for monitor-token; load with:\nold\n", 0o644)
			}
			before := lw.tree()
			r := lw.run(Options{write: func(path string, data []byte, perm fs.FileMode) error {
				if strings.HasSuffix(path, "_monitor-token") {
					return errors.New("disk full")
				}
				return atomicfile.Write(path, data, perm)
			}})
			want := "install-links: cannot write ROOT/share/zsh/site-functions/_monitor-token: disk full; nothing was changed"
			if r.err != want || r.out != "" {
				t.Errorf("report:\n%s\nerror: %s\nwant the error %s", r.out, r.err, want)
			}
			diffTrees(t, lw.tree(), before)
		})
	}
}

// An undo that fails too says what it could not put back, and that the
// run's changes are not all undone.
func TestLinksSaysWhatItCouldNotUndo(t *testing.T) {
	lw := newLinksWorld(t, "linux")
	// An older link of ours, by absolute path: the run replaces it with
	// a relative one, and the undo would put the absolute one back.
	lw.symlink(lw.exe, filepath.Join(lw.bin, "kubectl-monitor_token"))
	r := lw.run(Options{
		write: func(path string, data []byte, perm fs.FileMode) error {
			if strings.HasSuffix(path, "_monitor-token") {
				return errors.New("disk full")
			}
			return atomicfile.Write(path, data, perm)
		},
		symlink: func(target, path string) error {
			if target == lw.exe {
				return &fs.PathError{Op: "symlink", Path: path, Err: fs.ErrPermission}
			}
			return replaceSymlink(target, path)
		},
	})
	want := "install-links: cannot write ROOT/share/zsh/site-functions/_monitor-token: disk full; undoing the changes before it failed too: ROOT/bin/kubectl-monitor_token: permission denied"
	if r.err != want || r.out != "" {
		t.Errorf("report:\n%s\nerror: %s\nwant the error %s", r.out, r.err, want)
	}
}

// A directory another install-links made between this run's look and its
// mkdir is used, not an error, and not recorded as this run's to undo.
func TestCreateDirsTakesADirectoryMadeMeanwhile(t *testing.T) {
	root := t.TempDir()
	share, zsh := filepath.Join(root, "share"), filepath.Join(root, "share", "zsh")
	if err := os.Mkdir(share, 0o755); err != nil { // made by the other run
		t.Fatal(err)
	}
	made, err := createDirs([]string{share, zsh})
	if err != nil {
		t.Fatalf("createDirs: %v", err)
	}
	if !slices.Equal(made, []string{zsh}) {
		t.Errorf("made %q, want only %q", made, zsh)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := createDirs([]string{file}); err == nil {
		t.Error("a file where a directory should be was taken for one")
	}
}
