package proxy

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

// upstream is a stand-in Monitoring API: it records what reached it and
// answers 401 to any bearer but the current one.
type upstream struct {
	mu      sync.Mutex
	current string
	seen    []seenRequest
}

type seenRequest struct {
	method, uri, host, body string
	header                  http.Header
}

func (u *upstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	u.mu.Lock()
	u.seen = append(u.seen, seenRequest{r.Method, r.RequestURI, r.Host, string(body), r.Header.Clone()})
	current := u.current
	u.mu.Unlock()
	// What a real service may add, and a caller of the proxy must not get.
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Access-Control-Allow-Credentials", "true")
	w.Header().Set("Set-Cookie", "session=upstream; Path=/")
	if r.Header.Get("Authorization") != "Bearer "+current {
		http.Error(w, `{"message":"Unauthorized"}`, http.StatusUnauthorized)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
}

func (u *upstream) requests() []seenRequest {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]seenRequest(nil), u.seen...)
}

// source hands out tok; Renew takes the upstream's current token, as a
// refetch after a reset would.
type source struct {
	mu       sync.Mutex
	creds    monitorapi.Credentials
	up       *upstream
	renewals int
	fail     error
	// waiting, when set, makes Current wait for the request's end (a slow
	// keyring or IAM), saying so on the channel first.
	waiting chan struct{}
}

