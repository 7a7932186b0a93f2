package regularfile

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestReadRegular(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	write(t, path, []byte("token\n"))
	got, err := Read(context.Background(), path, 64)
	if err != nil || string(got) != "token\n" {
		t.Fatalf("Read = %q, %v", got, err)
	}
	// A symbolic link to a regular file is followed.
	link := filepath.Join(dir, "link")
	if err := os.Symlink(path, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	got, err = Read(context.Background(), link, 64)
	if err != nil || string(got) != "token\n" {
		t.Fatalf("Read through a symbolic link = %q, %v", got, err)
	}
	// An empty file is not an error here: what empty means is the caller's.
	write(t, path, nil)
	if got, err := Read(context.Background(), path, 64); err != nil || len(got) != 0 {
		t.Fatalf("Read of an empty file = %q, %v", got, err)
	}
}

func TestReadLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	write(t, path, bytes.Repeat([]byte("a"), 100))
	if got, err := Read(context.Background(), path, 100); err != nil || len(got) != 100 {
		t.Fatalf("exactly the limit: %d bytes, %v", len(got), err)
	}
	got, err := Read(context.Background(), path, 99)
	var tl *TooLargeError
	if !errors.As(err, &tl) || !errors.Is(err, ErrTooLarge) || got != nil {
		t.Fatalf("one byte over: %q, %v; want a *TooLargeError", got, err)
	}
	if *tl != (TooLargeError{Path: path, Limit: 99, Size: 100}) {
		t.Errorf("error = %+v", *tl)
	}
	if want := "it is 100 bytes, larger than the 99 bytes limit"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestReadDirectory(t *testing.T) {
	dir := t.TempDir()
	got, err := Read(context.Background(), dir, 1<<20)
	checkNotRegular(t, dir, got, err, "a directory")
}

func TestReadMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope")
	_, err := Read(context.Background(), path, 64)
	var pe *fs.PathError
	if !errors.Is(err, fs.ErrNotExist) || !errors.As(err, &pe) || pe.Path != path {
		t.Fatalf("err = %#v, want an *fs.PathError for %s that is fs.ErrNotExist", err, path)
	}
}

func TestReadCanceled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	write(t, path, []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got, err := Read(ctx, path, 64); !errors.Is(err, context.Canceled) || got != nil {
		t.Fatalf("Read with a cancelled context = %q, %v", got, err)
	}
}

func TestErrorMessages(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{&NotRegularError{Path: "/p", Kind: "a named pipe"}, "it is a named pipe, not a regular file"},
		{&TooLargeError{Path: "/p", Limit: 10, Size: 11}, "it is 11 bytes, larger than the 10 bytes limit"},
		{&TooLargeError{Path: "/p", Limit: 10}, "it is larger than the 10 bytes limit"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%#v: %q, want %q", tt.err, got, tt.want)
		}
	}
}

func checkNotRegular(t *testing.T, path string, got []byte, err error, kind string) {
	t.Helper()
	var nr *NotRegularError
	if !errors.As(err, &nr) || !errors.Is(err, ErrNotRegular) || got != nil {
		t.Fatalf("Read(%s) = %q, %v; want a *NotRegularError", path, got, err)
	}
	if nr.Kind != kind || nr.Path != path {
		t.Errorf("Read(%s): %+v, want kind %q", path, *nr, kind)
	}
	if want := "it is " + kind + ", not a regular file"; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}
