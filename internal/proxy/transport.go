package proxy

import (
	"crypto/tls"
	"errors"
	"net/http"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

// Transport is the transport of the forwarded requests: the service
// client's (monitorapi.NewHTTPClient: proxies as getenv says, never for
// local destinations; TLS as configured), sized for a proxy: a pool of
// connections per host for many callers at once, and time for slow
// queries.
func Transport(getenv func(string) string) (*http.Transport, error) {
	base, ok := monitorapi.NewHTTPClient(getenv).Transport.(*http.Transport)
	if !ok {
		return nil, errors.New("proxy: the service client has no HTTP transport")
	}
	t := base.Clone()
	t.MaxIdleConns = 128
	t.MaxIdleConnsPerHost = 64
	t.IdleConnTimeout = 90 * time.Second
	// A PromQL query over a long range takes a while; the caller's own
	// cancel (it hangs up) still ends the wait.
	t.ResponseHeaderTimeout = 5 * time.Minute
	// HTTP/1.1 upstream, over the pool: measured faster for many callers
	// at once than one multiplexed HTTP/2 connection (docs/performance.md,
	// "Proxy").
	t.ForceAttemptHTTP2 = false
	t.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	if t.TLSClientConfig == nil { // Clone copied the base's, when it has one
		t.TLSClientConfig = &tls.Config{}
	}
	t.TLSClientConfig.NextProtos = []string{"http/1.1"}
	return t, nil
}
