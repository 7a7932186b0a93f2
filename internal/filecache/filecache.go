// Package filecache keeps cached tokens in files, for profiles that opted
// into it (cache=file) on machines with no keyring: one 0600 file per item
// in a 0700 directory of the user's alone, written atomically. It is plain text by the user's
// choice, never a silent fallback (docs/keyring.md, "No silent fallback").
package filecache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// ErrNotFound: the item has no file, or the directory does not exist yet.
// It is this package's own, not the keyring's store.ErrNotFound, so that no
// file's error is taken for the keyring's.
var ErrNotFound = errors.New("not in the token cache")

// notFound is ErrNotFound with its cause, which names the path.
func notFound(cause error) error { return fmt.Errorf("%w: %w", ErrNotFound, cause) }

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

// Get reads an item; one that is not there is ErrNotFound. The directory must be private to the user and the
// file a regular file of the user's, opened without following a link
// (internal/trustedpath): a token someone else could have put there is
// never served. A refusal is a trustedpath error, not a miss.
func (c *Cache) Get(ctx context.Context, item string) (string, error) {
	path := c.Path(item)
	if err := trustedpath.Check(c.Dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", notFound(err)
		}
		return "", err // a refusal names the directory and the fix itself
	}
	f, err := trustedpath.OpenFile(path, os.O_RDONLY, 0, true)
	if errors.Is(err, fs.ErrNotExist) {
		return "", notFound(err)
	}
	if err != nil && !trustedpath.Refused(err) {
		return "", fmt.Errorf("token cache %s: %w", atomicfile.ShowPath(path), atomicfile.PathErrReason(err))
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxItem+1))
	if err != nil {
		return "", fmt.Errorf("token cache %s: %w", atomicfile.ShowPath(path), atomicfile.PathErrReason(err))
	}
	if len(b) > maxItem {
		return "", fmt.Errorf("token cache %s is larger than any cache entry; remove it", atomicfile.ShowPath(path))
	}
	return string(b), nil
}

// Set writes an item atomically into the private directory, creating it
// (0700) when missing. The rename replaces a link planted under the
// item's name rather than writing through it.
func (c *Cache) Set(ctx context.Context, item, secret string) error {
	path := c.Path(item)
	if err := trustedpath.Ensure(c.Dir); err != nil {
		if trustedpath.Refused(err) {
			return err
		}
		return fmt.Errorf("token cache %s: %w", atomicfile.ShowPath(c.Dir), atomicfile.PathErrReason(err))
	}
	// Lstat first: only a file that did not exist yet is announced.
	_, statErr := os.Lstat(path)
	if err := atomicfile.Write(path, []byte(secret), 0o600); err != nil {
		return fmt.Errorf("token cache %s: %w", atomicfile.ShowPath(path), err)
	}
	if errors.Is(statErr, fs.ErrNotExist) && c.Announce != nil {
		c.Announce(path)
	}
	return nil
}

// Delete removes an item (ErrNotFound when there is none), in a directory Check accepts only: through a
// planted link the remove would reach files that are not the cache's.
func (c *Cache) Delete(ctx context.Context, item string) error {
	if err := trustedpath.Check(c.Dir); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return notFound(err)
		}
		return err
	}
	err := os.Remove(c.Path(item))
	if errors.Is(err, fs.ErrNotExist) {
		return notFound(err)
	}
	return err
}
