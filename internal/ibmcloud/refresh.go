package ibmcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
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

// lockWait bounds the wait for another monitor-token refreshing the same
// session: it holds the lock for one IAM call and one small write.
const lockWait = 30 * time.Second

// Refresh renews the CLI's session in file with its refresh token, as the
// CLI's plugin SDK does (repository.RefreshIAMToken), and writes the new
// access and refresh tokens back to the file (docs/integrations.md,
// "ibmcloud session refresh"). override, when set, is the IAM endpoint to
// use instead of the session's, as IAM_ENDPOINT is for the SDK.
//
// The way to the file is checked first by the rule of monitor-token's own
// config (internal/trustedpath): the file says where the refresh token goes,
// and it is rewritten, so a file another user could change is neither
// trusted nor written. Under the lock <file>.lock the file is read again:
// another process may have refreshed it meanwhile, and then its token is
// used and IAM is not called. Only IAMToken and IAMRefreshToken change; all
// other fields, those monitor-token does not know among them, keep their
// values, and the file keeps its mode.
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

	data, mode, err := readTrusted(ctx, real)
	if err != nil {
		if trustedpath.Refused(err) {
			return Session{}, trustError(file, err)
		}
		return Session{}, readError(file, err)
	}
	s, err := parseSession(data, file, now)
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
	stored := tokens.TokenType + " " + tokens.AccessToken
	out, err := replaceTokens(data, stored, tokens.RefreshToken)
	if err != nil {
		return Session{}, fmt.Errorf("ibmcloud config %s: %w; run `ibmcloud login` again", file, err)
	}
	if err := atomicfile.Write(real, out, mode); err != nil {
		return Session{}, fmt.Errorf("the ibmcloud login session was refreshed but not saved to %s: %w", file, err)
	}
	return parseSession(out, file, now)
}

// sessionFile is how internal/trustedpath names the CLI's config in its
// refusals, with the CLI's own way to move it.
var sessionFile = trustedpath.SettingsFile{
	Name: "the ibmcloud CLI's config",
	Move: "point IBMCLOUD_CONFIG_HOME at a directory of yours on a path only you and root control",
}

// readTrusted reads the config file at real, a path sessionFile.Resolve
// returned, without following a link, and checks what it opened.
func readTrusted(ctx context.Context, real string) ([]byte, fs.FileMode, error) {
	f, err := sessionFile.Open(real)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data, err := regularfile.ReadOpened(ctx, f, real, maxConfig)
	return data, fi.Mode().Perm(), err
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
