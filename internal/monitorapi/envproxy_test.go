package monitorapi

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/monitor-token/monitor-token/internal/endpoint"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
)

// logProxy is an HTTP forward proxy that records everything it receives: each
// plain request whole (request line, headers, body), each CONNECT target, and
// the bytes a client sends through a tunnel. It forwards nothing in plain
// http (it answers 502); a CONNECT is tunnelled to tunnelTo.
type logProxy struct {
	URL      string
	tunnelTo string

	mu       sync.Mutex
	requests []string
	connects []string
	tunneled bytes.Buffer
}

func newLogProxy(t *testing.T, tunnelTo string) *logProxy {
	t.Helper()
	p := &logProxy{tunnelTo: tunnelTo}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *logProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect {
		dump, _ := httputil.DumpRequest(r, true)
		p.mu.Lock()
		p.requests = append(p.requests, string(dump))
		p.mu.Unlock()
		http.Error(w, "logProxy forwards nothing", http.StatusBadGateway)
		return
	}
	p.mu.Lock()
	p.connects = append(p.connects, r.Host)
	p.mu.Unlock()
	dst, err := net.Dial("tcp", p.tunnelTo)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer dst.Close()
	conn, buf, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	defer conn.Close()
	io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n")
	done := make(chan struct{})
	go func() {
		io.Copy(conn, dst)
		close(done)
	}()
	io.Copy(dst, io.TeeReader(buf, lockedWriter{p}))
	dst.(*net.TCPConn).CloseWrite()
	<-done
}

type lockedWriter struct{ p *logProxy }

func (l lockedWriter) Write(b []byte) (int, error) {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	return l.p.tunneled.Write(b)
}

func (p *logProxy) seen() (requests, connects []string, tunneled string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.requests...), append([]string(nil), p.connects...), p.tunneled.String()
}

// proxyEnv points every proxy variable, both cases, at proxy.
func proxyEnv(proxy string) func(string) string {
	env := map[string]string{"HTTP_PROXY": proxy, "http_proxy": proxy, "HTTPS_PROXY": proxy, "https_proxy": proxy}
	return func(k string) string { return env[k] }
}

