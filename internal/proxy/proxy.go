// Package proxy serves the Monitoring API on a local port with the profile's
// credentials added, for tools that take a URL but cannot run a credential
// helper (Grafana's Prometheus data source, promtool, a browser tab). It is
// kubectl proxy's idea for IBM Cloud Monitoring (docs/integrations.md,
// "Local proxy").
//
// Who may use it is the whole question, since anyone who reaches it acts
// with the user's token:
//   - it listens on loopback (ListenAddress refuses other addresses unless
//     the user insists);
//   - it answers only requests whose Host names the proxy itself, so a web
//     page whose name was rebound to 127.0.0.1 (DNS rebinding) cannot use
//     it from the user's browser, as kubectl proxy's --accept-hosts does;
//   - it is no forward proxy: absolute-URI requests and CONNECT are
//     refused, so it cannot be made to send the credentials elsewhere;
//   - on Linux, connections from other users' processes are refused at
//     accept (procnet.go says how and why).
package proxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/statuswriter"
)

// Options configure a proxy.
type Options struct {
	// Upstream is the profile's Monitoring endpoint (scheme and host; a
	// path, if any, is prefixed to every request's).
	Upstream *url.URL
	Source   Source
	// Transport carries the forwarded requests (proxies, TLS, timeouts);
	// nil is http.DefaultTransport.
	Transport http.RoundTripper
	// Hosts are the Host header values accepted, host:port, compared
	// without regard to case (AcceptedHosts gives the usual ones).
	Hosts []string
	// Log writes one line on stderr; the proxy never gives it a secret.
	Log func(format string, args ...any)
	// Now is the clock of the request log; nil is time.Now.
	Now func() time.Time
}

// A Proxy is the HTTP handler of `monitor-token proxy`.
type Proxy struct {
	o     Options
	hosts map[string]bool
	rp    *httputil.ReverseProxy
}

// New returns the handler. Each request is checked (Host, form, method),
// stripped of the caller's credentials, given the profile's, and streamed
// to the upstream and back: the body is never held whole, whatever its size.
func New(o Options) *Proxy {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Transport == nil {
		o.Transport = http.DefaultTransport
	}
	p := &Proxy{o: o, hosts: map[string]bool{}}
	for _, h := range o.Hosts {
		p.hosts[strings.ToLower(h)] = true
	}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			// SetURL points the request at the upstream and sets its Host
			// to the upstream's; X-Forwarded-* are not added (Rewrite
			// drops them), so the service learns nothing of the caller.
			pr.SetURL(o.Upstream)
			for _, h := range callerHeaders {
				pr.Out.Header.Del(h)
			}
		},
		Transport:    &authTransport{base: o.Transport, src: o.Source, log: o.Log},
		ErrorHandler: p.upstreamError,
	}
	return p
}

// AcceptedHosts are the Host values of a proxy listening on addr: addr
// itself, and localhost, 127.0.0.1 and [::1] with its port.
func AcceptedHosts(addr net.Addr) []string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return nil
	}
	return []string{net.JoinHostPort(host, port), "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port}
}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := p.o.Now()
	sw := &statuswriter.Writer{ResponseWriter: w}
	if why := p.refusal(r); why != "" {
		p.o.Log("refused %s %s from %s: %s", r.Method, describeTarget(r), r.RemoteAddr, why)
		http.Error(sw, "monitor-token proxy: "+why, http.StatusForbidden)
		return
	}
	p.rp.ServeHTTP(sw, r)
	p.o.Log("%s %s %d %s", r.Method, r.URL.Path, sw.Code(), p.o.Now().Sub(start).Round(10*time.Microsecond))
}

// refusal says why r is not forwarded, or "".
func (p *Proxy) refusal(r *http.Request) string {
	switch {
	case r.Method == http.MethodConnect:
		return "CONNECT is refused: this is not a forward proxy"
	case r.URL.IsAbs() || !strings.HasPrefix(r.RequestURI, "/"):
		return "a request for a full URL is refused: this is not a forward proxy; ask for a path of the Monitoring API"
	case !p.hosts[strings.ToLower(r.Host)]:
		// DNS rebinding: a page of another site whose name now resolves
		// to 127.0.0.1 still says its own name in Host.
		return fmt.Sprintf("the Host %q is not this proxy's address; use %s", r.Host, p.o.Hosts[0])
	}
	return ""
}

// describeTarget is what a refused request asked for, for the log: its path,
// or the host of a CONNECT.
func describeTarget(r *http.Request) string {
	if r.Method == http.MethodConnect {
		return r.Host
	}
	if r.URL.IsAbs() {
		return r.URL.Scheme + "://" + r.URL.Host + r.URL.Path
	}
	return r.URL.Path
}

// upstreamError answers a request the upstream did not answer (no
// credentials, the network): 502, and a line on stderr.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The caller went away; nobody is left to answer.
		p.o.Log("%s %s: the caller went away", r.Method, r.URL.Path)
		return
	}
	what := "the Monitoring API did not answer"
	if isCredentialError(err) {
		what = "the request was not sent"
	}
	p.o.Log("%s %s: %s: %v", r.Method, r.URL.Path, what, err)
	http.Error(w, "monitor-token proxy: "+what+"; see the proxy's log", http.StatusBadGateway)
}

// Listen wraps l so that, where the system can tell (PeerCheck),
// connections from other users' processes are refused at accept; refused
// is told of each.
func Listen(l net.Listener, uid uint32, refused func(peer, why string)) net.Listener {
	if !PeerCheck {
		return l
	}
	return &ownerListener{Listener: l, uid: uid, owner: peerOwner, refused: refused}
}
