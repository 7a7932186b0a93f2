package store

import (
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
	"github.com/zalando/go-keyring"
)

// The Secret Service names (freedesktop.org Secret Service API 0.2).
const (
	ssName       = "org.freedesktop.secrets"
	ssPath       = "/org/freedesktop/secrets"
	ssService    = "org.freedesktop.Secret.Service"
	ssCollection = "org.freedesktop.Secret.Collection"
)

// ssSecret is the Secret Service's Secret struct, (oayays).
type ssSecret struct {
	Session     dbus.ObjectPath
	Parameters  []byte
	Value       []byte
	ContentType string
}

// fastGet reads an item with three Secret Service calls (OpenSession,
// SearchItems, GetSecrets), as secret-tool does, where go-keyring's Get
// makes seven (it checks and unlocks the collection, then the item, and
// closes the session). The warm path of every git fetch and curl is this
// one read, so the four round trips are worth saving (docs/keyring.md,
// "Three-call read"; measured in docs/performance.md).
//
// It answers the plain cases: an item found unlocked, in whichever
// collection (gnome-keyring's is "login", KeePassXC's is named after its
// database, KWallet's after its wallet: docs/keyring.md, "Fast read across
// collections"), or no item anywhere. Everything else (no bus, no Secret
// Service, a locked item that needs a prompt, any D-Bus error) returns
// handled=false, and the caller takes go-keyring's path, whose errors
// Classify knows.
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
	if len(unlocked) == 0 {
		if len(locked) > 0 {
			return "", false, nil // go-keyring unlocks it, or says why not
		}
		return nothingFound(conn, svc, user)
	}
	item := pickItem(svc, unlocked)
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

// pickItem chooses among unlocked items the one go-keyring would read: in
// the login collection (gnome-keyring), else in the collection of the
// default alias (what go-keyring uses when there is no login collection:
// KeePassXC, KWallet), else the first. One item, the common case, costs
// no call; the alias is asked only when there is a choice.
func pickItem(svc dbus.BusObject, items []dbus.ObjectPath) dbus.ObjectPath {
	for _, p := range items {
		if path.Dir(string(p)) == string(loginCollection) {
			return p
		}
	}
	if len(items) > 1 {
		var alias dbus.ObjectPath
		if svc.Call(ssService+".ReadAlias", 0, "default").Store(&alias) == nil && alias != "/" {
			for _, p := range items {
				if path.Dir(string(p)) == string(alias) {
					return p
				}
			}
		}
	}
	return items[0]
}

// nothingFound decides what a search that found nothing, locked or
// unlocked, means. gnome-keyring and KWallet search locked collections too
// (their items come back as locked), so there it is "no such item". KeePassXC
// cannot search a locked database: it answers with nothing, at once when
// its unlock dialog is off or was dismissed (its
// src/fdosecrets/objects/Collection.cpp, searchItems). So when KeePassXC
// owns the Secret Service and its default collection is locked, nothing
// found means "locked", never "not logged in" (docs/keyring.md,
// "KeePassXC"). Any doubt steps aside to go-keyring.
func nothingFound(conn *dbus.Conn, svc dbus.BusObject, user string) (string, bool, error) {
	if !ownerIsKeePassXC(conn) {
		return "", true, keyring.ErrNotFound
	}
	var coll dbus.ObjectPath
	if err := svc.Call(ssService+".ReadAlias", 0, "default").Store(&coll); err != nil || coll == "/" {
		return "", false, nil
	}
	v, err := conn.Object(ssName, coll).GetProperty(ssCollection + ".Locked")
	if err != nil {
		return "", false, nil
	}
	if isLocked, _ := v.Value().(bool); isLocked {
		return "", true, lockedUnsearchable("read", user, string(coll))
	}
	return "", true, keyring.ErrNotFound
}

// ownerIsKeePassXC tells whether the process that owns the Secret Service
// name is KeePassXC, by its command name: the session bus is local, and
// the process is the user's own.
func ownerIsKeePassXC(conn *dbus.Conn) bool {
	var pid uint32
	if err := conn.BusObject().Call("org.freedesktop.DBus.GetConnectionUnixProcessID", 0, ssName).Store(&pid); err != nil {
		return false
	}
	comm, err := os.ReadFile("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/comm")
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(comm)), "keepassxc")
}
