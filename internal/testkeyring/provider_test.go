package testkeyring

import (
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

// startProviderT starts p in mode over home for t, or skips (fails, when
// the provider is required) on a machine without it.
func startProviderT(t *testing.T, home string, p Provider, mode Mode) *Session {
	t.Helper()
	if why := SkipReason(p); why != "" {
		if p.Required() {
			t.Fatalf("%s=1 but %s", p.RequireEnv(), why)
		}
		t.Skip("skipped: " + why)
	}
	s, err := StartProvider(home, p, mode)
	if err != nil {
		t.Fatalf("starting %s: %v", p, err)
	}
	t.Cleanup(s.Stop)
	return s
}

// TestProviderSessions: each provider keeps an item across a restart over
// the same HOME, and Locked is really locked: its collection says so, and
// a read of the item does not come back with it.
func TestProviderSessions(t *testing.T) {
	for _, p := range Providers {
		t.Run(string(p), func(t *testing.T) {
			home := t.TempDir()
			s := startProviderT(t, home, p, Unlocked)
			mustSecretTool(t, s, "value", "store", "--label=kept", "service", "testkeyring", "username", "u")
			if got := mustSecretTool(t, s, "", "lookup", "service", "testkeyring", "username", "u"); got != "value" {
				t.Fatalf("secret-tool lookup = %q, want %q", got, "value")
			}
			s.Stop()

			s = startProviderT(t, home, p, Locked)
			conn, err := dbus.Connect(s.Address)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			var coll dbus.ObjectPath
			if err := conn.Object(secretsName, "/org/freedesktop/secrets").Call("org.freedesktop.Secret.Service.ReadAlias", 0, "default").Store(&coll); err != nil {
				t.Fatal(err)
			}
			v, err := conn.Object(secretsName, coll).GetProperty("org.freedesktop.Secret.Collection.Locked")
			if err != nil || v.Value() != true {
				t.Fatalf("Locked: collection %s Locked = %v, %v; want true", coll, v, err)
			}
			s.Stop()

			s = startProviderT(t, home, p, Unlocked)
			if got := mustSecretTool(t, s, "", "lookup", "service", "testkeyring", "username", "u"); got != "value" {
				t.Fatalf("after a restart: secret-tool lookup = %q, want %q", got, "value")
			}
		})
	}
}

// mustSecretTool is secretTool that fails the test on an error, and trims
// the output.
func mustSecretTool(t *testing.T, s *Session, stdin string, args ...string) string {
	t.Helper()
	out, err := secretTool(s, stdin, args...)
	if err != nil {
		t.Fatalf("secret-tool %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(out)
}
