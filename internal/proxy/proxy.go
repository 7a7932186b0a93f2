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
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
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
	// BodyTimeout is how long a request's body may take to arrive, from
	// the end of its headers; 0 is DefaultBodyTimeout. A body trickled
	// in a byte at a time would otherwise hold a connection forever.
	BodyTimeout time.Duration
	// ClientToken, when set, must come with every request as
	// `Authorization: Bearer <ClientToken>` (clienttoken.go).
	ClientToken string
}

// DefaultBodyTimeout is Options.BodyTimeout's default: a query or a write
// of a few megabytes arrives well within it, even over a slow link.
const DefaultBodyTimeout = time.Minute

// A Proxy is the HTTP handler of `monitor-token proxy`.
type Proxy struct {
	o     Options
	hosts map[string]bool
	// origins are the proxy's own origins, "http://" and an accepted
	// host, lower-case (admit.go).
	origins map[string]bool
	rp      *httputil.ReverseProxy
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
	if o.BodyTimeout == 0 {
		o.BodyTimeout = DefaultBodyTimeout
	}
	p := &Proxy{o: o, hosts: map[string]bool{}, origins: map[string]bool{}}
	for _, h := range o.Hosts {
		p.hosts[strings.ToLower(h)] = true
		p.origins["http://"+strings.ToLower(h)] = true
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
			if out, ok := pr.Out.Context().Value(outcomeKey{}).(*requestOutcome); ok {
				out.creds.SetHeaders(pr.Out.Header)
			}
		},
		Transport:      &authTransport{base: o.Transport, src: o.Source, log: o.Log, now: o.Now},
		ModifyResponse: p.answered,
		ErrorHandler:   p.upstreamError,
		BufferPool:     newBufferPool(),
	}
	return p
}

// AcceptedHosts are the Host values of a proxy listening on addr: addr
// itself, and localhost, 127.0.0.1 and [::1] with its port; on port 80
// also without it, as clients write the default port (RFC 9110, section
// 7.2).
func AcceptedHosts(addr net.Addr) []string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return nil
	}
	hosts := []string{net.JoinHostPort(host, port), "localhost:" + port, "127.0.0.1:" + port, "[::1]:" + port}
	if port == "80" {
		hosts = append(hosts, host, "localhost", "127.0.0.1", "[::1]")
		if strings.Contains(host, ":") {
			hosts = append(hosts, "["+host+"]")
		}
	}
	return hosts
}

// securityHeaders go on every answer, the service's and the proxy's own:
// the answer is what it says it is (nosniff), and whatever HTML the
// service returns cannot run script, or be framed, on the proxy's origin,
// where it could use the proxy (CSP sandbox, https://www.w3.org/TR/CSP3/).
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Content-Security-Policy", "sandbox; default-src 'none'; frame-ancestors 'none'"},
}

// requestOutcome is what became of one request, for its log line: the
// status the upstream answered with (101 for an upgrade, which the proxy
// writes on the hijacked connection, unseen by the ResponseWriter), and
// whether the caller went away first.
type requestOutcome struct {
	// creds are the credentials the request is sent with, from the
	// Source before anything is forwarded.
	creds    monitorapi.Credentials
	status   int
	wentAway bool
}

type outcomeKey struct{}

