// Package broker hands out a profile's Monitor API token: from the profile's
// cache when the cached token was fetched for the same endpoint, instance and
// team, otherwise fetched through IAM with the profile's credential and
// cached. It owns the cache (keyring, none or file, as the profile says) on
// every path, the fetch lock, and the order of writes that makes login and
// refresh all or nothing.
//
// It takes the resolved profile (internal/profile) and nothing else: no
// flags, no environment, no config file.
package broker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
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

// SessionToken gets the IAM token of a session Broker.Session found.
type SessionToken = func(context.Context) (monitorapi.IAMToken, error)

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
	// CachedIn says where the token is now kept ("the keyring", "plain
	// text at PATH"); "" when it is kept nowhere.
	CachedIn string
	// NotCached is why a token that should have been cached was not (the
	// keyring refused it, the cache could not be reached).
	NotCached error
}

// Broker is safe for one command's use; it keeps no state of its own.
type Broker struct {
	// Keyring holds API keys, and the tokens of profiles that cache in
	// the keyring (the default).
	Keyring Secrets
	API     API
	// CacheDir holds the fetch locks and the token files of profiles that
	// opted into cache=file. "" means there is none (no HOME): fetches go
	// without the lock and cache=file fails, saying CacheDirErr.
	CacheDir    string
	CacheDirErr error
	// Announce, when set, is told the path of a cache=file token file the
	// first time it is written, so the user learns where plain text lives.
	Announce func(profile, path string)
	// Warn reports a problem that does not fail the command, such as a
	// token that could not be cached (the token is still handed out: a
	// credential helper must not fail because caching failed).
	Warn func(error)
	// OnSecret is told every secret the broker handles (API key, IAM token,
	// Monitor token), so the caller can keep them out of any message.
	OnSecret func(string)
	// Session, when set, finds the ibmcloud CLI's login session, the
	// credential of a profile that has no API key, without any network
	// call (it may wait, as long as ctx allows, for the CLI's lock on its
	// config); the function it returns gets the session's IAM token, which
	// may mean refreshing it (docs/integrations.md, "ibmcloud session
	// refresh"). It returns an error wrapping ibmcloud.ErrNoSession when
	// there is no session.
	Session func(context.Context) (SessionToken, error)
	// Now is the clock for IAM token expiry; nil means time.Now.
	Now func() time.Time
	// Program is how the user invoked monitor-token ("ibmcloud
	// monitor-token", "kubectl monitor-token"), for the commands hints
	// suggest; "" means "monitor-token".
	Program string
}