func (s *source) Current(ctx context.Context) (monitorapi.Credentials, error) {
	if s.waiting != nil {
		s.waiting <- struct{}{}
		<-ctx.Done()
		return monitorapi.Credentials{}, ctx.Err()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.creds, s.fail
}

func (s *source) Renew(_ context.Context, stale monitorapi.Credentials) (monitorapi.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.creds != stale {
		return s.creds, nil
	}
	s.renewals++
	s.up.mu.Lock()
	s.creds.Bearer = s.up.current
	s.up.mu.Unlock()
	return s.creds, nil
}

type rig struct {
	proxy *Proxy
	up    *upstream
	src   *source
	addr  string // the proxy's host:port
	logMu sync.Mutex
	logs  []string
}

func newRig(t *testing.T, creds monitorapi.Credentials) *rig {
	t.Helper()
	up := &upstream{current: creds.Bearer}
	us := httptest.NewServer(up)
	t.Cleanup(us.Close)
	target, _ := url.Parse(us.URL)
	r := &rig{up: up, src: &source{creds: creds, up: up}}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.addr = l.Addr().String()
	p := New(Options{Upstream: target, Source: r.src, Hosts: AcceptedHosts(l.Addr()), Log: func(f string, a ...any) {
		r.logMu.Lock()
		r.logs = append(r.logs, fmt.Sprintf(f, a...))
		r.logMu.Unlock()
	}})
	r.proxy = p
	srv := &http.Server{Handler: p}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return r
}

// raw sends a literal request (with {addr} replaced) and returns the
// status line's code and the body.
func (r *rig) raw(t *testing.T, request string) (int, string) {
	t.Helper()
	resp, body := r.rawResponse(t, request)
	return resp.StatusCode, body
}

// rawResponse is raw with the whole response.
func (r *rig) rawResponse(t *testing.T, request string) (*http.Response, string) {
	t.Helper()
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, strings.ReplaceAll(strings.ReplaceAll(request, "{addr}", r.addr), "\n", "\r\n"))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRequests(t *testing.T) {
	port := func(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }
	tests := []struct {
		name    string
		creds   monitorapi.Credentials
		request string
		status  int
		// what reached the upstream: "" = nothing
		uri     string
		headers map[string]string // "" value = absent
		body    string
	}{
		{"token mode: the caller's credentials are replaced",
			monitorapi.Credentials{Bearer: "mon-1"},
			"GET /prometheus/api/v1/query?query=up&time=1 HTTP/1.1\nHost: {addr}\nAuthorization: Bearer callers-own\nIBMInstanceID: other-instance\nSysdigTeamID: 99\nCookie: grafana_session=abc\n\n",
			200, "/prometheus/api/v1/query?query=up&time=1",
			map[string]string{"Authorization": "Bearer mon-1", "IBMInstanceID": "", "SysdigTeamID": "", "Cookie": "", "X-Forwarded-For": ""}, ""},
		{"IAM mode: the IAM bearer, the instance and the team",
			monitorapi.Credentials{Bearer: "iam-1", InstanceID: "guid-1", TeamID: "7"},
			"GET /api/v2/teams HTTP/1.1\nHost: localhost:{port}\nIBMInstanceID: other\n\n",
			200, "/api/v2/teams",
			map[string]string{"Authorization": "Bearer iam-1", "IBMInstanceID": "guid-1", "SysdigTeamID": "7"}, ""},
		{"IAM mode without a team sends none",
			monitorapi.Credentials{Bearer: "iam-1", InstanceID: "guid-1"},
			"GET /api/x HTTP/1.1\nHost: 127.0.0.1:{port}\nSysdigTeamID: 5\n\n",
			200, "/api/x",
			map[string]string{"SysdigTeamID": ""}, ""},
		{"method, path, query and body are forwarded as they are",
			monitorapi.Credentials{Bearer: "mon-1"},
			"POST /prometheus/api/v1/query HTTP/1.1\nHost: [::1]:{port}\nContent-Type: application/x-www-form-urlencoded\nContent-Length: 18\n\nquery=up%7Bjob%3D1",
			200, "/prometheus/api/v1/query",
			map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, "query=up%7Bjob%3D1"},
		{"an escaped path stays escaped",
			monitorapi.Credentials{Bearer: "mon-1"},
			"GET /api/a%2Fb?x=%20 HTTP/1.1\nHost: {addr}\n\n",
			200, "/api/a%2Fb?x=%20", nil, ""},
		{"another Host (DNS rebinding) is refused",
			monitorapi.Credentials{Bearer: "mon-1"},
			"GET /api/x HTTP/1.1\nHost: evil.example:{port}\n\n",
			403, "", nil, ""},
		{"the right host on another port is refused",
			monitorapi.Credentials{Bearer: "mon-1"},
			"GET /api/x HTTP/1.1\nHost: localhost:1\n\n",
			403, "", nil, ""},
		{"an absolute URI (forward proxying) is refused",
			monitorapi.Credentials{Bearer: "mon-1"},
			"GET http://example.com/api/x HTTP/1.1\nHost: example.com\n\n",
			403, "", nil, ""},
		{"an absolute URI naming the proxy itself is refused too",
			monitorapi.Credentials{Bearer: "mon-1"},
			"GET http://{addr}/api/x HTTP/1.1\nHost: {addr}\n\n",
			403, "", nil, ""},
		{"CONNECT is refused",
			monitorapi.Credentials{Bearer: "mon-1"},
			"CONNECT example.com:443 HTTP/1.1\nHost: example.com:443\n\n",
			403, "", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, tt.creds)
			req := strings.ReplaceAll(tt.request, "{port}", port(r.addr))
			status, _ := r.raw(t, req)
			if status != tt.status {
				t.Fatalf("status %d, want %d (log %q)", status, tt.status, r.logs)
			}
			seen := r.up.requests()
			if tt.uri == "" {
				if len(seen) != 0 {
					t.Fatalf("a refused request reached the upstream: %+v", seen)
				}
				if len(r.logs) != 1 || !strings.HasPrefix(r.logs[0], "refused ") {
					t.Fatalf("log %q, want one line that says refused", r.logs)
				}
				return
			}
			if len(seen) != 1 {
				t.Fatalf("%d requests reached the upstream, want 1", len(seen))
			}
			got := seen[0]
			if got.uri != tt.uri || got.body != tt.body {
				t.Errorf("upstream got %s %q body %q; want %q body %q", got.method, got.uri, got.body, tt.uri, tt.body)
			}
			if !strings.HasPrefix(got.host, "127.0.0.1:") || got.host == r.addr {
				t.Errorf("upstream Host %q, want the upstream's own", got.host)
			}
			for k, v := range tt.headers {
				if got.header.Get(k) != v {
					t.Errorf("header %s = %q, want %q", k, got.header.Get(k), v)
				}
			}
		})
	}
}

