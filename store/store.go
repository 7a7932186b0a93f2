// Package store keeps secrets in the OS keyring. It is the only package of
// monitor-token that imports go-keyring, and it adds what go-keyring lacks:
// a deadline on every call, a size check before writing, typed errors with
// messages that say what to do next, and an in-memory fake with a lock.
//
// Callers choose the deadline with the context: a short one for calls made
// on behalf of git, kubectl or scripts (TimeoutFromEnv(os.Getenv,
// DefaultTimeout)), a long one for an interactive login, where someone may
// have to type an unlock password (InteractiveTimeout). A context without a
// deadline gets the Store's Deadlines: DefaultTimeout for the keyring to
// answer, extended to InteractiveTimeout while it shows a prompt.
// Background: docs/keyring.md, "Deadlines" and "Prompts and deadlines".
package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

const (
	// DefaultTimeout bounds a keyring call whose context has no deadline.
	// gh started with 3s for the same purpose.
	DefaultTimeout = 5 * time.Second
	// InteractiveTimeout is for calls made while a person waits and may
	// have to answer an unlock prompt (gh moved to 60s for that reason).
	InteractiveTimeout = 2 * time.Minute
	// TimeoutEnv names the environment variable that overrides
	// DefaultTimeout; see TimeoutFromEnv.
	TimeoutEnv = "MONITOR_TOKEN_KEYRING_TIMEOUT"
	// MaxSecretSize is the largest secret Set accepts, in bytes. Windows
	// holds at most 2560 bytes; macOS about 3000 (go-keyring passes the
	// base64 of the secret on a 4096-byte command line, and at exactly
	// the limit Set has been seen to succeed without storing,
	// https://github.com/zalando/go-keyring/issues/153). One conservative
	// limit for all platforms means a secret that works on Linux also works
	// on the others (docs/keyring.md, "Windows: Credential Manager").
	MaxSecretSize = 2500
)

// Store reads and writes secrets of one keyring service. Every call has a
// deadline. A Store is safe for concurrent use.
type Store struct {
	service string
	backend backend
	timeout time.Duration // for contexts without a deadline: DefaultTimeout
	prompt  time.Duration // ... while the keyring shows a prompt: InteractiveTimeout
	notice  func(Prompt)  // told when a call waits for a prompt (prompt.go)
}

// New returns a Store for the OS keyring, through go-keyring.
func New(service string) *Store {
	return &Store{service: service, backend: osKeyring{}, timeout: DefaultTimeout}
}

// NewMemory returns a Store kept in memory, with a lock, for unit tests of
// one process. Each call returns a new, empty store.
func NewMemory(service string) *Store {
	return &Store{service: service, backend: newMemory(), timeout: DefaultTimeout}
}

// Get returns the secret of user. A missing item gives an error matching
// ErrNotFound; a keyring that does not answer gives ErrTimeout, never
// ErrNotFound, so that callers do not treat a locked keyring as "logged out".
func (s *Store) Get(ctx context.Context, user string) (string, error) {
	secret, err := call(ctx, s.deadlines(), "read", user, func(ctx context.Context) (string, error) {
		return s.backend.Get(ctx, s.service, user)
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}

// Set stores secret for user, replacing any previous one. Secrets larger
// than MaxSecretSize are refused with ErrTooLarge before the keyring is
// touched. After an ErrTimeout the write may still happen later.
func (s *Store) Set(ctx context.Context, user, secret string) error {
	if len(secret) > MaxSecretSize {
		return &Error{Op: "write", Item: user, Kind: ErrTooLarge,
			Err: fmt.Errorf("secret of %d bytes, limit %d", len(secret), MaxSecretSize)}
	}
	_, err := call(ctx, s.deadlines(), "write", user, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.backend.Set(ctx, s.service, user, secret)
	})
	return redact(err, secret)
}

// Delete removes the item of user. A missing item gives an error matching
// ErrNotFound.
func (s *Store) Delete(ctx context.Context, user string) error {
	_, err := call(ctx, s.deadlines(), "delete", user, func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.backend.Delete(ctx, s.service, user)
	})
	return err
}

