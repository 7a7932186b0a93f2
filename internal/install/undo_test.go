package install

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
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
	if len(made) != 1 || made[0].path != zsh {
		t.Errorf("made %v, want only %q", made, zsh)
	}
	file := filepath.Join(root, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := createDirs([]string{file}); err == nil {
		t.Error("a file where a directory should be was taken for one")
	}
}

// A directory to be created that turns out to be a link (another user put
// it there in a sticky directory, just before the mkdir) is not gone
// through: nothing is made where the link points.
func TestCreateDirsDoesNotGoThroughALink(t *testing.T) {
	w := t.TempDir()
	target := filepath.Join(w, "target")
	os.Mkdir(target, 0o755)
	os.Symlink(target, filepath.Join(w, "newx"))
	made, err := createDirs([]string{filepath.Join(w, "newx"), filepath.Join(w, "newx", "bin")})
	want := "the directory " + filepath.Join(w, "newx") + " is a symbolic link, not a directory made for install-links; remove it, or pass --dir a directory of yours on a path only you and root control"
	if err == nil || err.Error() != want {
		t.Fatalf("createDirs error %v, want %s", err, want)
	}
	if len(made) != 0 {
		t.Errorf("made %v", made)
	}
	if _, err := os.Lstat(filepath.Join(target, "bin")); err == nil {
		t.Fatal("a directory was made where the link points")
	}
}

// Undo removes only the very directories it made: one whose path now leads
// elsewhere (a link put in place of its parent) is left alone.
func TestUndoRemovesOnlyWhatItMade(t *testing.T) {
	w := t.TempDir()
	made, err := createDirs([]string{filepath.Join(w, "a"), filepath.Join(w, "a", "bin")})
	if err != nil || len(made) != 2 {
		t.Fatalf("createDirs = %v, %v", made, err)
	}
	victim := filepath.Join(w, "victim")
	os.MkdirAll(filepath.Join(victim, "bin"), 0o755)
	os.Rename(filepath.Join(w, "a"), filepath.Join(w, "a.moved"))
	os.Symlink(victim, filepath.Join(w, "a"))
	l := &linker{}
	l.undo(nil, nil, nil, made)
	if _, err := os.Lstat(filepath.Join(victim, "bin")); err != nil {
		t.Fatalf("undo removed a directory it did not make: %v", err)
	}
}
