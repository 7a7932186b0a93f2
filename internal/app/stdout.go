package app

import (
	"errors"
	"fmt"
	"io"
	"sync"
)

// checkedWriter remembers the first failed write to stdout. Commands write
// their output in many places, and urfave/cli's help printer drops write
// errors; checking once here, when the command is done, is how a full disk
// or a closed file never ends in exit 0 (`version > /dev/full`).
type checkedWriter struct {
	w   io.Writer
	mu  sync.Mutex
	err error
}

func (c *checkedWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	if err != nil {
		c.mu.Lock()
		if c.err == nil {
			c.err = err
		}
		c.mu.Unlock()
	}
	return n, err
}

// unchecked is the stream under w, for a child process: given the
// terminal or file itself, it writes there directly (and sees a terminal as
// one), and its exit status reports its own write failures.
func unchecked(w io.Writer) io.Writer {
	if c, ok := w.(*checkedWriter); ok {
		return c.w
	}
	return w
}

// failure is the write error, as the command's error.
func (c *checkedWriter) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		return nil
	}
	var pathErr interface{ Unwrap() error }
	err := c.err
	if errors.As(err, &pathErr) && pathErr.Unwrap() != nil {
		err = pathErr.Unwrap() // "write /dev/stdout: no space left on device" names no file the user knows
	}
	return fmt.Errorf("could not write the output: %w; check where stdout goes (a full disk, a closed pipe)", err)
}

// lockedWriter serializes writes: each is one line, and lines must not
// interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}
