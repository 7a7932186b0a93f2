package install

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// hangGuard is how long the test waits for runs that should each return
// at once before it calls it a hang. It is not a speed requirement.
const hangGuard = 20 * time.Second

// TestLinksDoesNotWaitOnAFIFO: a named pipe put in place of a completion
// script between the look at it and the read of it does not hold the run:
// the file is opened without waiting (O_NONBLOCK) and what was opened is
// checked (fstat). A plain open(2) of a pipe waits for a writer for good.
// The swap is an atomic exchange (Linux renameat2, RENAME_EXCHANGE) done
// over and over while install-links runs, so that some run meets the pipe
// after its lstat said "regular file".
func TestLinksDoesNotWaitOnAFIFO(t *testing.T) {
	lw := newLinksWorld(t, "linux")
	lw.mustRun(Options{}) // every script up to date: each run reads them
	script := filepath.Join(lw.root, "share", testCompletions[1].Path)
	fifo := filepath.Join(lw.root, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, script, unix.AT_FDCWD, fifo, unix.RENAME_EXCHANGE); err != nil {
		t.Skipf("no renameat2 RENAME_EXCHANGE here: %v", err)
	}
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		for {
			select {
			case <-stop:
				return
			default:
				unix.Renameat2(unix.AT_FDCWD, script, unix.AT_FDCWD, fifo, unix.RENAME_EXCHANGE)
			}
		}
	}()
	done := make(chan int, 1)
	go func() {
		pipes := 0
		for range 3000 {
			if _, err := Links(Options{GOOS: "linux", Exe: lw.exe, Completions: testCompletions}); err != nil {
				pipes++
			}
		}
		done <- pipes
	}()
	select {
	case pipes := <-done:
		close(stop)
		<-stopped
		t.Logf("%d of 3000 runs met the named pipe", pipes)
	case <-time.After(hangGuard):
		close(stop)
		<-stopped
		// A writer lets the waiting open return, so the process can end.
		for _, p := range []string{script, fifo} {
			if w, err := os.OpenFile(p, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
				w.Close()
			}
		}
		t.Fatalf("install-links has not returned in %v: it waits on the named pipe", hangGuard)
	}
}
