package store

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// exitError is a real *exec.ExitError with the given status, as go-keyring
// returns when /usr/bin/security fails (it drops the tool's output).
func exitError(t *testing.T, status string) error {
	t.Helper()
	err := exec.Command("sh", "-c", "exit "+status).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("sh -c 'exit %s' gave %v", status, err)
	}
	return err
}

// The failures of /usr/bin/security, as go-keyring passes them on: the
// exit status is the low byte of the Keychain's OSStatus
// (docs/keyring.md, "macOS Keychain"). Each gets a kind and a fix of its
// own, on macOS only.
func TestKeychainErrors(t *testing.T) {
	tests := []struct {
		status string
		kind   error
		says   string
	}{
		{"36", ErrLocked, `cannot read "default/api-key" from the OS keyring: the login keychain is locked and cannot ask for its password here (over SSH, or with no one at the screen): run ` + "`security unlock-keychain ~/Library/Keychains/login.keychain-db`" + ` first, or use IBMCLOUD_API_KEY instead of the keyring (cause: security exit status 36: errSecInteractionNotAllowed)`},
		{"128", ErrDenied, `cannot read "default/api-key" from the OS keyring: access was denied at the keychain's prompt: run the command again and choose Allow or Always Allow, or use IBMCLOUD_API_KEY instead of the keyring (cause: security exit status 128: errSecUserCanceled)`},
		{"51", ErrLocked, `the keychain refused the password given at its unlock prompt: run the command again and type your login password, or use IBMCLOUD_API_KEY instead of the keyring (cause: security exit status 51: errSecAuthFailed)`},
		{"50", ErrUnavailable, `there is no such keychain (no login keychain?): create or choose one in Keychain Access, or use IBMCLOUD_API_KEY instead of the keyring (cause: security exit status 50: errSecNoSuchKeychain)`},
		{"37", ErrUnavailable, `there is no default keychain: choose one with ` + "`security default-keychain -s ~/Library/Keychains/login.keychain-db`" + `, or use IBMCLOUD_API_KEY instead of the keyring (cause: security exit status 37: errSecNoDefaultKeychain)`},
		{"44", ErrNotFound, `no such item: store it first`},
		{"1", ErrUnavailable, `the macOS keychain tool /usr/bin/security failed: run ` + "`security find-generic-password -a default/api-key`" + ` to see its message, or use IBMCLOUD_API_KEY instead of the keyring (cause: security exit status 1)`},
	}
	for _, tt := range tests {
		t.Run("exit "+tt.status, func(t *testing.T) {
			err := classify("darwin", "read", "default/api-key", exitError(t, tt.status))
			if !errors.Is(err, tt.kind) {
				t.Fatalf("kind of %v = %s, want %s", err, kindName(err), kinds[tt.kind])
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Fatalf("message %q\nwant it to say %q", err, tt.says)
			}
			// The same exit status elsewhere is some other program's.
			if other := classify("linux", "read", "default/api-key", exitError(t, tt.status)); !errors.Is(other, ErrUnavailable) {
				t.Fatalf("on Linux exit %s is %s, want ErrUnavailable", tt.status, kindName(other))
			}
		})
	}
}

// /usr/bin/security missing (a stripped-down image) is no keyring at all.
func TestKeychainToolMissing(t *testing.T) {
	err := classify("darwin", "read", "p/api-key", &exec.Error{Name: "/usr/bin/security", Err: exec.ErrNotFound})
	if !errors.Is(err, ErrUnsupported) {
		t.Fatalf("kind = %s, want ErrUnsupported", kindName(err))
	}
}
