package broker

import (
	"context"
	"errors"
	"testing"

	"github.com/monitor-token/monitor-token/internal/profile"
)

// TestHintsNameTheProgram: the commands a hint suggests are spelled as the
// user invoked monitor-token.
func TestHintsNameTheProgram(t *testing.T) {
	tests := []struct {
		program, noKey, notRestored string
	}{
		{"", "no API key for profile \"p\": run `monitor-token login` again, or set IBMCLOUD_API_KEY",
			"disk full (the keyring could not be put back as it was: injected keyring failure; `monitor-token status` shows what is there)"},
		{"ibmcloud monitor-token", "no API key for profile \"p\": run `ibmcloud monitor-token login` again, or set IBMCLOUD_API_KEY",
			"disk full (the keyring could not be put back as it was: injected keyring failure; `ibmcloud monitor-token status` shows what is there)"},
		{"kubectl monitor-token", "no API key for profile \"p\": run `kubectl monitor-token login` again, or set IBMCLOUD_API_KEY",
			"disk full (the keyring could not be put back as it was: injected keyring failure; `kubectl monitor-token status` shows what is there)"},
	}
	for _, tt := range tests {
		t.Run(tt.program, func(t *testing.T) {
			ctx := context.Background()
			b, sec, _, _ := newBroker(t)
			b.Program = tt.program
			if _, _, err := b.IAMToken(ctx, target); err == nil || err.Error() != tt.noKey {
				t.Errorf("no key:\n got %v\nwant %s", err, tt.noKey)
			}
			sec.inner.Set(ctx, APIKeyItem("p"), "old-key")
			sec.failOn = "Set#2" // Set#1 writes the new key; Set#2 would put the old one back
			_, err := b.Login(ctx, target, "new-key", LoginOptions{}, func(profile.Profile) error { return errors.New("disk full") })
			if err == nil || err.Error() != tt.notRestored {
				t.Errorf("not restored:\n got %v\nwant %s", err, tt.notRestored)
			}
		})
	}
}
