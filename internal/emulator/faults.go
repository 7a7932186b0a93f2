package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault is an answer forced on the next requests of a route, before normal handling: the
// failures of docs/protocol.md, "IAM errors", "Error bodies" and "Retries and Retry-After" (429
// with Retry-After, 5xx, odd bodies, slowness).
type Fault struct {
	// Status is the HTTP status to answer with. 0 leaves the answer to normal handling and
	// only makes sense with Delay.
	Status int
	// RetryAfter is the value of a Retry-After header; "" sends none. It is sent as given, so a
	// test can also send an HTTP date or garbage.
	RetryAfter string
	// Body is the raw body; "" means a body in one of the shapes of docs/protocol.md for the
	// route and status (see defaultFaultBody) unless Empty is set.
	Body string
	// ContentType overrides the Content-Type; "" means application/json when Body is valid
	// JSON, else text/plain.
	ContentType string
	// Delay is slept before answering; it ends early when the request context is cancelled,
	// and then nothing is written.
	Delay time.Duration
	// Times is how many requests the fault applies to; 0 means 1.
	Times int
	// Empty sends the status with no body at all (Body must then be "").
	Empty bool
}

type queuedFault struct {
	f    Fault
	left int
}

// InjectFault queues a fault for route ("METHOD /path", for example RouteMonitorToken). Faults
// queued for one route apply one after the other, in the order they were injected. It panics
// on an invalid fault: that is a bug in the test.
func (e *Emulator) InjectFault(route string, f Fault) {
	if err := validateFault(route, f); err != nil {
		panic("emulator: InjectFault: " + err.Error())
	}
	e.injectFault(route, f)
}

func (e *Emulator) injectFault(route string, f Fault) {
	times := f.Times
	if times == 0 {
		times = 1
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults[route] = append(e.faults[route], &queuedFault{f: f, left: times})
}

// nextFault dequeues one use of the first fault queued for route. Caller holds e.mu.
func (e *Emulator) nextFault(route string) *Fault {
	q := e.faults[route]
	if len(q) == 0 {
		return nil
	}
	head := q[0]
	head.left--
	if head.left <= 0 {
		if len(q) == 1 {
			delete(e.faults, route)
		} else {
			e.faults[route] = q[1:]
		}
	}
	f := head.f
	return &f
}

func validateFault(route string, f Fault) error {
	if err := validateRoute(route); err != nil {
		return err
	}
	switch {
	case f.Status != 0 && (f.Status < 200 || f.Status > 599):
		return fmt.Errorf("status %d out of range 200-599", f.Status)
	case f.Status == 0 && (f.Body != "" || f.Empty || f.RetryAfter != "" || f.ContentType != ""):
		return errors.New("status 0 (normal handling) takes only a delay")
	case f.Status == 0 && f.Delay <= 0:
		return errors.New("a fault with status 0 needs a delay")
	case f.Empty && f.Body != "":
		return errors.New("empty and body are exclusive")
	case f.Times < 0:
		return errors.New("times must not be negative")
	case f.Delay < 0:
		return errors.New("delay must not be negative")
	case strings.ContainsAny(f.RetryAfter+f.ContentType, "\r\n"):
		return errors.New("line breaks in a header value")
	}
	return nil
}

// validateRoute checks the "METHOD /path" form of a route key.
func validateRoute(route string) error {
	method, path, ok := strings.Cut(route, " ")
	if !ok || method == "" || !strings.HasPrefix(path, "/") || strings.ContainsAny(path, " \t\r\n") {
		return fmt.Errorf("route %q is not \"METHOD /path\"", route)
	}
	for _, c := range method {
		if c < 'A' || c > 'Z' {
			return fmt.Errorf("route %q: method must be upper case", route)
		}
	}
	return nil
}

// applyFault answers with a fault. It returns false when normal handling must follow (a
// delay-only fault whose delay elapsed).
func (e *Emulator) applyFault(w http.ResponseWriter, r *http.Request, route string, f *Fault) bool {
	if !sleepCtx(r.Context(), f.Delay) {
		return true // the client gave up; nobody reads an answer
	}
	if f.Status == 0 {
		return false
	}
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	if f.Empty {
		if f.ContentType != "" {
			w.Header().Set("Content-Type", f.ContentType)
		}
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(f.Status)
		return true
	}
	body, ct := f.Body, f.ContentType
	if body == "" {
		var defCT string
		body, defCT = defaultFaultBody(route, f.Status)
		if ct == "" {
			ct = defCT
		}
	}
	if ct == "" {
		ct = "text/plain; charset=utf-8"
		if looksLikeJSON(body) {
			ct = "application/json"
		}
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(f.Status)
	_, _ = w.Write([]byte(body))
	return true
}

// defaultFaultBody is the body of a fault without one. Not documented for most statuses; the
// emulator's choices, each a shape of docs/protocol.md, "IAM errors" or "Error bodies":
//   - 5xx on any route: plain text "503 Service Unavailable\n", as a gateway answers (non-JSON
//     error text has been seen: "Error bodies");
//   - 2xx: "{}", a body without the expected fields (a missing key is an error: "Monitor API
//     token"; beware: on the VPC routes, go-sdk-core v5.25.3's VpcInstanceAuthenticator
//     dereferences the missing access_token / expires_at and panics, so give such a fault a
//     Body);
//   - IAM, 400 and 401: the documented BXNIM0415E body (usually 400, and some clients see 401:
//     "IAM errors"); other statuses: IAM's shape with errorCode "EMULATOR-<status>";
//   - VPC metadata routes: the metadata service's documented shape (respond.go) with code
//     "emulator_<status>" and the status text as message;
//   - Monitoring, 401: the bad-credentials body; 403: the IAM_ONLY body (the documented 403);
//     404: {"message":"not found"}; others: {"message":"<status text>"}.
func defaultFaultBody(route string, status int) (body, contentType string) {
	switch {
	case status >= 500:
		return fmt.Sprintf("%d %s\n", status, http.StatusText(status)), "text/plain; charset=utf-8"
	case status < 300:
		return "{}", "application/json"
	}
	var v any
	switch {
	case route == RouteIAMToken && (status == http.StatusBadRequest || status == http.StatusUnauthorized):
		v = iamError(iamCodeUnknownKey, iamMessageUnknownKey)
	case route == RouteIAMToken:
		v = iamError(iamCodeFaultPrefix+strconv.Itoa(status), http.StatusText(status))
	case route == RouteVPCIdentityToken || route == RouteVPCIAMToken:
		v = vpcError(status, vpcCodeFaultPrefix+strconv.Itoa(status), http.StatusText(status), nil)
	case status == http.StatusUnauthorized:
		v = badCredentialsBody("invalid or reset API token")
	case status == http.StatusForbidden:
		v = iamOnlyBody()
	case status == http.StatusNotFound:
		v = messageBody("not found")
	default:
		v = messageBody(http.StatusText(status))
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: marshal fault body: " + err.Error())
	}
	return string(b), "application/json"
}
