package proxy

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

// What a web page, a curious caller or a confused one can send, literally,
// and whether it reaches the service.
func TestAdmission(t *testing.T) {
	for _, tt := range []struct {
		name    string
		request string
		status  int
		sent    bool // reached the upstream
	}{
		// Browsers: a page of another site.
		{"a cross-site fetch", "GET /api/x HTTP/1.1\nHost: {addr}\nSec-Fetch-Site: cross-site\nSec-Fetch-Mode: no-cors\n\n", 403, false},
		{"a same-site fetch (another port of localhost)", "GET /api/x HTTP/1.1\nHost: {addr}\nSec-Fetch-Site: same-site\n\n", 403, false},
		{"a form POST from another origin", "POST /prometheus/api/v1/query HTTP/1.1\nHost: {addr}\nOrigin: https://evil.example\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 8\n\nquery=up", 403, false},
		{"a text/plain POST from an old browser (Origin, no Fetch Metadata)", "POST /api/x HTTP/1.1\nHost: {addr}\nOrigin: http://localhost:3000\nContent-Type: text/plain\nContent-Length: 2\n\nhi", 403, false},
		{"an opaque origin (sandboxed page, file:)", "GET /api/x HTTP/1.1\nHost: {addr}\nOrigin: null\n\n", 403, false},
		{"two Origin headers", "GET /api/x HTTP/1.1\nHost: {addr}\nOrigin: http://{addr}\nOrigin: https://evil.example\n\n", 403, false},
		{"a CORS preflight from another origin", "OPTIONS /api/x HTTP/1.1\nHost: {addr}\nOrigin: https://evil.example\nAccess-Control-Request-Method: PUT\n\n", 403, false},
		{"a WebSocket upgrade from another origin", "GET /api/ws HTTP/1.1\nHost: {addr}\nConnection: Upgrade\nUpgrade: websocket\nOrigin: https://evil.example\nSec-WebSocket-Version: 13\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n\n", 403, false},
		// Browsers: the user, and the proxy's own origin.
		{"a URL typed in the address bar", "GET /api/x HTTP/1.1\nHost: {addr}\nSec-Fetch-Site: none\nSec-Fetch-Mode: navigate\n\n", 200, true},
		{"the proxy's own origin", "POST /api/x HTTP/1.1\nHost: {addr}\nOrigin: http://{addr}\nSec-Fetch-Site: same-origin\nContent-Length: 0\n\n", 200, true},
		{"no browser at all (curl, promtool, Grafana's server side)", "GET /api/x HTTP/1.1\nHost: {addr}\nUser-Agent: curl/8.5.0\n\n", 200, true},
		{"OPTIONS without an origin: answered by the proxy", "OPTIONS /api/x HTTP/1.1\nHost: {addr}\n\n", 204, false},
		// The credential itself.
		{"/api/token", "GET /api/token HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api/token/ below it", "GET /api/token/x HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/API/Token in another case", "GET /API/Token HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"//api//token", "GET //api//token HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api/./token", "GET /api/./token HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/x/../api/token", "GET /x/../api/token HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api%2Ftoken", "GET /api%2Ftoken HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api/%74oken", "GET /api/%74oken HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api/token;jsessionid=1", "GET /api/token;jsessionid=1 HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api;x/token", "GET /api;x/token HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api/token.json", "GET /api/token.json HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api\\token", "GET /api\\token HTTP/1.1\nHost: {addr}\n\n", 403, false},
		{"/api/tokens is another route", "GET /api/tokens HTTP/1.1\nHost: {addr}\n\n", 200, true},
		{"/api/v1/token is another route", "GET /api/v1/token HTTP/1.1\nHost: {addr}\n\n", 200, true},
		{"/api/token#x (a fragment)", "GET /api/token#x HTTP/1.1\nHost: {addr}\n\n", 400, false},
		{"/api/token%20 (a space)", "GET /api/token%20 HTTP/1.1\nHost: {addr}\n\n", 400, false},
		{"/api/token%00 (a control character)", "GET /api/token%00 HTTP/1.1\nHost: {addr}\n\n", 400, false},
		{"Sec-Fetch-Site twice, the second cross-site", "GET /api/x HTTP/1.1\nHost: {addr}\nSec-Fetch-Site: none\nSec-Fetch-Site: cross-site\n\n", 403, false},
		{"an upgrade to h2c", "GET /api/x HTTP/1.1\nHost: {addr}\nConnection: Upgrade, HTTP2-Settings\nUpgrade: h2c\nHTTP2-Settings: AAMAAABkAAQAAP__\n\n", 400, false},
		// Methods.
		{"TRACE", "TRACE /api/x HTTP/1.1\nHost: {addr}\n\n", 405, false},
		{"trace in lower case", "trace /api/x HTTP/1.1\nHost: {addr}\n\n", 405, false},
		{"options in lower case: answered by the proxy", "options /api/x HTTP/1.1\nHost: {addr}\n\n", 204, false},
		{"TRACK", "TRACK /api/x HTTP/1.1\nHost: {addr}\n\n", 405, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, monitorapi.Credentials{Bearer: "mon-1"})
			resp, body := r.rawResponse(t, tt.request)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d (body %q, log %q)", resp.StatusCode, tt.status, body, r.logs)
			}
			if sent := len(r.up.requests()) > 0; sent != tt.sent {
				t.Fatalf("reached the upstream: %v, want %v", sent, tt.sent)
			}
			if strings.Contains(body, "mon-1") {
				t.Fatalf("the answer holds the token: %q", body)
			}
			for _, h := range []string{"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Set-Cookie"} {
				if v := resp.Header.Get(h); v != "" {
					t.Errorf("%s: %q reached the caller", h, v)
				}
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox;") {
				t.Errorf("security headers missing: %v", resp.Header)
			}
			if n, m := len(resp.Header.Values("X-Content-Type-Options")), len(resp.Header.Values("Content-Security-Policy")); n != 1 || m != 1 {
				t.Errorf("security headers sent %d and %d times, want once each", n, m)
			}
		})
	}
}

