package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/store"
)

// Where an API key came from, as status reports it.
const (
	SourceEnv            = "IBMCLOUD_API_KEY"
	SourceEnvFile        = "IBMCLOUD_API_KEY (@file)"
	SourceKeyring        = "keyring"
	SourceSession        = "ibmcloud login session"
	SourceTrustedProfile = "trusted profile"
	SourceVPC            = "VPC instance identity"
)

// ErrNoAPIKey means the profile has no API key anywhere.
var ErrNoAPIKey = errors.New("no API key")

// maxKeyFile bounds an @file API key read; an IBM Cloud API key is 44
// characters, so anything near this size is the wrong file.
const maxKeyFile = 64 << 10

// APIKey returns the API key the profile uses and where it came from.
// IBMCLOUD_API_KEY, when set, wins over the keyring, as in IBM's own CLI; its
// "@path" form reads the key from a file (ibm-monitor-api.md section 3).
func (b *Broker) APIKey(ctx context.Context, profile string) (key, source string, err error) {
	if v := b.getenv("IBMCLOUD_API_KEY"); v != "" {
		if path, ok := strings.CutPrefix(v, "@"); ok {
			key, err := readKeyFile(path)
			return key, SourceEnvFile, err
		}
		return strings.TrimSpace(v), SourceEnv, nil
	}
	key, err = b.Secrets.Get(ctx, APIKeyItem(profile))
	if errors.Is(err, store.ErrNotFound) {
		return "", "", fmt.Errorf("%w for profile %q: run `monitor-token login` again, or set IBMCLOUD_API_KEY", ErrNoAPIKey, profile)
	}
	if err != nil {
		return "", "", err
	}
	// Keys are not trimmed by go-sdk-core (ibm-monitor-api.md section 1).
	return strings.TrimSpace(key), SourceKeyring, nil
}

// IAMToken gets an IAM token for t from the profile's credential, in one
// documented order (issue 5): IBMCLOUD_API_KEY (and its @file form); then
// what the profile names: a trusted profile through a compute-resource
// token, a VSI's instance identity, or (the default) the keyring's API key
// and, under ibmcloud, the CLI's login session. It returns where the token
// came from, as status shows it.
func (b *Broker) IAMToken(ctx context.Context, t Target) (monitorapi.IAMToken, string, error) {
	if b.getenv("IBMCLOUD_API_KEY") == "" {
		switch t.Credential {
		case "trusted-profile":
			iam, err := b.API.ExchangeCRToken(ctx, t.IAMEndpoint, t.CRTokenFile, monitorapi.TrustedProfile(t.TrustedProfile))
			b.secret(iam.AccessToken)
			return iam, SourceTrustedProfile, err
		case "vpc-instance":
			iam, err := b.API.ExchangeVPCIdentity(ctx, t.MetadataURL, monitorapi.TrustedProfile(t.TrustedProfile))
			b.secret(iam.AccessToken)
			return iam, SourceVPC, err
		}
	}
	key, source, err := b.APIKey(ctx, t.Profile)
	if errors.Is(err, ErrNoAPIKey) && b.Session != nil {
		iam, serr := b.Session()
		if serr != nil {
			return monitorapi.IAMToken{}, "", fmt.Errorf("%w; and %w", err, serr)
		}
		b.secret(iam.AccessToken)
		return iam, SourceSession, nil
	}
	if err != nil {
		return monitorapi.IAMToken{}, "", err
	}
	iam, err := b.exchange(ctx, t, key)
	if err != nil && source != SourceKeyring {
		// Say which key was refused: the variable wins over the keyring,
		// and a stale export is easy to forget.
		return monitorapi.IAMToken{}, "", fmt.Errorf("with the API key from %s: %w", source, err)
	}
	return iam, source, err
}

// KeyringCredential says whether t's credential is the keyring's API key,
// so that a keyring out of reach also means no credential.
func (b *Broker) KeyringCredential(t Target) bool {
	return b.getenv("IBMCLOUD_API_KEY") == "" && t.Credential == ""
}

// CredentialSource says where t's IAM token would come from, without
// fetching anything: for status.
func (b *Broker) CredentialSource(ctx context.Context, t Target) (string, error) {
	if b.getenv("IBMCLOUD_API_KEY") == "" {
		switch t.Credential {
		case "trusted-profile":
			return SourceTrustedProfile + " " + t.TrustedProfile, nil
		case "vpc-instance":
			return SourceVPC, nil
		}
	}
	_, source, err := b.APIKey(ctx, t.Profile)
	if errors.Is(err, ErrNoAPIKey) && b.Session != nil {
		if _, serr := b.Session(); serr == nil {
			return SourceSession, nil
		}
	}
	return source, err
}

func readKeyFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: cannot read the key file: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: cannot read the key file: %w", path, err)
	}
	if len(b) > maxKeyFile {
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: the file is larger than 64 KiB, not an API key", path)
	}
	key := strings.TrimSpace(string(b))
	if key == "" {
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: the file is empty", path)
	}
	return key, nil
}

func (b *Broker) getenv(name string) string {
	if b.Getenv == nil {
		return ""
	}
	return b.Getenv(name)
}

