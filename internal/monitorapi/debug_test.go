package monitorapi

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRedactBody: every field that can hold a credential, in a form and in
// JSON, literal input to literal output.
func TestRedactBody(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	const js = "application/json"
	tests := []struct{ contentType, body, want string }{
		{form, "grant_type=x&apikey=SECRET&response_type=cloud_iam", "apikey=%5Bredacted%5D&grant_type=x&response_type=cloud_iam"},
		{form, "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Acr-token&cr_token=eyJ.cr.tok&profile_name=p",
			"cr_token=%5Bredacted%5D&grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Acr-token&profile_name=p"},
		{form, "refresh_token=r1", "refresh_token=%5Bredacted%5D"},
		{form, "access_token=a1", "access_token=%5Bredacted%5D"},
		{form, "delegated_refresh_token=d1", "delegated_refresh_token=%5Bredacted%5D"},
		{form, "username=u&password=p1", "password=%5Bredacted%5D&username=u"},
		{form, "client_id=bx&client_secret=s1", "client_id=bx&client_secret=%5Bredacted%5D"},
		{form, "grant_type=authorization_code&code=c1", "code=%5Bredacted%5D&grant_type=authorization_code"},
		{form, "passcode=pc1", "passcode=%5Bredacted%5D"},
		{form, "APIKEY=upper", "APIKEY=%5Bredacted%5D"},
		{form + "; charset=utf-8", "apikey=k1&apikey=k2", "apikey=%5Bredacted%5D&apikey=%5Bredacted%5D"},

		{js, `{"access_token":"eyJ.a.b","refresh_token":"r","expires_in":3600,"token_type":"Bearer"}`,
			`{"access_token":"[redacted]","expires_in":3600,"refresh_token":"[redacted]","token_type":"Bearer"}`},
		{js, `{"apikey":"k","cr_token":"c","delegated_refresh_token":"d","password":"p","client_secret":"s","passcode":"pc"}`,
			`{"apikey":"[redacted]","client_secret":"[redacted]","cr_token":"[redacted]","delegated_refresh_token":"[redacted]","passcode":"[redacted]","password":"[redacted]"}`},
		{js, `{"token":{"key":"abc-123"}}`, `{"token":{"key":"[redacted]"}}`},
		{js, `{"code":"oauth-code","state":"s"}`, `{"code":"[redacted]","state":"s"}`},
		// The VPC metadata service's error code is diagnostic, not a credential
		// (docs/protocol.md, "VPC instance identity").
		{js, `{"errors":[{"code":"invalid_value","message":"m"}]}`, `{"errors":[{"code":"invalid_value","message":"m"}]}`},
		{js, `{"teams":[{"id":1,"name":"Ops","default":true}]}`, `{"teams":[{"default":true,"id":1,"name":"Ops"}]}`},
		{js, `[{"Password":"p"},{"credential":"c"}]`, `[{"Password":"[redacted]"},{"credential":"[redacted]"}]`},
		{js, `{"trusted_profile":{"id":"Profile-1"}}`, `{"trusted_profile":{"id":"Profile-1"}}`},
		{"text/plain", "Unauthorized\n", "Unauthorized"},
		{js, "", "(empty)"},
	}
	for _, tt := range tests {
		if got := redactBody(nil, tt.contentType, []byte(tt.body)); got != tt.want {
			t.Errorf("redactBody(%q, %q) = %q, want %q", tt.contentType, tt.body, got, tt.want)
		}
	}
}

