package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The control API lets shell scripts and out-of-process tests drive the emulator. It lives
// under /_emulator/, a path neither IAM nor Monitoring has, and its requests are neither
// counted nor recorded nor faulted. It never returns a secret: recorded requests come back
// with credentials redacted (Authorization values, the apikey and cr_token form fields, ...),
// and reset-token answers 204 without the new token.
//
//	GET  /_emulator/counts                           {"GET /api/token": 2, ...}
//	GET  /_emulator/remote-write                     {"<BearerKey>": {"requests": 3, "samples": 1500}, ...}
//	GET  /_emulator/requests                         [{"method","path","header","form","status","auth"}, ...]
//	POST /_emulator/reset-counts                     204
//	POST /_emulator/reset-token?instance=GUID&team=ID  204
//	POST /_emulator/fault?route=GET%20/api/token     body {"status","retry_after","body","content_type","delay":"2s","times","empty"}  204
//	POST /_emulator/iam-only?instance=GUID&on=true   204
//	POST /_emulator/invalidate-refresh-tokens?as=revoked|expired  204
//	POST /_emulator/response-headers                 body {"Name": ["value", ...], ...}  204
//	GET  /_emulator/bulk?bytes=N                     N bytes, for a bearer the data route takes
//	GET  /_emulator/upgrade                          101 to the Upgrade asked for (upgrade.go)
//
// Errors are {"message": ...}: 400 for bad parameters, 404 for an unknown instance or team.
const controlPrefix = "/_emulator/"

// redacted replaces secrets in the control API's copy of recorded requests.
const redacted = "[redacted]"

// faultJSON is Fault on the wire; delay is a Go duration string ("1500ms").
type faultJSON struct {
	Status      int    `json:"status"`
	RetryAfter  string `json:"retry_after"`
	Body        string `json:"body"`
	ContentType string `json:"content_type"`
	Delay       string `json:"delay"`
	Times       int    `json:"times"`
	Empty       bool   `json:"empty"`
}

type controlHandler struct {
	method string
	serve  func(e *Emulator, w http.ResponseWriter, r *http.Request)
}

var controlRoutes = map[string]controlHandler{
	"counts":       {http.MethodGet, (*Emulator).controlCounts},
	"requests":     {http.MethodGet, (*Emulator).controlRequests},
	"reset-counts": {http.MethodPost, (*Emulator).controlResetCounts},
	"reset-token":  {http.MethodPost, (*Emulator).controlResetToken},
	"fault":        {http.MethodPost, (*Emulator).controlFault},
	"iam-only":     {http.MethodPost, (*Emulator).controlIAMOnly},
	// invalidate-refresh-tokens ends the refresh tokens of CLI logins issued so far
	// (InvalidateRefreshTokens): "revoked" gets BXNIM0407E, "expired" BXNIM0408E.
	"invalidate-refresh-tokens": {http.MethodPost, (*Emulator).controlInvalidateRefresh},
	// bulk is a large answer made as it is sent, for measuring what carries it (the proxy's
	// memory while it streams): the only control route that wants credentials, the data
	// route's, so that it goes through the same credential handling.
	"bulk": {http.MethodGet, (*Emulator).controlBulk},
	// response-headers replaces the headers added to every answer outside the control API
	// (SetResponseHeaders); {} adds none.
	"response-headers": {http.MethodPost, (*Emulator).controlResponseHeaders},
	// upgrade answers a protocol upgrade with 101, with the data route's credentials.
	"upgrade": {http.MethodGet, (*Emulator).controlUpgrade},
	// remote-write lists what the remote-write receiver accepted, by BearerKey: the hash
	// stands for the token, which the control API never returns.
	"remote-write": {http.MethodGet, (*Emulator).controlRemoteWrite},
}

// maxBulk bounds a bulk answer: enough for any measurement, not a way to fill a disk.
const maxBulk = 4 << 30

func (e *Emulator) controlBulk(w http.ResponseWriter, r *http.Request) {
	q, err := controlParams(r, "bytes")
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	n, err := strconv.ParseInt(q.Get("bytes"), 10, 64)
	if err != nil || n < 0 || n > maxBulk {
		controlError(w, http.StatusBadRequest, fmt.Errorf("bytes must be a number from 0 to %d", int64(maxBulk)))
		return
	}
	if _, ok := e.dataScope(w, r); !ok {
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	chunk := []byte(strings.Repeat("m", 64<<10))
	for n > 0 {
		k := min(n, int64(len(chunk)))
		if _, err := w.Write(chunk[:k]); err != nil {
			return
		}
		n -= k
	}
}

func (e *Emulator) serveControl(w http.ResponseWriter, r *http.Request) {
	h, ok := controlRoutes[strings.TrimPrefix(r.URL.Path, controlPrefix)]
	if !ok {
		writeJSON(w, http.StatusNotFound, messageBody("not found"))
		return
	}
	if r.Method != h.method {
		w.Header().Set("Allow", h.method)
		writeJSON(w, http.StatusMethodNotAllowed, messageBody("method not allowed"))
		return
	}
	h.serve(e, w, r)
}

func (e *Emulator) controlCounts(w http.ResponseWriter, r *http.Request) {
	if _, err := controlParams(r); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	e.mu.Lock()
	counts := make(map[string]int, len(e.counts))
	for k, v := range e.counts {
		counts[k] = v
	}
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, counts)
}

func (e *Emulator) controlRemoteWrite(w http.ResponseWriter, r *http.Request) {
	if _, err := controlParams(r); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	writeJSON(w, http.StatusOK, e.RemoteWriteCounts())
}

func (e *Emulator) controlRequests(w http.ResponseWriter, r *http.Request) {
	if _, err := controlParams(r); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	reqs := e.Requests()
	for i := range reqs {
		redact(&reqs[i])
	}
	writeJSON(w, http.StatusOK, reqs)
}

// redact blanks credentials in a copy of a recorded request. The bearer scheme stays visible,
// and Request.Auth still says which kind of token it was.
func redact(req *Request) {
	for name, values := range req.Header {
		switch http.CanonicalHeaderKey(name) {
		case "Authorization", "Proxy-Authorization":
			for i, v := range values {
				if scheme, _, ok := strings.Cut(v, " "); ok {
					values[i] = scheme + " " + redacted
				} else {
					values[i] = redacted
				}
			}
		case "Cookie":
			for i := range values {
				values[i] = redacted
			}
		}
	}
	for _, name := range []string{"apikey", "cr_token", "refresh_token", "client_secret", "password"} {
		for i := range req.Form[name] {
			req.Form[name][i] = redacted
		}
	}
}

func (e *Emulator) controlResetCounts(w http.ResponseWriter, r *http.Request) {
	if _, err := controlParams(r); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	e.ResetCounts()
	w.WriteHeader(http.StatusNoContent)
}

// controlResetToken resets a team's Monitor token like the UI does. It answers 204 and not the
// new token: scripts must not get tokens printed; a client fetches the new one the normal way.
func (e *Emulator) controlResetToken(w http.ResponseWriter, r *http.Request) {
	q, err := controlParams(r, "instance", "team")
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	team, err := strconv.Atoi(q.Get("team"))
	if err != nil {
		controlError(w, http.StatusBadRequest, errors.New("team must be a number"))
		return
	}
	if e.ResetMonitorToken(q.Get("instance"), team) == "" {
		controlError(w, http.StatusNotFound, errors.New("no such instance or team"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) controlIAMOnly(w http.ResponseWriter, r *http.Request) {
	q, err := controlParams(r, "instance", "on")
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	on, err := strconv.ParseBool(q.Get("on"))
	if err != nil {
		controlError(w, http.StatusBadRequest, errors.New("on must be true or false"))
		return
	}
	if !e.setIAMOnly(q.Get("instance"), on) {
		controlError(w, http.StatusNotFound, errors.New("no such instance"))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) controlInvalidateRefresh(w http.ResponseWriter, r *http.Request) {
	q, err := controlParams(r, "as")
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	how, ok := map[string]RefreshInvalidation{"revoked": RefreshRevoked, "expired": RefreshExpired}[q.Get("as")]
	if !ok {
		controlError(w, http.StatusBadRequest, errors.New("as must be revoked or expired"))
		return
	}
	e.InvalidateRefreshTokens(how)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) controlFault(w http.ResponseWriter, r *http.Request) {
	q, err := controlParams(r, "route")
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	f, err := decodeFault(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err == nil {
		err = validateFault(q.Get("route"), f)
	}
	if err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	e.injectFault(q.Get("route"), f)
	w.WriteHeader(http.StatusNoContent)
}

func (e *Emulator) controlResponseHeaders(w http.ResponseWriter, r *http.Request) {
	if _, err := controlParams(r); err != nil {
		controlError(w, http.StatusBadRequest, err)
		return
	}
	var h http.Header
	err := decodeOne(http.MaxBytesReader(w, r.Body, maxBodyBytes), &h)
	if err == nil {
		err = validateResponseHeaders(h)
	}
	if err != nil {
		controlError(w, http.StatusBadRequest, fmt.Errorf("response headers: %w", err))
		return
	}
	e.setResponseHeaders(h)
	w.WriteHeader(http.StatusNoContent)
}

// decodeOne reads exactly one JSON value into v, refusing unknown fields and trailing data so
// that a typo in a script fails loudly.
func decodeOne(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

// decodeFault reads one JSON faultJSON object.
func decodeFault(body io.Reader) (Fault, error) {
	var fj faultJSON
	if err := decodeOne(body, &fj); err != nil {
		return Fault{}, fmt.Errorf("fault body: %w", err)
	}
	f := Fault{Status: fj.Status, RetryAfter: fj.RetryAfter, Body: fj.Body, ContentType: fj.ContentType,
		Times: fj.Times, Empty: fj.Empty}
	if fj.Delay != "" {
		d, err := time.ParseDuration(fj.Delay)
		if err != nil {
			return Fault{}, fmt.Errorf("fault body: delay: %w", err)
		}
		f.Delay = d
	}
	return f, nil
}

// controlParams parses the query string: each name in required exactly once and nothing else.
func controlParams(r *http.Request, required ...string) (url.Values, error) {
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, errors.New("invalid query string")
	}
	want := map[string]bool{}
	for _, name := range required {
		want[name] = true
		if len(q[name]) != 1 || q.Get(name) == "" {
			return nil, fmt.Errorf("parameter %q is required once", name)
		}
	}
	for name := range q {
		if !want[name] {
			return nil, fmt.Errorf("unknown parameter %q", name)
		}
	}
	return q, nil
}

func controlError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, messageBody(err.Error()))
}
