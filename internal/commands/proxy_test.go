package commands

import (
	"context"
	"io"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewProxyCmd(t *testing.T) {
	checkParse(t, newProxyCmd, []parseCase[ProxyOptions]{
		{nil, ProxyOptions{Flags: FlagValues{}, Addr: netip.MustParseAddrPort("127.0.0.1:8001"), BodyTimeout: time.Minute}, ""},
		{[]string{"--profile", "ci", "--listen", "localhost:0"}, ProxyOptions{Flags: FlagValues{"profile": "ci"}, Addr: netip.MustParseAddrPort("127.0.0.1:0"), BodyTimeout: time.Minute}, ""},
		{[]string{"--listen", "0.0.0.0:9", "--allow-remote", "--accept-host", "mon.internal:9", "--accept-host", "x:9"},
			ProxyOptions{Flags: FlagValues{}, Addr: netip.MustParseAddrPort("0.0.0.0:9"), AcceptHosts: []string{"mon.internal:9", "x:9"}, AllowRemote: true, BodyTimeout: time.Minute}, ""},
		{[]string{"--client-token-file", "/run/proxy.token"}, ProxyOptions{Flags: FlagValues{}, Addr: netip.MustParseAddrPort("127.0.0.1:8001"), ClientTokenFile: "/run/proxy.token", BodyTimeout: time.Minute}, ""},
		{[]string{"--client-token-file", ""}, ProxyOptions{}, "proxy: --client-token-file is empty; give the path of the client token file (it is created when missing)"},
		{[]string{"--allow-user", "nobody", "--allow-user", "4242"}, ProxyOptions{Flags: FlagValues{}, Addr: netip.MustParseAddrPort("127.0.0.1:8001"), BodyTimeout: time.Minute, AllowUsers: []uint32{65534, 4242}}, ""},
		{[]string{"--allow-user", "no-such-user-here"}, ProxyOptions{}, "proxy: --allow-user no-such-user-here: no such user on this system; give a user name or a numeric uid"},
		{[]string{"--body-timeout", "2s"}, ProxyOptions{Flags: FlagValues{}, Addr: netip.MustParseAddrPort("127.0.0.1:8001"), BodyTimeout: 2 * time.Second}, ""},
		{[]string{"--body-timeout", "0s"}, ProxyOptions{}, "proxy: --body-timeout 0s is not a positive duration; give one such as 30s or 2m"},
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
	p := startProxy(t, r, ProxyOptions{})
	m := p.waitForMatch(t, regexp.MustCompile(`(?m)^Proxying (\S+) for profile "p" on (http://127\.0\.0\.1:\d+)\n`))
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
	if err := p.stop(t); err != nil {
		t.Fatalf("proxy: %v", err)
	}
	if !strings.HasSuffix(p.stderr.String(), "Stopped.\n") {
		t.Errorf("stderr %q does not end in Stopped.", p.stderr.String())
	}
}

// startProxy runs the proxy for profile p on a free loopback port, with o's
// other options, in the background.
func startProxy(t *testing.T, r *testRun, o ProxyOptions) *background {
	t.Helper()
	o.Flags, o.Addr = FlagValues{"profile": "p"}, netip.MustParseAddrPort("127.0.0.1:0")
	return inBackground(t, r, func(ctx context.Context, f *Factory) error { return runProxy(ctx, f, o) })
}

// With --client-token-file the token is made, its path (never its value)
// is said, and a request without it is refused.
func TestRunProxyWithAClientToken(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	path := filepath.Join(r.home, "proxy.token")
	p := startProxy(t, r, ProxyOptions{ClientTokenFile: path})
	m := p.waitForMatch(t, regexp.MustCompile(`(?m)^Proxying \S+ for profile "p" on (http://127\.0\.0\.1:\d+)\n`))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(b))
	if want := "Created a client token; callers must send Authorization: Bearer <the content of " + path + ">\n"; !strings.HasPrefix(p.stderr.String(), want) || strings.Contains(p.stderr.String(), token) {
		t.Errorf("stderr %q, want it to start with %q and not show the token", p.stderr.String(), want)
	}
	for _, tt := range []struct {
		auth   string
		status int
	}{{"", 401}, {"Bearer wrong-wrong-wrong-wrong", 401}, {"Bearer " + token, 200}} {
		req, _ := http.NewRequest("GET", m[1]+"/api/users/me", nil)
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("Authorization %q: %d, want %d", tt.auth, resp.StatusCode, tt.status)
		}
	}
}
