package app

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// Interrupted is why a run's context was canceled when a signal came: the
// exit code says which one, by the shell's convention of 128 + its number
// (130 for SIGINT, 143 for SIGTERM), so a caller can tell Ctrl-C from a
// supervisor stopping it.
type Interrupted struct{ Signal os.Signal }

func (i Interrupted) Error() string { return "interrupted by " + i.Signal.String() }

// ExitCode is 128 + the signal's number.
func (i Interrupted) ExitCode() int {
	if s, ok := i.Signal.(syscall.Signal); ok {
		return 128 + int(s)
	}
	return ExitCanceled
}

// NotifyContext is signal.NotifyContext that remembers the signal: the
// context's cause is an Interrupted. Every wait of a run (stdin, the
// prompt, a lock, the keyring, the network) ends on the context, so the
// first SIGINT or SIGTERM ends the run cleanly; after it the signals get
// their default action again, so a second Ctrl-C ends a run that did not.
func NotifyContext(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-sigs:
			signal.Reset(os.Interrupt, syscall.SIGTERM)
			cancel(Interrupted{Signal: sig})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(sigs)
		close(done)
		cancel(context.Canceled)
	}
}
