package store

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/zalando/go-keyring"
)

// The kinds of failure. Every error returned by a Store is an *Error whose
// Kind is one of these, so callers test with errors.Is(err, store.ErrLocked)
// and never parse text.
var (
	// ErrNotFound: the item does not exist. Only ever returned when the
	// keyring answered "no such item": a keyring that did not answer gives
	// ErrTimeout, one that cannot be reached gives another kind.
	ErrNotFound = errors.New("not found in the keyring")
	// ErrNoSessionBus: no D-Bus session bus (SSH, container, cron).
	ErrNoSessionBus = errors.New("no D-Bus session bus")
	// ErrNoSecretService: a session bus, but nothing provides
	// org.freedesktop.secrets on it.
	ErrNoSecretService = errors.New("no Secret Service on the session bus")
	// ErrLocked: the collection is locked and could not be unlocked (no
	// prompter, or the prompt was dismissed).
	ErrLocked = errors.New("the keyring is locked")
	// ErrDenied: the keyring asked the person, who said no (macOS's
	// access prompt).
	ErrDenied = errors.New("access to the keyring item was denied")
	// ErrDismissed: the Secret Service's prompt (to unlock, or to allow
	// access) completed as dismissed: the person closed it, or no prompt
	// could be shown (gnome-keyring without a display says the same).
	ErrDismissed = errors.New("the keyring's prompt was dismissed")
	// ErrTimeout: the keyring did not answer before the deadline.
	ErrTimeout = errors.New("the keyring did not answer in time")
	// ErrTooLarge: the secret exceeds what the OS keyrings can hold.
	ErrTooLarge = errors.New("the secret is too large for the keyring")
	// ErrUnsupported: go-keyring has no backend for this platform.
	ErrUnsupported = errors.New("no keyring on this platform")
	// ErrUnavailable: any other failure; the cause says what.
	ErrUnavailable = errors.New("the keyring is unavailable")
)

// IsUnavailable says whether err means that the keyring as a whole could not
// be used: there is none (no session bus, no Secret Service, no backend for
// the platform), it is locked, its prompt was dismissed, it did not answer in
// time, or it failed in another way. Asking it again, for this item or
// another, fails the same way or waits out another deadline, so a caller
// stops asking, and a report says "keyring unavailable".
//
// An answer about one item or one secret is not: ErrNotFound (no such item),
// ErrDenied (the person refused this item: macOS asks item by item),
// ErrTooLarge (this secret does not fit). Nor is an error that did not come
// from a Store, such as a file cache's or the service's.
func IsUnavailable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case ErrNotFound, ErrDenied, ErrTooLarge:
		return false
	}
	return true
}

// Error is a failed keyring call. It never contains the secret.
type Error struct {
	Op   string // "read", "write" or "delete"
	Item string // the user name of the item ("" for DeleteAll); never a secret
	Kind error  // one of the Err* sentinels of this package
	Err  error  // the underlying cause (go-keyring's error, a context error, ...)
	// fix, when set, is what to do next in this platform's words, in
	// place of the kind's (the macOS Keychain's, keychain_errors.go).
	fix string
}

// The "what to do next" part names IBMCLOUD_API_KEY because that is the way
// out that needs no keyring at all (docs/keyring.md, "No silent fallback":
// users on such machines need the cause and the ways out, never a silent
// fallback to a plain file).
const useEnv = "or use IBMCLOUD_API_KEY instead of the keyring"

// Error returns one line: what failed, why, what to do next, and the cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.what())
	b.WriteString(": ")
	showCause := true
	kind := e.Kind
	if e.fix != "" {
		kind = errOwnFix
	}
	switch kind {
	case errOwnFix:
		b.WriteString(e.fix)
	case ErrNotFound:
		showCause = false // go-keyring's "secret not found in keyring" adds nothing
		if e.Op == "delete" {
			b.WriteString("no such item: nothing to delete")
		} else {
			b.WriteString("no such item: store it first")
		}
	case ErrNoSessionBus:
		b.WriteString("no D-Bus session bus (SSH, container or cron?): run inside a desktop session, " + useEnv)
	case ErrNoSecretService:
		b.WriteString("no Secret Service on the D-Bus session bus (is gnome-keyring, KWallet or KeePassXC running?): install or start one, " + useEnv)
	case ErrLocked:
		b.WriteString("the keyring is locked: unlock it (e.g. log in to the desktop, or `gnome-keyring-daemon --unlock`), " + useEnv)
	case ErrDismissed:
		showCause = false // the prompt's object path helps nobody
		b.WriteString("the keyring's unlock prompt was dismissed, or could not be shown (no display?): run again and answer the prompt, or unlock the keyring first (e.g. log in to the desktop, or `gnome-keyring-daemon --unlock`), " + useEnv)
	case ErrTimeout:
		showCause = false // the cause is a context error, said here in words
		var de *deadlineError
		switch {
		case errors.Is(e.Err, context.Canceled):
			b.WriteString("canceled before the keyring answered")
		case errors.As(e.Err, &de) && de.prompt != "":
			fmt.Fprintf(&b, "the keyring's %s prompt was not answered within %s: answer it, or raise %s", de.prompt, de.after, TimeoutEnv)
		case errors.As(e.Err, &de):
			fmt.Fprintf(&b, "the keyring did not answer within %s (locked with an unanswered unlock prompt?): unlock it, or raise %s", de.after, TimeoutEnv)
		default:
			b.WriteString("the keyring did not answer in time (locked with an unanswered unlock prompt?): unlock it, or raise " + TimeoutEnv)
		}
	case ErrTooLarge:
		fmt.Fprintf(&b, "the secret is too large for the OS keyring (limit %d bytes, to fit Windows' 2560 and macOS's about 3000): it cannot be stored there", MaxSecretSize)
	case ErrUnsupported:
		b.WriteString("go-keyring has no OS keyring for this platform: " + strings.TrimPrefix(useEnv, "or "))
	default:
		b.WriteString("the OS keyring is unavailable: check that its daemon runs (e.g. `secret-tool search --all service <service>` on Linux), " + useEnv)
	}
	if showCause && e.Err != nil {
		b.WriteString(" (cause: ")
		b.WriteString(e.Err.Error())
		b.WriteString(")")
	}
	return b.String()
}

