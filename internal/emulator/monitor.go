package emulator

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// IBM Cloud Monitoring, docs/protocol.md from "Monitor API token" to "Using the Monitor token". A
// request carries either an IAM token (with IBMInstanceID and optionally SysdigTeamID) or a
// Monitor API token (alone); resolve turns either into a scope: the instance, team and user the
// request acts for.

// Header names, docs/protocol.md, "Monitor API token". The older "TeamID" is deliberately not
// read: a client sending it instead of SysdigTeamID silently gets the default team, which is
// what docs/protocol.md implies the service does, and the recorded request lets a test catch
// that bug.
const (
	headerInstance = "IBMInstanceID"
	headerTeam     = "SysdigTeamID"
)

// Bearer kinds, as recorded in Request.Auth.
const (
	authNone         = ""
	authMalformed    = "malformed"
	authIAM          = "iam"
	authIAMExpired   = "iam-expired"
	authMonitor      = "monitor"
	authMonitorReset = "monitor-reset"
	authIdentity     = "instance-identity"
	authIdentityExp  = "instance-identity-expired"
	authUnknown      = "unknown"
)

// scope is a snapshot, taken under the lock, of what a request acts on.
type scope struct {
	bearer  string // authIAM or authMonitor
	guid    string
	iamOnly bool
	teams   []Team
	team    Team
	token   string // the team's current Monitor API token
	user    user
}

// reply is an error answer: a JSON body, or text when text is set.
type reply struct {
	status int
	body   any
	text   string
}

func (rp *reply) write(w http.ResponseWriter) {
	if rp.text != "" {
		writeText(w, rp.status, rp.text)
		return
	}
	writeJSON(w, rp.status, rp.body)
}

func unauthorized(msg string) *reply {
	return &reply{status: http.StatusUnauthorized, body: badCredentialsBody(msg)}
}

// expiredIAMReply: plain non-JSON error text has been seen after a token expired (docs/protocol.md,
// "Error bodies"), so an expired IAM token gets a 401 with a text/plain body, which also makes
// clients handle it.
var expiredIAMReply = &reply{status: http.StatusUnauthorized, text: "Unauthorized: the IAM token has expired\n"}

