package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/store"
)

// Where an API key came from, as status reports it.
const (
	SourceEnv     = "IBMCLOUD_API_KEY"
	SourceEnvFile = "IBMCLOUD_API_KEY (@file)"
	SourceKeyring = "keyring"
	SourceSession = "ibmcloud login session"
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

// IAMToken gets an IAM token for t from the profile's credential, in the
// documented order: IBMCLOUD_API_KEY, the keyring's API key, then (under
// ibmcloud) the CLI's login session. It returns where the token came from.
func (b *Broker) IAMToken(ctx context.Context, t Target) (token, source string, err error) {
	key, source, err := b.APIKey(ctx, t.Profile)
	if errors.Is(err, ErrNoAPIKey) && b.Session != nil {
		tok, serr := b.Session()
		if serr != nil {
			return "", "", fmt.Errorf("%w; and %w", err, serr)
		}
		b.secret(tok)
		return tok, SourceSession, nil
	}
	if err != nil {
		return "", "", err
	}
	iam, err := b.exchange(ctx, t, key)
	if err != nil && source != SourceKeyring {
		// Say which key was refused: the variable wins over the keyring,
		// and a stale export is easy to forget.
		return "", "", fmt.Errorf("with the API key from %s: %w", source, err)
	}
	return iam, source, err
}

// CredentialSource says where t's IAM token would come from, without
// fetching anything: for status.
func (b *Broker) CredentialSource(ctx context.Context, t Target) (string, error) {
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
	if opts.Verify || opts.TeamName != "" {
		iam, err := b.loginIAMToken(ctx, t, apiKey)
		if err != nil {
			return err
		}
		if opts.TeamName != "" {
			if t.TeamID, err = b.resolveTeam(ctx, t, iam, opts.TeamName); err != nil {
				return err
			}
		}
		if opts.Verify {
			if token, err = b.monitorToken(ctx, t, iam); err != nil {
				return err
			}
		}
	}
	keyItem, tokenItem := APIKeyItem(t.Profile), TokenItem(t.Profile)
	// Read what is there, so it can be put back. A keyring that cannot be
	// read fails the login here, before anything changed.
	prevKey, err := b.snapshot(ctx, keyItem)
	if err != nil {
		return err
	}
	prevToken, err := b.snapshot(ctx, tokenItem)
	if err != nil {
		return err
	}
	if apiKey != "" {
		err = b.Secrets.Set(ctx, keyItem, apiKey)
	} else {
		err = b.deleteIfPresent(ctx, keyItem)
	}
	if err == nil {
		if opts.Verify {
			err = b.Secrets.Set(ctx, tokenItem, encodeEntry(t, token))
		} else {
			// An unverified login must not leave a token bound to the old
			// settings behind; the next get fetches one.
			err = b.deleteIfPresent(ctx, tokenItem)
		}
	}
	if err == nil {
		err = commit(t)
	}
	if err != nil {
		// Put back in reverse order. A failure here is reported with the
		// original error; there is nothing better to do with it.
		if rerr := errors.Join(b.restore(ctx, tokenItem, prevToken), b.restore(ctx, keyItem, prevKey)); rerr != nil && b.Warn != nil {
			b.Warn(fmt.Errorf("could not put the keyring back as it was: %w", rerr))
		}
		return err
	}
	return nil
}

func (b *Broker) loginIAMToken(ctx context.Context, t Target, apiKey string) (string, error) {
	if apiKey != "" {
		return b.exchange(ctx, t, apiKey)
	}
	if b.Session == nil {
		return "", ErrNoAPIKey
	}
	tok, err := b.Session()
	if err != nil {
		return "", err
	}
	b.secret(tok)
	return tok, nil
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

func (b *Broker) deleteIfPresent(ctx context.Context, item string) error {
	if err := b.Secrets.Delete(ctx, item); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}

// previous is a keyring item's value before a change; absent means the item
// did not exist.
type previous struct {
	value  string
	exists bool
}

func (b *Broker) snapshot(ctx context.Context, item string) (previous, error) {
	v, err := b.Secrets.Get(ctx, item)
	if errors.Is(err, store.ErrNotFound) {
		return previous{}, nil
	}
	if err != nil {
		return previous{}, err
	}
	return previous{value: v, exists: true}, nil
}

func (b *Broker) restore(ctx context.Context, item string, p previous) error {
	if p.exists {
		return b.Secrets.Set(ctx, item, p.value)
	}
	return b.deleteIfPresent(ctx, item)
}
