package store

import (
	"context"
	"sync"

	"github.com/zalando/go-keyring"
)

// backend is the keyring a Store talks to: the OS keyring in production,
// a map in unit tests, and in this package's tests also backends that hang
// or fail on purpose. It has go-keyring's signatures and error values, so
// the Store code above it (deadline, size check, Classify) is the same for
// all of them. The context is the call's: it ends when the Store stops
// waiting, and carries the link that reports prompts (prompt.go).
type backend interface {
	Get(ctx context.Context, service, user string) (string, error)
	Set(ctx context.Context, service, user, secret string) error
	Delete(ctx context.Context, service, user string) error
	DeleteAll(ctx context.Context, service string) error
}

// osKeyring is the OS keyring through go-keyring: Secret Service over D-Bus
// on Linux, /usr/bin/security on macOS, Credential Manager on Windows.
type osKeyring struct{}

// Before each go-keyring call, unlockFirst (prompt_linux.go) does the
// unlock step that call would do, so that a prompt is waited for under the
// prompt deadline (docs/keyring.md, "Prompts and deadlines"); the fast read
// needs no unlock and goes first.
func (osKeyring) Get(ctx context.Context, service, user string) (string, error) {
	if secret, handled, err := fastGet(service, user); handled {
		return secret, err
	}
	if err := unlockFirst(ctx, service, user); err != nil {
		return "", err
	}
	return keyring.Get(service, user)
}

// Set writes through createItem (write_linux.go), which waits for a
// prompt of the write itself under the prompt deadline; go-keyring's Set
// is the way when that cannot start (and on other systems).
func (osKeyring) Set(ctx context.Context, service, user, secret string) error {
	if handled, err := createItem(ctx, service, user, secret); handled {
		return err
	}
	if err := unlockFirst(ctx, service, ""); err != nil {
		return err
	}
	return keyring.Set(service, user, secret)
}

func (osKeyring) Delete(ctx context.Context, service, user string) error {
	if nothingToDelete(ctx, service, user) {
		return keyring.ErrNotFound
	}
	if err := unlockFirst(ctx, service, ""); err != nil {
		return err
	}
	return keyring.Delete(service, user)
}

func (osKeyring) DeleteAll(ctx context.Context, service string) error {
	if nothingToDelete(ctx, service, "") {
		return nil
	}
	if err := unlockFirst(ctx, service, ""); err != nil {
		return err
	}
	return keyring.DeleteAll(service)
}

// memory is an in-memory keyring with a lock. go-keyring's own MockInit has
// no lock (it fails `go test -race` under concurrency; docs/keyring.md,
// "In-memory fake") and swaps a
// package-global provider, so it is not used. Like MockInit it does not
// survive across processes: tests that run the built binary twice need the
// real keyring.
type memory struct {
	mu    sync.Mutex
	items map[string]map[string]string // service -> user -> secret
}

func newMemory() *memory { return &memory{items: map[string]map[string]string{}} }

func (m *memory) Get(_ context.Context, service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	secret, ok := m.items[service][user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return secret, nil
}

func (m *memory) Set(_ context.Context, service, user, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items[service] == nil {
		m.items[service] = map[string]string{}
	}
	m.items[service][user] = secret
	return nil
}

func (m *memory) Delete(_ context.Context, service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[service][user]; !ok {
		return keyring.ErrNotFound
	}
	delete(m.items[service], user)
	return nil
}

func (m *memory) DeleteAll(_ context.Context, service string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, service)
	return nil
}
