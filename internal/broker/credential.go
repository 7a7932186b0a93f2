package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/store"
)

// Where an IAM token came from, as status reports it.
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

// credential is how one profile gets its IAM token: where from (for status
// and messages) and the exchange itself.
type credential struct {
	source string
	iam    func(context.Context) (monitorapi.IAMToken, error)
}

// credential is the one place that turns the profile's kind of credential
// (decided by profile.Profile.CredentialKind) into an IAM token. Finding the
// credential may read it (the keyring's key, an @file key) but exchanges
// nothing.
func (b *Broker) credential(ctx context.Context, p profile.Profile) (credential, error) {
	switch p.CredentialKind() {
	case profile.TrustedProfile:
		return credential{source: SourceTrustedProfile + " " + p.TrustedProfile, iam: func(ctx context.Context) (monitorapi.IAMToken, error) {
			return b.API.ExchangeCRToken(ctx, p.IAMEndpoint, p.CRTokenFile, monitorapi.TrustedProfile(p.TrustedProfile))
		}}, nil
	case profile.VPCIdentity:
		return credential{source: SourceVPC, iam: func(ctx context.Context) (monitorapi.IAMToken, error) {
			return b.API.ExchangeVPCIdentity(ctx, p.MetadataURL, monitorapi.TrustedProfile(p.TrustedProfile))
		}}, nil
	case profile.EnvAPIKey:
		key, source, err := envAPIKey(p.EnvAPIKey)
		if err != nil {
			return credential{}, err
		}
		return credential{source: source, iam: func(ctx context.Context) (monitorapi.IAMToken, error) {
			iam, err := b.exchange(ctx, p, key)
			if err != nil {
				// Say which key was refused: the variable wins over the
				// keyring, and a stale export is easy to forget.
				return iam, fmt.Errorf("with the API key from %s: %w", source, err)
			}
			return iam, nil
		}}, nil
	}
	if p.StoredCredentialRefused != nil {
		return credential{}, p.StoredCredentialRefused
	}
	key, err := b.Keyring.Get(ctx, APIKeyItem(p.Name))
	switch {
	case err == nil:
		// Keys are not trimmed by go-sdk-core (docs/protocol.md, "go-sdk-core").
		key = strings.TrimSpace(key)
		return credential{source: SourceKeyring, iam: func(ctx context.Context) (monitorapi.IAMToken, error) {
			return b.exchange(ctx, p, key)
		}}, nil
	case !errors.Is(err, store.ErrNotFound):
		return credential{}, err
	}
	noKey := fmt.Errorf("%w for profile %q: run `monitor-token login` again, or set IBMCLOUD_API_KEY", ErrNoAPIKey, p.Name)
	if b.Session == nil {
		return credential{}, noKey
	}
	session, serr := b.Session()
	if serr != nil {
		return credential{}, fmt.Errorf("%w; and %w", noKey, serr)
	}
	return credential{source: SourceSession, iam: func(context.Context) (monitorapi.IAMToken, error) { return session, nil }}, nil
}

// IAMToken gets an IAM token for p from its credential, and says where it
// came from.
func (b *Broker) IAMToken(ctx context.Context, p profile.Profile) (monitorapi.IAMToken, string, error) {
	c, err := b.credential(ctx, p)
	if err != nil {
		return monitorapi.IAMToken{}, "", err
	}
	iam, err := c.iam(ctx)
	b.secret(iam.AccessToken)
	return iam, c.source, err
}

// CredentialSource says where p's IAM token would come from, without
// fetching anything: for status.
func (b *Broker) CredentialSource(ctx context.Context, p profile.Profile) (string, error) {
	c, err := b.credential(ctx, p)
	return c.source, err
}

// exchange trades an API key for an IAM token: the first of the two
// requests of a cold start (docs/protocol.md, "Requests end to end").
func (b *Broker) exchange(ctx context.Context, p profile.Profile, apiKey string) (monitorapi.IAMToken, error) {
	b.secret(apiKey)
	iam, err := b.API.ExchangeAPIKey(ctx, p.IAMEndpoint, apiKey)
	b.secret(iam.AccessToken)
	return iam, err
}

// envAPIKey reads IBMCLOUD_API_KEY's value: the key itself, or "@path", a
// file holding it, as IBM's own CLI takes it (docs/protocol.md,
// "Environment variables of other tools").
func envAPIKey(v string) (key, source string, err error) {
	path, ok := strings.CutPrefix(v, "@")
	if !ok {
		return strings.TrimSpace(v), SourceEnv, nil
	}
	key, err = readKeyFile(path)
	return key, SourceEnvFile, err
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
