//go:build !linux

package store

import "context"

// unlockFirst is Linux's: elsewhere go-keyring's calls do not go through
// the Secret Service, and their prompts (the macOS Keychain's) are the
// platform's own.
func unlockFirst(context.Context, string, string) error { return nil }

// nothingToDelete is Linux's too: elsewhere the delete itself finds out.
func nothingToDelete(context.Context, string, string) bool { return false }

// createItem is Linux's as well: elsewhere go-keyring's Set writes.
func createItem(context.Context, string, string, string) (bool, error) { return false, nil }
