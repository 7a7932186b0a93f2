package ibmcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/endpoint"
	"github.com/monitor-token/monitor-token/internal/filelock"
	"github.com/monitor-token/monitor-token/internal/regularfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// Tokens is what IAM's refresh grant gives back.
type Tokens struct {
	AccessToken  string
	RefreshToken string
	TokenType    string // "Bearer"
}

// Grant makes IAM's refresh-token grant at iamURL (monitorapi.Client.RefreshIAMToken).
type Grant func(ctx context.Context, iamURL, refreshToken string) (Tokens, error)

// lockWait bounds each wait for a lock on the CLI's config: another
// monitor-token refreshing the same session holds config.json.lock for one
// IAM call and one small write, and an ibmcloud command holds the CLI's
// lock for one read or write. 30 s is also the CLI's own bound
// (persistor.go's lockedRead and lockedWrite).
const lockWait = 30 * time.Second

// Refresh renews the CLI's session in file with its refresh token, as the
// CLI's plugin SDK does (repository.RefreshIAMToken), and writes the new
// access and refresh tokens back to the file (docs/integrations.md,
// "ibmcloud session refresh"). override, when set, is the IAM endpoint to
// use instead of the session's, as IAM_ENDPOINT is for the SDK.
//
// The file is the CLI's, and the CLI may write it at any moment: it takes
// flock(2) on config.json itself around each read and each write, and
// writes in place. So:
//   - The way to the file and the file are checked first by the rule of
//     monitor-token's own config (internal/trustedpath): the file says
//     where the refresh token goes, and it is rewritten, so a file another
//     user could change is neither trusted nor written.
//   - Refreshers of monitor-token take turns under <file>.lock, held across
//     the IAM call; the CLI's own lock is held only for each read and the
//     final write, so an ibmcloud command is never kept waiting for IAM.
//     Under <file>.lock the file is read again: another process may have
//     refreshed it meanwhile, and then its token is used and IAM is not
//     called.
//   - Once IAM answered, the file is read again under the CLI's lock, and
//     only IAMToken and IAMRefreshToken change in what was just read. If the
//     CLI logged in again meanwhile, or changed the account or region,
//     nothing is written: the new login is used, or the refreshed token for
//     this once, and Session.NotWritten says so.
//   - The write is in place, as the CLI's: a CLI waiting on the lock then
//     reads the whole new file, a hard link stays one file, and the file
//     keeps its mode.
func Refresh(ctx context.Context, file string, now time.Time, override string, grant Grant) (Session, error) {
	real, _, err := sessionFile.Resolve(file)
	if err == nil {
		err = sessionFile.EnsureDir(filepath.Dir(real))
	}
	if err != nil {
		return Session{}, trustError(file, err)
	}
	lockCtx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	unlock, err := filelock.Acquire(lockCtx, filepath.Dir(real), filepath.Base(real))
	if err != nil {
		if ctx.Err() != nil {
			return Session{}, ctx.Err()
		}
		if errors.Is(err, context.DeadlineExceeded) {
			return Session{}, fmt.Errorf("ibmcloud config %s: another monitor-token is still refreshing the session; try again: %w", file, err)
		}
		return Session{}, trustError(file, err)
	}
	defer unlock()

	s, err := ReadSession(ctx, file, now)
	if trustedpath.Refused(err) {
		return Session{}, trustError(file, err)
	}
	if err != nil || !s.NeedsRefresh {
		return s, err // another process refreshed it meanwhile, or it is not refreshable
	}
	iamURL := s.RefreshEndpoint
	if override != "" {
		iamURL = override
	}
	if strings.TrimSpace(iamURL) == "" {
		return Session{}, fmt.Errorf("%w: the ibmcloud CLI's config %s names no IAM endpoint to refresh the login at (run `ibmcloud login` again)", ErrNoSession, file)
	}
	// The refresh token goes there: https only (loopback excepted), no
	// path but IAM's.
	base, err := endpoint.NormalizeIAM(iamURL)
	if err != nil {
		return Session{}, fmt.Errorf("ibmcloud config %s: %w; run `ibmcloud login` again", file, err)
	}
	tokens, err := grant(ctx, base, s.RefreshToken)
	if err != nil {
		return Session{}, err
	}
	return saveTokens(ctx, real, file, now, s, tokens)
}

