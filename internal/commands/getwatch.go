package commands

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// watchTokenFile keeps o.Output current until ctx ends (SIGINT or SIGTERM),
// then returns nil: a long-running writer (Prometheus remote write) reads
// the file on every request, and must not go on sending a token that was
// reset (docs/integrations.md, "Token file").
//   - Monitor token: every CheckEvery the token is checked with the
//     service, as `get --verify` does (one request); a reset is fetched and
//     written at once.
//   - IAM token: it is renewed and written when half of what is left of
//     its life has passed, so the file never holds an expired one.
//   - A failure keeps the last good file, says on one line what failed and
//     when the next try is, and backs off (with jitter, up to CheckEvery).
//
// No line says the token.
func watchTokenFile(ctx context.Context, f *Factory, b *broker.Broker, prof profile.Profile, o GetOptions, tok broker.Token) error {
	show := atomicfile.ShowPath(o.Output)
	logf := func(format string, a ...any) {
		fmt.Fprintf(f.Stderr, "%s: %s\n", f.Name, f.Scrub(fmt.Sprintf(format, a...)))
	}
	logf("watching the token of profile %q in %s (mode %04o); checks every %s", prof.Name, show, o.FileMode, o.CheckEvery)
	failures := 0
	wait := nextCheck(prof, tok, o.CheckEvery, f.Now())
	for {
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			logf("stopped watching %s", show)
			return nil
		case <-timer.C:
		}
		next, why, err := checkToken(ctx, b, prof)
		if err == nil && next.Value != tok.Value {
			err = writeTokenFile(o, prof, next)
		}
		switch {
		case ctx.Err() != nil:
			logf("stopped watching %s", show)
			return nil
		case err != nil:
			// The wait the line announces is the one taken: backoff's
			// jitter is drawn once.
			failures++
			wait = backoff(failures, o.CheckEvery)
			logf("token file %s kept as it was: %v; next try in %s", show, err, wait.Round(100*time.Millisecond))
			continue
		case next.Value != tok.Value:
			logf("token file %s updated (%s)", show, why)
		}
		failures, tok = 0, next
		wait = nextCheck(prof, tok, o.CheckEvery, f.Now())
	}
}

// checkToken is the token the file should hold now, and why it changed if
// it did.
func checkToken(ctx context.Context, b *broker.Broker, prof profile.Profile) (broker.Token, string, error) {
	if prof.IAMMode() {
		tok, err := b.Refresh(ctx, prof)
		return tok, "IAM token renewed", err
	}
	// Verify asks the service whether the cached token still works, and
	// fetches a new one when it was reset; with cache=none it fetches, and
	// a changed value is the reset.
	tok, err := b.Verify(ctx, prof)
	return tok, "reset detected", err
}

// nextCheck is how long to wait before the next check: every checkEvery
// for a Monitor token; for an IAM token, half of what is left until it
// stops being served, and no longer than checkEvery.
func nextCheck(prof profile.Profile, tok broker.Token, checkEvery time.Duration, now time.Time) time.Duration {
	if !prof.IAMMode() || tok.ExpiresAt.IsZero() {
		return checkEvery
	}
	return min(max(tok.ExpiresAt.Sub(now)/2, time.Second), checkEvery)
}

// backoff is the wait after the n-th failure in a row: doubling from a
// second, capped at checkEvery, with up to half of it taken off at random
// so that many watchers that failed together do not retry together.
func backoff(n int, checkEvery time.Duration) time.Duration {
	d := checkEvery
	if n < 30 {
		d = min(time.Second<<n, checkEvery)
	}
	return max(d-time.Duration(rand.Int64N(int64(d/2)+1)), time.Second)
}
