// Package filecache keeps cached tokens in files, for profiles that opted
// into it (cache=file) on machines with no keyring: one 0600 file per item
// in a 0700 directory, written atomically. It is plain text by the user's
// choice, never a silent fallback (docs/keyring.md, "No silent fallback").
package filecache

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/store"
)

// Cache stores items under Dir. Announce, when set, is told the path of a
// file the first time it is created, so the user learns where plain text
// now lives.
type Cache struct {
	Dir      string
	Announce func(path string)
}

// maxItem bounds a read: a cached token entry is a few hundred bytes.
const maxItem = 64 << 10

// Path is the file of an item; "/" in item names becomes ".".
func (c *Cache) Path(item string) string {
	return filepath.Join(c.Dir, strings.ReplaceAll(item, "/", ".")+".json")
}

func (c *Cache) Get(ctx context.Context, item string) (string, error) {
	path := c.Path(item)
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", &store.Error{Op: "read", Item: item, Kind: store.ErrNotFound, Err: err}
	}
	if err != nil {
		return "", fmt.Errorf("token cache %s: %w", path, err)
	}
	if fi.Size() > maxItem || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("token cache %s is not a cache file; remove it", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("token cache %s: %w", path, err)
	}
	return string(b), nil
}

func (c *Cache) Set(ctx context.Context, item, secret string) error {
	path := c.Path(item)
	// Stat first: only a file that did not exist yet is announced.
	_, statErr := os.Stat(path)
	if err := atomicfile.Write(path, []byte(secret), 0o600); err != nil {
		return fmt.Errorf("token cache %s: %w", path, err)
	}
	if errors.Is(statErr, fs.ErrNotExist) && c.Announce != nil {
		c.Announce(path)
	}
	return nil
}

func (c *Cache) Delete(ctx context.Context, item string) error {
	err := os.Remove(c.Path(item))
	if errors.Is(err, fs.ErrNotExist) {
		return &store.Error{Op: "delete", Item: item, Kind: store.ErrNotFound, Err: err}
	}
	return err
}

// None is the cache of cache=none: it never holds anything.
type None struct{}

func (None) Get(ctx context.Context, item string) (string, error) {
	return "", &store.Error{Op: "read", Item: item, Kind: store.ErrNotFound}
}
func (None) Set(ctx context.Context, item, secret string) error { return nil }
func (None) Delete(ctx context.Context, item string) error {
	return &store.Error{Op: "delete", Item: item, Kind: store.ErrNotFound}
}