func (b *Broker) program() string {
	if b.Program == "" {
		return "monitor-token"
	}
	return b.Program
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

func (b *Broker) warn(err error) {
	if b.Warn != nil {
		b.Warn(err)
	}
}

// cacheEntry is what the cache holds for a token. The token is bound to
// what it was fetched for, so a changed profile never serves the old token.
// An IAM token (IAM_ONLY mode) also carries when it stops being served: its
// expires_in counted from receipt on the local clock, less a margin, never
// IBM's absolute "expiration" (docs/protocol.md, "IAM API-key grant").
type cacheEntry struct {
	Endpoint   string `json:"endpoint"`
	InstanceID string `json:"instance_id"`
	TeamID     string `json:"team_id"`
	Auth       string `json:"auth,omitempty"`
	ExpiresAt  int64  `json:"expires_at,omitempty"` // Unix seconds; IAM tokens only
	Token      string `json:"token"`
}

func (e cacheEntry) matches(p profile.Profile, now time.Time) bool {
	if e.Token == "" || e.Endpoint != p.Endpoint || e.InstanceID != p.InstanceID || e.TeamID != p.TeamID || e.Auth != p.Auth {
		return false
	}
	return !p.IAMMode() || now.Unix() < e.ExpiresAt
}

func encodeEntry(p profile.Profile, token string, expiresAt time.Time) string {
	e := cacheEntry{Endpoint: p.Endpoint, InstanceID: p.InstanceID, TeamID: p.TeamID, Auth: p.Auth, Token: token}
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

// Cached says whether a token bound to p (and, for an IAM token, not yet
// expired) is cached, and where. It is the whole warm path: one read.
func (b *Broker) Cached(ctx context.Context, p profile.Profile) (bool, string, error) {
	c, err := b.cacheOf(p)
	if err != nil {
		return false, "", err
	}
	_, ok, _, err := b.cached(ctx, p, c)
	if !ok {
		return false, "", err
	}
	return true, c.where, nil
}

func (b *Broker) cached(ctx context.Context, p profile.Profile, c tokenCache) (string, bool, time.Time, error) {
	raw, err := c.Get(ctx, TokenItem(p.Name))
	if absent(err) {
		return "", false, time.Time{}, nil
	}
	if err != nil {
		return "", false, time.Time{}, err
	}
	var e cacheEntry
	if json.Unmarshal([]byte(raw), &e) != nil || !e.matches(p, b.now()) || !monitorapi.ValidToken(e.Token) {
		// Stale binding, an expired IAM token, an unreadable entry, or a
		// token the service could not have issued (it passes the same
		// validator as the service's answers, so a CR, LF or escape
		// never reaches a header or a terminal): a miss; the next fetch
		// overwrites it.
		return "", false, time.Time{}, nil
	}
	b.secret(e.Token)
	var exp time.Time
	if e.ExpiresAt != 0 {
		exp = time.Unix(e.ExpiresAt, 0)
	}
	return e.Token, true, exp, nil
}

func fromCache(p profile.Profile, c tokenCache, tok string, exp time.Time) Token {
	return Token{Value: tok, FromCache: true, IAM: p.IAMMode(), ExpiresAt: exp, CachedIn: c.where}
}

// Token returns the cached token, or fetches, caches and returns it. On a
// miss it takes the profile's fetch lock and looks again, so that of many
// processes started together on a cold cache one fetches and the others
// read its result. A cache that cannot be reached (no keyring on a CI
// runner or in a pod) does not stop a credential that needs no keyring: the
// token is fetched and handed out uncached, with a warning.
func (b *Broker) Token(ctx context.Context, p profile.Profile) (Token, error) {
	c, err := b.cacheOf(p)
	if err != nil {
		return Token{}, err
	}
	tok, ok, exp, cacheErr := b.cached(ctx, p, c)
	if ok {
		return fromCache(p, c, tok, exp), nil
	}
	if cacheErr != nil && c.keyring && p.CredentialKind() == profile.KeyringAPIKey {
		// The credential is in the same keyring that just failed: asking
		// again would fail the same way (or wait out a second deadline).
		return Token{}, cacheErr
	}
	if trustedpath.Refused(cacheErr) {
		// A token file someone else could have planted, or a directory
		// they could write: not a cache that is merely unreachable. The
		// user must see it, and the credential stays home.
		return Token{}, cacheErr
	}
	unlock, err := b.lock(ctx, p.Name)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	if cacheErr == nil {
		if tok, ok, exp, err := b.cached(ctx, p, c); err == nil && ok {
			return fromCache(p, c, tok, exp), nil
		}
	}
	t, err := b.fetchAndCache(ctx, p, c, cacheErr)
	if err == nil && t.NotCached != nil {
		b.warn(t.NotCached)
	}
	if err == nil && p.From == profile.FromEnvironment {
		if derr := b.staleTokenFile(ctx, p); derr != nil {
			b.warn(fmt.Errorf("a token file left by the profile's old cache setting could not be removed: %w", derr))
		}
	}
	return t, err
}

// Refresh fetches the current token (after a reset in the UI) and replaces
// the cached one only once the new one is in hand. A new token that could
// not be cached is reported in Token.NotCached, not warned about: refresh
// fails on it, get --refresh warns. The old token is then removed, so that
// no one is served the token that was reset.
func (b *Broker) Refresh(ctx context.Context, p profile.Profile) (Token, error) {
	c, err := b.cacheOf(p)
	if err != nil {
		return Token{}, err
	}
	if p.Cache == config.CacheFile {
		// Refresh reads nothing first, so it checks the directory the
		// write would go to before anything is locked or fetched (the
		// other paths meet the refusal in their first read).
		if err := b.refusedCacheDir(); err != nil {
			return Token{}, err
		}
	}
	unlock, err := b.lock(ctx, p.Name)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	tok, err := b.fetchAndCache(ctx, p, c, nil)
	if err != nil || tok.NotCached == nil {
		return tok, err
	}
	if derr := deleteIfPresent(ctx, c, TokenItem(p.Name)); derr != nil {
		tok.NotCached = fmt.Errorf("%w; the old token could not be removed either, and is still served: %v", tok.NotCached, derr)
	} else {
		tok.NotCached = fmt.Errorf("%w; the old token was removed, so the next get fetches again", tok.NotCached)
	}
	return tok, nil
}

// Verify checks the cached token against the service (GET /api/token with
// the Monitor token as bearer, docs/protocol.md, "Monitor token as
// bearer"). A token the service refuses (reset in the UI) is fetched again
// through IAM, once, and replaced; if that fails the cache is left as it
// was. With no token cached it is the same as Token.
func (b *Broker) Verify(ctx context.Context, p profile.Profile) (Token, error) {
	c, err := b.cacheOf(p)
	if err != nil {
		return Token{}, err
	}
	cached, ok, _, err := b.cached(ctx, p, c)
	if err != nil || !ok || p.IAMMode() {
		// Nothing to check (IAM tokens are served only while unexpired).
		return b.Token(ctx, p)
	}
	return b.check(ctx, p, c, fromCache(p, c, cached, time.Time{}), "the cached token")
}

// Check is Verify for a token the caller holds: a watch keeps the token it
// wrote, and where nothing is cached (cache=none, as in a pod) Verify would
// fetch on every check, an IAM exchange included. One request asks the
// service whether held still works: GET /api/token with it as bearer for a
// Monitor token; for an IAM token GET /api/users/me with IBMInstanceID,
// the request login checks one with (docs/protocol.md, "IAM_ONLY
// instances"), which tells a token IAM ended early. A refused token is
// replaced as Verify replaces it. With nothing held it is Verify.
func (b *Broker) Check(ctx context.Context, p profile.Profile, held Token) (Token, error) {
	if held.Value == "" {
		return b.Verify(ctx, p)
	}
	c, err := b.cacheOf(p)
	if err != nil {
		return Token{}, err
	}
	return b.check(ctx, p, c, held, "the token")
}

// requestCredentials are what a Monitoring request carries with p's token
// bearer: an IAM token goes with the instance and team headers, a Monitor
// API token alone (docs/protocol.md, "IAM_ONLY instances").
func requestCredentials(p profile.Profile, bearer string) monitorapi.Credentials {
	c := monitorapi.Credentials{Bearer: bearer}
	if p.IAMMode() {
		c.InstanceID, c.TeamID = p.InstanceID, p.TeamID
	}
	return c
}

// check asks the service whether held still works, and replaces it when
// refused: by what another process cached meanwhile, or by a fetch. what
// names held in errors.
func (b *Broker) check(ctx context.Context, p profile.Profile, c tokenCache, held Token, what string) (Token, error) {
	var err error
	if cred := requestCredentials(p, held.Value); p.IAMMode() {
		_, err = b.API.CurrentUser(ctx, p.Endpoint, cred)
	} else {
		_, err = b.API.MonitorToken(ctx, p.Endpoint, cred)
	}
	switch {
	case err == nil:
		held.Verified = true
		return held, nil
	case !errors.Is(err, monitorapi.ErrRefused):
		return Token{}, fmt.Errorf("could not check %s: %w", what, err)
	}
	unlock, err := b.lock(ctx, p.Name)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	// Another process may have replaced it while we checked.
	if now, ok, exp, err := b.cached(ctx, p, c); err == nil && ok && now != held.Value {
		t := fromCache(p, c, now, exp)
		t.Replaced = true // refused, and replaced: by the other process
		return t, nil
	}
	tok, err := b.fetchAndCache(ctx, p, c, nil)
	if err != nil {
		return Token{}, fmt.Errorf("%s was refused (reset?) and fetching a new one failed; the cache is unchanged: %w", what, err)
	}
	if tok.NotCached != nil {
		b.warn(tok.NotCached)
	}
	tok.Replaced = true
	return tok, nil
}

// fetchAndCache fetches p's token and caches it, unless cacheErr says the
// cache cannot be reached. A write that failed is in Token.NotCached.
func (b *Broker) fetchAndCache(ctx context.Context, p profile.Profile, c tokenCache, cacheErr error) (Token, error) {
	iam, _, err := b.IAMToken(ctx, p)
	if err != nil {
		return Token{}, err
	}
	tok := Token{IAM: p.IAMMode()}
	if p.IAMMode() {
		tok.Value, tok.ExpiresAt = iam.AccessToken, servedUntil(iam)
	} else if tok.Value, err = b.monitorToken(ctx, p, iam.AccessToken); err != nil {
		return Token{}, err
	}
	switch {
	case cacheErr != nil && c.keyring:
		tok.NotCached = fmt.Errorf("the token was not cached, the cache could not be reached (%v); set the profile's cache to none or file to skip it", cacheErr)
	case cacheErr != nil:
		tok.NotCached = fmt.Errorf("the token was not cached: %v; fix that, or set the profile's cache to none", cacheErr)
	case c.where == "":
		// cache=none: nothing to write.
	case p.IAMMode() && iam.ExpiresIn <= 0:
		// No known lifetime (an ibmcloud session token without exp): not cached.
	default:
		if err := c.Set(ctx, TokenItem(p.Name), encodeEntry(p, tok.Value, tok.ExpiresAt)); err != nil {
			tok.NotCached = fmt.Errorf("the token was fetched but not cached: %w", err)
		} else {
			tok.CachedIn = c.where
		}
	}
	return tok, nil
}

func (b *Broker) monitorToken(ctx context.Context, p profile.Profile, iam string) (string, error) {
	tok, err := b.API.MonitorToken(ctx, p.Endpoint, monitorapi.Credentials{
		Bearer: iam, InstanceID: p.InstanceID, TeamID: p.TeamID,
	})
	b.secret(tok)
	return tok, err
}

// Teams lists the instance's teams, with the profile's credential.
func (b *Broker) Teams(ctx context.Context, p profile.Profile) ([]monitorapi.Team, error) {
	iam, _, err := b.IAMToken(ctx, p)
	if err != nil {
		return nil, err
	}
	return b.API.Teams(ctx, p.Endpoint, monitorapi.Credentials{Bearer: iam.AccessToken, InstanceID: p.InstanceID})
}

// Forget drops p's cached token if, and only if, it equals rejected: a
// stale rejection (an old token a caller still held) must not throw away a
// fresh one (docs/integrations.md, "Git erase and store": git's own
// helpers do the same since 2.42).
func (b *Broker) Forget(ctx context.Context, p profile.Profile, rejected string) error {
	c, err := b.cacheOf(p)
	if err != nil {
		return err
	}
	cached, ok, _, err := b.cached(ctx, p, c)
	if err != nil || !ok || cached != rejected {
		return err
	}
	return deleteIfPresent(ctx, c, TokenItem(p.Name))
}

func deleteIfPresent(ctx context.Context, s Secrets, item string) error {
	if err := s.Delete(ctx, item); err != nil && !absent(err) {
		return err
	}
	return nil
}
