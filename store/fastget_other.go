//go:build !linux

package store

// fastGet is Linux's Secret Service shortcut; elsewhere go-keyring's own
// Get is the only path.
func fastGet(service, user string) (string, bool, error) { return "", false, nil }
