package broker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/filecache"
	"github.com/monitor-token/monitor-token/internal/filelock"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
	"github.com/monitor-token/monitor-token/store"
)

// tokenCache is where one profile's token is cached, and how to say so.
type tokenCache struct {
	Secrets
	// where is what messages call it: "the keyring", "plain text at
	// PATH"; "" for cache=none.
	where string
	// keyring: the cache is the keyring that also holds the API key.
	keyring bool
}

// absent says whether err is a cache's answer that the item is not there:
// the keyring's (store), a token file's (filecache) or cache=none's. Each
// says it in its own error, so a file's is never taken for the keyring's.
func absent(err error) bool {
	return errors.Is(err, store.ErrNotFound) || errors.Is(err, filecache.ErrNotFound) || errors.Is(err, errNotCached)
}

// cacheOf is the cache p's setting names: the keyring (the default),
// nowhere, or a file the user opted into (docs/keyring.md, "No silent
// fallback": plain text only by choice, and announced).
func (b *Broker) cacheOf(p profile.Profile) (tokenCache, error) {
	switch p.Cache {
	case config.CacheNone:
		return tokenCache{Secrets: noCache{}}, nil
	case config.CacheFile:
		fc, err := b.fileCache(p.Name)
		if err != nil {
			return tokenCache{}, fmt.Errorf("profile %q caches its token in a file (cache=file), but %w; set XDG_CACHE_HOME or HOME", p.Name, err)
		}
		return tokenCache{Secrets: fc, where: "plain text at " + atomicfile.ShowPath(fc.Path(TokenItem(p.Name)))}, nil
	}
	return tokenCache{Secrets: b.Keyring, where: "the keyring", keyring: true}, nil
}

func (b *Broker) fileCache(name string) (*filecache.Cache, error) {
	if b.CacheDir == "" {
		return nil, b.noCacheDir()
	}
	fc := &filecache.Cache{Dir: b.CacheDir}
	if b.Announce != nil {
		fc.Announce = func(path string) { b.Announce(name, path) }
	}
	return fc, nil
}

// refusedCacheDir is trustedpath's refusal of the cache directory, or nil
// (also when it does not exist yet): the one check before the broker
// reads, writes or removes anything there.
func (b *Broker) refusedCacheDir() error {
	if b.CacheDir == "" {
		return nil
	}
	if err := trustedpath.Check(b.CacheDir); trustedpath.Refused(err) {
		return err
	}
	return nil
}

// plainFiles is the cache directory's file cache, with no announcement:
// for removals and for files that hold no secret.
func (b *Broker) plainFiles() *filecache.Cache { return &filecache.Cache{Dir: b.CacheDir} }

func (b *Broker) noCacheDir() error {
	if b.CacheDirErr != nil {
		return b.CacheDirErr
	}
	return errors.New("there is no user cache directory")
}

// lockWait bounds how long a process waits for another one's fetch: longer
// than one fetch can take with its retries, short of forever.
const lockWait = 3 * time.Minute

