package broker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/monitor-token/monitor-token/store"
)

// Where an API key came from, as status reports it.
const (
	SourceEnv     = "IBMCLOUD_API_KEY"
	SourceEnvFile = "IBMCLOUD_API_KEY (@file)"
	SourceKeyring = "keyring"
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

// Login stores the API key (and the token, when verified) for t and then
// calls commit, which writes the profile. Either all of it happens or, on any
// failure, the keyring is put back as it was (issue 2: "a failed login
// changes nothing that was there before"). With verify, the token is fetched
// first, so a wrong key, instance or team fails before anything is written.
func (b *Broker) Login(ctx context.Context, t Target, apiKey string, verify bool, commit func() error) error {
	var token string
	if verify {
		var err error
		if token, err = b.Fetch(ctx, t, apiKey); err != nil {
			return err
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
	if err := b.Secrets.Set(ctx, keyItem, apiKey); err != nil {
		return err
	}
	if verify {
		err = b.Secrets.Set(ctx, tokenItem, encodeEntry(t, token))
	} else {
		// An unverified login must not leave a token bound to the old
		// settings behind; the next get fetches one.
		err = b.Secrets.Delete(ctx, tokenItem)
		if errors.Is(err, store.ErrNotFound) {
			err = nil
		}
	}
	if err == nil {
		err = commit()
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
	if err := b.Secrets.Delete(ctx, item); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
}
