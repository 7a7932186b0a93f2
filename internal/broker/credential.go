package broker

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/monitor-token/monitor-token/internal/apikey"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/regularfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
	"github.com/monitor-token/monitor-token/store"
)

// ErrNoAPIKey means the profile has no API key anywhere.
var ErrNoAPIKey = errors.New("no API key")

// credential is how one profile gets its IAM token: where from (for status
// and messages) and the exchange itself.
type credential struct {
	source string
	iam    func(context.Context) (monitorapi.IAMToken, error)
}

// loginKey is the API key a login was handed. In credential it takes the
// place of the key stored in the keyring, which the login is about to
// replace: the stored key is not read, not even when key is "" (a login
// under ibmcloud handed none, to use the CLI's session).
type loginKey struct{ key string }

// credential is the one place that turns the profile's kind of credential
// (decided by profile.Profile.CredentialKind) into an IAM token. Finding the
// credential may read it (the keyring's key, an @file key) but exchanges
// nothing. login is nil except in a login, whose key it carries.
func (b *Broker) credential(ctx context.Context, p profile.Profile, login *loginKey) (credential, error) {
	switch p.CredentialKind() {
	case profile.TrustedProfile:
		return credential{source: CredentialLabel(p), iam: func(ctx context.Context) (monitorapi.IAMToken, error) {
			file, err := b.crTokenFile(ctx, p)
			if err != nil {
				return monitorapi.IAMToken{}, err
			}
			// go-sdk-core takes a file name, not a token, and reads the
			// file again. That second read is acceptable: the file was
			// just found to be a small regular file holding a token, and
			// whoever can swap it in between controls the credential
			// already.
			return b.API.ExchangeCRToken(ctx, p.IAMEndpoint, file, monitorapi.TrustedProfile(p.TrustedProfile))
		}}, nil
	case profile.VPCIdentity:
		return credential{source: CredentialLabel(p), iam: func(ctx context.Context) (monitorapi.IAMToken, error) {
			return b.API.ExchangeVPCIdentity(ctx, p.MetadataURL, monitorapi.TrustedProfile(p.TrustedProfile))
		}}, nil
	case profile.EnvAPIKey:
		key, source, err := envAPIKey(ctx, p.EnvAPIKey)
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
	key, ok, err := b.apiKey(ctx, p, login)
	if err != nil {
		return credential{}, err
	}
	if ok {
		return credential{source: SourceKeyring, iam: func(ctx context.Context) (monitorapi.IAMToken, error) {
			return b.exchange(ctx, p, key)
		}}, nil
	}
	// No key: the ibmcloud CLI's session is the credential of last resort.
	// A login handed no key asked for it, so its failure is the whole
	// answer there: telling a login to run login again helps no one.
	noKey := ErrNoAPIKey
	if login == nil {
		noKey = fmt.Errorf("%w for profile %q: run `%s login` again, or set IBMCLOUD_API_KEY", ErrNoAPIKey, p.Name, b.program())
	}
	if b.Session == nil {
		return credential{}, noKey
	}
	session, err := b.Session(ctx)
	switch {
	case err != nil && login != nil:
		return credential{}, err
	case err != nil:
		return credential{}, fmt.Errorf("%w; and %w", noKey, err)
	}
	return credential{source: SourceSession, iam: session}, nil
}

// apiKey is the API key of a profile whose credential is one: the key a
// login was handed, else the one stored in the keyring. ok is false when
// there is none.
func (b *Broker) apiKey(ctx context.Context, p profile.Profile, login *loginKey) (key string, ok bool, err error) {
	if login != nil {
		return login.key, login.key != "", nil
	}
	key, err = b.Keyring.Get(ctx, APIKeyItem(p.Name))
	switch {
	case err == nil:
		// Keys are not trimmed by go-sdk-core (docs/protocol.md, "go-sdk-core").
		return strings.TrimSpace(key), true, nil
	case errors.Is(err, store.ErrNotFound):
		return "", false, nil
	}
	return "", false, err
}

// IAMToken gets an IAM token for p from its credential, and says where it
// came from.
func (b *Broker) IAMToken(ctx context.Context, p profile.Profile) (monitorapi.IAMToken, string, error) {
	return b.iamToken(ctx, p, nil)
}

func (b *Broker) iamToken(ctx context.Context, p profile.Profile, login *loginKey) (monitorapi.IAMToken, string, error) {
	c, err := b.credential(ctx, p, login)
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
	c, err := b.credential(ctx, p, nil)
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
func envAPIKey(ctx context.Context, v string) (key, source string, err error) {
	path, ok := strings.CutPrefix(v, "@")
	if !ok {
		key, err := apikey.Parse([]byte(v))
		if err != nil {
			return "", SourceEnv, fmt.Errorf("IBMCLOUD_API_KEY: %w", err)
		}
		return key, SourceEnv, nil
	}
	key, err = readKeyFile(ctx, path)
	return key, SourceEnvFile, err
}

// keyFile is how internal/trustedpath names an @file API key in its
// refusals. Whoever can change the file, or a directory or link on its way,
// picks the account its user acts as, so it is held to the config file's
// rule, OpenSSH's for ~/.ssh (docs/integrations.md, "Key files"): it and
// every directory above it belong to the user or root and no one else can
// write them (a sticky directory excepted). A read-only file of root's, as
// a Kubernetes Secret volume holds, passes.
var keyFile = trustedpath.SettingsFile{
	Name: "the key file",
	Move: "keep the key in a file of yours, on a path only you and root control",
}

// readKeyFile reads an @file API key. Only a regular file is read: a named
// pipe would hold the open forever and a device would never end.
func readKeyFile(ctx context.Context, path string) (string, error) {
	b, err := keyFile.Read(ctx, path, apikey.MaxInput)
	var notRegular *regularfile.NotRegularError
	var pathErr *fs.PathError
	switch {
	case trustedpath.Refused(err):
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: %w", path, err)
	case errors.As(err, &notRegular):
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: the key file is %s, not a regular file; point it at a file that holds the key", path, notRegular.Kind)
	case errors.Is(err, regularfile.ErrTooLarge):
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: the file is larger than %s, not an API key", path, apikey.MaxInputText)
	case errors.As(err, &pathErr):
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: cannot read the key file: %w", path, pathErr.Err)
	case err != nil:
		return "", err
	}
	key, err := apikey.Parse(b)
	switch {
	case errors.Is(err, apikey.ErrEmpty):
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: the file is empty", path)
	case err != nil:
		return "", fmt.Errorf("IBMCLOUD_API_KEY=@%s: %w", path, err)
	}
	return key, nil
}

// maxCRTokenFile bounds the compute-resource token read: a projected
// service-account token is a JWT of a few KiB.
const maxCRTokenFile = 64 << 10

// crTokenDefaults are the files go-sdk-core's ContainerAuthenticator tries,
// in this order, when no file is configured (defaultCRTokenFilename1 to 3 in
// its core/container_authenticator.go; docs/protocol.md, "Trusted
// profiles"). A variable so that tests can put them elsewhere.
var crTokenDefaults = []string{
	"/var/run/secrets/tokens/vault-token",
	"/var/run/secrets/tokens/sa-token",
	"/var/run/secrets/codeengine.cloud.ibm.com/compute-resource-token/token",
}

// crTokenFile finds and checks p's compute-resource token file: the one the
// profile names, else the first of crTokenDefaults that exists. A default
// that exists but cannot be used is reported rather than passed over: it is
// the token file of this workload, and skipping it would hide why IAM gets
// another one (docs/protocol.md, "Trusted profiles").
func (b *Broker) crTokenFile(ctx context.Context, p profile.Profile) (string, error) {
	hint := "point " + crTokenSetting(p) + " at the token file (a projected service-account token)"
	if p.CRTokenFile != "" {
		return p.CRTokenFile, b.checkCRToken(ctx, p.CRTokenFile, hint)
	}
	for _, path := range crTokenDefaults {
		if err := b.checkCRToken(ctx, path, hint); !errors.Is(err, fs.ErrNotExist) {
			return path, err
		}
	}
	return "", fmt.Errorf("no compute-resource token file: none of %s exists; %s", strings.Join(crTokenDefaults, ", "), hint)
}

// crTokenSetting names the setting that gives p's token file, as the user
// would set it.
func crTokenSetting(p profile.Profile) string {
	switch p.From {
	case profile.FromEnvironment:
		return "MONITOR_TOKEN_CR_TOKEN_FILE"
	case profile.FromFlags:
		return "--cr-token-file"
	}
	return config.FieldCRTokenFile + " in the config file"
}

// checkCRToken reads the compute-resource token file at path and checks that
// it holds something shaped like a token, which it then registers as a
// secret. A missing file gives an error that is fs.ErrNotExist.
func (b *Broker) checkCRToken(ctx context.Context, path, hint string) error {
	data, err := regularfile.Read(ctx, path, maxCRTokenFile)
	var notRegular *regularfile.NotRegularError
	var pathErr *fs.PathError
	switch {
	case errors.As(err, &notRegular):
		return fmt.Errorf("the compute-resource token file %s is %s, not a regular file; %s", path, notRegular.Kind, hint)
	case errors.Is(err, regularfile.ErrTooLarge):
		return fmt.Errorf("the compute-resource token file %s is larger than 64 KiB; %s", path, hint)
	case errors.As(err, &pathErr):
		return fmt.Errorf("cannot read the compute-resource token file %s: %w; %s", path, pathErr.Err, hint)
	case err != nil:
		return err
	}
	token := strings.TrimSpace(string(data))
	if token == "" {
		return fmt.Errorf("the compute-resource token file %s is empty; %s", path, hint)
	}
	// A JWT is base64url parts joined by dots (RFC 7519, section 3); this
	// checks only the looser printable ASCII without spaces, enough to
	// tell a token from the wrong file without judging its format.
	for i := 0; i < len(token); i++ {
		if token[i] < '!' || token[i] > '~' {
			return fmt.Errorf("the compute-resource token file %s does not hold a token (it has characters a token cannot have); %s", path, hint)
		}
	}
	b.secret(token)
	return nil
}
