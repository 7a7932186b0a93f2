package commands

import (
	"context"
	"errors"
	"testing"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/store"
)

func TestNewRefreshCmd(t *testing.T) {
	checkParse(t, newRefreshCmd, []parseCase[RefreshOptions]{
		{nil, RefreshOptions{Flags: FlagValues{}}, ""},
		{[]string{"--profile", "ci"}, RefreshOptions{Flags: FlagValues{"profile": "ci"}}, ""},
		{[]string{"now"}, RefreshOptions{}, `refresh: unexpected argument "now" (flags go before arguments; this command takes none)`},
	})
}

// refusingKeyring refuses every write of one item: a keyring that reads
// but cannot store.
type refusingKeyring struct {
	*store.Store
	item string
}

var errRefused = errors.New("the keyring refused the write")

func (k refusingKeyring) Set(ctx context.Context, item, secret string) error {
	if item == k.item {
		return errRefused
	}
	return k.Store.Set(ctx, item, secret)
}

// refresh's four outcomes: replaced, fetched but not cached (cache=none),
// fetched but the write refused (a failure: the reset token would be
// served again), and the fetch failed (the cached token is kept).
func TestRunRefresh(t *testing.T) {
	for _, tt := range []struct {
		name       string
		cache      string
		refuse     bool
		fault      bool
		wantStderr string
		wantErr    string
	}{
		{"replaced", "", false, false, "The cached token of profile \"p\" was replaced with the current one, in the keyring.\n", ""},
		{"cache=none", "none", false, false, "Fetched the current token of profile \"p\"; it is not cached (cache=none), so every get fetches it.\n", ""},
		{"write refused", "", true, false, "", "refresh failed: the token was fetched but not cached: the keyring refused the write; the old token was removed, so the next get fetches again"},
		{"fetch failed", "", false, true, "", "refresh failed, the cached token was kept: could not fetch the Monitor API token at {URL}: HTTP 503 (503 Service Unavailable); the service is having trouble; try again later (https://cloud.ibm.com/status)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRun(t)
			extra := FlagValues{}
			if tt.cache != "" {
				extra["cache"] = tt.cache
			}
			r.login("p", extra)
			f := r.factory()
			if tt.refuse {
				inner := f.Broker
				f.Broker = func(interactive bool) (*broker.Broker, error) {
					b, err := inner(interactive)
					b.Keyring = refusingKeyring{Store: r.keyring, item: broker.TokenItem("p")}
					return b, err
				}
			}
			if tt.fault {
				r.emu.InjectFault(emulator.RouteMonitorToken, emulator.Fault{Status: 503, Times: 5})
			}
			r.emu.ResetMonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
			err := runRefresh(t.Context(), f, RefreshOptions{Flags: FlagValues{"profile": "p"}})
			r.check(tt.name, err, "", tt.wantStderr, tt.wantErr)
		})
	}
}
