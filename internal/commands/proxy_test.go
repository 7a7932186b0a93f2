package commands

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewProxyCmd(t *testing.T) {
	checkParse(t, newProxyCmd, []parseCase[ProxyOptions]{
		{nil, ProxyOptions{Flags: FlagValues{}, Addr: netip.MustParseAddrPort("127.0.0.1:8001")}, ""},
		{[]string{"--profile", "ci", "--listen", "localhost:0"}, ProxyOptions{Flags: FlagValues{"profile": "ci"}, Addr: netip.MustParseAddrPort("127.0.0.1:0")}, ""},
		{[]string{"--listen", "0.0.0.0:9", "--allow-remote", "--accept-host", "mon.internal:9", "--accept-host", "x:9"},
			ProxyOptions{Flags: FlagValues{}, Addr: netip.MustParseAddrPort("0.0.0.0:9"), AcceptHosts: []string{"mon.internal:9", "x:9"}}, ""},
		{[]string{"--listen", "0.0.0.0:9"}, ProxyOptions{}, "--listen 0.0.0.0:9 is not a loopback address: whoever reaches it would act with your token; use 127.0.0.1:PORT, or add --allow-remote if that is what you mean"},
		{[]string{"127.0.0.1:9"}, ProxyOptions{}, `proxy: unexpected argument "127.0.0.1:9"; the address goes in --listen`},
	})
}

// lockedBuffer is stderr read while the proxy writes it.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.WriteString(string(p))
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The proxy serves the profile's API with its token added, until its
// context ends; then it says it stopped and returns nil.
func TestRunProxy(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	f := r.factory()
	stderr := &lockedBuffer{}
	f.Stderr = stderr
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- runProxy(ctx, f, ProxyOptions{Flags: FlagValues{"profile": "p"}, Addr: netip.MustParseAddrPort("127.0.0.1:0")})
	}()
	ready := regexp.MustCompile(`^Proxying (\S+) for profile "p" on (http://127\.0\.0\.1:\d+)\n`)
	var m []string
	for i := 0; i < 500 && m == nil; i++ {
		time.Sleep(10 * time.Millisecond)
		m = ready.FindStringSubmatch(stderr.String())
	}
	if m == nil {
		cancel()
		t.Fatalf("the proxy never said where it listens: %q (%v)", stderr.String(), <-done)
	}
	if m[1] != r.url {
		t.Errorf("proxying %s, want %s", m[1], r.url)
	}
	resp, err := http.Get(m[2] + "/api/users/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"username"`) {
		t.Errorf("through the proxy: %d %s", resp.StatusCode, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("proxy: %v", err)
	}
	if !strings.HasSuffix(stderr.String(), "Stopped.\n") {
		t.Errorf("stderr %q does not end in Stopped.", stderr.String())
	}
}