// lockedUnsearchable is the ErrLocked of a provider that cannot search a
// locked collection (KeePassXC's database): the item may well be there, so
// the fix is to unlock, never to log in again (docs/keyring.md, "KeePassXC").
func lockedUnsearchable(op, item, collection string) *Error {
	return &Error{Op: op, Item: item, Kind: ErrLocked,
		Err: fmt.Errorf("collection %s is locked, and KeePassXC cannot search a locked database", collection),
		fix: "the keyring is locked: unlock the database in KeePassXC, " + useEnv}
}

// errOwnFix stands, in Error, for an error that carries its own fix.
var errOwnFix = errors.New("own fix")

func (e *Error) what() string {
	item := "the items"
	if e.Item != "" {
		item = fmt.Sprintf("%q", e.Item)
	}
	switch e.Op {
	case "read":
		return "cannot read " + item + " from the OS keyring"
	case "write":
		return "cannot write " + item + " to the OS keyring"
	case "delete":
		return "cannot delete " + item + " from the OS keyring"
	default:
		return "keyring " + e.Op + " of " + item + " failed"
	}
}

// Unwrap returns both the kind and the cause, so that errors.Is works with
// the sentinels of this package and with go-keyring's or context's errors.
func (e *Error) Unwrap() []error {
	errs := make([]error, 0, 2)
	if e.Kind != nil {
		errs = append(errs, e.Kind)
	}
	if e.Err != nil {
		errs = append(errs, e.Err)
	}
	return errs
}

// deadlineError is the cause of an ErrTimeout: how long we waited.
type deadlineError struct {
	after  time.Duration
	prompt string // the prompt that was showing ("unlock", "access"), if any
	err    error  // ctx.Err()
}

func (d *deadlineError) Error() string {
	return fmt.Sprintf("no answer within %s: %v", d.after, d.err)
}

func (d *deadlineError) Unwrap() error { return d.err }

// Classify turns an error from go-keyring into an *Error with a Kind. nil
// stays nil and an *Error is returned unchanged.
//
// Only ErrNotFound, ErrSetDataTooBig and ErrUnsupportedPlatform are typed in
// go-keyring; every other failure is the text of a D-Bus error or of an exec,
// matched here against the strings of docs/keyring.md, "Failure modes"
// (reproduced on Debian 12). The text is matched, not the D-Bus error type, so that go-keyring
// stays the only dependency of this package.
func Classify(op, item string, err error) error {
	return classify(runtime.GOOS, op, item, err)
}

// classify is Classify for the platform goos, so each platform's errors are
// tested on every platform.
func classify(goos, op, item string, err error) error {
	if err == nil {
		return nil
	}
	var se *Error
	if errors.As(err, &se) {
		return se
	}
	if goos == "darwin" {
		if e, ok := keychainError(op, item, err); ok {
			return e
		}
	}
	return &Error{Op: op, Item: item, Kind: kindOf(err), Err: err}
}

func kindOf(err error) error {
	switch {
	case errors.Is(err, keyring.ErrNotFound):
		return ErrNotFound
	case errors.Is(err, keyring.ErrSetDataTooBig):
		return ErrTooLarge
	case errors.Is(err, keyring.ErrUnsupportedPlatform):
		return ErrUnsupported
	case errors.Is(err, ErrDismissed): // store's own prompt handling, prompt_linux.go
		return ErrDismissed
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return ErrTimeout
	}
	msg := strings.ToLower(err.Error())
	has := func(subs ...string) bool {
		for _, s := range subs {
			if strings.Contains(msg, s) {
				return true
			}
		}
		return false
	}
	switch {
	// No bus: godbus finds no DBUS_SESSION_BUS_ADDRESS and no
	// /run/user/UID/bus, then tries to autolaunch one with dbus-launch.
	case errors.Is(err, exec.ErrNotFound) && has("dbus-launch"),
		has("executable file not found") && has("dbus-launch"),
		has("couldn't determine address of session bus"),
		// A stale DBUS_SESSION_BUS_ADDRESS (e.g. a tmux started in a
		// session that has ended): go-keyring only ever dials the
		// session bus, so a failed dial means the bus is gone.
		has("dial unix") && has("no such file or directory", "connection refused"):
		return ErrNoSessionBus
	// A bus, but nobody owns or can activate org.freedesktop.secrets, the
	// only name go-keyring calls: dbus-daemon's text, dbus-broker's text
	// (Ubuntu, Fedora), and the error's name for a reply without text.
	case has("was not provided by any .service files"),
		has("the name is not activatable"),
		has("org.freedesktop.dbus.error.serviceunknown"):
		return ErrNoSecretService
	// go-keyring reports an unlock that did not happen (no prompter, or a
	// dismissed prompt) as "failed to unlock correct collection '...'";
	// gnome-keyring refuses writes to a locked collection with IsLocked.
	case has("failed to unlock correct collection"),
		has("dismissed"),
		has("org.freedesktop.secret.error.islocked"),
		has("locked collection"):
		return ErrLocked
	}
	return ErrUnavailable
}