// resolvingDialer dials "localhost." like a system resolver does (Go's own
// resolver asks DNS for it); everything else as given.
func resolvingDialer(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil && strings.EqualFold(host, "localhost.") {
		addr = net.JoinHostPort("127.0.0.1", port)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// TestLoopbackNeverProxied: with HTTP_PROXY set, an API-key exchange with a
// loopback IAM, however the loopback host is spelled, goes straight to it
// and the proxy receives nothing. http.ProxyFromEnvironment sent
// "localhost." (which the plain-http rule once accepted) to the proxy, API
// key in clear.
func TestLoopbackNeverProxied(t *testing.T) {
	proxy := newLogProxy(t, "")
	for _, tt := range []struct{ listen, host string }{
		{"127.0.0.1:0", "localhost."},
		{"127.0.0.1:0", "LOCALHOST"},
		{"127.0.0.1:0", "127.0.0.1"},
		{"[::1]:0", "[::1]"},
	} {
		t.Run(tt.host, func(t *testing.T) {
			ln, err := net.Listen("tcp", tt.listen)
			if err != nil {
				t.Skipf("cannot listen on %s here: %v", tt.listen, err)
			}
			s := &script{answers: []answer{{200, iamOK, ""}}}
			srv := httptest.NewUnstartedServer(s)
			srv.Listener.Close()
			srv.Listener = ln
			srv.Start()
			defer srv.Close()
			_, port, _ := net.SplitHostPort(ln.Addr().String())

			c := New("monitor-token/test")
			c.Grants = sdkgrant.Grants{}
			c.Retry = RetryPolicy{Attempts: 1}
			c.HTTP = NewHTTPClient(proxyEnv(proxy.URL))
			c.HTTP.Transport.(*http.Transport).DialContext = resolvingDialer
			if _, err := c.ExchangeAPIKey(context.Background(), "http://"+tt.host+":"+port, testAPIKey); err != nil {
				t.Fatalf("exchange with the loopback IAM: %v", err)
			}
			if len(s.requests) != 1 {
				t.Fatalf("the loopback IAM got %d requests, want 1", len(s.requests))
			}
			requests, connects, _ := proxy.seen()
			if len(requests)+len(connects) != 0 {
				t.Fatalf("the proxy received %q %q", requests, connects)
			}
		})
	}
}

// TestProxyRule: which destinations the client hands to a proxy. The VPC
// metadata service (http://169.254.169.254) never is: it is plain http,
// and its answers carry the instance identity token.
func TestProxyRule(t *testing.T) {
	const proxy = "http://proxy.example:3128"
	tests := []struct {
		env  map[string]string
		url  string
		want string // "" means no proxy
	}{
		{nil, "http://169.254.169.254/instance_identity/v1/token", ""},
		{nil, "http://169.254.169.254./instance_identity/v1/token", ""},
		{nil, "http://169.254.0.1:8080/", ""},
		{nil, "https://169.254.169.254/", ""},
		{nil, "http://[::ffff:169.254.169.254]/", ""},
		{nil, "http://[fe80::a9fe:a9fe]/", ""},
		{nil, "http://[FE80::1%25eth0]:80/", ""},
		{nil, "http://localhost:8080/", ""},
		{nil, "http://localhost.:8080/", ""},
		{nil, "http://LocalHost.:8080/", ""},
		{nil, "http://iam.localhost/", ""},
		{nil, "https://iam.localhost./", ""},
		{nil, "http://127.0.0.1:8080/", ""},
		{nil, "http://127.0.0.1.:8080/", ""},
		{nil, "http://127.9.8.7/", ""},
		{nil, "http://127.1/", ""},
		{nil, "http://0x7f000001/", ""},
		{nil, "http://2130706433/", ""},
		{nil, "http://0177.0.0.1/", ""},
		{nil, "http://0/", ""},
		{nil, "http://0.0.0.0/", ""},
		{nil, "http://[::1]:8080/", ""},
		{nil, "http://[::]/", ""},
		{nil, "http://[::ffff:127.0.0.1]:8080/", ""},
		{nil, "http://[::ffff:7f00:1]/", ""},

		{nil, "https://iam.cloud.ibm.com/identity/token", proxy},
		{nil, "http://example.com/", proxy},
		{nil, "http://10.0.0.1/", proxy},
		{nil, "http://128.0.0.1/", proxy},
		{nil, "http://169.255.0.1/", proxy},
		{nil, "http://[fec0::1]/", proxy},
		{nil, "http://localhost.example.com/", proxy},
		{nil, "http://169.254.169.254.example.com/", proxy},
		{nil, "http://mylocalhost/", proxy},
		{nil, "http://127.0.0.1.5/", proxy},
		{nil, "http://256.1/", proxy},

		// The environment's own rules, as net/http reads them.
		{map[string]string{"HTTPS_PROXY": proxy}, "https://iam.cloud.ibm.com/", proxy},
		{map[string]string{"HTTPS_PROXY": proxy}, "http://iam.cloud.ibm.com/", ""},
		{map[string]string{"HTTP_PROXY": proxy}, "https://iam.cloud.ibm.com/", ""},
		{map[string]string{"https_proxy": proxy, "HTTPS_PROXY": "http://upper.example:1"}, "https://iam.cloud.ibm.com/", proxy},
		{map[string]string{"HTTPS_PROXY": proxy, "NO_PROXY": "cloud.ibm.com"}, "https://iam.cloud.ibm.com/", ""},
		{map[string]string{"HTTPS_PROXY": proxy, "no_proxy": ".ibm.com"}, "https://iam.cloud.ibm.com/", ""},
		{map[string]string{"HTTPS_PROXY": proxy, "NO_PROXY": "example.com"}, "https://iam.cloud.ibm.com/", proxy},
		{map[string]string{"HTTP_PROXY": "proxy.example:3128"}, "http://example.com/", proxy},
		{map[string]string{}, "https://iam.cloud.ibm.com/", ""},
	}
	everywhere := map[string]string{"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy}
	for _, tt := range tests {
		env := tt.env
		if env == nil {
			env = everywhere
		}
		rule := proxyFunc(func(k string) string { return env[k] })
		req, err := http.NewRequest(http.MethodGet, tt.url, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := rule(req)
		if err != nil {
			t.Errorf("proxy for %s with %v: %v", tt.url, env, err)
			continue
		}
		gotS := ""
		if got != nil {
			gotS = got.String()
		}
		if gotS != tt.want {
			t.Errorf("proxy for %s with %v = %q, want %q", tt.url, env, gotS, tt.want)
		}
	}
}

// TestProxyRuleCGI: under CGI (REQUEST_METHOD set) HTTP_PROXY may come from a
// request header, so net/http refuses it (https://go.dev/s/cgihttpproxy);
// the client keeps that rule.
func TestProxyRuleCGI(t *testing.T) {
	env := map[string]string{"HTTP_PROXY": "http://proxy.example:3128", "REQUEST_METHOD": "GET"}
	rule := proxyFunc(func(k string) string { return env[k] })
	req, _ := http.NewRequest(http.MethodGet, "http://example.com/", nil)
	if got, err := rule(req); err == nil {
		t.Errorf("proxy under CGI = %v, want an error", got)
	}
}

// TestNeverProxiedCoversPlainHTTPHosts: every host the endpoint rules let
// carry credentials over plain http is one the client never hands to a
// proxy.
func TestNeverProxiedCoversPlainHTTPHosts(t *testing.T) {
	for _, host := range []string{"localhost", "LOCALHOST", "127.0.0.1", "127.255.255.254", "::1", "0:0:0:0:0:0:0:1"} {
		if !endpoint.IsLoopback(host) {
			t.Fatalf("endpoint.IsLoopback(%q) is false; the list is out of date", host)
		}
		if !isLocalDestination(host) {
			t.Errorf("isLocalDestination(%q) = false for a plain-http host", host)
		}
	}
}

// TestHTTPSProxySeesOnlyConnect: through HTTPS_PROXY, the proxy learns the
// destination (CONNECT host:port) and nothing else: no request line, no
// header, no body, and the tunnel carries only TLS (no API key, no bearer).
func TestHTTPSProxySeesOnlyConnect(t *testing.T) {
	s := &script{answers: []answer{{200, iamOK, ""}, {200, `{"token":{"key":"monitor-token-in-tls"}}`, ""}}}
	srv := httptest.NewTLSServer(s)
	defer srv.Close()
	proxy := newLogProxy(t, srv.Listener.Addr().String())

	c := New("monitor-token/test")
	c.Grants = sdkgrant.Grants{}
	c.Retry = RetryPolicy{Attempts: 1}
	c.HTTP = NewHTTPClient(proxyEnv(proxy.URL))
	roots := x509.NewCertPool()
	roots.AddCert(srv.Certificate()) // valid for *.example.com
	c.HTTP.Transport.(*http.Transport).TLSClientConfig = &tls.Config{RootCAs: roots}

	ctx := context.Background()
	tok, err := c.ExchangeAPIKey(ctx, "https://iam.example.com", testAPIKey)
	if err != nil {
		t.Fatalf("exchange through the proxy: %v", err)
	}
	if _, err := c.MonitorToken(ctx, "https://monitoring.example.com:8443", Credentials{Bearer: tok.AccessToken, InstanceID: "g"}); err != nil {
		t.Fatalf("Monitor token through the proxy: %v", err)
	}
	if len(s.requests) != 2 {
		t.Fatalf("the server got %d requests through the tunnel, want 2", len(s.requests))
	}
	requests, connects, tunneled := proxy.seen()
	if len(requests) != 0 {
		t.Errorf("the proxy saw plain requests: %q", requests)
	}
	if want := []string{"iam.example.com:443", "monitoring.example.com:8443"}; strings.Join(connects, " ") != strings.Join(want, " ") {
		t.Errorf("CONNECT targets = %q, want %q", connects, want)
	}
	for _, secret := range []string{testAPIKey, tok.AccessToken, "monitor-token-in-tls", "apikey", "POST ", "Authorization"} {
		if strings.Contains(tunneled, secret) {
			t.Errorf("the tunnel carried %q in clear", secret)
		}
	}
	if !strings.HasPrefix(tunneled, "\x16\x03") {
		t.Errorf("the tunnel does not start with a TLS handshake record: %q", tunneled[:min(len(tunneled), 16)])
	}
}

// TestNoRedirectFollowedOnAnyCall: every call, IAM's grants included (they
// run in go-sdk-core with the client's http.Client), takes a 302 as the
// answer: following it would carry the API key, a token or the bearer to
// another server.
func TestNoRedirectFollowedOnAnyCall(t *testing.T) {
	var hits atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	}))
	defer srv.Close()
	crFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(crFile, []byte("eyJ.cr.token"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := New("monitor-token/test")
	c.Grants = sdkgrant.Grants{}
	c.Retry = RetryPolicy{Attempts: 1}
	c.HTTP = NewHTTPClient(func(string) string { return "" })
	ctx := context.Background()
	cred := Credentials{Bearer: "bearer-0123456789", InstanceID: "g"}
	calls := map[string]func() error{
		"ExchangeAPIKey": func() error { _, err := c.ExchangeAPIKey(ctx, srv.URL, testAPIKey); return err },
		"ExchangeCRToken": func() error {
			_, err := c.ExchangeCRToken(ctx, srv.URL, crFile, "my-profile")
			return err
		},
		"ExchangeVPCIdentity": func() error { _, err := c.ExchangeVPCIdentity(ctx, srv.URL, ""); return err },
		"MonitorToken":        func() error { _, err := c.MonitorToken(ctx, srv.URL, cred); return err },
		"Teams":               func() error { _, err := c.Teams(ctx, srv.URL, cred); return err },
		"CurrentUser":         func() error { _, err := c.CurrentUser(ctx, srv.URL, cred); return err },
	}
	for name, call := range calls {
		err := call()
		if err == nil {
			t.Errorf("%s: a 302 answered as success", name)
		}
		if n := hits.Swap(0); n != 0 {
			t.Errorf("%s followed the redirect (%d requests at the other server)", name, n)
		}
	}
}
