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
//   - Every CheckEvery the token in the file is checked with the service,
//     one request (Broker.Check); a token refused (reset in the UI, an IAM
//     token ended early) is fetched and written at once.
//   - An IAM token is also renewed and written when half of the time it is
//     served for has passed, so the file never holds an expired one.
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
	renewAt := renewalTime(tok, f.Now())
	wait := nextWake(renewAt, o.CheckEvery, f.Now())
	for {
		select {
		case <-ctx.Done():
			logf("stopped watching %s", show)
			return nil
		case <-f.after(wait):
		}
		next, why, renewed, err := nextToken(ctx, b, prof, tok, renewAt, f.Now())
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
			wait = retryWait(failures, o.CheckEvery, tok, f.Now())
			logf("token file %s kept as it was: %v; next try in %s", show, err, wait.Round(100*time.Millisecond))
			continue
		case next.Value != tok.Value:
			logf("token file %s updated (%s)", show, why)
		}
		// A renewal sets the next one from what it got, even when it got
		// the token already held (a session still good, an IAM that gave
		// the same one back): a renewal time left in the past would
		// renew again at once, and again.
		if renewed || next.Value != tok.Value {
			renewAt = renewalTime(next, f.Now())
		}
		failures, tok = 0, next
		wait = nextWake(renewAt, o.CheckEvery, f.Now())
	}
}

// nextToken is the token the file should hold now, why it changed if it
// did, and whether it was a renewal: an IAM token due for renewal is
// renewed; any other is checked.
func nextToken(ctx context.Context, b *broker.Broker, prof profile.Profile, held broker.Token, renewAt, now time.Time) (tok broker.Token, why string, renewed bool, err error) {
	if !renewAt.IsZero() && !now.Before(renewAt) {
		tok, err := b.Refresh(ctx, prof)
		return tok, "IAM token renewed", true, err
	}
	tok, err = b.Check(ctx, prof, held)
	if prof.IAMMode() {
		return tok, "IAM token refused, renewed", false, err
	}
	return tok, "reset detected", false, err
}

// renewalTime is when a token served until a known time is renewed: when
// half of what was left of it at now has passed. Zero for a token without
// an end (a Monitor token).
func renewalTime(tok broker.Token, now time.Time) time.Time {
	if tok.ExpiresAt.IsZero() {
		return time.Time{}
	}
	return now.Add(max(tok.ExpiresAt.Sub(now)/2, 0))
}

// minRenewalWait is the least a watch waits for a renewal: an IAM token
// served for no time at all (an expires_in shorter than get's margin) is
// renewed every second, not in a loop.
const minRenewalWait = time.Second

// nextWake is how long to wait before the next check: checkEvery, or less
// when an IAM token is due for renewal sooner, though not under
// minRenewalWait.
func nextWake(renewAt time.Time, checkEvery time.Duration, now time.Time) time.Duration {
	if renewAt.IsZero() {
		return checkEvery
	}
	return min(max(renewAt.Sub(now), minRenewalWait), checkEvery)
}

// retryWait is the wait after the n-th failure in a row: backoff, but for
// a token that stops being served at a known time no later than that, so
// that a service that came back is tried before the file's token ends.
func retryWait(n int, checkEvery time.Duration, held broker.Token, now time.Time) time.Duration {
	wait := backoff(n, checkEvery)
	if left := held.ExpiresAt.Sub(now); !held.ExpiresAt.IsZero() && left > 0 {
		wait = min(wait, max(left, time.Second))
	}
	return wait
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
