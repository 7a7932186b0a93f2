package broker

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// Check asks the service about the token the caller holds with one request
// and replaces it only when refused: what a watch does on every check.
func TestCheck(t *testing.T) {
	const monitorToken = "mon(iam(key-1),guid,7)"
	iamTarget, noCache := target, target
	iamTarget.Auth = "iam"
	noCache.Cache = config.CacheNone
	for _, tt := range []struct {
		name     string
		p        profile.Profile
		held     Token
		seed     bool // a get has cached monitorToken first
		refused  []string
		checkErr error
		// want
		value                     string
		verified, replaced        bool
		exchanges, fetches, users int
		wantErr                   string
	}{
		{name: "accepted: one request, the held token", p: target, held: Token{Value: "held"},
			value: "held", verified: true, fetches: 1},
		{name: "accepted with nothing cached (cache=none): still one request", p: noCache, held: Token{Value: "held"},
			value: "held", verified: true, fetches: 1},
		{name: "refused: fetched again", p: noCache, held: Token{Value: "held"}, refused: []string{"held"},
			value: monitorToken, replaced: true, exchanges: 1, fetches: 2},
		{name: "refused, and another process cached a new one", p: target, held: Token{Value: "held"}, seed: true, refused: []string{"held"},
			value: monitorToken, replaced: true, fetches: 1},
		{name: "refused, the cache holds the same refused one: fetched", p: target, held: Token{Value: monitorToken}, seed: true, refused: []string{monitorToken},
			value: monitorToken, replaced: true, exchanges: 1, fetches: 2},
		{name: "IAM, accepted: /api/users/me once", p: iamTarget, held: Token{Value: "iam-held", IAM: true},
			value: "iam-held", verified: true, users: 1},
		{name: "IAM, ended early: a new IAM token", p: iamTarget, held: Token{Value: "iam-held", IAM: true}, refused: []string{"iam-held"},
			value: "iam(key-1)", replaced: true, exchanges: 1, users: 1},
		{name: "nothing held: Verify (nothing cached, so a fetch)", p: target,
			value: monitorToken, exchanges: 1, fetches: 1},
		{name: "the check fails: the error, nothing replaced", p: target, held: Token{Value: "held"}, checkErr: errors.New("connection refused"),
			fetches: 1, wantErr: "could not check the token: connection refused"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b, sec, api, _ := newBroker(t)
			sec.inner.Set(ctx, APIKeyItem("p"), "key-1")
			if tt.seed {
				if _, err := b.Token(ctx, tt.p); err != nil {
					t.Fatal(err)
				}
				api.exchanges, api.fetches = 0, 0
			}
			api.refused = map[string]bool{}
			for _, r := range tt.refused {
				api.refused[r] = true
			}
			api.checkErr = tt.checkErr
			got, err := b.Check(ctx, tt.p, tt.held)
			if gotErr := fmt.Sprint(err); (err != nil || tt.wantErr != "") && gotErr != tt.wantErr {
				t.Fatalf("error %q, want %q", gotErr, tt.wantErr)
			}
			if got.Value != tt.value || got.Verified != tt.verified || got.Replaced != tt.replaced {
				t.Errorf("Check = %q verified=%v replaced=%v, want %q verified=%v replaced=%v", got.Value, got.Verified, got.Replaced, tt.value, tt.verified, tt.replaced)
			}
			if api.exchanges != tt.exchanges || api.fetches != tt.fetches || api.users != tt.users {
				t.Errorf("%d IAM exchanges, %d /api/token, %d /api/users/me; want %d, %d, %d", api.exchanges, api.fetches, api.users, tt.exchanges, tt.fetches, tt.users)
			}
		})
	}
}
