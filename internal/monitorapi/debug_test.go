package monitorapi

import (
	"context"
	"strings"
	"sync"
	"testing"
)

func TestRedactBody(t *testing.T) {
	tests := []struct{ contentType, body, want string }{
		{"application/json", `{"access_token":"eyJ.a.b","refresh_token":"r","expires_in":3600,"token_type":"Bearer"}`,
			`{"access_token":"[redacted]","expires_in":3600,"refresh_token":"[redacted]","token_type":"Bearer"}`},
		{"application/json", `{"token":{"key":"abc-123"}}`, `{"token":{"key":"[redacted]"}}`},
		{"application/json", `{"teams":[{"id":1,"name":"Ops","default":true}]}`, `{"teams":[{"default":true,"id":1,"name":"Ops"}]}`},
		{"application/json", `[{"Password":"p"},{"credential":"c"}]`, `[{"Password":"[redacted]"},{"credential":"[redacted]"}]`},
		{"application/x-www-form-urlencoded", "grant_type=x&apikey=SECRET&response_type=cloud_iam",
			"apikey=%5Bredacted%5D&grant_type=x&response_type=cloud_iam"},
		{"text/plain", "Unauthorized\n", "Unauthorized"},
		{"application/json", "", "(empty)"},
	}
	for _, tt := range tests {
		if got := redactBody(tt.contentType, []byte(tt.body)); got != tt.want {
			t.Errorf("redactBody(%q) = %q, want %q", tt.body, got, tt.want)
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
