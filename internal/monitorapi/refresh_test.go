package monitorapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	testRefresh    = "eyJrefresh.old.0123456789"
	testNewRefresh = "eyJrefresh.new.9876543210"
	refreshOK      = `{"access_token":"eyJhbGciOi.new.access","refresh_token":"` + testNewRefresh + `","token_type":"Bearer","expires_in":3600,"expiration":1731951986,"scope":"ibm openid"}`
)

// TestRefreshRequestOnTheWire: the request is the plugin SDK's, header for header and field
// for field (RefreshTokenRequest and GetToken in bluemix/authentication/iam/iam.go, the
// headers of common/rest), and the answer's tokens come back.
func TestRefreshRequestOnTheWire(t *testing.T) {
	c, s, base := newTestClient(t, answer{200, refreshOK, ""})
	fixed := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	c.Now = func() time.Time { return fixed }
	got, err := c.RefreshIAMToken(context.Background(), base+"/", testRefresh)
	if err != nil {
		t.Fatal(err)
	}
	want := RefreshedIAMToken{IAMToken: IAMToken{AccessToken: "eyJhbGciOi.new.access", ExpiresIn: 3600, ReceivedAt: fixed}, RefreshToken: testNewRefresh, TokenType: "Bearer"}
	if got != want {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if len(s.requests) != 1 {
		t.Fatalf("%d requests, want 1", len(s.requests))
	}
	r, form := s.requests[0], s.forms[0]
	if r.Method != "POST" || r.URL.Path != "/identity/token" || r.URL.RawQuery != "" {
		t.Errorf("request %s %s, want POST /identity/token", r.Method, r.URL)
	}
	for name, want := range map[string]string{
		"Authorization": "Basic Yng6Yng=", // bx:bx
		"Content-Type":  "application/x-www-form-urlencoded",
		"Accept":        "application/json",
		"User-Agent":    "monitor-token/test",
	} {
		if v := r.Header.Values(name); len(v) != 1 || v[0] != want {
			t.Errorf("%s = %q, want %q", name, v, want)
		}
	}
	wantForm := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {testRefresh}, "response_type": {"cloud_iam"}}
	if form.Encode() != wantForm.Encode() {
		t.Errorf("form = %s, want %s", form.Encode(), wantForm.Encode())
	}
}

