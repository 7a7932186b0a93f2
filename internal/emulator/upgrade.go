package emulator

import (
	"bufio"
	"fmt"
	"net/http"
	"strings"
)

// The upgrade control route answers a protocol upgrade (RFC 9110, section 7.8) with 101
// Switching Protocols, for tests of what carries one: `monitor-token proxy` must pass a
// caller's upgrade through and log it as the 101 it was. IBM does not document an upgrade on
// the Monitoring API, so the route lives under /_emulator/ (never counted nor recorded) and
// speaks the smallest protocol there is: after the 101, one line, then the end of the
// connection. A client that only reads, such as curl, sees the switch and the line and ends.
//
//	GET /_emulator/upgrade   Connection: Upgrade, Upgrade: NAME, the data route's credentials
//	                         101, Upgrade: NAME, then "upgraded to NAME\n" and the end
//
// Without the upgrade headers it answers 400; without credentials the data route would take,
// 401 as the data route does.

func (e *Emulator) controlUpgrade(w http.ResponseWriter, r *http.Request) {
	if _, err := controlParams(r); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	proto := r.Header.Get("Upgrade")
	if proto == "" || !headerHasToken(r.Header, "Connection", "upgrade") || strings.ContainsAny(proto, "\r\n") {
		controlError(w, http.StatusBadRequest, fmt.Errorf("an upgrade needs Connection: Upgrade and an Upgrade header"))
		return
	}
	if _, ok := e.dataScope(w, r); !ok {
		return
	}
	if r.ProtoMajor != 1 {
		// HTTP/2 has no upgrade (RFC 9113, section 8.6).
		controlError(w, http.StatusHTTPVersionNotSupported, fmt.Errorf("an upgrade needs HTTP/1.1"))
		return
	}
	// Through a ResponseController, which unwraps a logging writer
	// (cmd/monitor-emulator's) down to the connection.
	conn, buf, err := http.NewResponseController(w).Hijack()
	if err != nil {
		controlError(w, http.StatusHTTPVersionNotSupported, fmt.Errorf("an upgrade needs HTTP/1.1: %w", err))
		return
	}
	defer conn.Close()
	writeUpgraded(buf.Writer, proto)
}

// writeUpgraded writes the 101 and the one line of the upgraded protocol.
func writeUpgraded(bw *bufio.Writer, proto string) {
	fmt.Fprintf(bw, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: %s\r\nConnection: Upgrade\r\n\r\nupgraded to %s\n", proto, proto)
	_ = bw.Flush()
}

// headerHasToken says whether one of the comma-separated elements of header name is token,
// without regard to case (Connection: keep-alive, Upgrade).
func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, el := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(el), token) {
				return true
			}
		}
	}
	return false
}
