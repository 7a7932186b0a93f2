// Package ctxio makes reading stdin a wait that ends on SIGINT and SIGTERM
// like every other: login reads the API key from it, the git helper its
// request, and either may be a pipe nobody ever closes or a person who
// walked away.
package ctxio

import (
	"context"
	"fmt"
	"io"

	"golang.org/x/term"
)

// contextReader reads r until ctx ends. A read blocked in the kernel cannot
// be called off, so it runs on its own goroutine, and a Read returns as soon
// as ctx is done; the stray goroutine ends with the process, which is about
// to exit.
type contextReader struct {
	ctx     context.Context
	r       io.Reader
	pending chan readResult
}

type readResult struct {
	b   []byte
	err error
}

// Reader reads r until ctx ends; a nil r reads as a closed stdin.
func Reader(ctx context.Context, r io.Reader) io.Reader {
	if r == nil {
		return eof{}
	}
	return &contextReader{ctx: ctx, r: r}
}

func (c *contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if c.pending == nil {
		ch := make(chan readResult, 1)
		buf := make([]byte, len(p))
		go func() {
			n, err := c.r.Read(buf)
			ch <- readResult{buf[:n], err}
		}()
		c.pending = ch
	}
	select {
	case res := <-c.pending:
		c.pending = nil
		// buf was len(p) long, so it all fits.
		return copy(p, res.b), res.err
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
}

// eof is a closed stdin.
type eof struct{}

func (eof) Read([]byte) (int, error) { return 0, io.EOF }

// ReadPassword reads a line from the terminal fd with echo off, and gives
// up when ctx ends. term.ReadPassword leaves ISIG on, so Ctrl-C at the
// prompt is a SIGINT that cancels ctx; the terminal is then put back as it
// was, since the blocked read never returns to do it.
func ReadPassword(ctx context.Context, fd int) ([]byte, error) {
	state, err := term.GetState(fd)
	if err != nil {
		return nil, fmt.Errorf("cannot set up the terminal: %w", err)
	}
	done := make(chan readResult, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		done <- readResult{b, err}
	}()
	select {
	case res := <-done:
		return res.b, res.err
	case <-ctx.Done():
		term.Restore(fd, state)
		return nil, ctx.Err()
	}
}
