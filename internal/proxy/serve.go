package proxy

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// DrainWait is how long the requests in flight get to finish once Serve's
// context ends (for the command: SIGINT or SIGTERM).
const DrainWait = 5 * time.Second

// ServeOptions configure Serve.
type ServeOptions struct {
	// Addr is where to listen (ListenAddress reads it).
	Addr netip.AddrPort
	// Upstream is the profile's Monitoring endpoint, as in Options.
	Upstream *url.URL
	// Profile is the profile's name, for the warning of an address that is
	// not loopback.
	Profile   string
	Source    Source
	Transport http.RoundTripper
	// ExtraHosts are Host values accepted besides AcceptedHosts' (the
	// command's --accept-host).
	ExtraHosts []string
	// AllowedUIDs are the users whose local processes may connect, where
	// PeerCheck: the user running the proxy (os.Getuid()) and those the
	// command's --allow-user names (LookupUser). Any other user's are
	// refused; so are all when it is empty.
	AllowedUIDs []uint32
	// Log writes one line of the running proxy: each request, each refusal,
	// and net/http's own complaints (a bad TLS hello, a panic in a
	// handler). Requests call it from many goroutines at once. It is never
	// given a secret.
	Log func(format string, a ...any)
	// Ready is told the address listened on (the real port, when Addr's
	// is 0), once, before any request is served.
	Ready func(addr net.Addr)
	// Warn is told, after Ready, what the user must know of who can reach
	// the proxy: an address that is not loopback, a system without
	// PeerCheck.
	Warn func(error)
	// Drain is how long requests in flight get to finish once ctx ends;
	// 0 is DrainWait.
	Drain time.Duration
	// Now is the clock of the request log; nil is time.Now.
	Now func() time.Time
	// BodyTimeout is Options.BodyTimeout.
	BodyTimeout time.Duration
	// ClientToken is Options.ClientToken.
	ClientToken string
	// AllowRemote admits peers on other machines (--allow-remote); they
	// must send ClientToken.
	AllowRemote bool
	// MaxConns bounds the connections open at once; 0 is DefaultMaxConns.
	// The next caller waits in the kernel's queue until one closes.
	MaxConns int
}

// DefaultMaxConns is ServeOptions.MaxConns's default: far more than
// Grafana's or Prometheus's connection pools use, far fewer than the
// file descriptors a process gets.
const DefaultMaxConns = 512

// maxConnsPerRemote bounds the connections of one address of another
// machine (--allow-remote): a Grafana keeps a few, and one address cannot
// fill DefaultMaxConns.
const maxConnsPerRemote = 32

