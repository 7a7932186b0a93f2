package broker

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// ErrNotRestored: a login failed after it had changed the keyring, and
// putting the keyring back failed too; the caller must not say that
// nothing changed.
var ErrNotRestored = errors.New("the keyring could not be put back as it was")

// restoreWait bounds putting the keyring back after a failed login.
const restoreWait = 10 * time.Second

// LoginOptions are the choices of a login.
type LoginOptions struct {
	// Verify fetches the token before anything is stored, so a wrong key,
	// instance or team fails the login.
	Verify bool
	// TeamName, when set, is resolved to the team id through /api/teams.
	TeamName string
}

// LoginResult says what a login stored.
type LoginResult struct {
	// Team is the team id the profile was stored with ("" for the user's
	// default team).
	Team string
	// CachedIn is where the verified token was cached; "" when nowhere
	// (cache=none, or nothing was fetched).
	CachedIn string
}

// Login stores the API key (and the token, when verified) for p and then
// calls commit with the final profile (the team resolved), which writes the
// config file. Either all of it happens or, on any failure, the keyring and
// the token cache are put back as they were: a failed login changes nothing.
// The writes happen under the profile's fetch lock, so that of two logins of
// one profile at once each leaves its key, token and settings together, and
// a get in between cannot cache a token for settings about to change.
//
// apiKey is the credential of a profile whose credential is an API key
// (profile.KeyringAPIKey); a trusted profile or a VSI identity verifies
// with its own. An empty apiKey means the profile uses the ibmcloud login
// session: a key stored earlier is removed, so it cannot win over the
// session.
func (b *Broker) Login(ctx context.Context, p profile.Profile, apiKey string, opts LoginOptions, commit func(profile.Profile) error) (LoginResult, error) {
	var token string
	var expiresAt time.Time
	if opts.Verify || opts.TeamName != "" {
		// The IAM token is the credential's, with the key the login was
		// handed in place of a stored one, which the login replaces.
		iam, _, err := b.iamToken(ctx, p, &loginKey{key: apiKey})
		if err != nil {
			return LoginResult{}, err
		}
		if opts.TeamName != "" {
			if p.TeamID, err = b.resolveTeam(ctx, p, iam.AccessToken, opts.TeamName); err != nil {
				return LoginResult{}, err
			}
		}
		if opts.Verify {
			if token, expiresAt, err = b.verifyLogin(ctx, p, iam); err != nil {
				return LoginResult{}, err
			}
		}
	}
	tokens, err := b.cacheOf(p)
	if err != nil {
		return LoginResult{}, err
	}
	unlock, err := b.lock(ctx, p.Name)
	if err != nil {
		return LoginResult{}, err
	}
	defer unlock()

	keyItem, tokenItem := APIKeyItem(p.Name), TokenItem(p.Name)
	// The key item is the keyring's business only for an API-key profile:
	// a trusted profile or a VSI identity works where there is no keyring.
	touchKey := apiKey != "" || p.CredentialKind() == profile.KeyringAPIKey
	// Read what is there, so it can be put back. A store that cannot be
	// read fails the login here, before anything changed.
	var prevKey previous
	if touchKey {
		if prevKey, err = snapshot(ctx, b.Keyring, keyItem); err != nil {
			return LoginResult{}, err
		}
	}
	prevToken, err := snapshot(ctx, tokens, tokenItem)
	if err != nil {
		return LoginResult{}, err
	}
	switch {
	case apiKey != "":
		err = b.Keyring.Set(ctx, keyItem, apiKey)
	case touchKey:
		// A session login: an old key must not win over the session.
		err = deleteIfPresent(ctx, b.Keyring, keyItem)
	}
	cachedIn := ""
	if err == nil {
		if opts.Verify && tokens.where != "" {
			err = tokens.Set(ctx, tokenItem, encodeEntry(p, token, expiresAt))
			cachedIn = tokens.where
		} else {
			// An unverified login must not leave a token bound to the old
			// settings behind; the next get fetches one.
			err = deleteIfPresent(ctx, tokens, tokenItem)
		}
	}
	if err == nil {
		err = commit(p)
	}
	if err != nil {
		// Put back in reverse order. The failure may be an interrupt (Ctrl-C
		// while waiting for the config file's lock), which cancelled ctx:
		// the restore must not depend on it, or the new key would stay with
		// the old settings. It is bounded on its own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restoreWait)
		defer cancel()
		rerr := restore(rctx, tokens, tokenItem, prevToken)
		if touchKey {
			rerr = errors.Join(rerr, restore(rctx, b.Keyring, keyItem, prevKey))
		}
		if rerr != nil {
			return LoginResult{}, fmt.Errorf("%w (%w: %v; `%s status` shows what is there)", err, ErrNotRestored, rerr, b.program())
		}
		return LoginResult{}, err
	}
	b.dropOtherCaches(ctx, p)
	return LoginResult{Team: p.TeamID, CachedIn: cachedIn}, nil
}

// verifyLogin proves the settings work: the Monitor token is fetched; in
// IAM mode, where there is none, the IAM token is used on /api/users/me
// with the instance (and team) headers, and is what gets cached.
func (b *Broker) verifyLogin(ctx context.Context, p profile.Profile, iam monitorapi.IAMToken) (string, time.Time, error) {
	if !p.IAMMode() {
		tok, err := b.monitorToken(ctx, p, iam.AccessToken)
		return tok, time.Time{}, err
	}
	_, err := b.API.CurrentUser(ctx, p.Endpoint, monitorapi.Credentials{Bearer: iam.AccessToken, InstanceID: p.InstanceID, TeamID: p.TeamID})
	return iam.AccessToken, servedUntil(iam), err
}

// resolveTeam finds a team by its exact name.
func (b *Broker) resolveTeam(ctx context.Context, p profile.Profile, iam, name string) (string, error) {
	teams, err := b.API.Teams(ctx, p.Endpoint, monitorapi.Credentials{Bearer: iam, InstanceID: p.InstanceID})
	if err != nil {
		return "", err
	}
	var names []string
	for _, team := range teams {
		if team.Name == name {
			return strconv.FormatInt(team.ID, 10), nil
		}
		names = append(names, strconv.Quote(team.Name))
	}
	return "", fmt.Errorf("--team-name: the instance has no team named %q; its teams are %s", name, strings.Join(names, ", "))
}

// previous is an item's value before a change; absent means the item did
// not exist.
type previous struct {
	value  string
	exists bool
}

func snapshot(ctx context.Context, s Secrets, item string) (previous, error) {
	v, err := s.Get(ctx, item)
	if absent(err) {
		return previous{}, nil
	}
	if err != nil {
		return previous{}, err
	}
	return previous{value: v, exists: true}, nil
}

func restore(ctx context.Context, s Secrets, item string, p previous) error {
	if p.exists {
		return s.Set(ctx, item, p.value)
	}
	return deleteIfPresent(ctx, s, item)
}
