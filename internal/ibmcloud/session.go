package ibmcloud

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Session is the CLI's login session: an IAM access token and where it is
// good. The CLI refreshes it on its own commands; a plugin can only read it.
type Session struct {
	IAMToken    string // without the "Bearer " prefix the CLI stores
	IAMEndpoint string
	Region      string
	AccountID   string
	Expiry      time.Time // the token's exp claim; zero if it has none
	File        string
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

// maxConfig bounds the read of the CLI's config file.
const maxConfig = 4 << 20

// ReadSession reads the session from the CLI's config file. A missing file,
// an empty token and an expired one (with a minute to spare, so the token
// does not die between here and the service) are ErrNoSession.
func ReadSession(file string, now time.Time) (Session, error) {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return Session{}, fmt.Errorf("%w: %s does not exist (run `ibmcloud login`)", ErrNoSession, file)
	}
	if err != nil {
		return Session{}, fmt.Errorf("ibmcloud config %s: %w", file, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfig))
	if err != nil {
		return Session{}, fmt.Errorf("ibmcloud config %s: %w", file, err)
	}
	var doc struct {
		IAMToken    string
		IAMEndpoint string
		Region      string
		Account     struct{ GUID string }
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return Session{}, fmt.Errorf("ibmcloud config %s is not valid JSON; run `ibmcloud login` again", file)
	}
	token := strings.TrimSpace(doc.IAMToken)
	// The CLI stores "Bearer eyJ..."; accept the bare token too.
	if scheme, rest, ok := strings.Cut(token, " "); ok && strings.EqualFold(scheme, "Bearer") {
		token = strings.TrimSpace(rest)
	}
	if token == "" {
		return Session{}, fmt.Errorf("%w: not logged in (run `ibmcloud login`)", ErrNoSession)
	}
	s := Session{IAMToken: token, IAMEndpoint: doc.IAMEndpoint, Region: doc.Region, AccountID: doc.Account.GUID, File: file}
	s.Expiry = tokenExpiry(token)
	if !s.Expiry.IsZero() && now.Add(time.Minute).After(s.Expiry) {
		return Session{}, fmt.Errorf("%w: the ibmcloud login expired at %s (run `ibmcloud login` again)", ErrNoSession, s.Expiry.UTC().Format(time.RFC3339))
	}
	return s, nil
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
