package proxy

import (
	"bufio"
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

// logRig is a proxy in front of handler, with its log lines.
type logRig struct {
	addr string
	mu   sync.Mutex
	logs []string
}

func newLogRig(t *testing.T, handler http.Handler) *logRig {
	t.Helper()
	us := httptest.NewServer(handler)
	t.Cleanup(us.Close)
	target, _ := url.Parse(us.URL)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &logRig{addr: l.Addr().String()}
	p := New(Options{Upstream: target, Source: &source{creds: monitorapi.Credentials{Bearer: "b"}}, Hosts: AcceptedHosts(l.Addr()),
		Log: func(f string, a ...any) {
			r.mu.Lock()
			r.logs = append(r.logs, fmt.Sprintf(f, a...))
			r.mu.Unlock()
		}})
	srv := &http.Server{Handler: p}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return r
}

// waitLog waits for a log line that starts with prefix.
func (r *logRig) waitLog(t *testing.T, prefix string) string {
	t.Helper()
	for i := 0; i < 500; i++ {
		r.mu.Lock()
		for _, l := range r.logs {
			if strings.HasPrefix(l, prefix) {
				r.mu.Unlock()
				return l
			}
		}
		r.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	t.Fatalf("no log line starts with %q: %q", prefix, r.logs)
	return ""
}

// An upgrade is logged as the 101 it was, not as 200.
func TestLogSaysSwitchingProtocols(t *testing.T) {
	r := newLogRig(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n")
		brw.Flush()
		io.Copy(conn, brw) // echo until the caller closes
	}))
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /api/ws HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n", r.addr)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil || resp.StatusCode != http.StatusSwitchingProtocols {
		t.Fatalf("upgrade: %v %v", resp, err)
	}
	if n, m := len(resp.Header.Values("X-Content-Type-Options")), len(resp.Header.Values("Content-Security-Policy")); n != 1 || m != 1 {
		t.Errorf("101: security headers sent %d and %d times, want once each", n, m)
	}
	c.Close()
	if line := r.waitLog(t, "GET /api/ws "); !strings.HasPrefix(line, "GET /api/ws 101 ") {
		t.Fatalf("log %q, want 101", line)
	}
}

// A caller that hangs up before the answer is logged as gone, not as 200.
func TestLogSaysTheCallerWentAway(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	r := newLogRig(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-req.Context().Done():
		case <-release:
		}
	}))
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "GET /api/slow HTTP/1.1\r\nHost: %s\r\n\r\n", r.addr)
	time.Sleep(50 * time.Millisecond)
	c.Close()
	line := r.waitLog(t, "GET /api/slow")
	if !strings.HasPrefix(line, "GET /api/slow: the caller went away after ") {
		t.Fatalf("log %q", line)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, l := range r.logs {
		if strings.Contains(l, " 200 ") || strings.Contains(l, " 502 ") {
			t.Errorf("also logged %q", l)
		}
	}
}

// An interim answer (103 Early Hints) passes without the service's cookie
// and CORS grant, the final answer still carries the security headers, and
// the log says the final status.
func TestInterimAnswers(t *testing.T) {
	r := newLogRig(t, http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.Header().Set("Set-Cookie", "s=1")
		w.Header().Set("Access-Control-Allow-Origin", "https://evil.example")
		w.WriteHeader(http.StatusEarlyHints)
		w.Header().Del("Link")
		w.Header().Set("Content-Type", "text/html")
		io.WriteString(w, "<script>fetch('/api/teams')</script>")
	}))
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	fmt.Fprintf(c, "GET /page HTTP/1.1\r\nHost: %s\r\n\r\n", r.addr)
	br := bufio.NewReader(c)
	early, err := http.ReadResponse(br, nil)
	if err != nil || early.StatusCode != http.StatusEarlyHints {
		t.Fatalf("first answer: %v %v", early, err)
	}
	if early.Header.Get("Set-Cookie") != "" || early.Header.Get("Access-Control-Allow-Origin") != "" || early.Header.Get("Link") == "" {
		t.Errorf("103 headers: %v", early.Header)
	}
	final, err := http.ReadResponse(br, nil)
	if err != nil || final.StatusCode != 200 {
		t.Fatalf("final answer: %v %v", final, err)
	}
	io.Copy(io.Discard, final.Body)
	if !strings.HasPrefix(final.Header.Get("Content-Security-Policy"), "sandbox;") || final.Header.Get("X-Content-Type-Options") != "nosniff" ||
		final.Header.Get("Set-Cookie") != "" || final.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("final headers: %v", final.Header)
	}
	if n, m := len(final.Header.Values("X-Content-Type-Options")), len(final.Header.Values("Content-Security-Policy")); n != 1 || m != 1 {
		t.Errorf("final: security headers sent %d and %d times, want once each", n, m)
	}
	if line := r.waitLog(t, "GET /page "); !strings.HasPrefix(line, "GET /page 200 ") {
		t.Errorf("log %q, want 200", line)
	}
}
