//go:build unix

package ibmcloud

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangGuard is how long a test waits for a ReadSession that should return at once before it
// calls it a hang; not a speed requirement.
const hangGuard = 10 * time.Second

// readPromptly runs ReadSession in a goroutine and fails the test if it does not return.
func readPromptly(t *testing.T, file string, now time.Time) (Session, error) {
	t.Helper()
	type result struct {
		s   Session
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := ReadSession(context.Background(), file, now)
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		return r.s, r.err
	case <-time.After(hangGuard):
		t.Fatalf("ReadSession(%s) has not returned in %v", file, hangGuard)
		return Session{}, nil
	}
}

// TestReadSessionSpecialFiles: the CLI's config.json is read only when it is a regular file of
// at most maxConfig bytes; a named pipe, a device or a directory is refused at once, naming it.
func TestReadSessionSpecialFiles(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	valid := jwt(now.Add(time.Hour).Unix())
	doc := []byte(`{"IAMToken":"Bearer ` + valid + `"}`)
	// padded is doc with spaces before its closing brace, n bytes in all.
	padded := func(n int) []byte {
		return append(append(bytes.Clone(doc[:len(doc)-1]), bytes.Repeat([]byte(" "), n-len(doc))...), '}')
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, file string)
		err   string // "" means the session is read
	}{
		{"regular file", func(t *testing.T, file string) { write(t, file, doc) }, ""},
		{"symlink to a regular file", func(t *testing.T, file string) {
			write(t, file+".real", doc)
			symlink(t, file+".real", file)
		}, ""},
		{"exactly 1 MiB", func(t *testing.T, file string) { write(t, file, padded(1<<20)) }, ""},
		{"named pipe", func(t *testing.T, file string) {
			if err := syscall.Mkfifo(file, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "ibmcloud config FILE is a named pipe, not a regular file; point IBMCLOUD_CONFIG_HOME at the ibmcloud CLI's config directory"},
		{"device", func(t *testing.T, file string) { symlink(t, "/dev/zero", file) },
			"ibmcloud config FILE is a device, not a regular file; point IBMCLOUD_CONFIG_HOME at the ibmcloud CLI's config directory"},
		{"directory", func(t *testing.T, file string) {
			if err := os.Mkdir(file, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "ibmcloud config FILE is a directory, not a regular file; point IBMCLOUD_CONFIG_HOME at the ibmcloud CLI's config directory"},
		{"one byte over 1 MiB", func(t *testing.T, file string) { write(t, file, padded(1<<20+1)) },
			"ibmcloud config FILE is larger than 1 MiB, more than the ibmcloud CLI writes; point IBMCLOUD_CONFIG_HOME at the ibmcloud CLI's config directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "config.json")
			tt.setup(t, file)
			s, err := readPromptly(t, file, now)
			if tt.err == "" {
				if err != nil || s.IAMToken != valid {
					t.Fatalf("ReadSession = %+v, %v; want the token", s, err)
				}
				return
			}
			want := strings.ReplaceAll(tt.err, "FILE", file)
			if err == nil || err.Error() != want {
				t.Fatalf("err\n got %v\nwant %s", err, want)
			}
			if errors.Is(err, ErrNoSession) {
				t.Errorf("a file that is not the CLI's is reported as no session: %v", err)
			}
		})
	}
}

func write(t *testing.T, file string, data []byte) {
	t.Helper()
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}