// Serve runs the proxy until ctx ends, then stops taking connections and
// lets the requests in flight finish for up to o.Drain; cutOff says that
// some were still running then, and were cut off. Before it listens it
// asks o.Source for credentials, so that a profile that cannot get a token
// fails at start, not at the first request of some tool. Connections from
// other users' processes are refused at accept (Listen), and requests by
// the handler (New).
func Serve(ctx context.Context, o ServeOptions) (cutOff bool, err error) {
	if o.Log == nil {
		o.Log = func(string, ...any) {}
	}
	if o.Drain == 0 {
		o.Drain = DrainWait
	}
	if _, err := o.Source.Current(ctx); err != nil {
		return false, err
	}
	raw, err := listenAll(netip.AddrPortFrom(o.Addr.Addr().Unmap(), o.Addr.Port()))
	if err != nil {
		return false, err
	}
	if o.MaxConns == 0 {
		o.MaxConns = DefaultMaxConns
	}
	limit := newConnLimiter(o.MaxConns, maxConnsPerRemote)
	listeners := make([]net.Listener, len(raw))
	now := o.Now
	if now == nil {
		now = time.Now
	}
	refusals := &refusalLog{log: o.Log, now: now}
	for i, l := range raw {
		l = Listen(l, o.AllowedUIDs, o.AllowRemote, refusals.refused)
		// Outside the peer check: a refused connection never holds a slot.
		listeners[i] = limit.listener(l)
	}
	l := listeners[0]
	srv := &http.Server{
		Handler: New(Options{
			Upstream:    o.Upstream,
			Source:      o.Source,
			Transport:   o.Transport,
			Hosts:       append(AcceptedHosts(l.Addr()), o.ExtraHosts...),
			Log:         o.Log,
			Now:         o.Now,
			BodyTimeout: o.BodyTimeout,
			ClientToken: o.ClientToken,
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(logWriter(o.Log), "", 0),
	}
	if o.Ready != nil {
		o.Ready(l.Addr())
	}
	if o.Warn != nil {
		if !o.Addr.Addr().IsLoopback() {
			who := "whoever reaches it acts"
			if o.ClientToken != "" {
				who = "callers that send the client token act"
			}
			o.Warn(fmt.Errorf("listening on %s, which is not loopback (--allow-remote): %s with the token of profile %q", l.Addr(), who, o.Profile))
		}
		if !PeerCheck {
			o.Warn(errors.New("on this system every local user can reach a loopback port, and so this proxy"))
		}
	}
	served := make(chan error, len(listeners))
	for _, l := range listeners {
		go func() { served <- srv.Serve(l) }()
	}
	select {
	case err := <-served:
		return false, fmt.Errorf("proxy: %w", err)
	case <-ctx.Done():
	}
	drain, cancel := context.WithTimeout(context.Background(), o.Drain)
	defer cancel()
	if err := srv.Shutdown(drain); err != nil {
		srv.Close()
		return true, nil
	}
	return false, nil
}

// refusalLog logs refused connections, at most refusalsPerSecond lines a
// second: another user's connect loop must not flood the proxy's log. What
// it leaves out is counted in the next line.
type refusalLog struct {
	log func(format string, a ...any)
	now func() time.Time

	mu      sync.Mutex
	second  time.Time
	lines   int
	dropped int
}

const refusalsPerSecond = 10

func (r *refusalLog) refused(peer, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now().Truncate(time.Second)
	if !now.Equal(r.second) {
		r.second, r.lines = now, 0
	}
	if r.lines >= refusalsPerSecond {
		r.dropped++
		return
	}
	r.lines++
	if r.dropped > 0 {
		r.log("refused a connection from %s: %s (and %d more refused connections not logged)", peer, why, r.dropped)
		r.dropped = 0
		return
	}
	r.log("refused a connection from %s: %s", peer, why)
}

// listenAll listens on addr and, when addr is loopback, on the other
// family's loopback address at the same port: a client asked for
// http://localhost:PORT may try ::1 first (glibc orders it before
// 127.0.0.1 for "localhost"), and another local user holding [::1]:PORT
// would get its requests, client token and all. Where the other address
// cannot be had because the system has none (no IPv6), there is nothing to
// hold; where another program holds it, the proxy does not start.
func listenAll(addr netip.AddrPort) ([]net.Listener, error) {
	for try := 0; ; try++ {
		first, err := net.Listen(network(addr), addr.String())
		if err != nil {
			return nil, fmt.Errorf("proxy: cannot listen on %s: %w; pick another port with --listen 127.0.0.1:PORT (port 0 picks a free one)", addr, unwrapOpError(err))
		}
		if !addr.Addr().IsLoopback() {
			return []net.Listener{first}, nil
		}
		other := netip.IPv6Loopback()
		if addr.Addr().Is6() {
			other = netip.AddrFrom4([4]byte{127, 0, 0, 1})
		}
		port := first.Addr().(*net.TCPAddr).Port
		twin := netip.AddrPortFrom(other, uint16(port))
		second, err := net.Listen(network(twin), twin.String())
		switch {
		case err == nil:
			return []net.Listener{first, second}, nil
		case !errors.Is(err, syscall.EADDRINUSE):
			// No such address here (EADDRNOTAVAIL, EAFNOSUPPORT): no one
			// else can listen on it either.
			return []net.Listener{first}, nil
		case addr.Port() == 0 && try < 5:
			// A free port for one family was taken in the other: pick
			// again.
			first.Close()
			continue
		}
		first.Close()
		return nil, fmt.Errorf("proxy: %s is taken by another program, and a client that resolves localhost to %s would reach it instead of the proxy; free it, or pick another port with --listen 127.0.0.1:PORT", twin, other)
	}
}

// network is the one family addr listens on: "0.0.0.0:P" means IPv4 only
// and "[::]:P" IPv6 only, where Go's "tcp" would take both for either
// (a dual-stack socket), and so admit callers the user did not name.
func network(addr netip.AddrPort) string {
	if addr.Addr().Is4() {
		return "tcp4"
	}
	return "tcp6"
}

// logWriter gives net/http's own log lines to log, one line a call.
type logWriter func(format string, a ...any)

func (w logWriter) Write(b []byte) (int, error) {
	w("%s", strings.TrimRight(string(b), "\n"))
	return len(b), nil
}

// unwrapOpError drops net.OpError's "listen tcp ADDR:" prefix, which the
// message around it says already.
func unwrapOpError(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}