// The caller's TeamID (SysdigTeamID's older name) never reaches the
// service.
func TestTeamIDIsStripped(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "iam-1", InstanceID: "guid-1", TeamID: "7"})
	r.raw(t, "GET /api/x HTTP/1.1\nHost: {addr}\nTeamID: 99\n\n")
	seen := r.up.requests()
	if len(seen) != 1 || seen[0].header.Get("TeamID") != "" || seen[0].header.Get("SysdigTeamID") != "7" {
		t.Fatalf("upstream saw %+v", seen)
	}
}

// 20 answers of 401 to a token that did not change cost one renewal, not
// 20; after noRenewFor the next 401 is worth one again.
func TestUnchangedTokenIsNotRenewedOnEvery401(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "mon-1"})
	r.up.mu.Lock()
	r.up.current = "only-the-service-knows" // every request gets 401
	r.up.mu.Unlock()
	r.src.mu.Lock()
	r.src.up = &upstream{current: "mon-1"} // a renewal gives the same token
	r.src.mu.Unlock()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	r.proxy.rp.Transport.(*authTransport).now = func() time.Time { return now }
	for i := 0; i < 20; i++ {
		if code, _ := r.raw(t, "GET /api/a HTTP/1.1\nHost: {addr}\n\n"); code != http.StatusUnauthorized {
			t.Fatalf("request %d: %d, want the service's 401", i, code)
		}
	}
	if r.src.renewals != 1 {
		t.Fatalf("%d renewals for 20 401s, want 1", r.src.renewals)
	}
	now = now.Add(noRenewFor)
	r.raw(t, "GET /api/a HTTP/1.1\nHost: {addr}\n\n")
	if r.src.renewals != 2 {
		t.Fatalf("%d renewals after %s, want 2", r.src.renewals, noRenewFor)
	}
}

// On port 80 a client leaves the port out of Host.
func TestAcceptedHostsOnPort80(t *testing.T) {
	got := strings.Join(AcceptedHosts(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 80}), " ")
	if want := "127.0.0.1:80 localhost:80 127.0.0.1:80 [::1]:80 127.0.0.1 localhost 127.0.0.1 [::1]"; got != want {
		t.Errorf("port 80: %s, want %s", got, want)
	}
	got = strings.Join(AcceptedHosts(&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8001}), " ")
	if want := "127.0.0.1:8001 localhost:8001 127.0.0.1:8001 [::1]:8001"; got != want {
		t.Errorf("port 8001: %s, want %s", got, want)
	}
}

// In IAM mode every fetch gives a new token, so a 401 the new one gets too
// is what stops the renewals: 20 such 401s cost one renewal.
func TestRefusedAfterRenewalIsNotRenewedAgain(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "iam-1", InstanceID: "guid-1"})
	r.up.mu.Lock()
	r.up.current = "refused-whatever-the-token"
	r.up.mu.Unlock()
	n := 0
	r.src.mu.Lock()
	r.src.up = &upstream{current: "iam-2"} // each renewal: a new token
	r.src.mu.Unlock()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	r.proxy.rp.Transport.(*authTransport).now = func() time.Time { return now }
	for i := 0; i < 20; i++ {
		if code, _ := r.raw(t, "GET /api/a HTTP/1.1\nHost: {addr}\n\n"); code != http.StatusUnauthorized {
			t.Fatalf("request %d: %d, want the service's 401", i, code)
		}
		n++
	}
	if r.src.renewals != 1 {
		t.Fatalf("%d renewals for %d 401s, want 1", r.src.renewals, n)
	}
	if seen := len(r.up.requests()); seen != 21 {
		t.Errorf("the service saw %d requests, want 21 (20, and one retry)", seen)
	}
}
