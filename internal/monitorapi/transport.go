package monitorapi

import (
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/monitor-token/monitor-token/internal/redact"
)

// MaxBodyBytes bounds every response body read from IAM or Monitoring. The
// largest legitimate answer (a team list) is a few kilobytes; a proxy's error
// page or a misrouted download must not be read into memory whole.
const MaxBodyBytes = 1 << 20

// ErrBodyTooLarge is returned by a response body that goes past MaxBodyBytes.
var ErrBodyTooLarge = errors.New("response body larger than 1 MiB")

// RetryPolicy bounds retries of 429 and 5xx answers and of transient network
// errors. IBM asks clients not to call the token endpoint in a loop
// (docs/protocol.md, "Retries and Retry-After"), so the count and the total
// wait are small.
type RetryPolicy struct {
	Attempts  int           // total tries, first one included
	BaseDelay time.Duration // first backoff; doubles each try, with jitter
	MaxWait   time.Duration // total time spent waiting between tries
}

// DefaultRetryPolicy is three tries within at most 10 s of waiting.
var DefaultRetryPolicy = RetryPolicy{Attempts: 3, BaseDelay: 400 * time.Millisecond, MaxWait: 10 * time.Second}

// NewHTTPClient returns the client used for every request: proxies as
// getenv's HTTPS_PROXY, HTTP_PROXY and NO_PROXY say (nil: the process
// environment), but never for loopback or link-local destinations
// (proxyFunc); TLS verified with the system roots (SSL_CERT_FILE works as
// Go defines it); and timeouts on connect, on the TLS handshake, on the
// wait for response headers and on the whole exchange.
func NewHTTPClient(getenv func(string) string) *http.Client {
	if getenv == nil {
		getenv = os.Getenv
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	return &http.Client{
		Timeout: 60 * time.Second,
		Transport: &http.Transport{
			Proxy:                 proxyFunc(getenv),
			DialContext:           dialer.DialContext,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: 30 * time.Second,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          4,
			IdleConnTimeout:       30 * time.Second,
		},
	}
}

// callTransport carries one logical call: it binds the caller's context to
// every request (go-sdk-core's authenticator takes no context, so this is how
// Ctrl-C reaches its request), retries by the policy, limits bodies, and
// remembers the last transport-level error so it can be classified even after
// go-sdk-core has wrapped it.
type callTransport struct {
	ctx     context.Context
	base    http.RoundTripper
	policy  RetryPolicy
	sleep   func(context.Context, time.Duration) error
	secrets *redact.Set // the client's set, or this call's own

	mu         sync.Mutex
	lastErr    error
	lastStatus int
	// attempts counts the tries of the last request only: a call of two
	// requests (the VPC grant's) that failed on its second, first try, took
	// one try, not two.
	attempts int
}

func (t *callTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.WithContext(t.ctx)
	waited := time.Duration(0)
	for attempt := 1; ; attempt++ {
		if attempt > 1 && req.Body != nil {
			if req.GetBody == nil {
				return nil, errors.New("cannot retry a request whose body cannot be replayed")
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			req.Body = body
		}
		resp, err := t.base.RoundTrip(req)
		t.record(resp, err, attempt)
		if t.ctx.Err() != nil {
			if resp != nil {
				resp.Body.Close()
			}
			return nil, t.ctx.Err()
		}
		wait, retry := t.retryable(resp, err, attempt)
		if !retry || attempt >= t.policy.Attempts || waited+wait > t.policy.MaxWait {
			if resp != nil {
				resp.Body = &limitedBody{rc: resp.Body, left: MaxBodyBytes}
			}
			return resp, err
		}
		if resp != nil {
			// Drain a little so the connection can be reused, then drop it.
			io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
		}
		if err := t.sleep(t.ctx, wait); err != nil {
			return nil, err
		}
		waited += wait
	}
}

// fail gives e the call's secrets, so that Error() can remove them.
func (t *callTransport) fail(e *Error) *Error {
	e.secrets = t.secrets
	return e
}

func (t *callTransport) record(resp *http.Response, err error, attempt int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.attempts = attempt
	if err != nil {
		t.lastErr = err
	}
	if resp != nil {
		t.lastStatus = resp.StatusCode
	}
}

// status is the HTTP status of the last answer (0 if none came).
func (t *callTransport) status() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastStatus
}

func (t *callTransport) transportErr() (error, int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastErr, t.attempts
}

// retryable says whether an answer is worth another try and how long to
// wait first. 429 and 5xx are (docs/protocol.md, "Retries and
// Retry-After"); other 4xx are final. A Retry-After header (seconds, or an
// HTTP date) wins over the backoff.
func (t *callTransport) retryable(resp *http.Response, err error, attempt int) (time.Duration, bool) {
	backoff := t.policy.BaseDelay << (attempt - 1)
	backoff += time.Duration(rand.Int64N(int64(backoff)/2 + 1)) // jitter: callers started together spread out
	if err != nil {
		var netErr net.Error
		if errors.As(err, &netErr) && netErr.Timeout() {
			return 0, false // the whole-request budget is already spent
		}
		if _, ok := asCertificateError(err, ""); ok {
			return 0, false // the same certificate comes back on every try
		}
		return backoff, true
	}
	if resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode < 500 {
		return 0, false
	}
	if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
		return d, true
	}
	return backoff, true
}

// parseRetryAfter reads a Retry-After value: delay seconds (what IBM sends,
// docs/protocol.md, "Retries and Retry-After") or an HTTP date (RFC 9110
// section 10.2.3).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.Atoi(v); err == nil {
		if secs < 0 {
			return 0, false
		}
		// Beyond a day the number is nonsense, and seconds that large
		// would overflow a Duration.
		return time.Duration(min(secs, 86400)) * time.Second, true
	}
	if at, err := http.ParseTime(v); err == nil {
		if d := at.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// limitedBody fails a read that goes past its budget instead of truncating
// silently, so a cut-off JSON document is reported as too large, not as
// malformed.
type limitedBody struct {
	rc   io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := b.rc.Read(one[:]); n > 0 {
			return 0, ErrBodyTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }
