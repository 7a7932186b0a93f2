package proxy

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path"
	"strings"
)

// This file says which requests are forwarded at all. Every refusal is
// decided before anything is sent, so a refused request never reaches the
// service and never carries the token (docs/integrations.md, "Local
// proxy": Admission, Web pages, What is never forwarded, Client token).

// refusal is why r is not forwarded, with the status to answer; "" when it
// may go.
func (p *Proxy) refusal(r *http.Request) (status int, why string) {
	switch {
	case r.Method == http.MethodConnect:
		return http.StatusForbidden, "CONNECT is refused: this is not a forward proxy"
	case r.URL.IsAbs() || !strings.HasPrefix(r.RequestURI, "/"):
		return http.StatusForbidden, "a request for a full URL is refused: this is not a forward proxy; ask for a path of the Monitoring API"
	case strings.ContainsRune(r.RequestURI, '#') || hasControlOrSpace(r.URL.Path):
		// A fragment never belongs in a request (RFC 9112, section 3.2),
		// and a server or cache in front of the service may cut the path
		// there, or at a control character, and read what is left as
		// /api/token.
		return http.StatusBadRequest, "a request target with a fragment (#), a space or a control character is refused"
	case strings.EqualFold(r.Header.Get("Upgrade"), "h2c"):
		return http.StatusBadRequest, "an upgrade to h2c is refused: the proxy speaks HTTP/1.1 to the service"
	case !p.hosts[strings.ToLower(r.Host)]:
		// DNS rebinding: a page of another site whose name now resolves
		// to 127.0.0.1 still says its own name in Host.
		return http.StatusForbidden, fmt.Sprintf("the Host %q is not this proxy's address; %s", r.Host, p.hostHint())
	}
	if why := p.browserRefusal(r); why != "" {
		return http.StatusForbidden, why
	}
	if why := p.clientTokenRefusal(r); why != "" {
		return http.StatusUnauthorized, why
	}
	switch {
	case strings.EqualFold(r.Method, http.MethodTrace) || strings.EqualFold(r.Method, "TRACK"):
		// TRACE echoes the request, headers and all, back to the caller:
		// forwarded, it would echo the token the proxy added.
		return http.StatusMethodNotAllowed, r.Method + " is refused: the service would echo the proxy's credentials back"
	case isTokenPath(r.URL.Path):
		return http.StatusForbidden, "/api/token is refused: the proxy lends the API, not the credential; run `monitor-token get` where you need the token itself"
	}
	return 0, ""
}

// hostHint says what Host to use: the listening address, or, for one that
// names no host (0.0.0.0, [::]), how to add the name callers use.
func (p *Proxy) hostHint() string {
	if len(p.o.Hosts) == 0 {
		return "start the proxy with --accept-host HOST:PORT"
	}
	if h, _, err := net.SplitHostPort(p.o.Hosts[0]); err == nil {
		if a, err := netip.ParseAddr(h); err == nil && a.IsUnspecified() {
			return "start the proxy with --accept-host and the HOST:PORT callers use"
		}
	}
	return "use " + p.o.Hosts[0]
}

// browserRefusal is why r, sent by a web browser for a page of another
// origin, is refused; "" for a request of no page (curl, promtool,
// Grafana's server side, which send neither header) or of the proxy's own
// origin. A page of any site can make the user's browser send GETs and
// simple POSTs here, and the peer check passes, since the browser runs as
// the user; the browser says whose page it is in Sec-Fetch-Site (Fetch
// Metadata, https://www.w3.org/TR/fetch-metadata/) and Origin (RFC 6454,
// section 7), which a page cannot forge.
func (p *Proxy) browserRefusal(r *http.Request) string {
	for _, site := range r.Header.Values("Sec-Fetch-Site") {
		switch site = strings.ToLower(site); site {
		case "", "none", "same-origin":
			// none: the user typed the URL or opened a bookmark.
		default:
			return fmt.Sprintf("a request a web page of another site made (Sec-Fetch-Site: %s) is refused", site)
		}
	}
	origin := r.Header.Values("Origin")
	if len(origin) == 0 {
		return ""
	}
	if len(origin) == 1 && p.origins[strings.ToLower(origin[0])] {
		return ""
	}
	return fmt.Sprintf("a request from the web page of %q is refused: only the proxy's own origin may send one", strings.Join(origin, ", "))
}

// isTokenPath says whether the service would read path as /api/token or
// below it. Servers read a path more loosely than it is written, so the
// plausible variants are refused too: any case, dot segments and doubled
// or back slashes, a matrix parameter (";x", which servlet containers
// drop), and a suffix (".json", which Spring MVC's suffix matching used to
// map to the same handler).
func isTokenPath(p string) bool {
	p = strings.ToLower(p) // no copy when p has no upper case
	if !strings.Contains(p, "token") {
		return false // the common case, without a copy
	}
	p = strings.ReplaceAll(p, `\`, "/")
	segs := strings.Split(strings.TrimPrefix(path.Clean("/"+p), "/"), "/")
	for i, s := range segs {
		s, _, _ = strings.Cut(s, ";")
		segs[i] = s
	}
	segs = strings.Split(strings.TrimPrefix(path.Clean("/"+strings.Join(segs, "/")), "/"), "/")
	if len(segs) < 2 || segs[0] != "api" {
		return false
	}
	return segs[1] == "token" || strings.HasPrefix(segs[1], "token.")
}

// hasControlOrSpace says whether s holds a byte no path should: a control
// character or a space (they arrive percent-encoded, and are decoded here).
func hasControlOrSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// answerOptions answers an OPTIONS request itself: a preflight of the
// proxy's own origin, or a client asking what is allowed. It is never
// forwarded, so the service's CORS answer never reaches a browser, and it
// grants nothing cross-origin.
func answerOptions(w http.ResponseWriter) {
	w.Header().Set("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS")
	w.WriteHeader(http.StatusNoContent)
}
