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
}

// Target says which token is wanted: a profile and the service coordinates
// its token is bound to.
type Target struct {
	Profile     string
	Endpoint    string
	IAMEndpoint string
	InstanceID  string
	TeamID      string
}

// Item names in the keyring. The profile name is validated by the config
// package, so "/" cannot occur in it and the names cannot collide.
func APIKeyItem(profile string) string { return profile + "/api-key" }
func TokenItem(profile string) string  { return profile + "/monitor-token" }

// Token is a Monitor API token and where it came from.
type Token struct {
	Value     string
	FromCache bool
	Verified  bool // Verify: the service accepted the cached token
	Replaced  bool // Verify: the service refused it; this is a new one
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
	Session func() (string, error)
	// Lock, when set, takes the profile's fetch lock across processes
	// (internal/fetchlock) and returns its release.
	Lock func(ctx context.Context, profile string) (unlock func(), err error)
}

func (b *Broker) secret(s string) {
	if b.OnSecret != nil && s != "" {
		b.OnSecret(s)
	}
}

// cacheEntry is what the keyring holds for a cached token. The token is
// bound to what it was fetched for, so a changed profile never serves the
// old token (issue 2).
type cacheEntry struct {
	Endpoint   string `json:"endpoint"`
	InstanceID string `json:"instance_id"`
	TeamID     string `json:"team_id"`
	Token      string `json:"token"`
}

func (e cacheEntry) matches(t Target) bool {
	return e.Token != "" && e.Endpoint == t.Endpoint && e.InstanceID == t.InstanceID && e.TeamID == t.TeamID
}

func encodeEntry(t Target, token string) string {
	b, _ := json.Marshal(cacheEntry{Endpoint: t.Endpoint, InstanceID: t.InstanceID, TeamID: t.TeamID, Token: token})
	return string(b)
}

// Cached returns the cached token for t, if there is one bound to t. It is
// the whole warm path: one keyring read.
func (b *Broker) Cached(ctx context.Context, t Target) (string, bool, error) {
	raw, err := b.Secrets.Get(ctx, TokenItem(t.Profile))
	if errors.Is(err, store.ErrNotFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	var e cacheEntry
	if json.Unmarshal([]byte(raw), &e) != nil || !e.matches(t) {
		// Stale binding or an unreadable entry: treat as a miss; the next
		// fetch overwrites it.
		return "", false, nil
	}
	b.secret(e.Token)
	return e.Token, true, nil
}

// Token returns the cached token, or fetches, caches and returns it. On a
// miss it takes the profile's fetch lock and looks again, so that of many
// processes started together on a cold cache one fetches and the others
// read its result (issue 4).
func (b *Broker) Token(ctx context.Context, t Target) (Token, error) {
	if tok, ok, err := b.Cached(ctx, t); err != nil {
		return Token{}, err
	} else if ok {
		return Token{Value: tok, FromCache: true}, nil
	}
	unlock, err := b.lock(ctx, t.Profile)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	if tok, ok, err := b.Cached(ctx, t); err != nil {
		return Token{}, err
	} else if ok {
		return Token{Value: tok, FromCache: true}, nil
	}
	return b.fetchAndCache(ctx, t)
}

// Refresh fetches the current token (after a reset in the UI) and replaces
// the cached one only once the new one is in hand.
func (b *Broker) Refresh(ctx context.Context, t Target) (Token, error) {
	unlock, err := b.lock(ctx, t.Profile)
	if err != nil {
		return Token{}, err
	}
	defer unlock()
	return b.fetchAndCache(ctx, t)
}

// Verify checks the cached token against the service (GET /api/token with
// the Monitor token as bearer, ibm-monitor-api.md section 2). A token the
// service refuses (reset in the UI) is fetched again through IAM, once, and
// replaced; if that fails the cache is left as it was. With no token cached
// it is the same as Token.
func (b *Broker) Verify(ctx context.Context, t Target) (Token, error) {
	cached, ok, err := b.Cached(ctx, t)
	if err != nil {
		return Token{}, err
	}
	if !ok {
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
	tok, err := b.fetchAndCache(ctx, t)
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

func (b *Broker) fetchAndCache(ctx context.Context, t Target) (Token, error) {
	iam, _, err := b.IAMToken(ctx, t)
	if err != nil {
		return Token{}, err
	}
	tok, err := b.monitorToken(ctx, t, iam)
	if err != nil {
		return Token{}, err
	}
	if err := b.Secrets.Set(ctx, TokenItem(t.Profile), encodeEntry(t, tok)); err != nil && b.Warn != nil {
		b.Warn(fmt.Errorf("the token was fetched but not cached: %w", err))
	}
	return Token{Value: tok}, nil
}

// exchange trades an API key for an IAM token: the first of the two
// requests of a cold start (ibm-monitor-api.md section 5).
func (b *Broker) exchange(ctx context.Context, t Target, apiKey string) (string, error) {
	b.secret(apiKey)
	iam, err := b.API.ExchangeAPIKey(ctx, t.IAMEndpoint, apiKey)
	if err != nil {
		return "", err
	}
	b.secret(iam.AccessToken)
	return iam.AccessToken, nil
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
	return b.API.Teams(ctx, t.Endpoint, monitorapi.Credentials{Bearer: iam, InstanceID: t.InstanceID})
}

// Forget drops t's cached token if, and only if, it equals rejected: a
// stale rejection (an old token a caller still held) must not throw away a
// fresh one (integrations.md section 3, as git's own helpers do since 2.42).
func (b *Broker) Forget(ctx context.Context, t Target, rejected string) error {
	cached, ok, err := b.Cached(ctx, t)
	if err != nil || !ok || cached != rejected {
		return err
	}
	return b.deleteIfPresent(ctx, TokenItem(t.Profile))
}

// Logout removes the profile's secrets. Items already gone are fine.
func (b *Broker) Logout(ctx context.Context, profile string) error {
	for _, item := range []string{TokenItem(profile), APIKeyItem(profile)} {
		if err := b.deleteIfPresent(ctx, item); err != nil {
			return err
		}
	}
	return nil
}
