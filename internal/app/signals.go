package app

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
)

// Interrupted is why a run's context was canceled when a signal came
// (cmdutil.Interrupted, which the commands read too).
type Interrupted = cmdutil.Interrupted

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
