package broker

import (
	"context"
	"sync"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// Holder keeps one profile's token in memory for a caller that asks for it
// again and again (the proxy asks on every request, internal/proxy's
// Source): after the first, a call reads no keyring and sends nothing.
// An IAM token is renewed when get would no longer serve it (Token's
// ExpiresAt, on the broker's clock, Broker.Now); a token the service
// refused is replaced through Refresh, under the profile's fetch lock,
// which also puts the new one in the cache for every other caller. It is
// safe for concurrent use.
type Holder struct {
	b *Broker
	p profile.Profile

	mu  sync.Mutex
	cur Token // Value "" until the first call
}

// NewHolder returns a Holder of p's token; it fetches nothing until asked.
func NewHolder(b *Broker, p profile.Profile) *Holder {
	return &Holder{b: b, p: p}
}

// Current returns the credentials of the token held, after getting it from
// Token first (the cache, else a fetch) when none is held yet or the one
// held is an IAM token past its ExpiresAt.
func (h *Holder) Current(ctx context.Context) (monitorapi.Credentials, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur.Value == "" || (!h.cur.ExpiresAt.IsZero() && !h.b.now().Before(h.cur.ExpiresAt)) {
		t, err := h.b.Token(ctx, h.p)
		if err != nil {
			return monitorapi.Credentials{}, err
		}
		h.cur = t
	}
	return h.credentials(), nil
}

// Renew replaces the token the service refused (stale) through Refresh,
// and returns the new credentials. When the token held is no longer stale's,
// another caller renewed it in the meantime: that one is returned, and
// nothing is fetched, so that a burst of requests refused together costs
// one fetch. On an error the token held stays as it was.
func (h *Holder) Renew(ctx context.Context, stale monitorapi.Credentials) (monitorapi.Credentials, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.cur.Value != stale.Bearer {
		return h.credentials(), nil
	}
	t, err := h.b.Refresh(ctx, h.p)
	if err != nil {
		return monitorapi.Credentials{}, err
	}
	if t.NotCached != nil {
		// Refresh leaves the warning to its caller (refresh fails on it);
		// the proxy has the token it needs and goes on.
		h.b.warn(t.NotCached)
	}
	h.cur = t
	return h.credentials(), nil
}

// credentials are what a Monitoring request carries for the token held.
func (h *Holder) credentials() monitorapi.Credentials {
	return requestCredentials(h.p, h.cur.Value)
}
