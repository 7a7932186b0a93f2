package store

import (
	"errors"
	"testing"

	"github.com/zalando/go-keyring"
)

// TestFastGetAgreesWithGoKeyring: the three-call read returns what
// go-keyring's Get returns, for an item and for a missing one, and does
// answer (rather than fall back) in both plain cases.
func TestFastGetAgreesWithGoKeyring(t *testing.T) {
	requireRealKeyring(t)
	service := uniqueService(t)
	t.Cleanup(func() { keyring.DeleteAll(service) })
	if err := keyring.Set(service, "u", "s3cret with spaces and ünïcode"); err != nil {
		t.Fatal(err)
	}
	want, err := keyring.Get(service, "u")
	if err != nil {
		t.Fatal(err)
	}
	got, handled, err := fastGet(service, "u")
	if !handled || err != nil || got != want {
		t.Fatalf("fastGet = %q, handled %v, %v; go-keyring says %q", got, handled, err, want)
	}
	_, handled, err = fastGet(service, "missing")
	if !handled || !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("missing item: handled %v, err %v; want a handled ErrNotFound", handled, err)
	}
	if _, err := keyring.Get(service, "missing"); !errors.Is(err, keyring.ErrNotFound) {
		t.Fatalf("go-keyring disagrees on the missing item: %v", err)
	}
}
