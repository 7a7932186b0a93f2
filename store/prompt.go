package store

import (
	"context"
	"fmt"
	"time"
)

// Deadlines says how long the calls of a Store wait, under a context
// without a deadline of its own (docs/keyring.md, "Prompts and deadlines").
// A zero field keeps the default.
type Deadlines struct {
	// Answer bounds the wait for the keyring to answer a call: a keyring
	// that does not answer at all fails within it. DefaultTimeout.
	Answer time.Duration
	// Prompt bounds the wait, from the first prompt of a call, for a
	// person to answer the prompts the keyring shows (an unlock password,
	// KeePassXC's "allow access"). InteractiveTimeout.
	Prompt time.Duration
	// Notice is told, once per call and before the call waits, that the
	// keyring shows a prompt. The app writes it to stderr; store never
	// writes anywhere itself. nil: nobody is told.
	Notice func(Prompt)
}

// Prompt is what a Store tells Deadlines.Notice about a prompt it waits for.
type Prompt struct {
	What string        // the kind of prompt: "unlock"
	Wait time.Duration // how long the call waits for it at most
}

// String says what the call is waiting for, in words for a person.
func (p Prompt) String() string {
	return fmt.Sprintf("waiting for the keyring's %s prompt (up to %s)...", p.What, p.Wait)
}

// WithDeadlines returns a copy of s whose calls wait as d says.
func (s *Store) WithDeadlines(d Deadlines) *Store {
	c := *s
	if d.Answer > 0 {
		c.timeout = d.Answer
	}
	if d.Prompt > 0 {
		c.prompt = d.Prompt
	}
	c.notice = d.Notice
	return &c
}

// deadlines is the Deadlines of s with the defaults filled in.
func (s *Store) deadlines() Deadlines {
	d := Deadlines{Answer: s.timeout, Prompt: s.prompt, Notice: s.notice}
	if d.Answer <= 0 {
		d.Answer = DefaultTimeout
	}
	if d.Prompt <= 0 {
		d.Prompt = InteractiveTimeout
	}
	return d
}

// promptWaiter links a backend, which learns that the keyring shows a
// prompt, to call, which owns the deadline of that call: call reads
// events until it returns.
type promptWaiter struct {
	events chan promptEvent
}

// promptEvent says that a prompt begins (what is its kind) or has ended.
type promptEvent struct {
	begins bool
	what   string
}

type waiterKey struct{}

func withWaiter(ctx context.Context, w *promptWaiter) context.Context {
	return context.WithValue(ctx, waiterKey{}, w)
}

// promptBegins tells the call running under ctx that the keyring has
// answered with a prompt of kind what: the call now waits up to its prompt
// deadline, and gives its notice.
func promptBegins(ctx context.Context, what string) {
	sendPrompt(ctx, promptEvent{begins: true, what: what})
}

// promptEnds tells the call running under ctx that the prompt is over: the
// keyring's next answer is due within the answer deadline again.
func promptEnds(ctx context.Context) { sendPrompt(ctx, promptEvent{}) }

func sendPrompt(ctx context.Context, ev promptEvent) {
	w, _ := ctx.Value(waiterKey{}).(*promptWaiter)
	if w == nil {
		return
	}
	select {
	case w.events <- ev:
	case <-ctx.Done(): // call has returned, or is returning
	}
}
