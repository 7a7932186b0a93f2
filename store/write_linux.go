package store

import (
	"context"
	"fmt"

	"github.com/godbus/dbus/v5"
)

const ssItem = "org.freedesktop.Secret.Item"

// createItem is go-keyring's Set for the Secret Service (its
// keyring_unix.go, secretServiceProvider.Set) done here, for one reason: a
// prompt that CreateItem itself returns is waited for under the prompt
// deadline, with the notice, where go-keyring would wait under the short
// one. KeePassXC up to 2.7.5 returns such a prompt whenever CreateItem
// replaces an item this client has not used before: its "allow access"
// dialog, even with access confirmation off (docs/keyring.md, "KeePassXC").
// The collection, label, attributes and secret are go-keyring's, byte for
// byte, so every reader finds the item as go-keyring would have written it.
//
// handled is false when the write could not start (no session bus, no
// Secret Service session): the caller then takes go-keyring's path, whose
// errors Classify knows.
func createItem(ctx context.Context, service, user, secret string) (handled bool, err error) {
	conn, err := dbus.SessionBus()
	if err != nil {
		return false, nil
	}
	svc := conn.Object(ssName, ssPath)
	var output dbus.Variant
	var session dbus.ObjectPath
	if err := svc.CallWithContext(ctx, ssService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&output, &session); err != nil {
		return false, nil
	}
	defer conn.Object(ssName, session).Call("org.freedesktop.Secret.Session.Close", dbus.FlagNoReplyExpected)

	collection, err := goKeyringCollection(ctx, conn)
	if err != nil {
		return false, nil
	}
	if err := unlock(ctx, conn, collection); err != nil {
		return true, err
	}
	properties := map[string]dbus.Variant{
		ssItem + ".Label":      dbus.MakeVariant(fmt.Sprintf("Password for '%s' on '%s'", user, service)),
		ssItem + ".Attributes": dbus.MakeVariant(map[string]string{"username": user, "service": service}),
	}
	value := ssSecret{Session: session, Parameters: []byte{}, Value: []byte(secret), ContentType: "text/plain; charset=utf8"}
	var item, prompt dbus.ObjectPath
	err = conn.Object(ssName, collection).CallWithContext(ctx, ssCollection+".CreateItem", 0, properties, value, true).Store(&item, &prompt)
	if err != nil {
		if ctx.Err() != nil {
			return true, ctx.Err()
		}
		return true, err
	}
	if prompt == noPrompt || prompt == "" {
		return true, nil
	}
	return true, awaitPrompt(ctx, conn, prompt, "access")
}
