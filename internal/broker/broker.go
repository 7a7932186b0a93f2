// Package broker hands out a profile's Monitor API token: from the keyring
// cache when the cached token was fetched for the same endpoint, instance and
// team, otherwise fetched through IAM with the profile's API key and cached.
// It also owns the order of writes that makes login and refresh all or
// nothing.
package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/store"
)

// Secrets is what the broker needs of a secret store; *store.Store is one.
type Secrets interface {
	Get(ctx context.Context, item string) (string, error)
	Set(ctx context.Context, item, secret string) error
	Delete(ctx context.Context, item string) error
}

// API is what the broker needs of the services; *monitorapi.Client is one.
type API interface {
	ExchangeAPIKey(ctx context.Context, iamURL, apiKey string) (monitorapi.IAMToken, error)
	MonitorToken(ctx context.Context, endpoint string, cred monitorapi.Credentials) (string, error)
	Teams(ctx context.Context, endpoint string, cred monitorapi.Credentials) ([]monitorapi.Team, error)
	CurrentUser(ctx context.Context, endpoint string, cred monitorapi.Credentials) (monitorapi.User, error)
	ExchangeCRToken(ctx context.Context, iamURL, crTokenFile string, profile monitorapi.TrustedProfile) (monitorapi.IAMToken, error)
	ExchangeVPCIdentity(ctx context.Context, metadataURL string, profile monitorapi.TrustedProfile) (monitorapi.IAMToken, error)
}

// Target says which token is wanted: a profile, the service coordinates
// its token is bound to, where its IAM token comes from, what is handed out
// and where it is cached (issue 5).
type Target struct {
	Profile     string
	Endpoint    string
	IAMEndpoint string
	InstanceID  string
	TeamID      string

	Auth           string // config.AuthToken ("") or config.AuthIAM
	Credential     string // config.CredentialAPIKey (""), ...TrustedProfile, ...VPC
	TrustedProfile string
	CRTokenFile    string
	MetadataURL    string
	Cache          string // config.CacheKeyring (""), ...None, ...File
}

// iamMode says whether t hands out IAM tokens (IAM_ONLY instances).
func (t Target) iamMode() bool { return t.Auth == "iam" }

// Item names in the keyring. The profile name is validated by the config
// package, so "/" cannot occur in it and the names cannot collide.
func APIKeyItem(profile string) string { return profile + "/api-key" }
func TokenItem(profile string) string  { return profile + "/monitor-token" }

// Token is a Monitor API token and where it came from.
type Token struct {
	Value     string
	FromCache bool
	Verified  bool      // Verify: the service accepted the cached token
	Replaced  bool      // Verify: the service refused it; this is a new one
	IAM       bool      // an IAM token (IAM_ONLY mode), not a Monitor token
	ExpiresAt time.Time // IAM tokens only: when it is no longer served
}

// Broker is safe for one command's use; it keeps no state of its own.
type Broker struct {
	Secrets Secrets
	API     API
	// Getenv reads the environment (IBMCLOUD_API_KEY); injected for tests.
	Getenv func(string) string
	// Warn reports a problem that does not fail the command, such as a
	// token that could not be cached (the token is still printed: a
	// credential helper must not fail because caching failed).
	Warn func(error)
	// OnSecret is told every secret the broker handles (API key, IAM token,
	// Monitor token), so the caller can keep them out of any message.
	OnSecret func(string)
	// Session, when set, yields the ibmcloud CLI's IAM token; it is the
	// credential of a profile that has no API key (issue 3). It returns an
	// error wrapping ibmcloud.ErrNoSession when there is none.
	Session func() (monitorapi.IAMToken, error)
	// Lock, when set, takes the profile's fetch lock across processes
	// (internal/fetchlock) and returns its release.
	Lock func(ctx context.Context, profile string) (unlock func(), err error)
	// Cache holds cached tokens; nil means Secrets (the keyring). The app
	// picks it from the profile's cache setting (none, file).
	Cache Secrets
	// Now is the clock for IAM token expiry; nil means time.Now.
	Now func() time.Time
}

func (b *Broker) cache() Secrets {
	if b.Cache != nil {
		return b.Cache
	}
	return b.Secrets
}

func (b *Broker) now() time.Time {
	if b.Now != nil {
		return b.Now()
	}
	return time.Now()
}

func (b *Broker) secret(s string) {
	if b.OnSecret != nil && s != "" {
		b.OnSecret(s)
	}
}

// cacheEntry is what the cache holds for a token. The token is bound to
// what it was fetched for, so a changed profile never serves the old token
// (issue 2). An IAM token (IAM_ONLY mode) also carries when it stops being
// served: its expires_in counted from receipt on the local clock, less a
// margin, never IBM's absolute "expiration" (issue 5).
type cacheEntry struct {
	Endpoint   string `json:"endpoint"`
	InstanceID string `json:"instance_id"`
	TeamID     string `json:"team_id"`
	Auth       string `json:"auth,omitempty"`
	ExpiresAt  int64  `json:"expires_at,omitempty"` // Unix seconds; IAM tokens only
	Token      string `json:"token"`
}

