package proxy

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

// A Source hands out the profile's credentials (broker.Holder is one).
// The proxy asks it for every request, so Current must be cheap when
// nothing changed (a value held in memory, renewed when an IAM token nears
// its end); Renew is called when the service refused stale, and fetches new
// credentials unless another request already did.
type Source interface {
	Current(ctx context.Context) (monitorapi.Credentials, error)
	Renew(ctx context.Context, stale monitorapi.Credentials) (monitorapi.Credentials, error)
}

// The headers a caller may not set: the proxy's credentials replace them,
// so no caller can pick another instance or team, or smuggle a token of
// its own. TeamID is SysdigTeamID's older name, which the service still
// reads (docs/protocol.md, "Monitor API token"). Cookie goes too:
// cookies a browser holds for localhost are not the service's.
var callerHeaders = []string{"Authorization", "IBMInstanceID", "SysdigTeamID", "TeamID", "Cookie"}

// maxReplay is the largest request body the proxy keeps to send again after
// a 401; a larger one is streamed through once, and its 401 goes back to the
// caller.
const maxReplay = 1 << 20

// noRenewFor is how long, after a renewal that gave back the very token
// the service had refused, further 401s are passed to the caller without
// another renewal: the token was not reset, so fetching again would only
// cost an IAM exchange, a /api/token call and a cache write per request,
// which any caller (a web page, a loop) could make the proxy spend.
const noRenewFor = 30 * time.Second

// authTransport adds the credentials and, on a 401, renews them and sends
// the request once more: a token reset in the UI, or an IAM token the
// service stopped taking, then costs the caller nothing.
type authTransport struct {
	base http.RoundTripper
	src  Source
	log  func(format string, args ...any)
	now  func() time.Time

	mu sync.Mutex
	// sameUntil: a renewal gave back the refused token; until then a 401
	// is not renewed.
	sameUntil time.Time
}

// mayRenew says whether a 401 is worth a renewal now.
func (t *authTransport) mayRenew() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.now().Before(t.sameUntil)
}

// RoundTrip sends req, which carries the credentials Rewrite put in it
// (outcome.creds), and on a 401 renews them and sends it once more.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	out, _ := ctx.Value(outcomeKey{}).(*requestOutcome)
	if out == nil {
		return nil, errors.New("proxy: a request reached the transport without the proxy's credentials")
	}
	creds := out.creds
	body, replay, err := holdBody(req)
	if err != nil {
		return nil, err
	}
	// req is ReverseProxy's own copy of the caller's request, made for this
	// round trip; a shallow copy with the held body is all that is sent.
	first := *req
	first.Body = body
	resp, err := t.base.RoundTrip(&first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || replay == nil || !t.mayRenew() {
		return resp, err
	}
	fresh, err := t.src.Renew(ctx, creds)
	if err != nil {
		// The caller gets the service's own answer, and the log why.
		t.log("%s %s: the service refused the token, and no new one could be fetched: %v", req.Method, req.URL.Path, err)
		return resp, nil
	}
	if fresh == creds {
		// Not a reset: the service refuses this request with a token it
		// still issues (a permission, not the credential).
		t.holdOff()
		t.log("%s %s: the service refused the token, and a new fetch gave the same one; 401s go to the caller for %s without another fetch", req.Method, req.URL.Path, noRenewFor)
		return resp, nil
	}
	discard(resp.Body)
	t.log("%s %s: the service refused the token; fetched a new one and sent the request again", req.Method, req.URL.Path)
	again := req.Clone(ctx)
	again.Body = replay()
	fresh.SetHeaders(again.Header)
	resp, err = t.base.RoundTrip(again)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		// Refused with fresh credentials too: not the credential's fault.
		// An IAM token is new on every fetch, so equality alone would
		// never tell.
		t.holdOff()
		t.log("%s %s: the service refused the new token too; 401s go to the caller for %s without another fetch", req.Method, req.URL.Path, noRenewFor)
	}
	return resp, err
}

// holdOff stops renewals on a 401 for noRenewFor.
func (t *authTransport) holdOff() {
	t.mu.Lock()
	t.sameUntil = t.now().Add(noRenewFor)
	t.mu.Unlock()
}

// holdBody reads up to maxReplay bytes of the request body so it can be sent
// twice. It returns the body to send now, and replay, which gives a fresh
// copy, or nil when the body was too large to keep (it is then streamed:
// what was read, then the rest).
func holdBody(req *http.Request) (body io.ReadCloser, replay func() io.ReadCloser, err error) {
	if req.Body == nil || req.Body == http.NoBody {
		return req.Body, func() io.ReadCloser { return http.NoBody }, nil
	}
	if req.ContentLength > maxReplay {
		return req.Body, nil, nil
	}
	buf, err := io.ReadAll(io.LimitReader(req.Body, maxReplay+1))
	if err != nil {
		req.Body.Close()
		return nil, nil, &bodyError{err}
	}
	if len(buf) > maxReplay {
		return struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(buf), req.Body), req.Body}, nil, nil
	}
	req.Body.Close()
	replay = func() io.ReadCloser { return io.NopCloser(bytes.NewReader(buf)) }
	return replay(), replay, nil
}

// discard reads a little of an answer that is not passed on, so its
// connection can be reused, and closes it.
func discard(body io.ReadCloser) {
	io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	body.Close()
}

// bodyError is a failed read of the caller's body (it came too slowly, or
// the caller hung up): the caller's fault, not the service's.
type bodyError struct{ err error }

func (e *bodyError) Error() string { return "reading the request body: " + e.err.Error() }
func (e *bodyError) Unwrap() error { return e.err }
