package monitorapi

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/monitor-token/monitor-token/internal/redact"
)

// noPieceOf fails when msg holds any 4 consecutive characters of secret: a
// message cut in the middle of a secret leaks its first characters, which
// a plain Contains check does not see.
func noPieceOf(t *testing.T, msg, secret string) {
	t.Helper()
	for i := 0; i+4 <= len(secret); i++ {
		if piece := secret[i : i+4]; strings.Contains(msg, piece) {
			t.Fatalf("message holds %q, characters %d-%d of the secret: %q", piece, i, i+3, msg)
		}
	}
}

// testAPIKey has the length and alphabet of an IBM Cloud API key (44
// characters), and no 4-character run that English text or a URL could hold.
const testAPIKey = "Xq7ZpL2vN9wK4tR8sB1mC6yH3jF5gD0aE-uT_oPiQrSx"

// TestEchoedKeyLateInMessageIsRedactedWhole: IAM echoes the key near the end
// of a long errorMessage. Cutting the message to its length before redacting
// left the key's first characters in the error.
func TestEchoedKeyLateInMessageIsRedactedWhole(t *testing.T) {
	filler := strings.Repeat("the request was not understood ", 7)[:190]
	body := `{"errorCode":"BXNIM0109E","errorMessage":"` + filler + testAPIKey + ` is not valid"}`
	c, _, base := newTestClient(t, answer{400, body, ""})
	_, err := c.ExchangeAPIKey(context.Background(), base, testAPIKey)
	if err == nil {
		t.Fatal("no error for a 400")
	}
	noPieceOf(t, err.Error(), testAPIKey)
	if !strings.Contains(err.Error(), "BXNIM0109E") {
		t.Errorf("error %q lost the code", err)
	}
}

// TestEchoedCRTokenIsRedacted: the compute-resource token the grant read from
// its file and sent is a secret of the run; IAM echoing it must not put it in
// the error.
func TestEchoedCRTokenIsRedacted(t *testing.T) {
	const crToken = "eyJhbGciOiJSUzI1NiJ9.Q1JUT0tFTi1wYXlsb2Fk.c2lnbmF0dXJlLW9mLXRoZS1jci10b2tlbg"
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(crToken), 0o600); err != nil {
		t.Fatal(err)
	}
	body := `{"errorCode":"BXNIM0514E","errorMessage":"Provided CR token ` + crToken + ` is not trusted by the profile."}`
	c, s, base := newTestClient(t, answer{400, body, ""})
	_, err := c.ExchangeCRToken(context.Background(), base, file, "my-profile")
	if err == nil {
		t.Fatal("no error for a 400")
	}
	if got := s.forms[0].Get("cr_token"); got != crToken {
		t.Fatalf("cr_token sent = %q, want the file's content", got)
	}
	noPieceOf(t, err.Error(), crToken)
	if !strings.Contains(err.Error(), "[redacted] is not trusted") {
		t.Errorf("error %q does not keep IAM's words around the redaction", err)
	}
}

// TestDebugRedactsCRTokenGrant: --debug showed the cr_token form field whole.
func TestDebugRedactsCRTokenGrant(t *testing.T) {
	const crToken = "eyJhbGciOiJSUzI1NiJ9.ZGVidWctY3ItdG9rZW4.c2lnbmF0dXJl"
	file := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(file, []byte(crToken), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _, base := newTestClient(t, answer{200, iamOK, ""})
	var mu sync.Mutex
	var lines []string
	c.Debug = func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }
	if _, err := c.ExchangeCRToken(context.Background(), base, file, "my-profile"); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(lines, "\n")
	// The form's own encoding of [redacted], as for apikey.
	if !strings.Contains(all, "body: cr_token=%5Bredacted%5D&grant_type=") {
		t.Errorf("debug output does not show the cr_token redacted:\n%s", all)
	}
	noPieceOf(t, all, crToken)
}

// TestSecretsSeenEarlierAreRedactedLater: the instance identity token (an
// intermediate token go-sdk-core handles itself) and a refresh token arrive in
// answers of earlier calls; a later call's error that echoes them must not
// carry them.
func TestSecretsSeenEarlierAreRedactedLater(t *testing.T) {
	const (
		identityToken = "IIT-eyJpZGVudGl0eSB0b2tlbiBvZiB0aGUgVlNJIn0"
		refreshToken  = "RT-cmVmcmVzaCB0b2tlbiBmcm9tIElBTQ-9f8e7d"
		now           = `"created_at":"2026-11-29T08:00:00Z","expires_at":"2026-11-29T09:00:00Z","expires_in":3600`
	)
	c, s, base := newTestClient(t,
		answer{200, `{"access_token":"` + identityToken + `",` + now + `}`, ""},
		answer{200, `{"access_token":"eyJhbGciOi.vpc.iam",` + now + `}`, ""},
		answer{200, `{"access_token":"eyJhbGciOi.key.iam","refresh_token":"` + refreshToken + `","token_type":"Bearer","expires_in":3600,"expiration":1731951986}`, ""},
		answer{401, `{"message":"bearer not accepted; seen before: ` + identityToken + ` and ` + refreshToken + `"}`, ""},
	)
	ctx := context.Background()
	if _, err := c.ExchangeVPCIdentity(ctx, base, ""); err != nil {
		t.Fatal(err)
	}
	if got := s.requests[1].Header.Get("Authorization"); got != "Bearer "+identityToken {
		t.Fatalf("second metadata call Authorization = %q, want the identity token", got)
	}
	if _, err := c.ExchangeAPIKey(ctx, base, testAPIKey); err != nil {
		t.Fatal(err)
	}
	_, err := c.MonitorToken(ctx, base, Credentials{Bearer: "eyJhbGciOi.key.iam", InstanceID: "g"})
	if err == nil {
		t.Fatal("no error for a 401")
	}
	noPieceOf(t, err.Error(), identityToken)
	noPieceOf(t, err.Error(), refreshToken)
	if !strings.Contains(err.Error(), "seen before: [redacted] and [redacted]") {
		t.Errorf("error %q: want both tokens replaced", err)
	}
}

