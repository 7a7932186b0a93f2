package broker

import (
	"context"
	"errors"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
	"github.com/monitor-token/monitor-token/store"
)

// holderRig is a broker over the emulator, with the API key in an
// in-memory keyring and one clock, fixed until a test moves it, for the
// client (an IAM token's receipt) and the broker (its expiry).
type holderRig struct {
	emu      *emulator.Emulator
	facts    emulator.DemoFacts
	url      string
	sec      *recordingSecrets
	b        *Broker
	now      time.Time
	warnings []error
}

func newHolderRig(t *testing.T) *holderRig {
	t.Helper()
	emu, facts := emulator.NewDemo()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	r := &holderRig{emu: emu, facts: facts, url: srv.URL, now: time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)}
	clock := func() time.Time { return r.now }
	c := monitorapi.New("monitor-token/test")
	c.Grants = sdkgrant.Grants{}
	c.HTTP = srv.Client()
	c.Retry = monitorapi.RetryPolicy{Attempts: 1}
	c.Now = clock
	r.sec = &recordingSecrets{inner: store.NewMemory("test")}
	if err := r.sec.inner.Set(context.Background(), APIKeyItem("p"), facts.APIKey); err != nil {
		t.Fatal(err)
	}
	r.b = &Broker{Keyring: r.sec, API: c, CacheDir: t.TempDir(), Now: clock,
		Warn: func(err error) { r.warnings = append(r.warnings, err) }}
	return r
}

// tokenMode is a profile of the demo instance's default team that hands
// out the Monitor API token.
func (r *holderRig) tokenMode() profile.Profile {
	return prof("p", config.Settings{Endpoint: r.url, IAMEndpoint: r.url,
		InstanceID: r.facts.InstanceGUID, TeamID: strconv.Itoa(r.facts.DefaultTeamID)})
}

// iamMode is a profile of the IAM_ONLY instance: it hands out IAM tokens.
func (r *holderRig) iamMode() profile.Profile {
	return prof("p", config.Settings{Endpoint: r.url, IAMEndpoint: r.url,
		InstanceID: r.facts.IAMOnlyInstanceGUID, TeamID: "31001", Auth: config.AuthIAM})
}

func (r *holderRig) monitorToken() string {
	return r.emu.MonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
}

// Many calls, one fetch: after the first, Current reads no keyring and
// sends nothing, and hands out the token the cache holds with the headers
// of its mode.
func TestHolderKeepsTheTokenInMemory(t *testing.T) {
	tests := []struct {
		name string
		iam  bool
		// wantHeaders: the credentials carry the profile's instance and
		// team (IBMInstanceID, SysdigTeamID), not the bearer alone.
		wantHeaders                bool
		iamRequests, tokenRequests int
	}{
		{"Monitor token: the bearer alone", false, false, 1, 1},
		{"IAM token: with the instance and the team", true, true, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := newHolderRig(t)
			p := r.tokenMode()
			if tt.iam {
				p = r.iamMode()
			}
			h := NewHolder(r.b, p)
			first, err := h.Current(ctx)
			if err != nil {
				t.Fatal(err)
			}
			r.sec.calls = nil
			for range 20 {
				got, err := h.Current(ctx)
				if err != nil || got != first {
					t.Fatalf("Current = %+v, %v; want %+v again", got, err, first)
				}
			}
			if len(r.sec.calls) != 0 {
				t.Errorf("keyring calls %v after the first Current; want none", r.sec.calls)
			}
			if n := r.emu.Count(emulator.RouteIAMToken); n != tt.iamRequests {
				t.Errorf("%d IAM requests, want %d", n, tt.iamRequests)
			}
			if n := r.emu.Count(emulator.RouteMonitorToken); n != tt.tokenRequests {
				t.Errorf("%d /api/token requests, want %d", n, tt.tokenRequests)
			}
			cached, _ := cachedValue(r.b, p)
			if first.Bearer == "" || first.Bearer != cached {
				t.Errorf("bearer %q, want the cached token %q", first.Bearer, cached)
			}
			if !tt.iam && first.Bearer != r.monitorToken() {
				t.Errorf("bearer %q, want the team's Monitor token", first.Bearer)
			}
			wantInstance, wantTeam := "", ""
			if tt.wantHeaders {
				wantInstance, wantTeam = r.facts.IAMOnlyInstanceGUID, "31001"
			}
			if first.InstanceID != wantInstance || first.TeamID != wantTeam {
				t.Errorf("instance %q team %q; want %q %q", first.InstanceID, first.TeamID, wantInstance, wantTeam)
			}
		})
	}
}

