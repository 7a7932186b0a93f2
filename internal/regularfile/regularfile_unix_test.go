//go:build unix

package regularfile

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// hangGuard is how long a test waits for a Read that should return at once
// before it calls it a hang. It is not a speed requirement.
const hangGuard = 10 * time.Second

// readPromptly runs Read in a goroutine and fails the test if it does not
// return.
func readPromptly(t *testing.T, path string, limit int64) ([]byte, error) {
	t.Helper()
	type result struct {
		data []byte
		err  error
	}
	done := make(chan result, 1)
	go func() {
		data, err := Read(context.Background(), path, limit)
		done <- result{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-time.After(hangGuard):
		t.Fatalf("Read(%s) has not returned in %v", path, hangGuard)
		return nil, nil
	}
}

// TestReadFIFO: a named pipe with no writer is refused at once, directly or
// through a symbolic link; a plain open(2) would wait for a writer forever.
func TestReadFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	// Should a Read block after all, a writer lets its open return, so the
	// test process can end.
	defer func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	}()
	got, err := readPromptly(t, fifo, 64)
	checkNotRegular(t, fifo, got, err, "a named pipe")

	link := filepath.Join(dir, "link")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	got, err = readPromptly(t, link, 64)
	checkNotRegular(t, link, got, err, "a named pipe")
}

// TestReadDevices: /dev/zero would never end, /dev/null would read as
// empty; both are refused without reading.
func TestReadDevices(t *testing.T) {
	for _, dev := range []string{"/dev/zero", "/dev/null"} {
		if _, err := os.Stat(dev); err != nil {
			t.Skipf("no %s: %v", dev, err)
		}
		got, err := readPromptly(t, dev, 64)
		checkNotRegular(t, dev, got, err, "a device")
	}
}

func TestReadSocket(t *testing.T) {
	// A short directory: socket paths are limited to about 100 bytes.
	dir, err := os.MkdirTemp("", "rf")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "s")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Skipf("no Unix sockets: %v", err)
	}
	defer l.Close()
	// open(2) itself refuses a socket (ENXIO); the error still says what
	// it is.
	got, err := readPromptly(t, path, 64)
	checkNotRegular(t, path, got, err, "a socket")
}

// TestReadGrowsPastLimit: a regular file whose fstat size is within the
// limit but that holds more is refused by the read. Files under /proc are
// such files: they report size 0 and are generated as they are read.
func TestReadGrowsPastLimit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("needs /proc")
	}
	const path = "/proc/self/status"
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != 0 || !fi.Mode().IsRegular() {
		t.Skipf("%s is not an empty-looking regular file here: %v %v", path, fi, err)
	}
	got, err := readPromptly(t, path, 16)
	var tl *TooLargeError
	if !errors.As(err, &tl) || got != nil {
		t.Fatalf("Read = %q, %v; want a *TooLargeError", got, err)
	}
	if *tl != (TooLargeError{Path: path, Limit: 16}) {
		t.Errorf("error = %+v; want the limit and no size", *tl)
	}
	if want := "it is larger than the 16 bytes limit"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
	// Within the limit it reads whole, though fstat said 0.
	if got, err := readPromptly(t, path, 1<<20); err != nil || len(got) == 0 {
		t.Fatalf("Read with room = %d bytes, %v", len(got), err)
	}
}
