package monitorapi

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/http/httpproxy"
)

// proxyFunc is the proxy rule of every request. A destination on this host
// or on its link never goes to a proxy (isLocalDestination): the plain-http
// endpoints the endpoint rules allow are loopback ones, and the VPC metadata
// service is plain http at a link-local address (docs/protocol.md, "VPC
// instance identity"), so a proxy would receive the API key, a
// compute-resource token or the instance identity token in clear. Every
// other destination follows the environment as net/http reads it
// (golang.org/x/net/http/httpproxy's FromEnvironment: https_proxy,
// http_proxy, no_proxy, each over its upper-case form, and no HTTP_PROXY
// under CGI), but through getenv: http.ProxyFromEnvironment reads the
// process environment once for the life of the process, so neither the
// program's own environment nor a test's could reach it.
func proxyFunc(getenv func(string) string) func(*http.Request) (*url.URL, error) {
	cfg := httpproxy.Config{
		HTTPProxy:  getenvAny(getenv, "http_proxy", "HTTP_PROXY"),
		HTTPSProxy: getenvAny(getenv, "https_proxy", "HTTPS_PROXY"),
		NoProxy:    getenvAny(getenv, "no_proxy", "NO_PROXY"),
		CGI:        getenv("REQUEST_METHOD") != "",
	}
	fromEnv := cfg.ProxyFunc()
	return func(req *http.Request) (*url.URL, error) {
		if isLocalDestination(req.URL.Hostname()) {
			return nil, nil
		}
		return fromEnv(req.URL)
	}
}

func getenvAny(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// isLocalDestination says whether host, however spelled, is this machine or
// its link: after lower-casing and dropping one trailing dot, "localhost"
// and names under it (RFC 6761 section 6.3), and any address in 127.0.0.0/8,
// ::1, 169.254.0.0/16, fe80::/10 or the unspecified address (which reaches
// this host when dialled), including IPv4-mapped IPv6 forms, IPv6 zones and
// the shorthand IPv4 forms of inet_aton(3) ("127.1", "0x7f000001",
// "2130706433") that a proxy's resolver may accept. It is wider than
// endpoint.IsLoopback on purpose: that one says which spellings may carry
// credentials over plain http; this one keeps a local destination from
// ever being handed to a proxy.
func isLocalDestination(host string) bool {
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if h == "" {
		return false
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(h)
	if err != nil {
		var ok bool
		if addr, ok = parseShortIPv4(h); !ok {
			return false
		}
	}
	addr = addr.Unmap()
	return addr.IsLoopback() || addr.IsLinkLocalUnicast() || addr.IsUnspecified()
}

// parseShortIPv4 reads the numbers-and-dots forms of inet_aton(3): one to
// four parts, each decimal, octal (leading 0) or hex (0x); the last part
// fills the bytes the others leave.
func parseShortIPv4(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var ip uint32
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		if p == "" {
			return netip.Addr{}, false
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if v > 0xff {
				return netip.Addr{}, false
			}
			ip |= uint32(v) << (24 - 8*i)
			continue
		}
		if bits := 32 - 8*i; bits < 32 && v >= 1<<bits {
			return netip.Addr{}, false
		}
		ip |= uint32(v)
	}
	return netip.AddrFrom4([4]byte{byte(ip >> 24), byte(ip >> 16), byte(ip >> 8), byte(ip)}), true
}