// TestRefreshErrors: every failure is one line naming what failed and the way out, and never
// shows a token, the one sent or one received.
func TestRefreshErrors(t *testing.T) {
	tests := []struct {
		name string
		ans  []answer
		kind error
		want string // with BASE for the server's URL
	}{
		{"invalid refresh token", []answer{{400, `{"errorCode":"BXNIM0407E","errorMessage":"Provided refresh token is invalid.","context":{"requestId":"r"}}`, ""}}, ErrSessionEnded,
			"could not refresh the ibmcloud login session at BASE: HTTP 400 BXNIM0407E (Provided refresh token is invalid.); run `ibmcloud login` again"},
		{"expired refresh token", []answer{{400, `{"errorCode":"BXNIM0408E","errorMessage":"Provided refresh token is expired.","context":{"requestId":"r"}}`, ""}}, ErrSessionEnded,
			"could not refresh the ibmcloud login session at BASE: HTTP 400 BXNIM0408E (Provided refresh token is expired.); run `ibmcloud login` again"},
		{"echoes the token", []answer{{400, `{"errorCode":"BXNIM0407E","errorMessage":"token ` + testRefresh + ` is invalid"}`, ""}}, ErrSessionEnded,
			"could not refresh the ibmcloud login session at BASE: HTTP 400 BXNIM0407E (token [redacted] is invalid); run `ibmcloud login` again"},
		{"other refusal", []answer{{401, `{"errorCode":"BXNIM0109E","errorMessage":"Property missing or empty"}`, ""}}, ErrIAMRejected,
			"could not refresh the ibmcloud login session at BASE: HTTP 401 BXNIM0109E (Property missing or empty); check IAMEndpoint in the ibmcloud CLI's config.json, or run `ibmcloud login` again"},
		{"server error, retried", []answer{{503, `{"errorCode":"BXNIM0502E","errorMessage":"down"}`, ""}}, ErrServer,
			"could not refresh the ibmcloud login session at BASE: HTTP 503 BXNIM0502E (down) after 3 tries; the service is having trouble; try again later (https://cloud.ibm.com/status)"},
		{"no refresh token", []answer{{200, `{"access_token":"eyJa.b.c","refresh_token":"not_supported","token_type":"Bearer","expires_in":3600}`, ""}}, ErrBadResponse,
			"could not refresh the ibmcloud login session at BASE: HTTP 200 (the answer has no usable refresh_token); a proxy or a wrong endpoint may be answering instead of the service; check the endpoint"},
		{"no access token", []answer{{200, `{"refresh_token":"eyJr","expires_in":3600}`, ""}}, ErrBadResponse,
			"could not refresh the ibmcloud login session at BASE: HTTP 200 (the answer has no access_token); a proxy or a wrong endpoint may be answering instead of the service; check the endpoint"},
		{"control characters", []answer{{200, `{"access_token":"eyJa\u001b[31m","refresh_token":"eyJr","expires_in":3600}`, ""}}, ErrBadResponse,
			"could not refresh the ibmcloud login session at BASE: HTTP 200 (the access_token has characters a token cannot have); a proxy or a wrong endpoint may be answering instead of the service; check the endpoint"},
		{"HTML page", []answer{{200, `<html>proxy</html>`, ""}}, ErrBadResponse,
			"could not refresh the ibmcloud login session at BASE: HTTP 200 (the answer is not the expected JSON); a proxy or a wrong endpoint may be answering instead of the service; check the endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, base := newTestClient(t, tt.ans...)
			var lines []string
			c.Debug = func(line string) { lines = append(lines, line) }
			_, err := c.RefreshIAMToken(context.Background(), base, testRefresh)
			if !errors.Is(err, tt.kind) {
				t.Fatalf("err = %v, want kind %v", err, tt.kind)
			}
			if want := strings.ReplaceAll(tt.want, "BASE", base); err.Error() != want {
				t.Errorf("err\n got %s\nwant %s", err, want)
			}
			for _, s := range append(lines, err.Error()) {
				for _, secret := range []string{testRefresh, "eyJrefresh", "Yng6Yng=", "eyJa"} {
					if strings.Contains(s, secret) {
						t.Errorf("a token appears: %s", s)
					}
				}
			}
		})
	}
}

func TestRefreshNetworkFailure(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	base := srv.URL
	srv.Close()
	c := New("t")
	c.sleep = func(ctx context.Context, d time.Duration) error { return nil }
	_, err := c.RefreshIAMToken(context.Background(), base, testRefresh)
	if !errors.Is(err, ErrNetwork) {
		t.Fatalf("err = %v, want ErrNetwork", err)
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "could not refresh the ibmcloud login session at "+base+": ") || !strings.Contains(msg, "connection refused") ||
		!strings.Contains(msg, "check the endpoint, your network") || strings.Contains(msg, testRefresh) {
		t.Errorf("message %q", msg)
	}
}

// TestRefreshDebugRedacts: --debug shows the request and the answer without a token.
func TestRefreshDebugRedacts(t *testing.T) {
	c, _, base := newTestClient(t, answer{200, refreshOK, ""})
	var lines []string
	c.Debug = func(line string) { lines = append(lines, line) }
	if _, err := c.RefreshIAMToken(context.Background(), base, testRefresh); err != nil {
		t.Fatal(err)
	}
	if len(lines) == 0 {
		t.Fatal("no debug lines")
	}
	for _, l := range lines {
		for _, secret := range []string{testRefresh, testNewRefresh, "eyJhbGciOi.new.access", "Yng6Yng="} {
			if strings.Contains(l, secret) {
				t.Errorf("debug line shows a token: %s", l)
			}
		}
	}
}
