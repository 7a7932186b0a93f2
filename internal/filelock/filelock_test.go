package filelock

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestOneHolderAtATime: goroutines with their own Flock each (as separate
// processes would have) never hold the lock together.
func TestOneHolderAtATime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "locks")
	var holders, maxHolders atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := Acquire(context.Background(), dir, "default")
			if err != nil {
				t.Error(err)
				return
			}
			n := holders.Add(1)
			for {
				m := maxHolders.Load()
				if n <= m || maxHolders.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			holders.Add(-1)
			unlock()
		}()
	}
	wg.Wait()
	if maxHolders.Load() != 1 {
		t.Fatalf("%d holders at once, want 1", maxHolders.Load())
	}
	fi, err := os.Stat(filepath.Join(dir, "default.lock"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("lock file mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	di, _ := os.Stat(dir)
	if di.Mode().Perm() != 0o700 {
		t.Fatalf("lock dir mode %v, want 0700", di.Mode().Perm())
	}
}

func TestWaitEndsWithTheContext(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Acquire(context.Background(), dir, "p")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := Acquire(ctx, dir, "p"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's deadline", err)
	}
	// Another profile's lock is independent.
	other, err := Acquire(context.Background(), dir, "q")
	if err != nil {
		t.Fatal(err)
	}
	other()
}

// TestKilledHolderReleases: a holder killed with SIGKILL does not block the
// next one, because the kernel drops the flock with the process.
func TestKilledHolderReleases(t *testing.T) {
	if os.Getenv("FILELOCK_CHILD_DIR") != "" {
		if _, err := Acquire(context.Background(), os.Getenv("FILELOCK_CHILD_DIR"), "p"); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Hour)
		return
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledHolderReleases$")
	cmd.Env = append(os.Environ(), "FILELOCK_CHILD_DIR="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		t.Fatalf("child: %q, %v", buf, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	if _, err := Acquire(ctx, dir, "p"); err == nil {
		t.Fatal("acquired a lock the child holds")
	}
	cancel()
	cmd.Process.Kill()
	cmd.Wait()
	unlock, err := Acquire(context.Background(), dir, "p")
	if err != nil {
		t.Fatalf("after the holder died: %v", err)
	}
	unlock()
}

// A lock file that is a planted symbolic link is refused, and the file it
// points to is not created: the lock is taken on the directory's own
// files only.
func TestPlantedLinkIsNotFollowed(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(t.TempDir(), "made-by-the-victim")
	if err := os.Symlink(target, Path(dir, "p")); err != nil {
		t.Fatal(err)
	}
	unlock, err := Acquire(context.Background(), dir, "p")
	if err == nil {
		unlock()
		t.Fatal("the lock was taken through a planted link")
	}
	if _, serr := os.Lstat(target); !errors.Is(serr, os.ErrNotExist) {
		t.Fatalf("the link's target was created (%v); Acquire said %v", serr, err)
	}
	// The lock may be the config file's, so it is "the lock file", not the
	// cache file.
	want := "the lock file " + Path(dir, "p") + " is a symbolic link; remove it: monitor-token never follows links where it keeps its locks"
	if err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
}
