package store

import (
	"sync"

	"github.com/zalando/go-keyring"
)

// backend is the keyring a Store talks to: the OS keyring in production,
// a map in unit tests, and in this package's tests also backends that hang
// or fail on purpose. It has go-keyring's signatures and error values, so
// the Store code above it (deadline, size check, Classify) is the same for
// all of them.
type backend interface {
	Get(service, user string) (string, error)
	Set(service, user, secret string) error
	Delete(service, user string) error
	DeleteAll(service string) error
}

// osKeyring is the OS keyring through go-keyring: Secret Service over D-Bus
// on Linux, /usr/bin/security on macOS, Credential Manager on Windows.
type osKeyring struct{}

func (osKeyring) Get(service, user string) (string, error) {
	if secret, handled, err := fastGet(service, user); handled {
		return secret, err
	}
	return keyring.Get(service, user)
}
func (osKeyring) Set(service, user, secret string) error { return keyring.Set(service, user, secret) }
func (osKeyring) Delete(service, user string) error      { return keyring.Delete(service, user) }
func (osKeyring) DeleteAll(service string) error         { return keyring.DeleteAll(service) }

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

func (m *memory) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	secret, ok := m.items[service][user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return secret, nil
}

func (m *memory) Set(service, user, secret string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.items[service] == nil {
		m.items[service] = map[string]string{}
	}
	m.items[service][user] = secret
	return nil
}

func (m *memory) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.items[service][user]; !ok {
		return keyring.ErrNotFound
	}
	delete(m.items[service], user)
	return nil
}

func (m *memory) DeleteAll(service string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.items, service)
	return nil
}
