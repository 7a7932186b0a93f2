package proxy

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

// The service client's proxy rule holds for forwarded requests: the
// environment's proxy for the service, none for this machine.
func TestTransportProxies(t *testing.T) {
	env := map[string]string{"HTTPS_PROXY": "http://proxy.example:3128", "NO_PROXY": "internal.example"}
	tr, err := Transport(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ dest, proxy string }{
		{"https://us-south.monitoring.cloud.ibm.com/api/token", "http://proxy.example:3128"},
		{"https://internal.example/api/token", ""},
		{"https://127.0.0.1:8443/api/token", ""},
		{"https://localhost:8443/api/token", ""},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.dest)
		p, err := tr.Proxy(&http.Request{URL: u})
		got := ""
		if p != nil {
			got = p.String()
		}
		if err != nil || got != tt.proxy {
			t.Errorf("proxy for %s = %q, %v; want %q", tt.dest, got, err, tt.proxy)
		}
	}
}

// Sized for many callers and slow queries, where the service client's
// transport is sized for one call at a time.
func TestTransportSizing(t *testing.T) {
	tr, err := Transport(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	got := []any{tr.MaxIdleConns, tr.MaxIdleConnsPerHost, tr.IdleConnTimeout, tr.ResponseHeaderTimeout, tr.ForceAttemptHTTP2}
	want := []any{128, 64, 90 * time.Second, 5 * time.Minute, false}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("MaxIdleConns, MaxIdleConnsPerHost, IdleConnTimeout, ResponseHeaderTimeout, ForceAttemptHTTP2 = %v, want %v", got, want)
			break
		}
	}
}

// HTTP/1.1 upstream even when the service offers HTTP/2 (docs/performance.md,
// "Proxy").
func TestTransportSpeaksHTTP1(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	tr, err := Transport(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	tr.TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Proto != "HTTP/1.1" {
		t.Fatalf("the upstream was spoken to in %s, want HTTP/1.1", resp.Proto)
	}
	// The same server, asked by a client that allows HTTP/2, uses it:
	// without this the check above proves nothing.
	resp, err = srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Proto != "HTTP/2.0" {
		t.Fatalf("the test server spoke %s to an HTTP/2 client; it should offer HTTP/2", resp.Proto)
	}
}
