package proxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

// served is one Serve running in the background, and what it said.
type served struct {
	addr   string // host:port listened on
	cancel context.CancelFunc
	done   chan struct{}
	cutOff bool
	err    error

	mu     sync.Mutex
	events []string // "ready ADDR", "warn MSG" and "log LINE", in order
}

func (s *served) note(e string) {
	s.mu.Lock()
	s.events = append(s.events, e)
	s.mu.Unlock()
}

func (s *served) seen() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.events...)
}

// stop cancels Serve's context and waits for it to return.
func (s *served) stop(t *testing.T) {
	t.Helper()
	s.cancel()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
}

// startServe runs Serve with o, filled in with a test upstream's address,
// a source of creds, and callbacks that record, and returns once it is
// ready (or has returned without getting ready).
func startServe(t *testing.T, up http.Handler, src Source, o ServeOptions) *served {
	t.Helper()
	us := httptest.NewServer(up)
	t.Cleanup(us.Close)
	o.Upstream, _ = url.Parse(us.URL)
	o.Source = src
	if !o.Addr.IsValid() {
		o.Addr = netip.MustParseAddrPort("127.0.0.1:0")
	}
	s := &served{done: make(chan struct{})}
	ready := make(chan struct{})
	o.Ready = func(a net.Addr) {
		s.addr = a.String()
		s.note("ready " + a.String())
		close(ready)
	}
	o.Warn = func(err error) { s.note("warn " + err.Error()) }
	o.Log = func(f string, a ...any) { s.note("log " + fmt.Sprintf(f, a...)) }
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() {
		defer close(s.done)
		s.cutOff, s.err = Serve(ctx, o)
	}()
	t.Cleanup(func() { cancel(); <-s.done })
	select {
	case <-ready:
	case <-s.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not get ready")
	}
	return s
}

func get(t *testing.T, addr, path string) (int, string, error) {
	t.Helper()
	resp, err := http.Get("http://" + addr + path)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// A request goes through with the credentials added; the end of ctx stops
// the proxy, which returns without an error and listens no more.
func TestServeServesUntilItsContextEnds(t *testing.T) {
	up := &upstream{current: "mon-1"}
	s := startServe(t, up, &source{creds: monitorapi.Credentials{Bearer: "mon-1"}, up: up}, ServeOptions{AllowedUIDs: []uint32{uint32(os.Getuid())}})
	code, body, err := get(t, s.addr, "/api/x?q=1")
	if err != nil || code != 200 || body != `{"path":"/api/x"}` {
		t.Fatalf("GET = %d %q, %v; want 200 from the upstream", code, body, err)
	}
	if seen := up.requests(); len(seen) != 1 || seen[0].uri != "/api/x?q=1" || seen[0].header.Get("Authorization") != "Bearer mon-1" {
		t.Fatalf("upstream saw %+v", seen)
	}
	s.stop(t)
	if s.err != nil || s.cutOff {
		t.Fatalf("Serve = %v, %v; want false, nil", s.cutOff, s.err)
	}
	if c, err := net.Dial("tcp", s.addr); err == nil {
		c.Close()
		t.Fatal("the proxy still listens after it stopped")
	}
	var ev []string
	for _, e := range s.seen() {
		if !strings.HasPrefix(e, "warn ") { // the PeerCheck one, elsewhere than Linux
			ev = append(ev, e)
		}
	}
	if len(ev) != 2 || ev[0] != "ready "+s.addr || !strings.HasPrefix(ev[1], "log GET /api/x 200 ") {
		t.Fatalf("events %q; want ready, then the request's line", ev)
	}
}

// slowUpstream answers once released, and says when a request arrived.
type slowUpstream struct {
	arrived, release chan struct{}
}

func (u *slowUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	close(u.arrived)
	select {
	case <-u.release:
		io.WriteString(w, "done")
	case <-r.Context().Done():
	}
}

// A request in flight when ctx ends is let finish within Drain; one that
// takes longer is cut off, and Serve says so.
func TestServeDrains(t *testing.T) {
	tests := []struct {
		name       string
		drain      time.Duration
		release    bool // the upstream answers once the proxy stopped listening
		wantCutOff bool
	}{
		{"finished within the drain", 10 * time.Second, true, false},
		{"still running after it", 100 * time.Millisecond, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			up := &slowUpstream{arrived: make(chan struct{}), release: make(chan struct{})}
			defer close(up.release)
			s := startServe(t, up, &source{creds: monitorapi.Credentials{Bearer: "mon-1"}}, ServeOptions{AllowedUIDs: []uint32{uint32(os.Getuid())}, Drain: tt.drain})
			type answer struct {
				code int
				body string
				err  error
			}
			answered := make(chan answer, 1)
			go func() {
				code, body, err := get(t, s.addr, "/api/slow")
				answered <- answer{code, body, err}
			}()
			<-up.arrived
			s.cancel()
			// Shutdown closes the listener first: once a dial fails, the
			// drain has begun.
			for {
				c, err := net.Dial("tcp", s.addr)
				if err != nil {
					break
				}
				c.Close()
				time.Sleep(5 * time.Millisecond)
			}
			if tt.release {
				up.release <- struct{}{}
			}
			<-s.done
			if s.err != nil || s.cutOff != tt.wantCutOff {
				t.Fatalf("Serve = %v, %v; want %v, nil", s.cutOff, s.err, tt.wantCutOff)
			}
			a := <-answered
			if got := a.err == nil && a.code == 200 && a.body == "done"; got != tt.release {
				t.Fatalf("the request in flight got %d %q, %v; want it answered: %v", a.code, a.body, a.err, tt.release)
			}
		})
	}
}