// An IAM token is held until the broker's clock reaches its ExpiresAt (54
// minutes of the emulator's hour: a tenth early, servedUntil), not a
// second longer, and then fetched again.
func TestHolderRenewsAnIAMTokenAtItsExpiry(t *testing.T) {
	ctx := context.Background()
	r := newHolderRig(t)
	h := NewHolder(r.b, r.iamMode())
	start := r.now
	steps := []struct {
		at        time.Duration // after the first fetch
		exchanges int
		newBearer bool // another token than the step before
	}{
		{0, 1, true},
		{53*time.Minute + 59*time.Second, 1, false},
		{54 * time.Minute, 2, true},
		{107*time.Minute + 59*time.Second, 2, false},
		{108 * time.Minute, 3, true},
	}
	last := ""
	for _, s := range steps {
		r.now = start.Add(s.at)
		got, err := h.Current(ctx)
		if err != nil {
			t.Fatalf("at +%s: %v", s.at, err)
		}
		if n := r.emu.Count(emulator.RouteIAMToken); n != s.exchanges {
			t.Errorf("at +%s: %d IAM requests, want %d", s.at, n, s.exchanges)
		}
		if (got.Bearer != last) != s.newBearer {
			t.Errorf("at +%s: bearer changed %v, want %v", s.at, got.Bearer != last, s.newBearer)
		}
		last = got.Bearer
	}
}

// Renew after the service refused the token held (a reset in the UI).
func TestHolderRenew(t *testing.T) {
	tests := []struct {
		name string
		// breakIt makes the renewal go wrong: a fault of the emulator, or
		// of the keyring.
		breakIt  func(r *holderRig)
		wantErr  bool
		wantNew  bool // the credentials after are the new token's
		warnings int
	}{
		{"the new token is handed out and cached", func(*holderRig) {}, false, true, 0},
		{"IAM refuses: an error, and the old token is still held",
			func(r *holderRig) { r.emu.InjectFault(emulator.RouteIAMToken, emulator.Fault{Status: 400}) }, true, false, 0},
		{"the keyring refuses the new token: a warning, and the new token",
			func(r *holderRig) { r.sec.failOn = "Set#2" }, false, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			r := newHolderRig(t)
			h := NewHolder(r.b, r.tokenMode())
			old, err := h.Current(ctx)
			if err != nil {
				t.Fatal(err)
			}
			fresh := r.emu.ResetMonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
			tt.breakIt(r)
			got, err := h.Renew(ctx, old)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Renew = %+v, %v; want an error: %v", got, err, tt.wantErr)
			}
			want := old.Bearer
			if tt.wantNew {
				want = fresh
			}
			r.emu.ResetCounts()
			cur, err := h.Current(ctx)
			if err != nil || cur.Bearer != want {
				t.Fatalf("Current after Renew = %q, %v; want %q", cur.Bearer, err, want)
			}
			if n := r.emu.Count(emulator.RouteIAMToken); n != 0 {
				t.Errorf("Current after Renew sent %d IAM requests; want it held", n)
			}
			if len(r.warnings) != tt.warnings {
				t.Errorf("warnings %v, want %d", r.warnings, tt.warnings)
			}
			for _, w := range r.warnings {
				if !errors.Is(w, errInjected) {
					t.Errorf("warning %v, want the keyring's refusal", w)
				}
			}
		})
	}
}

// Requests refused together all call Renew with the same stale token: one
// fetches, the others get its token. A Renew of the token now held (the
// service refused the new one too) fetches again.
func TestHolderRenewFetchesOnceForRequestsRefusedTogether(t *testing.T) {
	ctx := context.Background()
	r := newHolderRig(t)
	p := r.tokenMode()
	h := NewHolder(r.b, p)
	old, err := h.Current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fresh := r.emu.ResetMonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
	r.emu.ResetCounts()

	var wg sync.WaitGroup
	got := make([]monitorapi.Credentials, 8)
	errs := make([]error, len(got))
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], errs[i] = h.Renew(ctx, old)
		}()
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil || got[i] != (monitorapi.Credentials{Bearer: fresh}) {
			t.Errorf("Renew #%d = %+v, %v; want the new token", i, got[i], errs[i])
		}
	}
	if iam, tok := r.emu.Count(emulator.RouteIAMToken), r.emu.Count(emulator.RouteMonitorToken); iam != 1 || tok != 1 {
		t.Errorf("%d IAM and %d /api/token requests, want one fetch (1, 1)", iam, tok)
	}
	if cached, _ := cachedValue(r.b, p); cached != fresh {
		t.Errorf("the cache holds %q, want the new token for every other caller", cached)
	}

	if _, err := h.Renew(ctx, monitorapi.Credentials{Bearer: fresh}); err != nil {
		t.Fatal(err)
	}
	if n := r.emu.Count(emulator.RouteMonitorToken); n != 2 {
		t.Errorf("a Renew of the token held made %d /api/token requests in all, want 2", n)
	}
}
