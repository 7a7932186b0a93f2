package broker

import (
	"context"
	"errors"
	"testing"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

// TestLoginKeyOverridesTheStoredKey: a login's IAM token comes from the
// same credential as every other command's, with the key the login was
// handed in place of the stored one, which is never read: the login
// replaces it. A login handed no key uses the ibmcloud session, and its
// failure is said as it is.
func TestLoginKeyOverridesTheStoredKey(t *testing.T) {
	const (
		noSession = iota
		session
		expiredSession
	)
	errExpired := errors.New("the ibmcloud login expired (run `ibmcloud login` again)")
	tests := []struct {
		name        string
		credential  string
		login       *loginKey
		session     int
		token       string
		source      string
		err         string
		keyringGets int
	}{
		{"not a login: the stored key", "", nil, session, "iam(old-key)", SourceKeyring, "", 1},
		{"a login's key, not the stored one", "", &loginKey{"new-key"}, session, "iam(new-key)", SourceKeyring, "", 0},
		{"a login with no key: the session, not the stored key", "", &loginKey{""}, session, "session-iam", SourceSession, "", 0},
		{"a login with no key and no session", "", &loginKey{""}, noSession, "", "", "no API key", 0},
		{"a login with no key, session expired", "", &loginKey{""}, expiredSession, "", "", errExpired.Error(), 0},
		{"a trusted profile's login: its own credential", config.CredentialTrustedProfile, &loginKey{"new-key"}, noSession, "iam(cr:monitor-reader)", "trusted profile monitor-reader", "", 0},
		{"a VSI's login: its own credential", config.CredentialVPC, &loginKey{""}, noSession, "iam(vpc:)", SourceVPC, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			b, sec, _, _ := newBroker(t)
			sec.inner.Set(ctx, APIKeyItem("p"), "old-key")
			switch tt.session {
			case session:
				b.Session = func(context.Context) (SessionToken, error) {
					return func(context.Context) (monitorapi.IAMToken, error) {
						return monitorapi.IAMToken{AccessToken: "session-iam", ExpiresIn: 600}, nil
					}, nil
				}
			case expiredSession:
				b.Session = func(context.Context) (SessionToken, error) { return nil, errExpired }
			}
			p := target
			p.Credential = tt.credential
			if tt.credential == config.CredentialTrustedProfile {
				p.TrustedProfile = "monitor-reader"
			}
			iam, source, err := b.iamToken(ctx, p, tt.login)
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if iam.AccessToken != tt.token || source != tt.source || gotErr != tt.err {
				t.Errorf("iamToken = %q, %q, %q; want %q, %q, %q", iam.AccessToken, source, gotErr, tt.token, tt.source, tt.err)
			}
			if len(sec.calls) != tt.keyringGets {
				t.Errorf("keyring calls %v; want %d reads", sec.calls, tt.keyringGets)
			}
		})
	}
}
