package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/proxy"
)

// DefaultProxyListen is where `proxy` listens without --listen: kubectl
// proxy's port, on loopback.
const DefaultProxyListen = "127.0.0.1:8001"

// drainWait is how long in-flight requests get to finish after SIGINT or
// SIGTERM.
const drainWait = 5 * time.Second

// proxyCmd serves the profile's Monitoring API on a local port, adding the
// profile's credentials to every request (internal/proxy says who may use
// it, and why). It runs until SIGINT or SIGTERM, then lets the requests in
// flight finish for up to drainWait and exits 0.
func (p *program) proxyCmd(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("proxy: unexpected argument %q; the address goes in --listen", c.Args().First())
	}
	addr, err := listenAddress(c.String("listen"), c.Bool("allow-remote"))
	if err != nil {
		return err
	}
	// Every line of a running proxy goes through one lock: requests log
	// from many goroutines.
	p.Stderr = &lockedWriter{w: p.Stderr}
	prof, b, err := p.openProfile(c)
	if err != nil {
		return err
	}
	upstream, err := url.Parse(prof.Endpoint)
	if err != nil {
		return err // Check normalized it; cannot happen
	}
	src := &brokerSource{b: b, prof: prof, now: time.Now}
	// The first token now: a profile that cannot get one fails at start,
	// not at the first request of some tool.
	if _, err := src.Current(c.Context); err != nil {
		return err
	}
	l, err := net.Listen("tcp", addr.String())
	if err != nil {
		return fmt.Errorf("proxy: cannot listen on %s: %w; pick another port with --listen 127.0.0.1:PORT (port 0 picks a free one)", addr, unwrapOpError(err))
	}
	l = proxy.Listen(l, uint32(os.Getuid()), func(peer, why string) {
		p.logLine("refused a connection from %s: %s", peer, why)
	})
	transport, err := proxyTransport(p.getenv)
	if err != nil {
		return err
	}
	hosts := append(proxy.AcceptedHosts(l.Addr()), c.StringSlice("accept-host")...)
	handler := proxy.New(proxy.Options{
		Upstream:  upstream,
		Source:    src,
		Transport: transport,
		Hosts:     hosts,
		Log:       p.logLine,
	})
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(lineWriter{p}, "", 0),
	}
	fmt.Fprintf(p.Stderr, "Proxying %s for profile %q on http://%s\n", prof.Endpoint, prof.Name, l.Addr())
	if !addr.Addr().IsLoopback() {
		p.warn(fmt.Errorf("listening on %s, which is not loopback (--allow-remote): whoever reaches it acts with the token of profile %q", l.Addr(), prof.Name))
	}
	if !proxy.PeerCheck {
		p.warn(errors.New("on this system every local user can reach a loopback port, and so this proxy"))
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	select {
	case err := <-served:
		return fmt.Errorf("proxy: %w", err)
	case <-c.Context.Done():
	}
	ctx, cancel := context.WithTimeout(context.Background(), drainWait)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		srv.Close()
		fmt.Fprintf(p.Stderr, "Stopped; requests still running after %s were cut off.\n", drainWait)
		return nil
	}
	fmt.Fprintln(p.Stderr, "Stopped.")
	return nil
}

// listenAddress parses --listen: an IP address (or localhost) and a port.
// Host names other than localhost are refused: one can resolve anywhere.
// Anything but loopback needs allowRemote.
func listenAddress(s string, allowRemote bool) (netip.AddrPort, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil {
		return netip.AddrPort{}, usagef("--listen %q is not HOST:PORT; use 127.0.0.1:PORT (port 0 picks a free one)", s)
	}
	if strings.EqualFold(host, "localhost") {
		host = "127.0.0.1"
	}
	if host == "" {
		host = "0.0.0.0" // ":8001" means every address, as net.Listen reads it
	}
	ap, err := netip.ParseAddrPort(net.JoinHostPort(host, port))
	if err != nil {
		return netip.AddrPort{}, usagef("--listen %q: give an IP address and a port, such as 127.0.0.1:8001 or [::1]:8001", s)
	}
	if !ap.Addr().IsLoopback() && !allowRemote {
		return netip.AddrPort{}, usagef("--listen %s is not a loopback address: whoever reaches it would act with your token; use 127.0.0.1:PORT, or add --allow-remote if that is what you mean", s)
	}
	return ap, nil
}

// proxyTransport is the service client's transport (proxies as the
// environment says, never for local destinations; TLS as configured),
// sized for a proxy: a pool of connections per host for many callers at
// once, and time for slow queries.
func proxyTransport(getenv func(string) string) (http.RoundTripper, error) {
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
	if t.TLSClientConfig = t.TLSClientConfig.Clone(); t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{}
	}
	t.TLSClientConfig.NextProtos = []string{"http/1.1"}
	return t, nil
}

// logLine writes one line of a running proxy on stderr, scrubbed like an
// error.
func (p *program) logLine(format string, a ...any) {
	fmt.Fprintf(p.Stderr, "%s: %s\n", p.name, p.scrub(fmt.Sprintf(format, a...)))
}

// lineWriter gives net/http's own log lines (a bad TLS hello, a panic in
// a handler) the program's prefix and scrubbing.
type lineWriter struct{ p *program }

func (w lineWriter) Write(b []byte) (int, error) {
	w.p.logLine("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// lockedWriter serializes writes: each is one line, and lines must not
// interleave.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func unwrapOpError(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}

// brokerSource holds the profile's token in memory for the proxy: the warm
// path of a request is no keyring read at all. An IAM token is renewed when
// get would no longer serve it (broker.Token's ExpiresAt); a token the
// service refused is replaced through Refresh, under the profile's fetch
// lock, which also updates the cache for every other caller.
type brokerSource struct {
	b    *broker.Broker
	prof profile.Profile
	now  func() time.Time

	mu  sync.Mutex
	cur broker.Token
}

func (s *brokerSource) credentials(t broker.Token) proxy.Credentials {
	c := proxy.Credentials{Bearer: t.Value}
	if t.IAM {
		c.InstanceID, c.TeamID = s.prof.InstanceID, s.prof.TeamID
	}
	return c
}

func (s *brokerSource) Current(ctx context.Context) (proxy.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.Value == "" || (!s.cur.ExpiresAt.IsZero() && !s.now().Before(s.cur.ExpiresAt)) {
		t, err := s.b.Token(ctx, s.prof)
		if err != nil {
			return proxy.Credentials{}, err
		}
		s.cur = t
	}
	return s.credentials(s.cur), nil
}

func (s *brokerSource) Renew(ctx context.Context, stale proxy.Credentials) (proxy.Credentials, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur.Value != stale.Bearer {
		return s.credentials(s.cur), nil // another request renewed it
	}
	t, err := s.b.Refresh(ctx, s.prof)
	if err != nil {
		return proxy.Credentials{}, err
	}
	if t.NotCached != nil {
		s.b.Warn(t.NotCached)
	}
	s.cur = t
	return s.credentials(s.cur), nil
}
