//go:build unix

package config

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// hangGuard is how long a test waits for a Load that should return at once before it calls it a
// hang. It is not a speed requirement: a correct Load returns in microseconds.
const hangGuard = 10 * time.Second

// TestLoadSwappedToFIFO: the config path is a symbolic link that another process keeps pointing
// at a regular file and at a named pipe. Every Load returns (the file's profiles, or "a named
// pipe"), none blocks in open waiting for a writer that never comes.
func TestLoadSwappedToFIFO(t *testing.T) {
	dir := t.TempDir()
	regular, fifo, link := filepath.Join(dir, "regular.json"), filepath.Join(dir, "fifo"), filepath.Join(dir, "config.json")
	if err := os.WriteFile(regular, []byte(`{"version":1,"profiles":{}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(regular, link); err != nil {
		t.Fatal(err)
	}
	// Release a Load stuck in open(2) at the end, so the test process can exit: a writer that
	// opens and closes the pipe lets the reader's open return.
	defer func() {
		if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			w.Close()
		}
	}()

	stop := make(chan struct{})
	swapped := make(chan struct{})
	go func() {
		defer close(swapped)
		tmp := filepath.Join(dir, "link.tmp")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			target := regular
			if i%2 == 1 {
				target = fifo
			}
			os.Remove(tmp)
			if os.Symlink(target, tmp) == nil {
				os.Rename(tmp, link)
			}
		}
	}()
	defer func() { close(stop); <-swapped }()

	progress := make(chan error)
	go func() {
		for range 3000 {
			_, err := Load(link)
			progress <- err
		}
		close(progress)
	}()
	var loaded, refused int
	for {
		select {
		case err, ok := <-progress:
			if !ok {
				t.Logf("%d loads read the file, %d were refused", loaded, refused)
				return
			}
			switch {
			case err == nil:
				loaded++
			default:
				refused++
				want := "config file " + showPath(link) + " is not valid: it is a named pipe, not a regular file; fix or remove it (it was left untouched)"
				if err.Error() != want {
					t.Fatalf("Load error\n got %v\nwant %s", err, want)
				}
			}
		case <-time.After(hangGuard):
			t.Fatalf("Load has not returned in %v: it blocks opening the named pipe", hangGuard)
		}
	}
}

// TestLoadDevice: a device is refused without reading it.
func TestLoadDevice(t *testing.T) {
	for _, dev := range []string{"/dev/null", "/dev/zero"} {
		if _, err := os.Stat(dev); err != nil {
			t.Skipf("no %s: %v", dev, err)
		}
		f, err := Load(dev)
		checkParseError(t, dev, dev, f, err, "it is a device, not a regular file")
	}
}