// lock takes the profile's fetch lock (internal/filelock). A lock that
// cannot be set up (no cache directory, a read-only one) costs only the
// deduplication, so it warns and goes on; a wait that ran out, or was
// interrupted, is an error.
func (b *Broker) lock(ctx context.Context, name string) (func(), error) {
	if b.CacheDir == "" {
		b.warn(fmt.Errorf("fetching without the lock that keeps parallel fetches apart: %w", b.noCacheDir()))
		return func() {}, nil
	}
	// The lock file, like the token files, lives only in a directory
	// private to the user (internal/trustedpath): in one another user can
	// write, a planted link would have this process create a file where
	// the link points.
	if err := trustedpath.Ensure(b.CacheDir); err != nil {
		b.warn(fmt.Errorf("fetching without the lock that keeps parallel fetches apart: %w", err))
		return func() {}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	unlock, err := filelock.Acquire(ctx, b.CacheDir, name)
	if err == nil {
		return unlock, nil
	}
	if ctx.Err() != nil {
		return nil, err
	}
	b.warn(fmt.Errorf("fetching without the lock that keeps parallel fetches apart: %w", err))
	return func() {}, nil
}

// Logout removes every secret of the profile called name: its API key, and
// its cached token wherever it may be (the keyring and the token file, as a
// profile may have changed its cache setting since), and its team list.
// It holds the fetch lock meanwhile, so a fetch in flight cannot cache a
// token after the logout. Items already gone are fine. The files are
// removed even when the keyring cannot be reached; the error says what was
// not removed.
func (b *Broker) Logout(ctx context.Context, name string) error {
	if b.refusedCacheDir() == nil {
		unlock, err := b.lock(ctx, name)
		if err != nil {
			return err
		}
		defer unlock()
	}
	var keyringErr error
	for _, item := range []string{TokenItem(name), APIKeyItem(name)} {
		if keyringErr = deleteIfPresent(ctx, b.Keyring, item); keyringErr != nil {
			// The next item would fail the same way, or wait out a
			// second deadline: one keyring error says it.
			break
		}
	}
	return logoutError(keyringErr, b.removeOwnFiles(func(profile string) bool { return profile == name }))
}

// leftAlone says that the cache directory's files were not touched
// because the directory was refused.
func leftAlone(dirErr error) error {
	return fmt.Errorf("the cache directory's files were left alone: %w", dirErr)
}

// logoutError says what a logout could not remove, and, when only the
// keyring failed, that the files did go.
func logoutError(keyringErr, fileErr error) error {
	switch {
	case keyringErr != nil && fileErr == nil:
		return fmt.Errorf("the token file was removed, but the keyring items were not: %w", keyringErr)
	case fileErr != nil:
		return errors.Join(keyringErr, fileErr)
	}
	return nil
}

// LogoutAll removes every item of the keyring service, so items of profiles
// no longer in the config file go too, and every token file and team list
// in the cache directory.
func (b *Broker) LogoutAll(ctx context.Context) error {
	all, ok := b.Keyring.(interface{ DeleteAll(context.Context) error })
	if !ok {
		return errors.New("this keyring cannot delete all items")
	}
	keyringErr := all.DeleteAll(ctx)
	return logoutError(keyringErr, b.removeOwnFiles(func(string) bool { return true }))
}

// removeOwnFiles removes the files monitor-token made in its cache
// directory (ownFile) for the profiles of says yes to. The directory is
// looked at right before, and that look is the one that counts: one that
// was missing a moment ago may be another user's link by now, so a
// refusal leaves everything alone, and a missing directory holds nothing
// of ours to remove.
func (b *Broker) removeOwnFiles(of func(profile string) bool) error {
	if b.CacheDir == "" {
		return nil
	}
	testHookBeforeRemovals()
	switch err := trustedpath.Check(b.CacheDir); {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return leftAlone(err)
	}
	entries, err := os.ReadDir(b.CacheDir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	var errs []error
	for _, e := range entries {
		if profile, own := ownFile(e); own && of(profile) {
			errs = append(errs, removeIfPresent(filepath.Join(b.CacheDir, e.Name())))
		}
	}
	return errors.Join(errs...)
}

// ownFile says whether e is a file monitor-token made in its cache
// directory for a profile, to remove at logout, and for which profile: a
// regular file named after a valid profile, as a token file or a team list,
// or the temporary file of a write of one of those that did not finish
// (internal/atomicfile names it ".NAME.tmp-DIGITS"). Anything else there
// (a directory, a link, a file of the user's) is left alone, and so are the
// lock files: they hold nothing, and removing one that another process
// has open breaks the lock on Unix (it waits on the removed file while a
// newcomer makes a new one) and fails on Windows, where an open file
// cannot be removed.
func ownFile(e fs.DirEntry) (profile string, own bool) {
	if !e.Type().IsRegular() {
		return "", false
	}
	name := e.Name()
	if hidden, ok := strings.CutPrefix(name, "."); ok {
		i := strings.LastIndex(hidden, ".tmp-")
		if i < 0 || !allDigits(hidden[i+len(".tmp-"):]) {
			return "", false
		}
		name = hidden[:i]
	}
	var files filecache.Cache
	tokenSuffix := filepath.Base(files.Path(TokenItem("")))
	teamsSuffix := filepath.Base(files.Path(TeamsItem("")))
	for _, suffix := range []string{tokenSuffix, teamsSuffix} {
		if profile, ok := strings.CutSuffix(name, suffix); ok && config.ValidProfileName(profile) == nil {
			return profile, true
		}
	}
	return "", false
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func removeIfPresent(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// dropOtherCaches removes the profile's token from the caches its setting
// no longer names: a profile switched to cache=none must not leave a copy
// in the keyring, nor one switched to the keyring a plain-text file.
func (b *Broker) dropOtherCaches(ctx context.Context, p profile.Profile) {
	var errs []error
	if p.Cache != config.CacheKeyring {
		// A keyring that cannot be used (none in a pod or on a CI runner,
		// a locked one on a server) is why the profile caches elsewhere:
		// saying so after every login would be noise.
		if err := deleteIfPresent(ctx, b.Keyring, TokenItem(p.Name)); !store.IsUnavailable(err) {
			errs = append(errs, err)
		}
	}
	errs = append(errs, b.staleTokenFile(ctx, p))
	if err := errors.Join(errs...); err != nil {
		b.warn(fmt.Errorf("a token cached under the profile's old cache setting could not be removed: %w", err))
	}
}

// staleTokenFile removes the plain-text token file of a profile whose
// setting is no longer cache=file. Login calls it through dropOtherCaches;
// a profile in the environment, which never logs in, on each fetch: a
// remove of a file that is not there is cheap, while a keyring call
// (dropOtherCaches' other half) would reach for D-Bus on every cache=none
// get in CI, so that half waits for a login.
func (b *Broker) staleTokenFile(ctx context.Context, p profile.Profile) error {
	if p.Cache == config.CacheFile || b.CacheDir == "" || b.refusedCacheDir() != nil {
		// A refused directory holds no file of ours (the fetch lock
		// already said why it was not used).
		return nil
	}
	return deleteIfPresent(ctx, &filecache.Cache{Dir: b.CacheDir}, TokenItem(p.Name))
}

// testHookBeforeRemovals lets a test act where another process could: after
// the checks, before the removals.
var testHookBeforeRemovals = func() {}
