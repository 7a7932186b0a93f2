package store

import (
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// The Secret Service names (freedesktop.org Secret Service API 0.2).
const (
	ssName       = "org.freedesktop.secrets"
	ssPath       = "/org/freedesktop/secrets"
	ssService    = "org.freedesktop.Secret.Service"
	loginItemDir = "/org/freedesktop/secrets/collection/login/"
)

// ssSecret is the Secret Service's Secret struct, (oayays).
type ssSecret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// fastGet reads an item of the login collection with three Secret Service
// calls (OpenSession, SearchItems, GetSecrets), as secret-tool does, where
// go-keyring's Get makes seven (it checks and unlocks the collection, then
// the item, and closes the session). The warm path of every git fetch and
// curl is this one read, so the four round trips are worth saving
// (docs/keyring.md, "Three-call read"; measured in docs/performance.md).
//
// It answers only the plain cases: the item found unlocked in the login
// collection, or found nowhere at all (ErrNotFound). Everything else (no
// bus, no Secret Service, a locked item that needs a prompt, an item only in
// another collection, any D-Bus error) returns handled=false, and the caller
// takes go-keyring's path, whose errors Classify knows.
func fastGet(service, user string) (secret string, handled bool, err error) {
	conn, err := dbus.SessionBus()
	if err != nil {
		return "", false, nil
	}
	svc := conn.Object(ssName, ssPath)
	var output dbus.Variant
	var session dbus.ObjectPath
	if err := svc.Call(ssService+".OpenSession", 0, "plain", dbus.MakeVariant("")).Store(&output, &session); err != nil {
		return "", false, nil
	}
	// No Close: the daemon drops a client's sessions when it disconnects,
	// and secret-tool relies on that too. (A Close sent without waiting
	// for its answer was the only new thing in the run where gnome-keyring
	// aborted on a glib assertion once; not reproduced since, either way.)

	var unlocked, locked []dbus.ObjectPath
	attrs := map[string]string{"service": service, "username": user}
	if err := svc.Call(ssService+".SearchItems", 0, attrs).Store(&unlocked, &locked); err != nil {
		return "", false, nil
	}
	if len(unlocked) == 0 && len(locked) == 0 {
		return "", true, keyring.ErrNotFound
	}
	var item dbus.ObjectPath
	for _, p := range unlocked {
		if strings.HasPrefix(string(p), loginItemDir) {
			item = p // go-keyring reads the login collection: the same item
			break
		}
	}
	if item == "" {
		return "", false, nil
	}
	var secrets map[dbus.ObjectPath]ssSecret
	if err := svc.Call(ssService+".GetSecrets", 0, []dbus.ObjectPath{item}, session).Store(&secrets); err != nil {
		return "", false, nil
	}
	s, ok := secrets[item]
	if !ok {
		return "", false, nil
	}
	return string(s.Value), true, nil
}