func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := p.o.Now()
	sw := &statuswriter.Writer{ResponseWriter: interimFilter{w}}
	if status, why := p.refusal(r); why != "" {
		p.o.Log("refused %s %s from %s: %s", r.Method, describeTarget(r), r.RemoteAddr, why)
		// A refused caller keeps no connection: held open, refused
		// connections would fill the bound on open ones.
		w.Header().Set("Connection", "close")
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="monitor-token proxy"`)
		}
		http.Error(sw, "monitor-token proxy: "+why, status)
		return
	}
	if strings.EqualFold(r.Method, http.MethodOptions) {
		answerOptions(sw)
		p.o.Log("%s %s %d %s (answered by the proxy)", r.Method, r.URL.Path, sw.Code(), p.o.Now().Sub(start).Round(10*time.Microsecond))
		return
	}
	p.limitBody(sw, r)
	creds, err := p.o.Source.Current(r.Context())
	switch {
	case err != nil && r.Context().Err() != nil:
		p.o.Log("%s %s: the caller went away after %s", r.Method, r.URL.Path, p.o.Now().Sub(start).Round(10*time.Microsecond))
		return
	case err != nil:
		p.o.Log("%s %s: the request was not sent: %v", r.Method, r.URL.Path, err)
		http.Error(sw, "monitor-token proxy: the request was not sent; see the proxy's log", http.StatusBadGateway)
		p.o.Log("%s %s %d %s", r.Method, r.URL.Path, sw.Code(), p.o.Now().Sub(start).Round(10*time.Microsecond))
		return
	}
	out := &requestOutcome{creds: creds}
	r = r.WithContext(context.WithValue(r.Context(), outcomeKey{}, out))
	defer func() {
		v := recover()
		switch {
		case v == http.ErrAbortHandler || out.wentAway:
			// ReverseProxy aborts when the caller stops reading the
			// answer: no status reached it whole.
			p.o.Log("%s %s: the caller went away after %s", r.Method, r.URL.Path, p.o.Now().Sub(start).Round(10*time.Microsecond))
		case v != nil:
		default:
			status := sw.Code()
			if out.status == http.StatusSwitchingProtocols {
				status = out.status
			}
			p.o.Log("%s %s %d %s", r.Method, r.URL.Path, status, p.o.Now().Sub(start).Round(10*time.Microsecond))
		}
		if v != nil {
			panic(v)
		}
	}()
	p.rp.ServeHTTP(sw, r)
}

// stripServiceHeaders removes what the service may send and a caller of
// the proxy must not get: CORS grants and cookies.
func stripServiceHeaders(h http.Header) {
	for name := range h {
		if strings.HasPrefix(strings.ToLower(name), "access-control-") {
			delete(h, name)
		}
	}
	h.Del("Set-Cookie")
	h.Del("Set-Cookie2")
}

// interimFilter is where every answer's headers are settled as it is
// written: an interim (1xx) answer ReverseProxy passes on loses the headers
// stripServiceHeaders strips from the final one (a 103 Early Hints could
// carry a cookie or a CORS grant), and a final answer, the service's or the
// proxy's own, gets securityHeaders, set once (ReverseProxy adds the
// service's headers to the map, and clears it after each 1xx). A 101 is
// written on the hijacked connection instead: answered sets them there.
// Every writer of an answer here calls WriteHeader first (ReverseProxy,
// http.Error, answerOptions).
type interimFilter struct{ http.ResponseWriter }

func (w interimFilter) WriteHeader(code int) {
	switch {
	case code >= 200:
		setSecurityHeaders(w.Header())
	case code != http.StatusSwitchingProtocols:
		stripServiceHeaders(w.Header())
	}
	w.ResponseWriter.WriteHeader(code)
}

func setSecurityHeaders(h http.Header) {
	for _, kv := range securityHeaders {
		h.Set(kv[0], kv[1])
	}
}

// Unwrap lets http.ResponseController reach the connection (Flush,
// Hijack, deadlines).
func (w interimFilter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes a flush on.
func (w interimFilter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// limitBody gives r's body BodyTimeout to arrive: the connection's read
// deadline, lifted once the body has been read to its end, so that the
// answer, however slow the query, is not cut off by it.
func (p *Proxy) limitBody(w http.ResponseWriter, r *http.Request) {
	if r.Body == nil || r.Body == http.NoBody {
		return
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(p.o.Now().Add(p.o.BodyTimeout)) != nil {
		return
	}
	r.Body = &deadlineBody{ReadCloser: r.Body, lift: func() { rc.SetReadDeadline(time.Time{}) }}
}

// deadlineBody lifts the read deadline when the body ends.
type deadlineBody struct {
	io.ReadCloser
	lift   func()
	lifted bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err == io.EOF && !b.lifted {
		b.lifted = true
		b.lift()
	}
	return n, err
}

// answered strips from the service's answer what a caller of the proxy
// must not get: CORS grants (a web page of another origin could read the
// answer) and cookies (they would be the browser's for localhost, for
// every local port). It notes the status for the log.
func (p *Proxy) answered(resp *http.Response) error {
	stripServiceHeaders(resp.Header)
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// Written on the hijacked connection, not through interimFilter.
		setSecurityHeaders(resp.Header)
	}
	if out, ok := resp.Request.Context().Value(outcomeKey{}).(*requestOutcome); ok {
		out.status = resp.StatusCode
	}
	return nil
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

// upstreamError answers a request the upstream did not answer (the
// network, a body that did not arrive): 502 or 408, and a line on stderr.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The caller went away; nobody is left to answer, and ServeHTTP
		// logs it.
		if out, ok := r.Context().Value(outcomeKey{}).(*requestOutcome); ok {
			out.wentAway = true
		}
		return
	}
	var body *bodyError
	if errors.As(err, &body) {
		// The body came too slowly (limitBody's deadline), or broke off:
		// nothing was sent.
		p.o.Log("%s %s: the request body did not arrive within %s; nothing was sent", r.Method, r.URL.Path, p.o.BodyTimeout)
		http.Error(w, fmt.Sprintf("monitor-token proxy: the request body did not arrive within %s", p.o.BodyTimeout), http.StatusRequestTimeout)
		return
	}
	p.o.Log("%s %s: the Monitoring API did not answer: %v", r.Method, r.URL.Path, err)
	http.Error(w, "monitor-token proxy: the Monitoring API did not answer; see the proxy's log", http.StatusBadGateway)
}
