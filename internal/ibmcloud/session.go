package ibmcloud

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/regularfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// Session is the CLI's login session: an IAM access token and where it is
// good, and the refresh token that renews it (Refresh).
type Session struct {
	IAMToken     string // without the "Bearer " prefix the CLI stores; "" if it has none
	RefreshToken string // IAMRefreshToken; "" if there is none
	IAMEndpoint  string
	// RefreshEndpoint is the IAM endpoint the CLI refreshes at (see
	// refreshEndpoint).
	RefreshEndpoint string
	Region          string
	AccountID       string
	Expiry          time.Time // the token's exp claim; zero if it has none
	File            string
	NotWritten      string
	// NeedsRefresh: the access token is missing, expired or about to
	// expire, and RefreshToken can renew it.
	NeedsRefresh bool
}

// ErrNoSession means the CLI is not logged in, or its token has expired.
var ErrNoSession = errors.New("no usable ibmcloud login session")

// ConfigFile finds the CLI's config.json. The config dir is
// $IBMCLOUD_CONFIG_HOME, else ~/.ibmcloud if it exists, else ~/.bluemix
// (docs/integrations.md, "ibmcloud session"). The CLI itself puts a .bluemix
// directory under IBMCLOUD_CONFIG_HOME; which one a given CLI version uses
// is not documented, so both are tried there (the first that exists wins).
func ConfigFile(getenv func(string) string) string {
	home := getenv("HOME")
	var candidates []string
	if dir := getenv("IBMCLOUD_CONFIG_HOME"); dir != "" {
		candidates = append(candidates, filepath.Join(dir, "config.json"), filepath.Join(dir, ".bluemix", "config.json"))
	} else {
		candidates = append(candidates, filepath.Join(home, ".ibmcloud", "config.json"), filepath.Join(home, ".bluemix", "config.json"))
	}
	for _, c := range candidates {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	return candidates[len(candidates)-1]
}

// maxConfig bounds the read of the CLI's config file. The file holds the
// CLI's settings and a few tokens of a few KiB each (the fields of
// BXConfigData in ibm-cloud-cli-sdk's
// bluemix/configuration/core_config/bx_config.go), a few KiB to a few tens
// of KiB in all; a file of more than 1 MiB is not one the CLI wrote.
const maxConfig = 1 << 20

// configHint is what to do about a config file that is not the CLI's.
const configHint = "point IBMCLOUD_CONFIG_HOME at the ibmcloud CLI's config directory"

// ReadSession reads the session from the CLI's config file. A missing file,
// an empty token and an expired one (with a minute to spare, so the token
// does not die between here and the service) are ErrNoSession, unless the
// file holds a refresh token: then the session is returned with
// NeedsRefresh set, for Refresh (docs/integrations.md, "ibmcloud session
// refresh"). The file is read as Refresh reads it: its way and the file are
// held to the config rule (the file says where its token goes), and the
// read waits for the CLI's lock, since the CLI writes the file in place.
// A file that is not a regular file, or larger than maxConfig, is refused
// without waiting on it or reading it.
func ReadSession(ctx context.Context, file string, now time.Time) (Session, error) {
	real, _, err := sessionFile.Resolve(file)
	if err != nil {
		return Session{}, sessionError(ctx, file, err)
	}
	// Opened and checked before the lock: a file that is not to be
	// trusted is refused at once, not after waiting on whoever holds its
	// lock. The CLI writes in place, so what this descriptor reads once
	// the lock is held is what the CLI last wrote.
	f, err := sessionFile.Open(real)
	if err != nil {
		return Session{}, sessionError(ctx, file, err)
	}
	defer f.Close()
	unlock, err := lockCLI(ctx, real, false)
	if err != nil {
		return Session{}, sessionError(ctx, file, err)
	}
	defer unlock()
	data, err := regularfile.ReadOpened(ctx, f, real, maxConfig)
	if err != nil {
		return Session{}, sessionError(ctx, file, err)
	}
	return parseSession(data, file, now)
}

// sessionError is the message of a config file that could not be locked or
// read: a refusal of the path rule as it is, the end of ctx as such, else
// readError's.
func sessionError(ctx context.Context, file string, err error) error {
	switch {
	case trustedpath.Refused(err):
		return err
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return readError(file, err)
}

// readError is the message of a config file that could not be read.
func readError(file string, err error) error {
	var notRegular *regularfile.NotRegularError
	var tooLarge *regularfile.TooLargeError
	var pathErr *fs.PathError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %s does not exist (run `ibmcloud login`)", ErrNoSession, file)
	case errors.As(err, &notRegular):
		return fmt.Errorf("ibmcloud config %s is %s, not a regular file; %s", file, notRegular.Kind, configHint)
	case errors.As(err, &tooLarge):
		return fmt.Errorf("ibmcloud config %s is larger than 1 MiB, more than the ibmcloud CLI writes; %s", file, configHint)
	case errors.As(err, &pathErr):
		// The path is in the message already.
		return fmt.Errorf("ibmcloud config %s: cannot read it: %w", file, pathErr.Err)
	}
	return fmt.Errorf("ibmcloud config %s: %w", file, err)
}

// sessionDoc is what monitor-token reads of the CLI's config.json: the
// fields of BXConfigData (the plugin SDK's
// bluemix/configuration/core_config/bx_config.go) that make the session.
type sessionDoc struct {
	IAMToken              string
	IAMRefreshToken       string
	IAMEndpoint           string
	IAMPrivateEndpoint    string
	IAMPrivateVPCEndpoint string
	IsPrivate             bool
	IsAccessFromVPC       bool
	Region                string
	Account               struct{ GUID string }
}

// parseSession reads the session out of the config file's contents.
func parseSession(b []byte, file string, now time.Time) (Session, error) {
	var doc sessionDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return Session{}, fmt.Errorf("ibmcloud config %s is not valid JSON; run `ibmcloud login` again", file)
	}
	token := strings.TrimSpace(doc.IAMToken)
	// The CLI stores "Bearer eyJ..."; accept the bare token too.
	if scheme, rest, ok := strings.Cut(token, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	}
	refresh := strings.TrimSpace(doc.IAMRefreshToken)
	if token == "" && refresh == "" {
		return Session{}, fmt.Errorf("%w: not logged in (run `ibmcloud login`)", ErrNoSession)
	}
	// The token goes into an Authorization header and may be printed: it
	// passes the validator every token from the service passes, so a CR,
	// LF or escape sequence in the file is refused, not sent or shown. The
	// refresh token goes into a request body: the same rule.
	if token != "" && !monitorapi.ValidToken(token) {
		return Session{}, fmt.Errorf("the ibmcloud CLI's login token in %s is not a token (a control character, a space or too long); run `ibmcloud login` again", file)
	}
	if refresh != "" && !monitorapi.ValidToken(refresh) {
		return Session{}, fmt.Errorf("the ibmcloud CLI's refresh token in %s is not a token (a control character, a space or too long); run `ibmcloud login` again", file)
	}
	s := Session{IAMToken: token, RefreshToken: refresh, IAMEndpoint: doc.IAMEndpoint, Region: doc.Region, AccountID: doc.Account.GUID, File: file}
	s.RefreshEndpoint = refreshEndpoint(doc)
	s.Expiry = tokenExpiry(token)
	if token != "" && (s.Expiry.IsZero() || now.Add(expiryMargin).Before(s.Expiry)) {
		return s, nil
	}
	if refresh != "" {
		s.NeedsRefresh = true
		return s, nil
	}
	return Session{}, fmt.Errorf("%w: the ibmcloud login expired at %s (run `ibmcloud login` again)", ErrNoSession, s.Expiry.UTC().Format(time.RFC3339))
}

// expiryMargin: a token that expires within it is taken as expired, so it
// does not die between here and the service.
const expiryMargin = time.Minute

// refreshEndpoint is the IAM endpoint the CLI itself would refresh with:
// the private one when the CLI logged in over the private network (to VPC's
// private endpoint when it runs in a VPC), else the public one
// (repository.IAMEndpoint in the plugin SDK's core_config/repository.go).
func refreshEndpoint(doc sessionDoc) string {
	switch {
	case doc.IsPrivate && doc.IsAccessFromVPC:
		return doc.IAMPrivateVPCEndpoint
	case doc.IsPrivate:
		return doc.IAMPrivateEndpoint
	}
	return doc.IAMEndpoint
}

// tokenExpiry reads the exp claim of a JWT without verifying it: the token
// is the CLI's own, and the service verifies it; this only avoids sending a
// token that is known to be dead.
func tokenExpiry(token string) time.Time {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return time.Time{}
	}
	exp, err := claims.Exp.Int64()
	if err != nil || exp <= 0 {
		return time.Time{}
	}
	return time.Unix(exp, 0)
}