// TestFormatHeaders: every header that can carry a credential, literal input
// to literal output. Metadata-Flavor is the VPC metadata service's constant
// "ibm" (go-sdk-core's core/vpc_instance_authenticator.go): not a secret; the
// instance identity token goes in Authorization.
func TestFormatHeaders(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"Authorization", "Bearer eyJ.iam.tok", " [Authorization: Bearer [redacted]]"},
		{"Authorization", "Basic Yng6Yng=", " [Authorization: Basic [redacted]]"},
		{"Authorization", "opaque-token-without-scheme", " [Authorization: [redacted]]"},
		{"Proxy-Authorization", "Basic dTpw", " [Proxy-Authorization: Basic [redacted]]"},
		{"Cookie", "session=s1", " [Cookie: [redacted]]"},
		{"Set-Cookie", "session=s1; Secure", " [Set-Cookie: [redacted]]"},
		{"X-Auth-Token", "t1", " [X-Auth-Token: [redacted]]"},
		{"X-Api-Key", "k1", " [X-Api-Key: [redacted]]"},
		{"X-Client-Secret", "s1", " [X-Client-Secret: [redacted]]"},
		{"Metadata-Flavor", "ibm", " [Metadata-Flavor: ibm]"},
		{"IBMInstanceID", "guid-1", " [Ibminstanceid: guid-1]"},
		{"Content-Type", "application/json", " [Content-Type: application/json]"},
	}
	for _, tt := range tests {
		h := http.Header{}
		h.Set(tt.name, tt.value)
		if got := formatHeaders(h); got != tt.want {
			t.Errorf("formatHeaders(%s: %s) = %q, want %q", tt.name, tt.value, got, tt.want)
		}
	}
}

// TestDebugRedactsURL: basic-auth userinfo and credential query parameters
// never reach a debug line.
func TestDebugRedactsURL(t *testing.T) {
	tests := []struct{ url, want string }{
		{"https://user:pw-secret@iam.example.com/identity/token", "> POST https://user:xxxxx@iam.example.com/identity/token"},
		{"http://169.254.169.254/instance_identity/v1/token?version=2022-03-01", "> POST http://169.254.169.254/instance_identity/v1/token?version=2022-03-01"},
		{"https://iam.example.com/identity/token?apikey=q-secret&x=1", "> POST https://iam.example.com/identity/token?apikey=%5Bredacted%5D&x=1"},
	}
	for _, tt := range tests {
		var lines []string
		d := &debugTransport{base: &stubAnswer{status: 204}, log: func(l string) { lines = append(lines, l) }, now: time.Now}
		req, _ := http.NewRequest(http.MethodPost, tt.url, nil)
		if _, err := d.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if len(lines) == 0 || lines[0] != tt.want {
			t.Errorf("debug line for %s = %q, want %q", tt.url, lines, tt.want)
		}
	}
}

// TestDebugLogsWithoutSecrets: a whole exchange under Debug logs both
// directions, and neither the key, nor the bearer, nor a token appears.
func TestDebugLogsWithoutSecrets(t *testing.T) {
	c, _, base := newTestClient(t, answer{200, iamOK, ""})
	var mu sync.Mutex
	var lines []string
	c.Debug = func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }
	if _, err := c.ExchangeAPIKey(context.Background(), base, "SECRET-KEY-42"); err != nil {
		t.Fatal(err)
	}
	c2, _, base2 := newTestClient(t, answer{200, `{"token":{"key":"MONITOR-TOKEN-7"}}`, ""})
	c2.Debug = c.Debug
	if _, err := c2.MonitorToken(context.Background(), base2, Credentials{Bearer: "BEARER-9", InstanceID: "g"}); err != nil {
		t.Fatal(err)
	}
	all := strings.Join(lines, "\n")
	if len(lines) != 4 || !strings.Contains(all, "> POST "+base+"/identity/token") || !strings.Contains(all, "< 200 OK") {
		t.Fatalf("want a request and a response line per call, got:\n%s", all)
	}
	for _, secret := range []string{"SECRET-KEY-42", "eyJhbGciOi.iam.token", "MONITOR-TOKEN-7", "BEARER-9"} {
		if strings.Contains(all, secret) {
			t.Errorf("debug output holds %q:\n%s", secret, all)
		}
	}
}
