package emulator

import (
	"fmt"
	"net/http"
	"strings"
)

// Response headers the emulator adds to every answer outside the control API, so that a test
// can play a service that grants CORS or sets cookies and check what a client in the middle
// passes on: `monitor-token proxy` must keep Access-Control-* and Set-Cookie from the caller
// (docs/integrations.md, "Local proxy"). IBM does not document such headers on the Monitoring
// API; nothing is added until a test asks.

// SetResponseHeaders makes every answer outside the control API carry h from now on, faulted
// answers included, until it is called again; an empty or nil h adds nothing. A handler's own
// header of the same name (Content-Type, Allow, ...) replaces the added one. It panics on a
// header that could not be sent (a bad name, a line break in a value): that is a bug in the
// test.
func (e *Emulator) SetResponseHeaders(h http.Header) {
	if err := validateResponseHeaders(h); err != nil {
		panic("emulator: SetResponseHeaders: " + err.Error())
	}
	e.setResponseHeaders(h)
}

func (e *Emulator) setResponseHeaders(h http.Header) {
	added := http.Header{}
	for name, values := range h {
		for _, v := range values {
			added.Add(name, v)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.respHeaders = added
}

// addResponseHeaders puts the headers of SetResponseHeaders on w, before a handler writes.
func (e *Emulator) addResponseHeaders(w http.ResponseWriter) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, values := range e.respHeaders {
		w.Header()[name] = append([]string(nil), values...)
	}
}

// validateResponseHeaders refuses what net/http would drop or send broken: a name that is not
// an HTTP token (RFC 9110, section 5.1), a value with a line break or another control
// character (section 5.5).
func validateResponseHeaders(h http.Header) error {
	for name, values := range h {
		if name == "" || strings.IndexFunc(name, func(c rune) bool { return !isTokenChar(c) }) >= 0 {
			return fmt.Errorf("header name %q is not an HTTP token", name)
		}
		for _, v := range values {
			if strings.IndexFunc(v, func(c rune) bool { return c < ' ' && c != '\t' || c == 0x7f }) >= 0 {
				return fmt.Errorf("header %s: a control character in the value", name)
			}
		}
	}
	return nil
}

// isTokenChar is tchar of RFC 9110, section 5.6.2.
func isTokenChar(c rune) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.ContainsRune("!#$%&'*+-.^_`|~", c)
}
