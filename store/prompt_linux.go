package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/godbus/dbus/v5"
)

// More Secret Service names (freedesktop.org Secret Service API 0.2); the
// service's own are in fastget_linux.go.
const (
	ssPrompt        = "org.freedesktop.Secret.Prompt"
	ssProperties    = "org.freedesktop.DBus.Properties"
	loginCollection = dbus.ObjectPath("/org/freedesktop/secrets/collection/login")
	defaultAlias    = dbus.ObjectPath("/org/freedesktop/secrets/aliases/default")
	noPrompt        = dbus.ObjectPath("/")
)

// unlockFirst does, before a go-keyring call, the unlock step that the call
// would do itself: Service.Unlock of the collection go-keyring picks and,
// for a read (user set), of the item it will read. go-keyring answers a
// prompt by waiting for its Completed signal with no deadline of its own
// (secret_service.go, handlePrompt), so the Store could not tell a person
// typing a password from a keyring that does not answer. Here the prompt is
// seen: the call's deadline moves to the prompt deadline while it shows
// (promptBegins), and go-keyring then finds everything unlocked
// (docs/keyring.md, "Prompts and deadlines").
//
// Any failure of these calls returns nil while the call still runs:
// go-keyring repeats the same step and reports the failure its own way,
// whose texts Classify knows. A dismissed prompt is ErrDismissed.
func unlockFirst(ctx context.Context, service, user string) error {
	conn, err := dbus.SessionBus()
	if err != nil {
		return nil
	}
	collection, err := goKeyringCollection(ctx, conn)
	if err != nil {
		return ctx.Err()
	}
	if err := unlock(ctx, conn, collection); err != nil || user == "" {
		return err
	}
	// go-keyring's Get then unlocks the first item the collection's
	// search returns: KeePassXC asks there whether to allow access.
	var items []dbus.ObjectPath
	attrs := map[string]string{"service": service, "username": user}
	err = conn.Object(ssName, collection).CallWithContext(ctx, ssCollection+".SearchItems", 0, attrs).Store(&items)
	if err != nil || len(items) == 0 {
		return ctx.Err()
	}
	return unlock(ctx, conn, items[0])
}

// nothingToDelete reports whether the Secret Service holds no item of
// service (and of user, when set) in any collection, locked or not: then a
// delete has nothing to do and needs no unlock, which go-keyring's Delete
// would ask for first, prompting a person for nothing (after a dismissed
// login, its rollback deletes what was never written). SearchItems lists
// the matches of locked collections too, as the fast read relies on. Any
// failure says false, and the delete goes on as before.
func nothingToDelete(ctx context.Context, service, user string) bool {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false
	}
	attrs := map[string]string{"service": service}
	if user != "" {
		attrs["username"] = user
	}
	var unlocked, locked []dbus.ObjectPath
	err = conn.Object(ssName, ssPath).CallWithContext(ctx, ssService+".SearchItems", 0, attrs).Store(&unlocked, &locked)
	return err == nil && len(unlocked) == 0 && len(locked) == 0
}

// goKeyringCollection is the collection go-keyring uses
// (GetLoginCollection): "login" when the service has one, else the
// default alias.
func goKeyringCollection(ctx context.Context, conn *dbus.Conn) (dbus.ObjectPath, error) {
	var v dbus.Variant
	err := conn.Object(ssName, ssPath).CallWithContext(ctx, ssProperties+".Get", 0, ssService, "Collections").Store(&v)
	if err != nil {
		return "", err
	}
	if paths, _ := v.Value().([]dbus.ObjectPath); slices.Contains(paths, loginCollection) {
		return loginCollection, nil
	}
	return defaultAlias, nil
}

// unlock asks the Secret Service to unlock target and, when it answers with
// a prompt, waits for the prompt.
func unlock(ctx context.Context, conn *dbus.Conn, target dbus.ObjectPath) error {
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err := conn.Object(ssName, ssPath).CallWithContext(ctx, ssService+".Unlock", 0, []dbus.ObjectPath{target}).Store(&unlocked, &prompt)
	if err != nil || prompt == noPrompt || prompt == "" {
		return ctx.Err()
	}
	return awaitPrompt(ctx, conn, prompt, "unlock")
}

// awaitPrompt shows the Secret Service's prompt (Prompt.Prompt with no
// parent window) and waits for its Completed(dismissed, result) signal, or
// for ctx: the call's, whose deadline promptBegins has moved to the prompt
// deadline, and which Ctrl-C cancels. The match rule and the signal channel
// are removed again: the session bus connection is shared with go-keyring
// and the fast read.
func awaitPrompt(ctx context.Context, conn *dbus.Conn, prompt dbus.ObjectPath, what string) error {
	match := []dbus.MatchOption{
		dbus.WithMatchObjectPath(prompt),
		dbus.WithMatchInterface(ssPrompt),
		dbus.WithMatchMember("Completed"),
	}
	if err := conn.AddMatchSignalContext(ctx, match...); err != nil {
		return ctx.Err()
	}
	defer conn.RemoveMatchSignal(match...)
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	defer conn.RemoveSignal(signals)

	promptBegins(ctx, what)
	defer promptEnds(ctx)
	if err := conn.Object(ssName, prompt).CallWithContext(ctx, ssPrompt+".Prompt", 0, "").Err; err != nil {
		return ctx.Err() // go-keyring will meet the same prompt and say why
	}
	for {
		select {
		case sig := <-signals:
			if sig.Path != prompt || sig.Name != ssPrompt+".Completed" || len(sig.Body) == 0 {
				continue
			}
			if dismissed, _ := sig.Body[0].(bool); dismissed {
				return &dismissedError{what: what, prompt: prompt}
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// dismissedError is the cause of an ErrDismissed.
type dismissedError struct {
	what   string
	prompt dbus.ObjectPath
}

func (e *dismissedError) Error() string {
	return fmt.Sprintf("the Secret Service's %s prompt %s completed as dismissed", e.what, e.prompt)
}

func (e *dismissedError) Is(target error) bool { return target == ErrDismissed }