// TestRegisterBody: which values of a body become secrets of the run,
// literal input to literal output.
func TestRegisterBody(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	tests := []struct {
		name, contentType, body string
		secret                  []string // now redacted
		kept                    []string // still shown
	}{
		{"IAM answer", "application/json",
			`{"access_token":"eyJ.access.tok","refresh_token":"refresh-tok-1","delegated_refresh_token":"deleg-tok-1","expires_in":3600,"token_type":"Bearer"}`,
			[]string{"eyJ.access.tok", "refresh-tok-1", "deleg-tok-1"}, []string{"Bearer"}},
		{"API-key grant's refresh_token is a word", "application/json",
			`{"access_token":"eyJ.access.tok","refresh_token":"not_supported"}`,
			[]string{"eyJ.access.tok"}, []string{"not_supported"}},
		{"metadata service's identity token", "application/json",
			`{"access_token":"iit-0123456789","created_at":"2026-11-29T08:00:00Z","expires_in":300}`,
			[]string{"iit-0123456789"}, []string{"2026-11-29T08:00:00Z"}},
		{"Monitor token", "application/json; charset=utf-8", `{"token":{"key":"monitor-key-1234"}}`,
			[]string{"monitor-key-1234"}, nil},
		{"JSON whatever the Content-Type says", "text/plain", `{"access_token":"plain-typed-tok"}`,
			[]string{"plain-typed-tok"}, nil},
		{"nested and in arrays", "application/json", `{"items":[{"apikey":"nested-api-key-1"}]}`,
			[]string{"nested-api-key-1"}, nil},
		{"VPC error code is no secret", "application/json",
			`{"errors":[{"code":"invalid_value","message":"expires_in is out of range"}]}`,
			nil, []string{"invalid_value", "expires_in is out of range"}},
		{"cr-token grant", form, "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Acr-token&cr_token=eyJ.cr.token&profile_name=my-profile",
			[]string{"eyJ.cr.token"}, []string{"my-profile", "urn:ibm:params:oauth:grant-type:cr-token"}},
		{"API-key grant", form, "grant_type=x&apikey=api-key-0123&response_type=cloud_iam",
			[]string{"api-key-0123"}, []string{"cloud_iam"}},
		{"a form is parsed only as a form", "text/plain", "apikey=api-key-0123", nil, []string{"api-key-0123"}},
		{"text is not parsed", "text/html", "<p>access_token=html-tok-123</p>", nil, []string{"html-tok-123"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s redact.Set
			registerBody(&s, tt.contentType, []byte(tt.body))
			for _, v := range tt.secret {
				if got := s.Redact(v); got != Redacted {
					t.Errorf("%q not registered (Redact = %q)", v, got)
				}
			}
			for _, v := range tt.kept {
				if got := s.Redact(v); got != v {
					t.Errorf("%q registered (Redact = %q)", v, got)
				}
			}
		})
	}
}

// TestRegisterRequest: the credentials of an outgoing request, in headers
// and the URL, become secrets of the run.
func TestRegisterRequest(t *testing.T) {
	req, _ := http.NewRequest(http.MethodPost, "https://user:url-password-1@iam.example.com/x?apikey=query-key-123&version=2022-03-01",
		strings.NewReader(`{"trusted_profile":{"id":"Profile-1234"}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer iit-bearer-123")
	req.Header.Set("X-Auth-Token", "x-auth-tok-1")
	req.Header.Set("Metadata-Flavor", "ibm-flavor-value")
	var s redact.Set
	registerRequest(&s, req)
	for _, v := range []string{"url-password-1", "query-key-123", "iit-bearer-123", "x-auth-tok-1"} {
		if got := s.Redact(v); got != Redacted {
			t.Errorf("%q not registered", v)
		}
	}
	for _, v := range []string{"ibm-flavor-value", "Profile-1234", "2022-03-01", "Bearer iit"} {
		if got := s.Redact(v); got != v {
			t.Errorf("%q registered (Redact = %q)", v, got)
		}
	}
}

// TestNilSecretsStillRedactTheCall: without a set, a call still redacts
// what it handled itself (here the API key echoed late in the message).
func TestNilSecretsStillRedactTheCall(t *testing.T) {
	filler := strings.Repeat("x", 195)
	c, _, base := newTestClient(t, answer{400, `{"errorCode":"BXNIM0109E","errorMessage":"` + filler + testAPIKey + `"}`, ""})
	c.Secrets = nil
	_, err := c.ExchangeAPIKey(context.Background(), base, testAPIKey)
	if err == nil {
		t.Fatal("no error for a 400")
	}
	noPieceOf(t, err.Error(), testAPIKey)
}