// LoginOptions are the choices of a login.
type LoginOptions struct {
	// Verify fetches the token before anything is stored, so a wrong key,
	// instance or team fails the login (issue 2).
	Verify bool
	// TeamName, when set, is resolved to the team id through /api/teams.
	TeamName string
}

// Login stores the API key (and the token, when verified) for t and then
// calls commit with the final target (the team resolved), which writes the
// profile. Either all of it happens or, on any failure, the keyring is put
// back as it was (issue 2: "a failed login changes nothing that was there
// before"). An empty apiKey means the profile uses the ibmcloud login
// session: a key stored earlier is removed, so it cannot win over it.
func (b *Broker) Login(ctx context.Context, t Target, apiKey string, opts LoginOptions, commit func(Target) error) error {
	var token string
	var expiresAt time.Time
	if opts.Verify || opts.TeamName != "" {
		iam, err := b.loginIAMToken(ctx, t, apiKey)
		if err != nil {
			return err
		}
		if opts.TeamName != "" {
			if t.TeamID, err = b.resolveTeam(ctx, t, iam.AccessToken, opts.TeamName); err != nil {
				return err
			}
		}
		if opts.Verify {
			if token, expiresAt, err = b.verifyLogin(ctx, t, iam); err != nil {
				return err
			}
		}
	}
	keyItem, tokenItem := APIKeyItem(t.Profile), TokenItem(t.Profile)
	// The key item is the keyring's business only for an API-key profile:
	// a trusted profile or a VSI identity works where there is no keyring.
	keys, tokens := b.Secrets, b.cache()
	touchKey := apiKey != "" || t.Credential == ""
	// Read what is there, so it can be put back. A store that cannot be
	// read fails the login here, before anything changed.
	var prevKey previous
	var err error
	if touchKey {
		if prevKey, err = snapshot(ctx, keys, keyItem); err != nil {
			return err
		}
	}
	prevToken, err := snapshot(ctx, tokens, tokenItem)
	if err != nil {
		return err
	}
	switch {
	case apiKey != "":
		err = keys.Set(ctx, keyItem, apiKey)
	case touchKey:
		// A session login: an old key must not win over the session.
		err = deleteIfPresent(ctx, keys, keyItem)
	}
	if err == nil {
		if opts.Verify {
			err = tokens.Set(ctx, tokenItem, encodeEntry(t, token, expiresAt))
		} else {
			// An unverified login must not leave a token bound to the old
			// settings behind; the next get fetches one.
			err = deleteIfPresent(ctx, tokens, tokenItem)
		}
	}
	if err == nil {
		err = commit(t)
	}
	if err != nil {
		// Put back in reverse order. A failure here is reported with the
		// original error; there is nothing better to do with it.
		rerr := restore(ctx, tokens, tokenItem, prevToken)
		if touchKey {
			rerr = errors.Join(rerr, restore(ctx, keys, keyItem, prevKey))
		}
		if rerr != nil {
			b.warn(fmt.Errorf("could not put the keyring back as it was: %w", rerr))
		}
		return err
	}
	return nil
}

// loginIAMToken is the IAM token a login verifies with: from the key it
// was given, else from the profile's other credential.
func (b *Broker) loginIAMToken(ctx context.Context, t Target, apiKey string) (monitorapi.IAMToken, error) {
	if apiKey != "" {
		return b.exchange(ctx, t, apiKey)
	}
	if t.Credential != "" {
		iam, _, err := b.IAMToken(ctx, t)
		return iam, err
	}
	if b.Session == nil {
		return monitorapi.IAMToken{}, ErrNoAPIKey
	}
	iam, err := b.Session()
	if err != nil {
		return monitorapi.IAMToken{}, err
	}
	b.secret(iam.AccessToken)
	return iam, nil
}

// verifyLogin proves the settings work: the Monitor token is fetched; in
// IAM mode, where there is none, the IAM token is used on /api/users/me
// with the instance (and team) headers, and is what gets cached.
func (b *Broker) verifyLogin(ctx context.Context, t Target, iam monitorapi.IAMToken) (string, time.Time, error) {
	if !t.iamMode() {
		tok, err := b.monitorToken(ctx, t, iam.AccessToken)
		return tok, time.Time{}, err
	}
	_, err := b.API.CurrentUser(ctx, t.Endpoint, monitorapi.Credentials{Bearer: iam.AccessToken, InstanceID: t.InstanceID, TeamID: t.TeamID})
	return iam.AccessToken, servedUntil(iam), err
}

// resolveTeam finds a team by its exact name.
func (b *Broker) resolveTeam(ctx context.Context, t Target, iam, name string) (string, error) {
	teams, err := b.API.Teams(ctx, t.Endpoint, monitorapi.Credentials{Bearer: iam, InstanceID: t.InstanceID})
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

func deleteIfPresent(ctx context.Context, s Secrets, item string) error {
	if err := s.Delete(ctx, item); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// previous is an item's value before a change; absent means the item did
// not exist.
type previous struct {
	value  string
	exists bool
}

func snapshot(ctx context.Context, s Secrets, item string) (previous, error) {
	v, err := s.Get(ctx, item)
	if errors.Is(err, store.ErrNotFound) {
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
