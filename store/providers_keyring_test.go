package store

// The Secret Service providers other than the session's gnome-keyring:
// KeePassXC and KWallet (and gnome-keyring again, as the baseline), each
// started by internal/testkeyring on a private bus of its own, and read by
// this test binary re-executed inside it (TestChildProcess): go-keyring and
// the fast read talk to the process's one session bus.

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/testkeyring"
)

// childFastEnv makes TestChildProcess report what fastGet alone says.
const childFastEnv = "MONITOR_TOKEN_STORE_CHILD_FAST"

// startProvider starts p over home for t; it skips when the machine lacks
// p, and fails instead when scripts/deps/ installed it (p.RequireEnv()).
func startProvider(t *testing.T, home string, p testkeyring.Provider, mode testkeyring.Mode) *testkeyring.Session {
	t.Helper()
	if why := testkeyring.SkipReason(p); why != "" {
		if p.Required() {
			t.Fatalf("%s=1 but %s", p.RequireEnv(), why)
		}
		t.Skip("skipped: " + why)
	}
	s, err := testkeyring.StartProvider(home, p, mode)
	if err != nil {
		t.Fatalf("starting %s (%v): %v", p, mode, err)
	}
	t.Cleanup(s.Stop)
	return s
}

// providerEnv is this process's environment for a child in session s.
func providerEnv(s *testkeyring.Session, extra ...string) []string {
	drop := []string{"HOME", "XDG_RUNTIME_DIR", "GNOME_KEYRING_CONTROL", "SSH_AUTH_SOCK", "DISPLAY",
		"WAYLAND_DISPLAY", childEnv, childTimeoutEnv, childFastEnv}
	return append(s.Env(environ(drop)), extra...)
}

// storeItem writes an item as go-keyring does (attributes service and
// username), through secret-tool, into the provider's default collection.
func storeItem(t *testing.T, s *testkeyring.Session, service, user, secret string) {
	t.Helper()
	run := func() ([]byte, error) {
		cmd := exec.Command("secret-tool", "store", "--label=provider test", "service", service, "username", user)
		cmd.Env = providerEnv(s)
		cmd.Stdin = strings.NewReader(secret)
		return cmd.CombinedOutput()
	}
	out, err := run()
	if err != nil && s.Provider == testkeyring.KWallet && strings.Contains(string(out), "Can't find session") {
		// kwalletd5 now and then fails to decrypt what secret-tool sends
		// over its encrypted session (internal/testkeyring's secretTool
		// says why); one more try, in a new session, as a person would.
		out, err = run()
	}
	if err != nil {
		t.Fatalf("secret-tool store in %s: %v: %s", s.Provider, err, out)
	}
}

// TestProviderFastRead: under every provider, the fast read answers an
// unlocked item itself (handled), with the value stored, whatever the
// collection is called: gnome-keyring's "login", KeePassXC's database
// ("Passwords"), KWallet's wallet ("kdewallet"); docs/keyring.md,
// "Three-call read".
func TestProviderFastRead(t *testing.T) {
	for _, p := range testkeyring.Providers {
		t.Run(string(p), func(t *testing.T) {
			s := startProvider(t, t.TempDir(), p, testkeyring.Unlocked)
			service := uniqueService(t)
			storeItem(t, s, service, "apikey", "s3cret of "+string(p))
			exe, args := childArgs(t)
			r := runChild(t, providerEnv(s, childEnv+"="+service, childFastEnv+"=s3cret of "+string(p)), exe, args...)
			if r.kind != "handled" {
				t.Fatalf("%s: the fast read did not answer an unlocked item (%s: %s); child output:\n%s", p, r.kind, r.msg, r.output)
			}
			r = runChild(t, providerEnv(s, childEnv+"="+service+"-missing", childFastEnv+"=-"), exe, args...)
			if r.kind != "ErrNotFound" {
				t.Fatalf("%s: a missing item: fast read said %s (%s), want a handled ErrNotFound; child output:\n%s", p, r.kind, r.msg, r.output)
			}
		})
	}
}

// TestProviderLocked: an item stored, then the provider restarted locked,
// with no one to answer an unlock dialog. A read must never say "not
// found" (which the program reports as "not logged in"): KeePassXC cannot
// search a locked database and answers a search with nothing, which must
// read as ErrLocked (docs/keyring.md, "KeePassXC"); gnome-keyring with no
// display answers the unlock with a prompt that completes as dismissed at
// once (docs/keyring.md, "Prompts and deadlines"); KWallet's unlock dialog
// waits, so the deadline ends the read (docs/keyring.md, "KWallet").
func TestProviderLocked(t *testing.T) {
	want := map[testkeyring.Provider]string{
		testkeyring.GnomeKeyring: "ErrDismissed",
		testkeyring.KeePassXC:    "ErrLocked",
		testkeyring.KWallet:      "ErrTimeout",
	}
	for _, p := range testkeyring.Providers {
		t.Run(string(p), func(t *testing.T) {
			home := t.TempDir()
			s := startProvider(t, home, p, testkeyring.Unlocked)
			service := uniqueService(t)
			storeItem(t, s, service, "apikey", "value")
			s.Stop()
			s = startProvider(t, home, p, testkeyring.Locked)
			exe, args := childArgs(t)
			r := runChild(t, providerEnv(s, childEnv+"="+service, childTimeoutEnv+"=3s"), exe, args...)
			t.Logf("%s locked: store said: %s", p, r.msg)
			if r.kind != want[p] {
				t.Fatalf("%s locked: got %s (%s), want %s; child output:\n%s", p, r.kind, r.msg, want[p], r.output)
			}
		})
	}
}

// childFastGet is TestChildProcess's report of fastGet alone: "handled"
// when it answered with the wanted secret, the error's kind when it
// answered with an error, "fell-back" when it left the read to go-keyring.
func childFastGet(service, want string) {
	secret, handled, err := fastGet(service, "apikey")
	switch {
	case !handled:
		os.Stdout.WriteString("CHILD-KIND fell-back\n")
	case err != nil:
		err = Classify("read", "apikey", err)
		os.Stdout.WriteString("CHILD-KIND " + kindName(err) + "\nCHILD-ERROR " + err.Error() + "\n")
	case secret != want:
		os.Stdout.WriteString("CHILD-KIND wrong-secret\nCHILD-ERROR the fast read returned another value\n")
	default:
		os.Stdout.WriteString("CHILD-KIND handled\n")
	}
}