// DeleteAll removes every item of the service. No items is not an error.
func (s *Store) DeleteAll(ctx context.Context) error {
	// go-keyring refuses an empty service (it would match every item) by
	// returning ErrNotFound, which would read as success here.
	if s.service == "" {
		return &Error{Op: "delete", Kind: ErrUnavailable,
			Err: errors.New("empty service name: refusing to delete every item of the keyring")}
	}
	_, err := call(ctx, s.deadlines(), "delete", "", func(ctx context.Context) (struct{}, error) {
		return struct{}{}, s.backend.DeleteAll(ctx, s.service)
	})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// call runs f, a go-keyring call, with a deadline: the one of ctx, or
// d.Answer (DefaultTimeout) if ctx has none. go-keyring has no timeouts, and a locked
// collection whose unlock prompt nobody answers blocks forever
// (docs/keyring.md, "Deadlines"),
// so f runs in its own goroutine and call stops waiting when ctx is done,
// as GitHub's CLI does (cli/cli internal/keyring). The goroutine is left
// behind, blocked; its result channel is buffered so that it can still
// finish and be collected if the keyring answers later. For a CLI that exits
// soon after, that is the price of never hanging.
//
// When f reports that the keyring answered with a prompt (promptBegins),
// the deadline moves to d.Prompt from the call's first prompt, d.Notice is
// told once, and when the prompt ends the keyring's next answer is due
// within d.Answer again (docs/keyring.md, "Prompts and deadlines"). The
// deadline of ctx, if it has one, is never exceeded, and cancelling ctx
// ends the wait at once. f's context is cancelled when call returns.
func call[T any](ctx context.Context, d Deadlines, op, item string, f func(context.Context) (T, error)) (T, error) {
	var zero T
	limit, hasLimit := ctx.Deadline()
	due := func(wait time.Duration) time.Time {
		t := time.Now().Add(wait)
		if hasLimit && limit.Before(t) {
			return limit
		}
		return t
	}
	deadline := due(d.Answer)
	budget := roundBudget(time.Until(deadline))
	if err := ctx.Err(); err != nil {
		return zero, timeout(op, item, budget, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	w := &promptWaiter{events: make(chan promptEvent)}
	go func() {
		v, err := f(withWaiter(ctx, w))
		done <- result{v, err}
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	var promptDeadline time.Time // set by the call's first prompt
	pending := ""                // the prompt showing now, if any
	for {
		select {
		case r := <-done:
			return r.v, Classify(op, item, r.err)
		case ev := <-w.events:
			pending = ev.what
			if ev.begins {
				first := promptDeadline.IsZero()
				if first {
					promptDeadline = due(d.Prompt)
				}
				deadline = promptDeadline
				budget = roundBudget(time.Until(deadline))
				if first && d.Notice != nil {
					d.Notice(Prompt{What: ev.what, Wait: budget})
				}
			} else {
				deadline = due(d.Answer)
				budget = roundBudget(time.Until(deadline))
			}
			timer.Reset(time.Until(deadline))
		case <-timer.C:
			return zero, promptTimeout(op, item, budget, pending, context.DeadlineExceeded)
		case <-ctx.Done():
			return zero, promptTimeout(op, item, budget, pending, ctx.Err())
		}
	}
}

func timeout(op, item string, budget time.Duration, ctxErr error) error {
	return promptTimeout(op, item, budget, "", ctxErr)
}

// promptTimeout is timeout while the keyring's prompt (what) was showing.
func promptTimeout(op, item string, budget time.Duration, prompt string, ctxErr error) error {
	return &Error{Op: op, Item: item, Kind: ErrTimeout, Err: &deadlineError{after: budget, prompt: prompt, err: ctxErr}}
}

// roundBudget makes the waiting time readable in messages: a deadline
// 2s away is 1.9999s away by the time it is measured.
func roundBudget(d time.Duration) time.Duration {
	switch {
	case d <= 0:
		return 0
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	default:
		return d.Round(time.Millisecond)
	}
}

// redact makes sure that the secret never appears in an error, whatever a
// backend put in its message. go-keyring's errors do not contain it today;
// this keeps it that way if that changes. A cause that contains the secret
// is withheld as a whole (replacing the secret in it would show where it
// was, and garble the text if the secret is short); the kind is kept.
func redact(err error, secret string) error {
	var e *Error
	if secret == "" || !errors.As(err, &e) || e.Err == nil || !strings.Contains(e.Err.Error(), secret) {
		return err
	}
	return &Error{Op: e.Op, Item: e.Item, Kind: e.Kind,
		Err: errors.New("cause withheld: its text contained the secret")}
}

// TimeoutFromEnv returns the duration in the environment variable
// MONITOR_TOKEN_KEYRING_TIMEOUT, read through getenv, or fallback if it is
// unset or empty. The value is a Go duration such as "2s" or "1m30s" and
// must be positive.
func TimeoutFromEnv(getenv func(string) string, fallback time.Duration) (time.Duration, error) {
	v := strings.TrimSpace(getenv(TimeoutEnv))
	if v == "" {
		return fallback, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q is not a duration: use a Go duration such as \"2s\" or \"1m\"", TimeoutEnv, v)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%s=%q must be positive: use a Go duration such as \"2s\" or \"1m\"", TimeoutEnv, v)
	}
	return d, nil
}
