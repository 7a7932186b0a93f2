// Package emulator is a strict in-process stand-in for IBM Cloud IAM and IBM Cloud Monitoring,
// field for field as in docs/protocol.md, for tests and demos of monitor-token.
package emulator

// Strictness is the point: a request that docs/protocol.md does not describe (a missing header, a
// form field in the URL, an untrimmed key, the old TeamID header) is answered with an error, or
// recorded, so that a client bug fails a test instead of passing against a lenient fake. Where
// docs/protocol.md marks a behaviour as undocumented upstream, the choice made here is commented
// with the heading it fills in, and stays stable.

import (
	"context"
	"errors"
	"fmt"
	"github.com/monitor-token/monitor-token/internal/statuswriter"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Routes, as "METHOD /path": the keys of Count, InjectFault and the control API. Any other
// request is counted under its own method and path, so a test can also assert that a wrong
// path (say "GET /api/api/token") was never requested.
const (
	RouteIAMToken     = "POST /identity/token"
	RouteMonitorToken = "GET /api/token"
	RouteTeams        = "GET /api/teams"
	RouteUsersMe      = "GET /api/users/me"
	// RouteQuery is the one data route, for demos (docs/protocol.md, "Using the Monitor token").
	RouteQuery = "GET /prometheus/api/v1/query"
	// RouteQueryPost is the same query as a form (promtool sends it so).
	RouteQueryPost = "POST /prometheus/api/v1/query"
	// The two operations of the VPC instance metadata service that go-sdk-core's
	// VpcInstanceAuthenticator calls (see vpc.go). They answer only after EnableVPC.
	RouteVPCIdentityToken = "PUT /instance_identity/v1/token"
	RouteVPCIAMToken      = "POST /instance_identity/v1/iam_token"
	// RouteRemoteWrite, the Prometheus remote-write receiver, is in remotewrite.go.
)

// maxBodyBytes bounds every request body the emulator reads. An IAM token request is well
// under 1 KiB; anything near this limit is a client bug.
const maxBodyBytes = 64 << 10

// defaultIAMLifetime is the usual IAM token lifetime, the longest there is (docs/protocol.md, "IAM
// API-key grant").
const defaultIAMLifetime = time.Hour

// Team is one team of an instance. There is one Monitor API token per team (docs/protocol.md,
// "Monitor API token").
type Team struct {
	ID      int
	Name    string
	Default bool
}

// Instance is one IBM Cloud Monitoring instance.
type Instance struct {
	GUID   string
	Region string
	// IAMOnly is external_api_auth: IAM_ONLY (docs/protocol.md, "IAM_ONLY instances"): /api/token
	// refuses to hand out the token and the Monitor tokens of the instance stop working.
	IAMOnly bool
	Teams   []Team
}

// Request is a recorded copy of one request the emulator received (control requests excepted).
type Request struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`
	Header http.Header `json:"header"`
	// Form is the parsed body of a POST with an application/x-www-form-urlencoded body, else nil.
	Form url.Values `json:"form,omitempty"`
	// Status is the HTTP status the emulator answered with (0 if the client went away first).
	Status int `json:"status"`
	// Auth says what kind of bearer the request carried, without its value, so that
	// out-of-process tests can check which credential a client used: "" (no Authorization
	// header), "malformed", "iam", "iam-expired", "monitor", "monitor-reset",
	// "instance-identity", "instance-identity-expired" (a VPC instance identity token, see
	// vpc.go) or "unknown".
	Auth string `json:"auth"`
}

// Emulator is an http.Handler serving IAM, Monitoring and the /_emulator/ control API. All
// methods are safe for concurrent use.
type Emulator struct {
	mu sync.Mutex

	apiKeys       map[string]user
	firstUser     *user
	usersByID     map[int]user // first user added with each ID, for trusted profiles
	iamTokens     map[string]iamToken
	refreshTokens map[string]refreshState // the CLI login's refresh tokens (refresh.go)
	iamLifetime   time.Duration
	instances     map[string]*instance
	monitorTokens map[string]teamRef // current tokens
	resetTokens   map[string]teamRef // tokens invalidated by ResetMonitorToken

	profiles       map[string]*TrustedProfile // by ID
	vpcEnabled     bool
	vpcProfile     string               // ID of the trusted profile linked to the VSI, or ""
	identityTokens map[string]time.Time // VPC instance identity token -> expiry

	counts   map[string]int
	requests []*Request
	// remoteWrites counts accepted remote writes by BearerKey (remotewrite.go).
	remoteWrites map[string]RemoteWriteCount
	faults       map[string][]*queuedFault
	// respHeaders go on every answer outside the control API (respheaders.go).
	respHeaders http.Header
}

type user struct {
	ID       int
	Username string
}

type iamToken struct {
	user    user
	expires time.Time
}

type instance struct {
	Instance
	tokens map[int]string // team ID -> current Monitor API token
}

type teamRef struct {
	guid   string
	teamID int
}

// New returns an empty emulator: no API keys, no instances.
func New() *Emulator {
	return &Emulator{
		apiKeys:        map[string]user{},
		usersByID:      map[int]user{},
		iamTokens:      map[string]iamToken{},
		refreshTokens:  map[string]refreshState{},
		iamLifetime:    defaultIAMLifetime,
		instances:      map[string]*instance{},
		monitorTokens:  map[string]teamRef{},
		resetTokens:    map[string]teamRef{},
		profiles:       map[string]*TrustedProfile{},
		identityTokens: map[string]time.Time{},
		counts:         map[string]int{},
		remoteWrites:   map[string]RemoteWriteCount{},
		faults:         map[string][]*queuedFault{},
	}
}

// AddAPIKey registers an API key of an IAM user. The key is compared byte for byte: IAM does
// not trim keys (docs/protocol.md, "IAM API-key grant"), so a client that forgets to trim gets
// BXNIM0415E.
func (e *Emulator) AddAPIKey(apiKey string, userID int, username string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u := user{ID: userID, Username: username}
	e.apiKeys[apiKey] = u
	if _, ok := e.usersByID[userID]; !ok {
		e.usersByID[userID] = u
	}
	if e.firstUser == nil {
		e.firstUser = &u
	}
}

// AddInstance registers an instance and creates one random Monitor API token per team. It
// panics on an invalid setup (empty GUID, no teams, duplicate team IDs, more than one default
// team): that is a bug in the test, not a client bug. With no team marked Default, the first
// team is the default one. Adding a GUID again replaces the instance and all its tokens.
func (e *Emulator) AddInstance(inst Instance) {
	if err := validateInstance(inst); err != nil {
		panic("emulator: AddInstance: " + err.Error())
	}
	in := &instance{Instance: inst, tokens: map[int]string{}}
	in.Teams = append([]Team(nil), inst.Teams...)
	if defaultTeam(in.Teams) == nil {
		in.Teams[0].Default = true
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if old, ok := e.instances[inst.GUID]; ok {
		for _, tok := range old.tokens {
			delete(e.monitorTokens, tok)
		}
	}
	e.instances[inst.GUID] = in
	for _, t := range in.Teams {
		tok := newMonitorToken()
		in.tokens[t.ID] = tok
		e.monitorTokens[tok] = teamRef{guid: inst.GUID, teamID: t.ID}
	}
}

func validateInstance(inst Instance) error {
	if inst.GUID == "" {
		return errors.New("empty GUID")
	}
	if len(inst.Teams) == 0 {
		return fmt.Errorf("instance %s has no teams", inst.GUID)
	}
	seen := map[int]bool{}
	defaults := 0
	for _, t := range inst.Teams {
		if seen[t.ID] {
			return fmt.Errorf("instance %s: duplicate team ID %d", inst.GUID, t.ID)
		}
		seen[t.ID] = true
		if t.Default {
			defaults++
		}
	}
	if defaults > 1 {
		return fmt.Errorf("instance %s has %d default teams", inst.GUID, defaults)
	}
	return nil
}

func defaultTeam(teams []Team) *Team {
	for i := range teams {
		if teams[i].Default {
			return &teams[i]
		}
	}
	return nil
}

// MonitorToken returns the current Monitor API token of a team, or "" if there is none.
func (e *Emulator) MonitorToken(guid string, teamID int) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if in, ok := e.instances[guid]; ok {
		return in.tokens[teamID]
	}
	return ""
}

// ResetMonitorToken does what the UI's Reset Token does (docs/protocol.md, "Monitor API token"):
// the old token is invalid at once and a new one is returned. It returns "" for an unknown
// instance or team.
func (e *Emulator) ResetMonitorToken(guid string, teamID int) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.instances[guid]
	if !ok {
		return ""
	}
	old, ok := in.tokens[teamID]
	if !ok {
		return ""
	}
	delete(e.monitorTokens, old)
	e.resetTokens[old] = teamRef{guid: guid, teamID: teamID}
	tok := newMonitorToken()
	in.tokens[teamID] = tok
	e.monitorTokens[tok] = teamRef{guid: guid, teamID: teamID}
	return tok
}

// SetIAMOnly switches external_api_auth: IAM_ONLY on or off (docs/protocol.md, "IAM_ONLY
// instances"). Unknown GUIDs are ignored.
func (e *Emulator) SetIAMOnly(guid string, on bool) {
	e.setIAMOnly(guid, on)
}

func (e *Emulator) setIAMOnly(guid string, on bool) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	in, ok := e.instances[guid]
	if ok {
		in.IAMOnly = on
	}
	return ok
}

// SetIAMTokenLifetime sets the lifetime of IAM tokens issued from now on (expires_in; admins can
// shorten it, docs/protocol.md, "IAM API-key grant"), whatever the grant: API key, trusted
// profile with a compute-resource token, or the VPC metadata service's iam_token. A lifetime
// under one second gives expires_in 0 and a token that is already expired on its next use, for
// tests of expiry; negative values count as 0.
func (e *Emulator) SetIAMTokenLifetime(d time.Duration) {
	if d < 0 {
		d = 0
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.iamLifetime = d
}

// ExpireIAMTokens makes every IAM token issued so far expired, as if its hour had passed (or IAM
// revoked it): the next request with one gets the expired-token answer, while the client may
// still think it current. Tokens issued afterwards are not affected.
func (e *Emulator) ExpireIAMTokens() {
	e.mu.Lock()
	defer e.mu.Unlock()
	past := time.Now().Add(-time.Second)
	for tok, it := range e.iamTokens {
		it.expires = past
		e.iamTokens[tok] = it
	}
}

// Count returns how many requests arrived on route ("METHOD /path"), faulted ones included.
func (e *Emulator) Count(route string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.counts[route]
}

// Requests returns copies of the recorded requests, in arrival order.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Request, len(e.requests))
	for i, r := range e.requests {
		out[i] = copyRequest(r)
	}
	return out
}

func copyRequest(r *Request) Request {
	c := *r
	c.Header = r.Header.Clone()
	if r.Form != nil {
		c.Form = url.Values{}
		for k, v := range r.Form {
			c.Form[k] = append([]string(nil), v...)
		}
	}
	return c
}

// ResetCounts clears the counts, the remote-write counts and the recorded requests. Injected
// faults stay queued.
func (e *Emulator) ResetCounts() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.counts = map[string]int{}
	e.remoteWrites = map[string]RemoteWriteCount{}
	e.requests = nil
}

// ServeHTTP routes a request. Every request outside /_emulator/ is counted and recorded first,
// then given the headers of SetResponseHeaders, then a queued fault for its route is applied,
// then the normal handler runs.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, controlPrefix) {
		e.serveControl(w, r)
		return
	}
	route := r.Method + " " + r.URL.Path
	body, bodyErr := readBody(w, r)
	rec, fault := e.arrive(route, r, body, bodyErr)
	e.addResponseHeaders(w)
	sw := &StatusWriter{ResponseWriter: w}
	defer e.finish(rec, sw)
	if fault != nil {
		if handled := e.applyFault(sw, r, route, fault); handled {
			return
		}
	}
	e.route(sw, r, route, body, bodyErr)
}

// readBody reads at most maxBodyBytes of a request body (maxRemoteWriteBytes on the
// remote-write route, whose batches are larger); GET requests are not read.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil, nil
	}
	limit := int64(maxBodyBytes)
	if r.URL.Path == pathRemoteWrite {
		limit = maxRemoteWriteBytes
	}
	return io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
}

// arrive counts and records a request and dequeues the fault it gets, all under one lock so
// that concurrent requests consume faults in arrival order.
func (e *Emulator) arrive(route string, r *http.Request, body []byte, bodyErr error) (*Request, *Fault) {
	rec := &Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone()}
	if bodyErr == nil && isForm(r) {
		if form, err := url.ParseQuery(string(body)); err == nil {
			rec.Form = form
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	rec.Auth = e.classifyAuth(r.Header)
	e.counts[route]++
	e.requests = append(e.requests, rec)
	return rec, e.nextFault(route)
}

func isForm(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/x-www-form-urlencoded"
}

func (e *Emulator) finish(rec *Request, sw *StatusWriter) {
	e.mu.Lock()
	defer e.mu.Unlock()
	rec.Status = sw.Status
}

// route dispatches to the handler of a path. Paths are matched exactly, without cleaning:
// "/api//token" or "/api/api/token" (docs/protocol.md, "Monitor API token", warns about the
// latter) are 404.
func (e *Emulator) route(w http.ResponseWriter, r *http.Request, route string, body []byte, bodyErr error) {
	switch r.URL.Path {
	case "/identity/token":
		e.serveIAMToken(w, r, body, bodyErr)
	case "/api/token":
		e.serveGet(w, r, e.serveMonitorToken)
	case "/api/teams":
		e.serveGet(w, r, e.serveTeams)
	case "/api/users/me":
		e.serveGet(w, r, e.serveUsersMe)
	case "/prometheus/api/v1/query":
		if r.Method == http.MethodPost {
			e.serveQueryPost(w, r, body, bodyErr)
			return
		}
		e.serveGet(w, r, e.serveQuery)
	case vpcPathIdentityToken:
		e.serveVPCIdentityToken(w, r, body, bodyErr)
	case vpcPathIAMToken:
		e.serveVPCIAMToken(w, r, body, bodyErr)
	case pathRemoteWrite:
		e.serveRemoteWrite(w, r, body, bodyErr)
	default:
		writeJSON(w, http.StatusNotFound, messageBody("not found"))
	}
}

// serveGet answers 405 to anything but GET on a Monitoring route. Not documented; the body uses
// the {"message"} shape of docs/protocol.md, "Error bodies".
func (e *Emulator) serveGet(w http.ResponseWriter, r *http.Request, h http.HandlerFunc) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeJSON(w, http.StatusMethodNotAllowed, messageBody("method not allowed"))
		return
	}
	h(w, r)
}

// StatusWriter remembers the status written, for Request.Status and for
// the request log of cmd/monitor-emulator.
type StatusWriter = statuswriter.Writer

// sleepCtx waits for d or until ctx is done; it reports whether the full delay elapsed.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