// What Serve says at start: Ready with the address, then a warning for an
// address other than loopback, and one where PeerCheck cannot work.
func TestServeStartWarnings(t *testing.T) {
	peerWarning := "warn on this system every local user can reach a loopback port, and so this proxy"
	tests := []struct {
		addr string
		want []string // {addr} is the address listened on
	}{
		{"127.0.0.1:0", []string{"ready {addr}"}},
		{"[::1]:0", []string{"ready {addr}"}},
		{"0.0.0.0:0", []string{"ready {addr}", `warn listening on {addr}, which is not loopback (--allow-remote): whoever reaches it acts with the token of profile "ops"`}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			if strings.HasPrefix(tt.addr, "[") {
				if l, err := net.Listen("tcp", tt.addr); err != nil {
					t.Skipf("no IPv6 loopback: %v", err)
				} else {
					l.Close()
				}
			}
			s := startServe(t, http.NotFoundHandler(), &source{}, ServeOptions{Addr: netip.MustParseAddrPort(tt.addr), Profile: "ops", AllowedUIDs: []uint32{uint32(os.Getuid())}})
			s.stop(t)
			want := tt.want
			if !PeerCheck {
				want = append(want, peerWarning)
			}
			got := s.seen()
			if strings.Join(got, "\n") != strings.ReplaceAll(strings.Join(want, "\n"), "{addr}", s.addr) {
				t.Fatalf("events\n%q\nwant\n%q", got, want)
			}
		})
	}
}

// A profile that cannot get a token fails before anything listens.
func TestServeFailsAtStartWithoutCredentials(t *testing.T) {
	noKey := errors.New(`no API key for profile "default": run monitor-token login`)
	s := startServe(t, http.NotFoundHandler(), &source{fail: noKey}, ServeOptions{AllowedUIDs: []uint32{uint32(os.Getuid())}})
	<-s.done
	if s.err != noKey || len(s.seen()) != 0 {
		t.Fatalf("Serve = %v, events %q; want the source's error and no Ready", s.err, s.seen())
	}
}

func TestServeCannotListen(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the system's words for a port in use are Linux's here")
	}
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	addr := taken.Addr().String()
	s := startServe(t, http.NotFoundHandler(), &source{}, ServeOptions{Addr: netip.MustParseAddrPort(addr), AllowedUIDs: []uint32{uint32(os.Getuid())}})
	<-s.done
	want := "proxy: cannot listen on " + addr + ": bind: address already in use; pick another port with --listen 127.0.0.1:PORT (port 0 picks a free one)"
	if s.err == nil || s.err.Error() != want {
		t.Fatalf("Serve = %v\nwant %s", s.err, want)
	}
}