func (e cacheEntry) matches(t Target, now time.Time) bool {
	if e.Token == "" || e.Endpoint != t.Endpoint || e.InstanceID != t.InstanceID || e.TeamID != t.TeamID || e.Auth != t.Auth {
		return false
	}
	return !t.iamMode() || now.Unix() < e.ExpiresAt
}

func encodeEntry(t Target, token string, expiresAt time.Time) string {
	e := cacheEntry{Endpoint: t.Endpoint, InstanceID: t.InstanceID, TeamID: t.TeamID, Auth: t.Auth, Token: token}
	if !expiresAt.IsZero() {
		e.ExpiresAt = expiresAt.Unix()
	}
	b, _ := json.Marshal(e)
	return string(b)
}

// servedUntil is when a cached IAM token stops being served: a tenth of its
// lifetime early, and at least 30 s early, so it does not die on the way to
// the service.
func servedUntil(iam monitorapi.IAMToken) time.Time {
	life := time.Duration(iam.ExpiresIn) * time.Second
	margin := max(life/10, 30*time.Second)
	return iam.ReceivedAt.Add(life - margin)
}

// Cached returns the cached token for t, if there is one bound to t (and,
// for an IAM token, not yet expired). It is the whole warm path: one read.
func (b *Broker) Cached(ctx context.Context, t Target) (string, bool, error) {
	tok, ok, _, err := b.cached(ctx, t)
	return tok, ok, err
}

func (b *Broker) cached(ctx context.Context, t Target) (string, bool, time.Time, error) {
	raw, err := b.cache().Get(ctx, TokenItem(t.Profile))
	if errors.Is(err, store.ErrNotFound) {
		return "", false, time.Time{}, nil
	}
	if err != nil {
		return "", false, time.Time{}, err
	}
	var e cacheEntry
	if json.Unmarshal([]byte(raw), &e) != nil || !e.matches(t, b.now()) {
		// Stale binding, an expired IAM token, or an unreadable entry:
		// a miss; the next fetch overwrites it.
		return "", false, time.Time{}, nil
	}
	b.secret(e.Token)
	var exp time.Time
	if e.ExpiresAt != 0 {
		exp = time.Unix(e.ExpiresAt, 0)
	}
	return e.Token, true, exp, nil
}

// Token returns the cached token, or fetches, caches and returns it. On a
// miss it takes the profile's fetch lock and looks again, so that of many
// processes started together on a cold cache one fetches and the others
// read its result (issue 4). A cache that cannot be reached (no keyring on
// a CI runner or in a pod) does not stop a credential that needs no keyring:
// the token is fetched and handed out uncached, with a warning (issue 5).
func (b *Broker) Token(ctx context.Context, t Target) (Token, error) {
	tok, ok, exp, cacheErr := b.cached(ctx, t)
	if ok {
		return Token{Value: tok, FromCache: true, IAM: t.iamMode(), ExpiresAt: exp}, nil
	}
	if cacheErr != nil && b.cache() == b.Secrets && b.KeyringCredential(t) {
		// The credential is in the same keyring that just failed: asking
		// again would fail the same way (or wait out a second deadline).
		return Token{}, cacheErr
	}
	unlock, err := b.lock(ctx, t.Profile)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	if cacheErr == nil {
		if tok, ok, exp, err := b.cached(ctx, t); err == nil && ok {
			return Token{Value: tok, FromCache: true, IAM: t.iamMode(), ExpiresAt: exp}, nil
		}
	}
	return b.fetchAndCache(ctx, t, cacheErr)
}

// Refresh fetches the current token (after a reset in the UI) and replaces
// the cached one only once the new one is in hand.
func (b *Broker) Refresh(ctx context.Context, t Target) (Token, error) {
	unlock, err := b.lock(ctx, t.Profile)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	return b.fetchAndCache(ctx, t, nil)
}

// Verify checks the cached token against the service (GET /api/token with
// the Monitor token as bearer, ibm-monitor-api.md section 2). A token the
// service refuses (reset in the UI) is fetched again through IAM, once, and
// replaced; if that fails the cache is left as it was. With no token cached
// it is the same as Token.
func (b *Broker) Verify(ctx context.Context, t Target) (Token, error) {
	cached, ok, err := b.Cached(ctx, t)
	if err != nil || !ok || t.iamMode() {
		// Nothing to check (IAM tokens are served only while unexpired).
		return b.Token(ctx, t)
	}
	_, err = b.API.MonitorToken(ctx, t.Endpoint, monitorapi.Credentials{Bearer: cached})
	switch {
	case err == nil:
		return Token{Value: cached, FromCache: true, Verified: true}, nil
	case !errors.Is(err, monitorapi.ErrRefused):
		return Token{}, fmt.Errorf("could not check the cached token: %w", err)
	}
	unlock, err := b.lock(ctx, t.Profile)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	// Another process may have replaced it while we checked.
	if now, ok, err := b.Cached(ctx, t); err == nil && ok && now != cached {
		return Token{Value: now, FromCache: true}, nil
	}
	tok, err := b.fetchAndCache(ctx, t, nil)
	if err != nil {
		return Token{}, fmt.Errorf("the cached token was refused (reset?) and fetching a new one failed; the cache is unchanged: %w", err)
	}
	tok.Replaced = true
	return tok, nil
}