// bearerToken extracts the token of the single "Authorization: Bearer <token>" header. The
// scheme is case-insensitive (RFC 9110 11.1); the token must not carry spaces or line ends, so
// an untrimmed token read from a file is refused, not repaired.
func bearerToken(h http.Header) (tok string, present bool) {
	values := h.Values("Authorization")
	if len(values) == 0 {
		return "", false
	}
	if len(values) > 1 {
		return "", true
	}
	scheme, tok, ok := strings.Cut(values[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || tok == "" || strings.ContainsAny(tok, " \t\r\n") {
		return "", true
	}
	return tok, true
}

// classifyAuth names the kind of bearer for the request record. Caller holds e.mu.
func (e *Emulator) classifyAuth(h http.Header) string {
	tok, present := bearerToken(h)
	switch {
	case !present:
		return authNone
	case tok == "":
		return authMalformed
	}
	if it, ok := e.iamTokens[tok]; ok {
		if time.Now().Before(it.expires) {
			return authIAM
		}
		return authIAMExpired
	}
	if _, ok := e.monitorTokens[tok]; ok {
		return authMonitor
	}
	if _, ok := e.resetTokens[tok]; ok {
		return authMonitorReset
	}
	if exp, ok := e.identityTokens[tok]; ok {
		if time.Now().Before(exp) {
			return authIdentity
		}
		return authIdentityExp
	}
	return authUnknown
}

// resolve authenticates a request and works out its scope. With refuseIAMOnly, an IAM token
// for an IAM_ONLY instance is refused with the documented body, as 403, before the team is looked
// at (docs/protocol.md, "IAM_ONLY instances"; only /api/token does that).
func (e *Emulator) resolve(r *http.Request, refuseIAMOnly bool) (scope, *reply) {
	tok, present := bearerToken(r.Header)
	if !present {
		return scope{}, unauthorized("missing Authorization header")
	}
	if tok == "" {
		return scope{}, unauthorized("malformed Authorization header: want one \"Bearer <token>\"")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if it, ok := e.iamTokens[tok]; ok {
		if !time.Now().Before(it.expires) {
			return scope{}, expiredIAMReply
		}
		return e.resolveIAM(r.Header, it.user, refuseIAMOnly)
	}
	if ref, ok := e.monitorTokens[tok]; ok {
		return e.resolveMonitor(r.Header, ref)
	}
	// A reset token and a token never issued get the same answer: the real service cannot tell
	// them apart either (a reset invalidates the old token at once: docs/protocol.md, "Monitor API
	// token").
	return scope{}, unauthorized("invalid or reset API token")
}

// resolveMonitor: a Monitor API token goes alone, with no instance header (docs/protocol.md,
// "Using the Monitor token"). A client that adds IBMInstanceID or SysdigTeamID to it is mixing
// up the two modes, so that is refused with 400 {"message"} (not documented; the emulator's
// choice). Caller holds e.mu.
func (e *Emulator) resolveMonitor(h http.Header, ref teamRef) (scope, *reply) {
	if len(h.Values(headerInstance)) > 0 || len(h.Values(headerTeam)) > 0 {
		return scope{}, &reply{status: http.StatusBadRequest,
			body: messageBody("IBMInstanceID and SysdigTeamID are not sent with a Monitor API token")}
	}
	in := e.instances[ref.guid]
	if in.IAMOnly {
		// Not documented: an IAM_ONLY instance accepts only IAM tokens (docs/protocol.md,
		// "IAM_ONLY instances"), so its Monitor tokens are refused like a bad token, 401. A
		// client with a cached token then refetches and meets the 403 of /api/token.
		return scope{}, unauthorized("API token authentication is disabled on this instance (IAM_ONLY)")
	}
	sc := e.snapshot(in, ref.teamID)
	sc.bearer = authMonitor
	// Not documented whose user a team's token is: the emulator says the first user added with
	// AddAPIKey (the zero user if none).
	if e.firstUser != nil {
		sc.user = *e.firstUser
	}
	return sc, nil
}

// resolveIAM checks IBMInstanceID and SysdigTeamID for an IAM token. Caller holds e.mu.
func (e *Emulator) resolveIAM(h http.Header, u user, refuseIAMOnly bool) (scope, *reply) {
	in, rp := e.instanceFromHeader(h)
	if rp != nil {
		return scope{}, rp
	}
	if refuseIAMOnly && in.IAMOnly {
		// docs/protocol.md, "IAM_ONLY instances", gives the body but not the status; Sysdig's 403
		// means "Not enough privileges", which is what the body says, so 403.
		return scope{}, &reply{status: http.StatusForbidden, body: iamOnlyBody()}
	}
	teamID, rp := teamFromHeader(h, in)
	if rp != nil {
		return scope{}, rp
	}
	sc := e.snapshot(in, teamID)
	sc.bearer = authIAM
	sc.user = u
	return sc, nil
}

// instanceFromHeader reads IBMInstanceID, required with an IAM token (docs/protocol.md, "Monitor
// API token").
// Not documented: a missing or unknown instance is 401 {"message"}, since without a known
// instance the IAM token grants nothing here; a repeated header is 400 {"message"}.
func (e *Emulator) instanceFromHeader(h http.Header) (*instance, *reply) {
	values := h.Values(headerInstance)
	switch len(values) {
	case 0:
		return nil, &reply{status: http.StatusUnauthorized, body: messageBody("missing IBMInstanceID header")}
	case 1:
	default:
		return nil, &reply{status: http.StatusBadRequest, body: messageBody("more than one IBMInstanceID header")}
	}
	in, ok := e.instances[values[0]]
	if !ok {
		return nil, &reply{status: http.StatusUnauthorized, body: messageBody("unknown IBMInstanceID")}
	}
	return in, nil
}

// teamFromHeader reads SysdigTeamID. Absent means the default team (undocumented upstream and
// assumed: docs/protocol.md, "Monitor API token"). Not documented either, the emulator's
// choices: a value that is not a plain decimal number, or a repeated header, is 400 with the
// {"type","message","details"} shape; a number that is not a team of the instance is 403 with
// the {"error"} shape (not the IAM_ONLY body, which clients recognise by its reason).
func teamFromHeader(h http.Header, in *instance) (int, *reply) {
	values := h.Values(headerTeam)
	if len(values) == 0 {
		return defaultTeam(in.Teams).ID, nil
	}
	if len(values) > 1 || !isDecimal(values[0]) {
		return 0, &reply{status: http.StatusBadRequest, body: typedError{
			Type: "bad_request", Message: "invalid SysdigTeamID header",
			Details: []string{"SysdigTeamID must be one numeric team id"},
		}}
	}
	id, err := strconv.Atoi(values[0])
	if err == nil {
		for _, t := range in.Teams {
			if t.ID == id {
				return id, nil
			}
		}
	}
	return 0, &reply{status: http.StatusForbidden, body: errorOnly{Error: "the user is not a member of the requested team"}}
}

func isDecimal(s string) bool {
	if s == "" || len(s) > 18 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// snapshot copies what a handler needs out of an instance. Caller holds e.mu.
func (e *Emulator) snapshot(in *instance, teamID int) scope {
	sc := scope{guid: in.GUID, iamOnly: in.IAMOnly, teams: append([]Team(nil), in.Teams...), token: in.tokens[teamID]}
	for _, t := range in.Teams {
		if t.ID == teamID {
			sc.team = t
		}
	}
	return sc
}

// serveMonitorToken is GET /api/token (docs/protocol.md, "Monitor API token" and "Monitor token
// as bearer"): {"token":{"key":...}} for an IAM token with the instance headers, or the bearer
// itself for a current Monitor API token.
func (e *Emulator) serveMonitorToken(w http.ResponseWriter, r *http.Request) {
	if !acceptsJSON(r.Header) {
		// The request of docs/protocol.md, "Monitor API token", sends Accept: application/json.
		// Not documented what the service does without it; the emulator refuses with 406
		// {"message"}.
		writeJSON(w, http.StatusNotAcceptable, messageBody("Accept must allow application/json"))
		return
	}
	sc, rp := e.resolve(r, true)
	if rp != nil {
		rp.write(w)
		return
	}
	type key struct {
		Key string `json:"key"`
	}
	writeJSON(w, http.StatusOK, struct {
		Token key `json:"token"`
	}{key{sc.token}})
}

// teamJSON is one entry of GET /api/teams (docs/protocol.md, "Teams and current user").
type teamJSON struct {
	ID       int      `json:"id"`
	Name     string   `json:"name"`
	Default  bool     `json:"default"`
	Products []string `json:"products"`
}

// serveTeams is GET /api/teams: the instance's teams. IAM tokens are accepted for every
// instance here, IAM_ONLY or not (docs/protocol.md, "IAM_ONLY instances"), and so are Monitor
// tokens (the token's instance).
func (e *Emulator) serveTeams(w http.ResponseWriter, r *http.Request) {
	sc, rp := e.resolve(r, false)
	if rp != nil {
		rp.write(w)
		return
	}
	teams := make([]teamJSON, 0, len(sc.teams))
	for _, t := range sc.teams {
		teams = append(teams, teamJSON{ID: t.ID, Name: t.Name, Default: t.Default, Products: []string{"SDC"}})
	}
	writeJSON(w, http.StatusOK, struct {
		Teams []teamJSON `json:"teams"`
	}{teams})
}

// serveUsersMe is GET /api/users/me. currentTeam is the team the request acts in: the default
// team for an IAM token without SysdigTeamID, else that team, or the Monitor token's team (not
// documented beyond currentTeam being a number: docs/protocol.md, "Teams and current user").
func (e *Emulator) serveUsersMe(w http.ResponseWriter, r *http.Request) {
	sc, rp := e.resolve(r, false)
	if rp != nil {
		rp.write(w)
		return
	}
	type userJSON struct {
		ID          int    `json:"id"`
		Username    string `json:"username"`
		CurrentTeam int    `json:"currentTeam"`
	}
	writeJSON(w, http.StatusOK, struct {
		User userJSON `json:"user"`
	}{userJSON{ID: sc.user.ID, Username: sc.user.Username, CurrentTeam: sc.team.ID}})
}