// A reset between two requests: the second one's 401 leads to one renewal
// and a second try with the same body; the caller sees only the 200.
func TestRefusedTokenIsRenewedOnceAndRetried(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "mon-1"})
	if code, _ := r.raw(t, "GET /api/a HTTP/1.1\nHost: {addr}\n\n"); code != 200 {
		t.Fatalf("first request: %d", code)
	}
	r.up.mu.Lock()
	r.up.current = "mon-2" // Reset Token in the UI
	r.up.mu.Unlock()
	code, body := r.raw(t, "POST /api/b HTTP/1.1\nHost: {addr}\nContent-Length: 5\n\nhello")
	if code != 200 || body != `{"path":"/api/b"}` {
		t.Fatalf("after the reset: %d %q", code, body)
	}
	seen := r.up.requests()
	if len(seen) != 3 || seen[1].header.Get("Authorization") != "Bearer mon-1" || seen[2].header.Get("Authorization") != "Bearer mon-2" || seen[2].body != "hello" {
		t.Fatalf("upstream saw %+v; want the stale try, then the retry with the new token and the same body", seen)
	}
	if r.src.renewals != 1 {
		t.Fatalf("%d renewals, want 1", r.src.renewals)
	}
}

// A body larger than what is kept for a retry goes through once; its 401
// is the caller's.
func TestLargeBodyIsNotRetried(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "stale"})
	r.up.current = "fresh"
	big := strings.Repeat("x", maxReplay+1)
	code, _ := r.raw(t, fmt.Sprintf("POST /api/b HTTP/1.1\nHost: {addr}\nContent-Length: %d\n\n%s", len(big), big))
	if code != http.StatusUnauthorized {
		t.Fatalf("status %d, want the service's 401", code)
	}
	if seen := r.up.requests(); len(seen) != 1 || len(seen[0].body) != len(big) {
		t.Fatalf("upstream saw %d requests; want one with the whole body", len(seen))
	}
}

// No credentials: 502, the service is not asked, and the log says why.
func TestNoCredentials(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "x"})
	r.src.fail = errors.New("no API key for profile \"default\": run monitor-token login")
	code, body := r.raw(t, "GET /api/a HTTP/1.1\nHost: {addr}\n\n")
	if code != http.StatusBadGateway || !strings.Contains(body, "the request was not sent") {
		t.Fatalf("%d %q", code, body)
	}
	if len(r.up.requests()) != 0 {
		t.Fatal("the upstream was asked without credentials")
	}
	// Why, then the request's own line.
	if len(r.logs) != 2 || r.logs[0] != `GET /api/a: the request was not sent: no API key for profile "default": run monitor-token login` ||
		!strings.HasPrefix(r.logs[1], "GET /api/a 502 ") {
		t.Fatalf("log %q", r.logs)
	}
}

// A caller that hangs up while the credentials are fetched is logged as
// gone, not as a 200 nobody sent.
func TestCallerGoneWhileCredentialsAreFetched(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "x"})
	r.src.waiting = make(chan struct{}, 1)
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /api/a HTTP/1.1\r\nHost: %s\r\n\r\n", r.addr)
	<-r.src.waiting
	c.Close()
	for i := 0; ; i++ {
		r.logMu.Lock()
		logs := append([]string(nil), r.logs...)
		r.logMu.Unlock()
		if len(logs) > 0 {
			if len(logs) != 1 || !strings.HasPrefix(logs[0], "GET /api/a: the caller went away after ") {
				t.Fatalf("log %q, want that the caller went away", logs)
			}
			break
		}
		if i > 500 {
			t.Fatal("nothing logged")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(r.up.requests()) != 0 {
		t.Fatal("the upstream was asked")
	}
}

// One line per request: method, path without the query, status, duration;
// never the query (it may hold anything) nor a credential.
func TestRequestLog(t *testing.T) {
	r := newRig(t, monitorapi.Credentials{Bearer: "mon-secret"})
	r.raw(t, "GET /prometheus/api/v1/query?query=secret_metric HTTP/1.1\nHost: {addr}\nAuthorization: Bearer callers-secret\n\n")
	if len(r.logs) != 1 {
		t.Fatalf("log %q, want one line", r.logs)
	}
	line := r.logs[0]
	if !strings.HasPrefix(line, "GET /prometheus/api/v1/query 200 ") || strings.Contains(line, "secret") {
		t.Fatalf("log line %q", line)
	}
}