// AllowedUIDs are whose processes may connect: this test's process, whose
// uid is not among them, is refused at accept.
func TestServeRefusesOtherUsers(t *testing.T) {
	if !PeerCheck {
		t.Skip("no peer check on this system")
	}
	other := uint32(os.Getuid()) + 1
	up := &upstream{current: "mon-1"}
	s := startServe(t, up, &source{creds: monitorapi.Credentials{Bearer: "mon-1"}, up: up}, ServeOptions{AllowedUIDs: []uint32{other, other + 1}})
	if _, _, err := get(t, s.addr, "/api/x"); err == nil {
		t.Fatal("a process of another uid got an answer")
	}
	s.stop(t)
	if len(up.requests()) != 0 {
		t.Fatal("a refused connection's request reached the upstream")
	}
	wantPrefix := "log refused a connection from 127.0.0.1:"
	wantSuffix := fmt.Sprintf(": it comes from a process of another user (uid %d)", os.Getuid())
	ev := s.seen()
	if len(ev) < 2 || !strings.HasPrefix(ev[1], wantPrefix) || !strings.HasSuffix(ev[1], wantSuffix) {
		t.Fatalf("events %q; want a refusal that names this process's uid", ev)
	}
}

// A proxy on 127.0.0.1:P holds [::1]:P too, where the system has IPv6
// loopback: a client that resolves localhost to ::1 reaches the proxy, not
// whoever else could listen there.
func TestServeHoldsBothLoopbacks(t *testing.T) {
	probe, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback on this machine: nothing to hold")
	}
	probe.Close()
	up := &upstream{current: "mon-1"}
	s := startServe(t, up, &source{creds: monitorapi.Credentials{Bearer: "mon-1"}, up: up}, ServeOptions{AllowedUIDs: []uint32{uint32(os.Getuid())}})
	_, port, _ := net.SplitHostPort(s.addr)
	code, _, err := get(t, "[::1]:"+port, "/api/x")
	if err != nil || code != 200 {
		t.Fatalf("GET [::1]:%s = %d, %v; want the proxy's 200", port, code, err)
	}
}

// Another program on [::1]:P stops a proxy asked for 127.0.0.1:P.
func TestServeRefusesATakenTwin(t *testing.T) {
	squatter, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skip("no IPv6 loopback on this machine: nothing to hold")
	}
	defer squatter.Close()
	_, port, _ := net.SplitHostPort(squatter.Addr().String())
	up := &upstream{current: "mon-1"}
	s := startServe(t, up, &source{creds: monitorapi.Credentials{Bearer: "mon-1"}, up: up},
		ServeOptions{Addr: netip.MustParseAddrPort("127.0.0.1:" + port), AllowedUIDs: []uint32{uint32(os.Getuid())}})
	<-s.done
	want := "proxy: [::1]:" + port + " is taken by another program, and a client that resolves localhost to ::1 would reach it instead of the proxy; free it, or pick another port with --listen 127.0.0.1:PORT"
	if s.err == nil || s.err.Error() != want {
		t.Fatalf("Serve = %v, want %q", s.err, want)
	}
}

// A flood of refused connections logs at most refusalsPerSecond lines a
// second; the next line says how many it left out.
func TestRefusalLogIsBounded(t *testing.T) {
	var lines []string
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	r := &refusalLog{log: func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }, now: func() time.Time { return now }}
	for i := 0; i < 400; i++ {
		r.refused("127.0.0.1:1", "it comes from a process of another user (uid 65534)")
	}
	if len(lines) != refusalsPerSecond {
		t.Fatalf("%d lines for 400 refusals in one second, want %d", len(lines), refusalsPerSecond)
	}
	now = now.Add(time.Second)
	r.refused("127.0.0.1:2", "x")
	if want := "refused a connection from 127.0.0.1:2: x (and 390 more refused connections not logged)"; lines[len(lines)-1] != want {
		t.Fatalf("next second: %q, want %q", lines[len(lines)-1], want)
	}
}

// On 0.0.0.0 the refusal of a Host says how to add one, not to use
// 0.0.0.0.
func TestHostHint(t *testing.T) {
	for hosts, want := range map[string]string{
		"127.0.0.1:8001": "use 127.0.0.1:8001",
		"0.0.0.0:8001":   "start the proxy with --accept-host and the HOST:PORT callers use",
		"[::]:8001":      "start the proxy with --accept-host and the HOST:PORT callers use",
	} {
		if got := (&Proxy{o: Options{Hosts: []string{hosts}}}).hostHint(); got != want {
			t.Errorf("%s: %q, want %q", hosts, got, want)
		}
	}
}