// lock takes the profile's fetch lock when the broker has one. A lock that
// cannot be set up (a read-only cache directory) costs only the
// deduplication, so it warns and goes on; a wait that ran out is an error.
func (b *Broker) lock(ctx context.Context, profile string) (func(), error) {
	if b.Lock == nil {
		return func() {}, nil
	}
	unlock, err := b.Lock(ctx, profile)
	if err == nil {
		return unlock, nil
	}
	if ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	if b.Warn != nil {
		b.Warn(fmt.Errorf("fetching without the lock that keeps parallel fetches apart: %w", err))
	}
	return func() {}, nil
}

// fetchAndCache fetches t's token and caches it, unless cacheErr says the
// cache cannot be reached. A failed write warns and still answers: a
// credential helper must not fail because caching failed.
func (b *Broker) fetchAndCache(ctx context.Context, t Target, cacheErr error) (Token, error) {
	iam, _, err := b.IAMToken(ctx, t)
	if err != nil {
		return Token{}, err
	}
	tok := Token{IAM: t.iamMode()}
	if t.iamMode() {
		tok.Value, tok.ExpiresAt = iam.AccessToken, servedUntil(iam)
	} else if tok.Value, err = b.monitorToken(ctx, t, iam.AccessToken); err != nil {
		return Token{}, err
	}
	switch {
	case cacheErr != nil:
		b.warn(fmt.Errorf("the token was not cached, the cache could not be reached (%v); set the profile's cache to none or file to skip it", cacheErr))
	case t.iamMode() && iam.ExpiresIn <= 0:
		// No known lifetime (an ibmcloud session token without exp): not cached.
	default:
		if err := b.cache().Set(ctx, TokenItem(t.Profile), encodeEntry(t, tok.Value, tok.ExpiresAt)); err != nil {
			b.warn(fmt.Errorf("the token was fetched but not cached: %w", err))
		}
	}
	return tok, nil
}

func (b *Broker) warn(err error) {
	if b.Warn != nil {
		b.Warn(err)
	}
}

// exchange trades an API key for an IAM token: the first of the two
// requests of a cold start (ibm-monitor-api.md section 5).
func (b *Broker) exchange(ctx context.Context, t Target, apiKey string) (monitorapi.IAMToken, error) {
	b.secret(apiKey)
	iam, err := b.API.ExchangeAPIKey(ctx, t.IAMEndpoint, apiKey)
	b.secret(iam.AccessToken)
	return iam, err
}

func (b *Broker) monitorToken(ctx context.Context, t Target, iam string) (string, error) {
	tok, err := b.API.MonitorToken(ctx, t.Endpoint, monitorapi.Credentials{
		Bearer: iam, InstanceID: t.InstanceID, TeamID: t.TeamID,
	})
	b.secret(tok)
	return tok, err
}

// Teams lists the instance's teams, with the profile's credential.
func (b *Broker) Teams(ctx context.Context, t Target) ([]monitorapi.Team, error) {
	iam, _, err := b.IAMToken(ctx, t)
	if err != nil {
		return nil, err
	}
	return b.API.Teams(ctx, t.Endpoint, monitorapi.Credentials{Bearer: iam.AccessToken, InstanceID: t.InstanceID})
}

// Forget drops t's cached token if, and only if, it equals rejected: a
// stale rejection (an old token a caller still held) must not throw away a
// fresh one (integrations.md section 3, as git's own helpers do since 2.42).
func (b *Broker) Forget(ctx context.Context, t Target, rejected string) error {
	cached, ok, err := b.Cached(ctx, t)
	if err != nil || !ok || cached != rejected {
		return err
	}
	return deleteIfPresent(ctx, b.cache(), TokenItem(t.Profile))
}

// Logout removes the profile's secrets. Items already gone are fine.
func (b *Broker) Logout(ctx context.Context, profile string) error {
	if b.Cache != nil {
		if err := deleteIfPresent(ctx, b.Cache, TokenItem(profile)); err != nil {
			return err
		}
	}
	for _, item := range []string{TokenItem(profile), APIKeyItem(profile)} {
		if err := deleteIfPresent(ctx, b.Secrets, item); err != nil {
			return err
		}
	}
	return nil
}