// saveTokens writes tokens, refreshed from the session was, into the file
// as it is now, under the CLI's lock; or, when the CLI changed the login or
// its target since was was read, writes nothing (see Refresh).
func saveTokens(ctx context.Context, real, file string, now time.Time, was Session, tokens Tokens) (Session, error) {
	unlock, err := lockCLI(ctx, real, true)
	if err != nil {
		return Session{}, notSaved(ctx, file, err)
	}
	defer unlock()
	f, err := sessionFile.OpenForUpdate(real)
	if err != nil {
		return Session{}, notSaved(ctx, file, err)
	}
	defer f.Close()
	data, err := regularfile.ReadOpened(ctx, f, real, maxConfig)
	if err != nil {
		return Session{}, notSaved(ctx, file, err)
	}
	cur, err := parseSession(data, file, now)
	if err != nil {
		// Logged out meanwhile, or the file is no longer a session.
		return Session{}, err
	}
	stored := tokens.TokenType + " " + tokens.AccessToken
	out, err := replaceTokens(data, stored, tokens.RefreshToken)
	if err != nil {
		return Session{}, fmt.Errorf("ibmcloud config %s: %w; run `ibmcloud login` again", file, err)
	}
	refreshed, err := parseSession(out, file, now)
	if err != nil {
		return Session{}, err
	}
	switch {
	case cur.IAMToken != was.IAMToken || cur.RefreshToken != was.RefreshToken:
		// A login, or the CLI's own refresh: the file's session is newer
		// than the one refreshed here.
		if cur.NeedsRefresh {
			return Session{}, fmt.Errorf("%w: the ibmcloud login changed while its session was refreshed, and the new one has expired too (run `ibmcloud login` again)", ErrNoSession)
		}
		cur.NotWritten = "the ibmcloud login changed while its session was refreshed (another login); that login is used, and the refreshed tokens were not written to " + file
		return cur, nil
	case cur.AccountID != was.AccountID:
		refreshed.NotWritten = fmt.Sprintf("the ibmcloud CLI's target changed while its session was refreshed (account %s to %s); the refreshed tokens were used once, not written to %s", was.AccountID, cur.AccountID, file)
		return refreshed, nil
	case cur.Region != was.Region:
		refreshed.NotWritten = fmt.Sprintf("the ibmcloud CLI's target changed while its session was refreshed (region %s to %s); the refreshed tokens were used once, not written to %s", was.Region, cur.Region, file)
		return refreshed, nil
	}
	if err := writeInPlace(f, data, out); err != nil {
		return Session{}, fmt.Errorf("the ibmcloud login session was refreshed but not saved to %s: %w", file, atomicfile.PathErrReason(err))
	}
	return refreshed, nil
}

// inPlace is what a write in place needs of the open file (an *os.File).
type inPlace interface {
	WriteAt(b []byte, off int64) (int, error)
	Truncate(size int64) error
	Sync() error
}

// writeInPlace replaces the content of f, which held old, with out, as the
// CLI's os.WriteFile does but without its moment of an empty file: out is
// written over old, padded with spaces to old's length when it is shorter,
// then the rest is cut off and the whole synced. So the file is a whole
// JSON document at every moment (JSON allows white space after the value,
// RFC 8259, section 2): the CLI takes a config it cannot parse for none and
// writes an empty one over it (persistor.go's Load), so a refresh killed
// half way must not leave half a document. A write that fails puts old
// back as well as it can, so that the CLI's session is not lost to a full
// disk.
func writeInPlace(f inPlace, old, out []byte) error {
	over := out
	if len(out) < len(old) {
		over = append(append(make([]byte, 0, len(old)), out...), bytes.Repeat([]byte(" "), len(old)-len(out))...)
	}
	_, err := f.WriteAt(over, 0)
	if err == nil {
		err = f.Truncate(int64(len(out)))
	}
	if err == nil {
		err = f.Sync()
	}
	if err != nil {
		if _, rerr := f.WriteAt(old, 0); rerr == nil {
			f.Truncate(int64(len(old)))
		}
		return err
	}
	return nil
}

// notSaved is the error of a refresh whose result could not be saved
// because the file could not be locked, opened or read again.
func notSaved(ctx context.Context, file string, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if trustedpath.Refused(err) {
		return trustError(file, err)
	}
	return fmt.Errorf("the ibmcloud login session was refreshed but not saved to %s: %w", file, atomicfile.PathErrReason(err))
}

// sessionFile is how internal/trustedpath names the CLI's config in its
// refusals, with the CLI's own way to move it.
var sessionFile = trustedpath.SettingsFile{
	Name: "the ibmcloud CLI's config",
	Move: "point IBMCLOUD_CONFIG_HOME at a directory of yours on a path only you and root control",
}

// trustError says that the session was not refreshed: a refusal of
// internal/trustedpath names the file and the fix itself.
func trustError(file string, err error) error {
	if trustedpath.Refused(err) {
		return fmt.Errorf("the ibmcloud login session is not refreshed: %w", err)
	}
	return fmt.Errorf("ibmcloud config %s: %w", file, atomicfile.PathErrReason(err))
}

// replaceTokens sets IAMToken and IAMRefreshToken in the config document
// and leaves every other member as it was, byte for byte: the document is
// decoded into raw members, not into a struct that would drop the fields it
// does not know. The layout is the CLI's own (the plugin SDK's
// core_config.raw.Marshal: two-space indent, keys in order, no newline at
// the end), without HTML escaping, which the CLI does not undo.
func replaceTokens(data []byte, iamToken, refreshToken string) ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil || doc == nil {
		return nil, errors.New("it is not a JSON object")
	}
	for name, v := range map[string]string{"IAMToken": iamToken, "IAMRefreshToken": refreshToken} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		doc[name] = b
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
