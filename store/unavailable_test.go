package store

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

// TestIsUnavailable: every kind of keyring failure, wrapped as the broker
// and the commands wrap it, and errors that are not the keyring's.
func TestIsUnavailable(t *testing.T) {
	tests := []struct {
		kind error
		want bool
	}{
		{ErrNotFound, false},
		{ErrDenied, false},
		{ErrTooLarge, false},
		{ErrNoSessionBus, true},
		{ErrNoSecretService, true},
		{ErrLocked, true},
		{ErrDismissed, true},
		{ErrTimeout, true},
		{ErrUnsupported, true},
		{ErrUnavailable, true},
	}
	if len(tests) != len(kinds) {
		t.Fatalf("%d kinds tested, %d kinds exist: a new kind needs a row", len(tests), len(kinds))
	}
	for _, tt := range tests {
		t.Run(kinds[tt.kind], func(t *testing.T) {
			err := fmt.Errorf("status: %w", &Error{Op: "read", Item: "p/api-key", Kind: tt.kind, Err: errors.New("cause")})
			if got := IsUnavailable(err); got != tt.want {
				t.Errorf("IsUnavailable(%s) = %v, want %v", kinds[tt.kind], got, tt.want)
			}
		})
	}
	// Not from a Store: a bare sentinel (no *Error), a file's error, nil.
	for _, err := range []error{ErrUnavailable, fmt.Errorf("token cache: %w", fs.ErrNotExist), nil} {
		if IsUnavailable(err) {
			t.Errorf("IsUnavailable(%v) = true, want false: it did not come from a Store", err)
		}
	}
}
