package store

import (
	"fmt"
	"os"
	"testing"

	"github.com/monitor-token/monitor-token/internal/testkeyring"
)

// TestMain gives the real-keyring tests their Secret Service: when none was
// set up by the caller (MONITOR_TOKEN_REAL_KEYRING unset) and this machine
// has gnome-keyring, it starts a private bus with an unlocked keyring over a
// throw-away HOME for this test binary. Without gnome-keyring those tests
// skip and say why, unless MONITOR_TOKEN_REQUIRE_KEYRING=1 (make test sets it
// once it has installed the packages), which turns the skip into a failure.
func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	if os.Getenv(realKeyringEnv) == "" && os.Getenv(childEnv) == "" {
		missing := testkeyring.Missing()
		if len(missing) > 0 && os.Getenv("MONITOR_TOKEN_REQUIRE_KEYRING") == "1" {
			fmt.Fprintf(os.Stderr, "MONITOR_TOKEN_REQUIRE_KEYRING=1 but %v are missing\n", missing)
			return 1
		}
		if len(missing) == 0 {
			home, err := os.MkdirTemp("", "store-keyring-home-")
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
			defer os.RemoveAll(home)
			session, err := testkeyring.Start(home, testkeyring.Unlocked)
			if err != nil {
				fmt.Fprintln(os.Stderr, "starting a test keyring:", err)
				return 1
			}
			defer session.Stop()
			os.Setenv("HOME", home)
			os.Setenv("DBUS_SESSION_BUS_ADDRESS", session.Address)
			os.Setenv(realKeyringEnv, "1")
		}
	}
	return m.Run()
}
