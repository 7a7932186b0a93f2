package emulator

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
)

// The tables below are literal requests and the exact answers docs/protocol.md (or a documented
// choice of the emulator) demands. Tokens are random, so requests and bodies name them by
// placeholder:
//
//	{apikey}          the demo API key
//	{iam}             a valid IAM access token
//	{iam_expired}     an IAM token past its lifetime
//	{instance}        the normal instance; {team} its default team, {other_team} the other one
//	{iamonly}         the IAM_ONLY instance; {iamonly_team} its team
//	{monitor}         current Monitor token of {team}; {monitor_other} of {other_team}
//	{monitor_reset}   the token {other_team} had before a reset
//	{iamonly_monitor} the Monitor token of the IAM_ONLY instance's team
//	{crtoken}         the compute-resource token the demo trusted profile trusts
//	{profile_id}      the demo trusted profile's ID; {profile_name} its name
//	{identity}        a valid VPC instance identity token; {identity_expired} an expired one
//
// In an expected JSON body, the string "<any>" matches any non-empty string.

const (
	anyString = "<any>"
	skipBody  = "<skip>"
)

// goSDKCoreForm is the body go-sdk-core's IamAuthenticator posts (docs/protocol.md, "IAM API-key
// grant").
const goSDKCoreForm = "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Aapikey&apikey={apikey}&response_type=cloud_iam"

var iamHeaders = []string{"Content-Type: application/x-www-form-urlencoded", "Accept: application/json"}

type fixture struct {
	e     *Emulator
	facts DemoFacts
	srv   *httptest.Server
	vars  *strings.Replacer
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	e, facts := NewDemo()
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	f := &fixture{e: e, facts: facts, srv: srv}
	f.vars = strings.NewReplacer("{apikey}", url.QueryEscape(facts.APIKey))

	iam := f.iamToken(t)
	e.SetIAMTokenLifetime(0)
	expired := f.iamToken(t)
	e.SetIAMTokenLifetime(time.Hour)

	identity := f.identityToken(t)
	identityExpired := f.identityToken(t)
	e.mu.Lock()
	e.identityTokens[identityExpired] = time.Now().Add(-time.Second) // the API's minimum is 5 s
	e.mu.Unlock()

	resetOld := e.MonitorToken(facts.InstanceGUID, facts.OtherTeamID)
	newOther := e.ResetMonitorToken(facts.InstanceGUID, facts.OtherTeamID)
	if resetOld == "" || newOther == "" || resetOld == newOther {
		t.Fatalf("ResetMonitorToken: old %q new %q", resetOld, newOther)
	}
	f.vars = strings.NewReplacer(
		"{apikey}", url.QueryEscape(facts.APIKey),
		"{iam_expired}", expired,
		"{iam}", iam,
		"{instance}", facts.InstanceGUID,
		"{iamonly_team}", fmt.Sprint(demoIAMOnlyTeamID),
		"{iamonly_monitor}", e.MonitorToken(facts.IAMOnlyInstanceGUID, demoIAMOnlyTeamID),
		"{iamonly}", facts.IAMOnlyInstanceGUID,
		"{other_team}", fmt.Sprint(facts.OtherTeamID),
		"{team}", fmt.Sprint(facts.DefaultTeamID),
		"{monitor_other}", newOther,
		"{monitor_reset}", resetOld,
		"{monitor}", e.MonitorToken(facts.InstanceGUID, facts.DefaultTeamID),
		"{crtoken}", facts.CRToken,
		"{profile_id}", facts.TrustedProfileID,
		"{profile_name}", facts.TrustedProfileName,
		"{identity_expired}", identityExpired,
		"{identity}", identity,
	)
	e.ResetCounts()
	return f
}

// iamToken gets an access token the way go-sdk-core does.
func (f *fixture) iamToken(t *testing.T) string {
	t.Helper()
	res := f.do(t, wire{"POST", "/identity/token", iamHeaders, goSDKCoreForm})
	if res.status != http.StatusOK {
		t.Fatalf("IAM token: status %d body %s", res.status, res.body)
	}
	var doc struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil || doc.AccessToken == "" {
		t.Fatalf("IAM token: body %s: %v", res.body, err)
	}
	return doc.AccessToken
}

// wire is a literal request; header lines are "Name: value" and may repeat a name.
type wire struct {
	method, path string
	header       []string
	body         string
}

type result struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, w wire) result {
	t.Helper()
	var body io.Reader
	if w.body != "" {
		body = strings.NewReader(f.vars.Replace(w.body))
	}
	req, err := http.NewRequest(w.method, f.srv.URL+f.vars.Replace(w.path), body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range w.header {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("bad header line %q", line)
		}
		req.Header.Add(name, f.vars.Replace(value))
	}
	resp, err := f.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

type wireCase struct {
	name   string
	req    wire
	status int
	body   string // expected body; JSON is compared structurally, anything else exactly
}

func (f *fixture) run(t *testing.T, cases []wireCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, tc.req)
			if res.status != tc.status {
				t.Errorf("status = %d, want %d (body %s)", res.status, tc.status, res.body)
			}
			f.checkBody(t, tc.body, res)
		})
	}
}

func (f *fixture) checkBody(t *testing.T, want string, res result) {
	t.Helper()
	if want == skipBody {
		return
	}
	want = f.vars.Replace(want)
	ct := res.header.Get("Content-Type")
	if !json.Valid([]byte(want)) {
		if res.body != want {
			t.Errorf("body = %q, want %q", res.body, want)
		}
		if want != "" && !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("Content-Type = %q, want text/plain", ct)
		}
		return
	}
	if ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var w, g any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(res.body), &g); err != nil {
		t.Errorf("body is not JSON: %q", res.body)
		return
	}
	if !matchJSON(w, g) {
		t.Errorf("body = %s\nwant   %s", res.body, want)
	}
}

// matchJSON compares decoded JSON exactly (no missing or extra fields), except that the string
// "<any>" in want matches any non-empty string.
func matchJSON(want, got any) bool {
	if s, ok := want.(string); ok && s == anyString {
		g, ok := got.(string)
		return ok && g != ""
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for k, wv := range w {
			gv, ok := g[k]
			if !ok || !matchJSON(wv, gv) {
				return false
			}
		}
		return true
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return false
		}
		for i := range w {
			if !matchJSON(w[i], g[i]) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(want, got)
	}
}

func iamErr(code, msg string) string {
	return fmt.Sprintf(`{"errorCode":%q,"errorMessage":%q,"context":{"requestId":"<any>","requestType":"incoming.Identity_Token"}}`, code, msg)
}

var unknownKeyBody = iamErr("BXNIM0415E", "Provided API key could not be found.")

func TestIAMTokenRequests(t *testing.T) {
	f := newFixture(t)
	form := func(s string) wire { return wire{"POST", "/identity/token", iamHeaders, s} }
	f.run(t, []wireCase{
		{"go-sdk-core form", form(goSDKCoreForm), 200, skipBody},
		{"without response_type", form("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={apikey}"), 200, skipBody},
		{"charset parameter", wire{"POST", "/identity/token", []string{"Content-Type: application/x-www-form-urlencoded; charset=UTF-8", "Accept: application/json"}, goSDKCoreForm}, 200, skipBody},
		{"accept list with json", wire{"POST", "/identity/token", []string{"Content-Type: application/x-www-form-urlencoded", "Accept: text/html, application/json;q=0.5"}, goSDKCoreForm}, 200, skipBody},
		{"unknown key", form("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=nope"), 400, unknownKeyBody},
		{"key with newline", form("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={apikey}%0A"), 400, unknownKeyBody},
		{"key with space", form("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=+{apikey}"), 400, unknownKeyBody},
		{"json body", wire{"POST", "/identity/token", []string{"Content-Type: application/json", "Accept: application/json"}, `{"apikey":"x"}`}, 400, iamErr("EMULATOR-CONTENT-TYPE", "Content-Type must be application/x-www-form-urlencoded")},
		{"no content type", wire{"POST", "/identity/token", []string{"Accept: application/json"}, goSDKCoreForm}, 400, iamErr("EMULATOR-CONTENT-TYPE", "Content-Type must be application/x-www-form-urlencoded")},
		{"multipart", wire{"POST", "/identity/token", []string{"Content-Type: multipart/form-data; boundary=x", "Accept: application/json"}, goSDKCoreForm}, 400, iamErr("EMULATOR-CONTENT-TYPE", "Content-Type must be application/x-www-form-urlencoded")},
		{"no accept", wire{"POST", "/identity/token", []string{"Content-Type: application/x-www-form-urlencoded"}, goSDKCoreForm}, 400, iamErr("EMULATOR-ACCEPT", "Accept must allow application/json")},
		{"accept html", wire{"POST", "/identity/token", []string{"Content-Type: application/x-www-form-urlencoded", "Accept: text/html"}, goSDKCoreForm}, 400, iamErr("EMULATOR-ACCEPT", "Accept must allow application/json")},
		{"accept json q=0", wire{"POST", "/identity/token", []string{"Content-Type: application/x-www-form-urlencoded", "Accept: application/json;q=0"}, goSDKCoreForm}, 400, iamErr("EMULATOR-ACCEPT", "Accept must allow application/json")},
		{"missing grant_type", form("apikey={apikey}"), 400, iamErr("EMULATOR-MISSING-FIELD", `missing form field "grant_type"`)},
		{"wrong grant_type", form("grant_type=password&apikey={apikey}"), 400, iamErr("EMULATOR-GRANT-TYPE", "unsupported grant_type")},
		{"missing apikey", form("grant_type=urn:ibm:params:oauth:grant-type:apikey"), 400, iamErr("EMULATOR-MISSING-FIELD", `missing form field "apikey"`)},
		{"empty apikey", form("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey="), 400, iamErr("EMULATOR-MISSING-FIELD", `missing form field "apikey"`)},
		{"repeated apikey", form("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={apikey}&apikey={apikey}"), 400, iamErr("EMULATOR-REPEATED-FIELD", `form field "apikey" given 2 times`)},
		{"unknown field", form(goSDKCoreForm + "&scope=ibm"), 400, iamErr("EMULATOR-UNKNOWN-FIELD", `unexpected form field "scope"`)},
		{"wrong response_type", form("grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey={apikey}&response_type=code"), 400, iamErr("EMULATOR-RESPONSE-TYPE", "unsupported response_type")},
		{"bad form encoding", form("grant_type=%zz"), 400, iamErr("EMULATOR-BODY", "the body is not valid application/x-www-form-urlencoded")},
		{"apikey in URL", wire{"POST", "/identity/token?apikey={apikey}&grant_type=urn:ibm:params:oauth:grant-type:apikey", iamHeaders, ""}, 400, iamErr("EMULATOR-QUERY-STRING", "parameters must be in the form body, not in the URL")},
		{"basic auth", wire{"POST", "/identity/token", append([]string{"Authorization: Basic Yng6Yng="}, iamHeaders...), goSDKCoreForm}, 400, iamErr("EMULATOR-AUTHORIZATION", "no Authorization header is expected with an apikey grant")},
		{"too large", form(goSDKCoreForm + "&pad=" + strings.Repeat("x", maxBodyBytes)), 413, iamErr("EMULATOR-TOO-LARGE", "request body too large")},
		{"GET", wire{"GET", "/identity/token", []string{"Accept: application/json"}, ""}, 405, iamErr("EMULATOR-METHOD", "the token endpoint takes POST only")},
		{"trailing slash", form(goSDKCoreForm).withPath("/identity/token/"), 404, `{"message":"not found"}`},
		{"doubled path", form(goSDKCoreForm).withPath("/identity/token/identity/token"), 404, `{"message":"not found"}`},
	})
}

func (w wire) withPath(p string) wire { w.path = p; return w }

func TestIAMTokenSuccessFields(t *testing.T) {
	f := newFixture(t)
	f.e.SetIAMTokenLifetime(90 * time.Second)
	before := time.Now().Unix()
	res := f.do(t, wire{"POST", "/identity/token", iamHeaders, goSDKCoreForm})
	after := time.Now().Unix()
	if res.status != 200 || res.header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", res.status, res.header.Get("Content-Type"))
	}
	doc, keys := decodeFields(t, res.body)
	wantKeys := []string{"access_token", "expiration", "expires_in", "ims_user_id", "refresh_token", "scope", "token_type"}
	if !reflect.DeepEqual(keys, wantKeys) {
		t.Fatalf("fields = %v, want %v", keys, wantKeys)
	}
	for k, want := range map[string]string{"refresh_token": "not_supported", "token_type": "Bearer", "scope": "ibm openid"} {
		if doc[k] != want {
			t.Errorf("%s = %v, want %q", k, doc[k], want)
		}
	}
	if doc["expires_in"] != json.Number("90") {
		t.Errorf("expires_in = %v, want 90", doc["expires_in"])
	}
	if doc["ims_user_id"] != json.Number(fmt.Sprint(demoUserID)) {
		t.Errorf("ims_user_id = %v, want %d", doc["ims_user_id"], demoUserID)
	}
	exp, err := doc["expiration"].(json.Number).Int64()
	if err != nil || exp < before+90 || exp > after+90 {
		t.Errorf("expiration = %v, want now+90 in [%d, %d]", doc["expiration"], before+90, after+90)
	}
	tok := doc["access_token"].(string)
	checkJWT(t, tok, exp)
	if other := f.iamToken(t); other == tok {
		t.Error("two token requests returned the same access token")
	}
}

// checkJWT: the access token looks like a JWT whose exp matches the response's expiration.
func checkJWT(t *testing.T, tok string, exp int64) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if !strings.HasPrefix(tok, "eyJ") || len(parts) != 3 {
		t.Fatalf("access_token %.20q... is not JWT-shaped", tok)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var claims struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(payload, &claims); err != nil || claims.Exp != exp {
		t.Errorf("JWT exp = %d (%v), want %d", claims.Exp, err, exp)
	}
}

func TestGoSDKCoreIamAuthenticator(t *testing.T) {
	f := newFixture(t)
	auth, err := core.NewIamAuthenticatorBuilder().SetApiKey(f.facts.APIKey).SetURL(f.srv.URL).Build()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := auth.RequestToken()
	if err != nil {
		t.Fatalf("RequestToken: %v", err)
	}
	if !strings.HasPrefix(resp.AccessToken, "eyJ") || resp.ExpiresIn != 3600 || resp.TokenType != "Bearer" || resp.RefreshToken != "not_supported" {
		t.Errorf("response = %+v", resp)
	}
	bad, err := core.NewIamAuthenticatorBuilder().SetApiKey("not-a-key").SetURL(f.srv.URL).Build()
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.RequestToken()
	var authErr *core.AuthenticationError
	if !errors.As(err, &authErr) || authErr.Response.StatusCode != 400 {
		t.Fatalf("unknown key: err = %v, want an AuthenticationError with status 400", err)
	}
	if got := f.e.Count(RouteIAMToken); got != 2 {
		t.Errorf("Count(RouteIAMToken) = %d, want 2", got)
	}
}

func monitorGet(path string, header ...string) wire {
	return wire{"GET", path, append([]string{"Accept: application/json"}, header...), ""}
}

const (
	iamOnlyRefusal  = `{"errors":[{"reason":"Not enough privileges to complete the action","message":"Access is denied"}]}`
	badTeamHeader   = `{"type":"bad_request","message":"invalid SysdigTeamID header","details":["SysdigTeamID must be one numeric team id"]}`
	notTeamMember   = `{"error":"the user is not a member of the requested team"}`
	mixedModes      = `{"message":"IBMInstanceID and SysdigTeamID are not sent with a Monitor API token"}`
	expiredIAMText  = "Unauthorized: the IAM token has expired\n"
	notFoundBody    = `{"message":"not found"}`
	methodNotAllow  = `{"message":"method not allowed"}`
	tokenBody       = `{"token":{"key":"{monitor}"}}`
	otherTokenBody  = `{"token":{"key":"{monitor_other}"}}`
	missingInstance = `{"message":"missing IBMInstanceID header"}`
	unknownInstance = `{"message":"unknown IBMInstanceID"}`
)

func denied(msg string) string {
	return fmt.Sprintf(`{"errors":[{"reason":"Access denied","message":%q}]}`, msg)
}

func TestMonitorTokenRequests(t *testing.T) {
	f := newFixture(t)
	const p = "/api/token"
	f.run(t, []wireCase{
		{"IAM, default team", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"), 200, tokenBody},
		{"IAM, default team by id", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: {team}"), 200, tokenBody},
		{"IAM, other team", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: {other_team}"), 200, otherTokenBody},
		{"IAM, old TeamID header is ignored", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "TeamID: {other_team}"), 200, tokenBody},
		{"lower-case scheme", monitorGet(p, "Authorization: bearer {iam}", "IBMInstanceID: {instance}"), 200, tokenBody},
		{"IAM, no instance", monitorGet(p, "Authorization: Bearer {iam}"), 401, missingInstance},
		{"IAM, unknown instance", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: 00000000-0000-4000-8000-000000000000"), 401, unknownInstance},
		{"IAM, two instance headers", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "IBMInstanceID: {instance}"), 400, `{"message":"more than one IBMInstanceID header"}`},
		{"IAM, IAM_ONLY instance", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {iamonly}"), 403, iamOnlyRefusal},
		{"IAM, IAM_ONLY instance, bad team", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {iamonly}", "SysdigTeamID: x"), 403, iamOnlyRefusal},
		{"IAM, team not numeric", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: ops"), 400, badTeamHeader},
		{"IAM, team signed", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: +{team}"), 400, badTeamHeader},
		{"IAM, two team headers", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: {team}", "SysdigTeamID: {team}"), 400, badTeamHeader},
		{"IAM, team of no instance", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: 99999"), 403, notTeamMember},
		{"IAM, team of another instance", monitorGet(p, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: {iamonly_team}"), 403, notTeamMember},
		{"IAM, expired", monitorGet(p, "Authorization: Bearer {iam_expired}", "IBMInstanceID: {instance}"), 401, expiredIAMText},
		{"monitor token", monitorGet(p, "Authorization: Bearer {monitor}"), 200, tokenBody},
		{"monitor token, other team", monitorGet(p, "Authorization: Bearer {monitor_other}"), 200, otherTokenBody},
		{"monitor token with instance header", monitorGet(p, "Authorization: Bearer {monitor}", "IBMInstanceID: {instance}"), 400, mixedModes},
		{"monitor token with team header", monitorGet(p, "Authorization: Bearer {monitor}", "SysdigTeamID: {team}"), 400, mixedModes},
		{"monitor token of IAM_ONLY instance", monitorGet(p, "Authorization: Bearer {iamonly_monitor}"), 401, denied("API token authentication is disabled on this instance (IAM_ONLY)")},
		{"reset monitor token", monitorGet(p, "Authorization: Bearer {monitor_reset}"), 401, denied("invalid or reset API token")},
		{"unknown token", monitorGet(p, "Authorization: Bearer 11111111-2222-4333-8444-555555555555"), 401, denied("invalid or reset API token")},
		{"api key as bearer", monitorGet(p, "Authorization: Bearer {apikey}"), 401, denied("invalid or reset API token")},
		{"no Authorization", monitorGet(p, "IBMInstanceID: {instance}"), 401, denied("missing Authorization header")},
		{"basic scheme", monitorGet(p, "Authorization: Basic {monitor}"), 401, denied(`malformed Authorization header: want one "Bearer <token>"`)},
		{"double space", monitorGet(p, "Authorization: Bearer  {monitor}"), 401, denied(`malformed Authorization header: want one "Bearer <token>"`)},
		{"bare token", monitorGet(p, "Authorization: {monitor}"), 401, denied(`malformed Authorization header: want one "Bearer <token>"`)},
		{"two Authorization headers", monitorGet(p, "Authorization: Bearer {monitor}", "Authorization: Bearer {monitor}"), 401, denied(`malformed Authorization header: want one "Bearer <token>"`)},
		{"no Accept", wire{"GET", p, []string{"Authorization: Bearer {monitor}"}, ""}, 406, `{"message":"Accept must allow application/json"}`},
		{"POST", wire{"POST", p, []string{"Authorization: Bearer {monitor}"}, ""}, 405, methodNotAllow},
		{"doubled /api", monitorGet("/api/api/token", "Authorization: Bearer {monitor}"), 404, notFoundBody},
		{"trailing slash", monitorGet("/api/token/", "Authorization: Bearer {monitor}"), 404, notFoundBody},
		{"double slash", monitorGet("/api//token", "Authorization: Bearer {monitor}"), 404, notFoundBody},
	})
}

const teamsBody = `{"teams":[{"id":{team},"name":"Monitor Operations","default":true,"products":["SDC"]},` +
	`{"id":{other_team},"name":"Platform Team","default":false,"products":["SDC"]}]}`

func TestTeamsAndUsersMe(t *testing.T) {
	f := newFixture(t)
	user := func(team string) string {
		return fmt.Sprintf(`{"user":{"id":%d,"username":%q,"currentTeam":%s}}`, demoUserID, demoUsername, team)
	}
	f.run(t, []wireCase{
		{"teams, IAM", monitorGet("/api/teams", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"), 200, teamsBody},
		{"teams, IAM, IAM_ONLY instance", monitorGet("/api/teams", "Authorization: Bearer {iam}", "IBMInstanceID: {iamonly}"), 200,
			`{"teams":[{"id":{iamonly_team},"name":"IAM Only Operations","default":true,"products":["SDC"]}]}`},
		{"teams, monitor token", monitorGet("/api/teams", "Authorization: Bearer {monitor_other}"), 200, teamsBody},
		{"teams, IAM, no instance", monitorGet("/api/teams", "Authorization: Bearer {iam}"), 401, missingInstance},
		{"teams, IAM, bad team header", monitorGet("/api/teams", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: 1"), 403, notTeamMember},
		{"teams, reset token", monitorGet("/api/teams", "Authorization: Bearer {monitor_reset}"), 401, denied("invalid or reset API token")},
		{"teams, no Accept is fine", wire{"GET", "/api/teams", []string{"Authorization: Bearer {monitor}"}, ""}, 200, teamsBody},
		{"teams, DELETE", wire{"DELETE", "/api/teams", []string{"Authorization: Bearer {monitor}"}, ""}, 405, methodNotAllow},
		{"me, IAM", monitorGet("/api/users/me", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"), 200, user("{team}")},
		{"me, IAM, team", monitorGet("/api/users/me", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "SysdigTeamID: {other_team}"), 200, user("{other_team}")},
		{"me, IAM, IAM_ONLY", monitorGet("/api/users/me", "Authorization: Bearer {iam}", "IBMInstanceID: {iamonly}"), 200, user("{iamonly_team}")},
		{"me, monitor token", monitorGet("/api/users/me", "Authorization: Bearer {monitor_other}"), 200, user("{other_team}")},
		{"me, expired IAM", monitorGet("/api/users/me", "Authorization: Bearer {iam_expired}", "IBMInstanceID: {instance}"), 401, expiredIAMText},
		{"me, unknown instance", monitorGet("/api/users/me", "Authorization: Bearer {iam}", "IBMInstanceID: nope"), 401, unknownInstance},
	})
}

func TestQueryRoute(t *testing.T) {
	f := newFixture(t)
	q := "/prometheus/api/v1/query?query=up"
	sample := func(guid, team string) string {
		return `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"__name__":"up","job":"monitor-emulator","ibm_instance_id":"` +
			guid + `","sysdig_team_id":"` + team + `"},"value":[VALUE,"1"]}]}}`
	}
	badData := func(msg string) string {
		return fmt.Sprintf(`{"status":"error","errorType":"bad_data","error":%q}`, msg)
	}
	cases := []wireCase{
		{"monitor token", monitorGet(q, "Authorization: Bearer {monitor}"), 200, sample("{instance}", "{team}")},
		{"monitor token, other team", monitorGet(q, "Authorization: Bearer {monitor_other}"), 200, sample("{instance}", "{other_team}")},
		{"IAM token on IAM_ONLY instance", monitorGet(q, "Authorization: Bearer {iam}", "IBMInstanceID: {iamonly}"), 200, sample("{iamonly}", "{iamonly_team}")},
		{"IAM token on normal instance", monitorGet(q, "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"), 401, denied("use the Monitor API token: IAM tokens are accepted only by IAM_ONLY instances")},
		{"reset token", monitorGet(q, "Authorization: Bearer {monitor_reset}"), 401, denied("invalid or reset API token")},
		{"no token", monitorGet(q), 401, denied("missing Authorization header")},
		{"monitor token with instance header", monitorGet(q, "Authorization: Bearer {monitor}", "IBMInstanceID: {instance}"), 400, mixedModes},
		{"no query", monitorGet("/prometheus/api/v1/query", "Authorization: Bearer {monitor}"), 400, badData(`missing parameter "query"`)},
		{"two queries", monitorGet(q+"&query=up", "Authorization: Bearer {monitor}"), 400, badData(`parameter "query" given 2 times`)},
		{"unknown parameter", monitorGet(q+"&team=1", "Authorization: Bearer {monitor}"), 400, badData(`unknown parameter "team"`)},
		{"query_range is not served", monitorGet("/prometheus/api/v1/query_range?query=up", "Authorization: Bearer {monitor}"), 404, notFoundBody},
		// As a form, as promtool sends it: the body's parameters and the URL's together.
		{"POST form", wire{"POST", "/prometheus/api/v1/query", []string{"Authorization: Bearer {monitor}", "Content-Type: application/x-www-form-urlencoded"}, "query=up&time=1"}, 200, sample("{instance}", "{team}")},
		{"POST form and URL", wire{"POST", "/prometheus/api/v1/query?time=1", []string{"Authorization: Bearer {monitor}", "Content-Type: application/x-www-form-urlencoded"}, "query=up"}, 200, sample("{instance}", "{team}")},
		{"POST query twice", wire{"POST", q, []string{"Authorization: Bearer {monitor}", "Content-Type: application/x-www-form-urlencoded"}, "query=up"}, 400, badData(`parameter "query" given 2 times`)},
		{"POST not a form", wire{"POST", "/prometheus/api/v1/query", []string{"Authorization: Bearer {monitor}", "Content-Type: application/json"}, `{"query":"up"}`}, 400, badData("the body must be application/x-www-form-urlencoded")},
		{"POST without a token", wire{"POST", "/prometheus/api/v1/query", []string{"Content-Type: application/x-www-form-urlencoded"}, "query=up"}, 401, denied("missing Authorization header")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, tc.req)
			if res.status != tc.status {
				t.Errorf("status = %d, want %d (body %s)", res.status, tc.status, res.body)
			}
			if strings.Contains(tc.body, "VALUE") {
				// The sample time is "now": check it, then compare the rest exactly.
				var doc struct {
					Data struct {
						Result []struct {
							Value [2]any `json:"value"`
						} `json:"result"`
					} `json:"data"`
				}
				if err := json.Unmarshal([]byte(res.body), &doc); err != nil || len(doc.Data.Result) != 1 {
					t.Fatalf("body %s: %v", res.body, err)
				}
				ts, ok := doc.Data.Result[0].Value[0].(float64)
				if !ok || time.Since(time.UnixMilli(int64(ts*1000))).Abs() > time.Minute {
					t.Fatalf("sample time = %v, want now", doc.Data.Result[0].Value[0])
				}
				tc.body = strings.Replace(tc.body, "VALUE", fmt.Sprint(ts), 1)
			}
			f.checkBody(t, tc.body, res)
		})
	}
}

func TestUnknownPaths(t *testing.T) {
	f := newFixture(t)
	f.run(t, []wireCase{
		{"root", monitorGet("/"), 404, notFoundBody},
		{"v2 token", monitorGet("/api/v2/token", "Authorization: Bearer {monitor}"), 404, notFoundBody},
		{"control without slash", monitorGet("/_emulator"), 404, notFoundBody},
		{"unknown control", monitorGet("/_emulator/tokens"), 404, notFoundBody},
	})
	if got := f.e.Count("GET /api/v2/token"); got != 1 {
		t.Errorf("Count(GET /api/v2/token) = %d, want 1", got)
	}
	if got := f.e.Count("GET /_emulator/tokens"); got != 0 {
		t.Errorf("control request counted: %d", got)
	}
}

func TestResetMonitorToken(t *testing.T) {
	f := newFixture(t)
	guid, team := f.facts.InstanceGUID, f.facts.DefaultTeamID
	old := f.e.MonitorToken(guid, team)
	fresh := f.e.ResetMonitorToken(guid, team)
	if fresh == "" || fresh == old || f.e.MonitorToken(guid, team) != fresh {
		t.Fatalf("reset: old %q, returned %q, current %q", old, fresh, f.e.MonitorToken(guid, team))
	}
	if !isUUID(fresh) {
		t.Errorf("token %q is not uuid-like", fresh)
	}
	res := f.do(t, monitorGet("/api/token", "Authorization: Bearer "+old))
	if res.status != 401 {
		t.Errorf("old token: status %d, want 401", res.status)
	}
	res = f.do(t, monitorGet("/api/token", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"))
	f.checkBody(t, `{"token":{"key":"`+fresh+`"}}`, res)
	for _, tc := range []struct {
		guid string
		team int
	}{{guid, 12345}, {"nope", team}} {
		if got := f.e.ResetMonitorToken(tc.guid, tc.team); got != "" {
			t.Errorf("ResetMonitorToken(%q, %d) = %q, want \"\"", tc.guid, tc.team, got)
		}
		if got := f.e.MonitorToken(tc.guid, tc.team); got != "" {
			t.Errorf("MonitorToken(%q, %d) = %q, want \"\"", tc.guid, tc.team, got)
		}
	}
}

func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		dash := i == 8 || i == 13 || i == 18 || i == 23
		if dash != (c == '-') || (!dash && !strings.ContainsRune("0123456789abcdef", c)) {
			return false
		}
	}
	return true
}

func TestSetIAMOnly(t *testing.T) {
	f := newFixture(t)
	f.e.SetIAMOnly(f.facts.InstanceGUID, true)
	f.run(t, []wireCase{
		{"cached token refused", monitorGet("/api/token", "Authorization: Bearer {monitor}"), 401, denied("API token authentication is disabled on this instance (IAM_ONLY)")},
		{"refetch refused", monitorGet("/api/token", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"), 403, iamOnlyRefusal},
		{"IAM token works for data", monitorGet("/prometheus/api/v1/query?query=up", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"), 200, skipBody},
	})
	f.e.SetIAMOnly(f.facts.InstanceGUID, false)
	f.e.SetIAMOnly("no-such-instance", true) // ignored
	f.run(t, []wireCase{
		{"token works again", monitorGet("/api/token", "Authorization: Bearer {monitor}"), 200, tokenBody},
	})
}

func TestIAMTokenExpiry(t *testing.T) {
	f := newFixture(t)
	f.e.SetIAMTokenLifetime(300 * time.Millisecond)
	tok := f.iamToken(t)
	get := monitorGet("/api/token", "Authorization: Bearer "+tok, "IBMInstanceID: {instance}")
	if res := f.do(t, get); res.status != 200 {
		t.Fatalf("fresh token: status %d body %s", res.status, res.body)
	}
	time.Sleep(400 * time.Millisecond)
	res := f.do(t, get)
	if res.status != 401 {
		t.Fatalf("expired token: status %d", res.status)
	}
	f.checkBody(t, expiredIAMText, res)
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	get := monitorGet("/api/token", "Authorization: Bearer {monitor}")
	iamPost := wire{"POST", "/identity/token", iamHeaders, goSDKCoreForm}
	cases := []struct {
		name       string
		route      string
		fault      Fault
		req        wire
		status     int
		retryAfter string
		ct         string
		body       string
	}{
		{"429 with Retry-After", RouteMonitorToken, Fault{Status: 429, RetryAfter: "7"}, get, 429, "7", "application/json", `{"message":"Too Many Requests"}`},
		{"503 generic text", RouteMonitorToken, Fault{Status: 503}, get, 503, "", "text/plain; charset=utf-8", "503 Service Unavailable\n"},
		{"401 default body", RouteMonitorToken, Fault{Status: 401}, get, 401, "", "application/json", denied("invalid or reset API token")},
		{"403 default body", RouteMonitorToken, Fault{Status: 403}, get, 403, "", "application/json", iamOnlyRefusal},
		{"200 default body", RouteMonitorToken, Fault{Status: 200}, get, 200, "", "application/json", `{}`},
		{"custom JSON", RouteMonitorToken, Fault{Status: 200, Body: `{"token":{"key":""}}`}, get, 200, "", "application/json", `{"token":{"key":""}}`},
		{"non-JSON text", RouteMonitorToken, Fault{Status: 401, Body: "Unauthorized"}, get, 401, "", "text/plain; charset=utf-8", "Unauthorized"},
		{"HTML with content type", RouteMonitorToken, Fault{Status: 502, Body: "<html>bad gateway</html>", ContentType: "text/html"}, get, 502, "", "text/html", "<html>bad gateway</html>"},
		{"empty body", RouteMonitorToken, Fault{Status: 200, Empty: true}, get, 200, "", "", ""},
		{"IAM 429", RouteIAMToken, Fault{Status: 429, RetryAfter: "2"}, iamPost, 429, "2", "application/json", iamErr("EMULATOR-429", "Too Many Requests")},
		{"IAM 401", RouteIAMToken, Fault{Status: 401}, iamPost, 401, "", "application/json", unknownKeyBody},
		{"IAM 500", RouteIAMToken, Fault{Status: 500}, iamPost, 500, "", "text/plain; charset=utf-8", "500 Internal Server Error\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f.e.InjectFault(tc.route, tc.fault)
			res := f.do(t, tc.req)
			if res.status != tc.status {
				t.Errorf("status = %d, want %d", res.status, tc.status)
			}
			if got := res.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After = %q, want %q", got, tc.retryAfter)
			}
			if got := res.header.Get("Content-Type"); got != tc.ct {
				t.Errorf("Content-Type = %q, want %q", got, tc.ct)
			}
			if json.Valid([]byte(tc.body)) && tc.body != "" {
				var w, g any
				_ = json.Unmarshal([]byte(f.vars.Replace(tc.body)), &w)
				if json.Unmarshal([]byte(res.body), &g) != nil || !matchJSON(w, g) {
					t.Errorf("body = %q, want %s", res.body, tc.body)
				}
			} else if res.body != tc.body {
				t.Errorf("body = %q, want %q", res.body, tc.body)
			}
			// The fault is used up: the next request is handled normally.
			if next := f.do(t, tc.req); next.status != 200 {
				t.Errorf("after the fault: status %d, want 200 (body %s)", next.status, next.body)
			}
		})
	}
}

func TestFaultTimesAndOrder(t *testing.T) {
	f := newFixture(t)
	get := monitorGet("/api/token", "Authorization: Bearer {monitor}")
	f.e.InjectFault(RouteMonitorToken, Fault{Status: 503, Times: 2})
	f.e.InjectFault(RouteMonitorToken, Fault{Status: 429})
	f.e.InjectFault(RouteTeams, Fault{Status: 500})
	var got []int
	for range 5 {
		got = append(got, f.do(t, get).status)
	}
	if want := []int{503, 503, 429, 200, 200}; !reflect.DeepEqual(got, want) {
		t.Errorf("statuses = %v, want %v", got, want)
	}
	if n := f.e.Count(RouteMonitorToken); n != 5 {
		t.Errorf("Count = %d, want 5 (faulted requests included)", n)
	}
	if res := f.do(t, monitorGet("/api/teams", "Authorization: Bearer {monitor}")); res.status != 500 {
		t.Errorf("teams fault: status %d", res.status)
	}
}

func TestFaultDelay(t *testing.T) {
	f := newFixture(t)
	f.e.InjectFault(RouteMonitorToken, Fault{Delay: 50 * time.Millisecond})
	start := time.Now()
	res := f.do(t, monitorGet("/api/token", "Authorization: Bearer {monitor}"))
	if res.status != 200 || time.Since(start) < 50*time.Millisecond {
		t.Errorf("delay-only fault: status %d after %v", res.status, time.Since(start))
	}
	f.checkBody(t, tokenBody, res)

	// A cancelled request returns early and writes nothing.
	f.e.InjectFault(RouteMonitorToken, Fault{Status: 503, Delay: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req := httptest.NewRequestWithContext(ctx, "GET", "/api/token", nil)
	req.Header.Set("Authorization", "Bearer "+f.facts.APIKey)
	rec := httptest.NewRecorder()
	start = time.Now()
	f.e.ServeHTTP(rec, req)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("ServeHTTP took %v after cancellation", d)
	}
	if rec.Body.Len() != 0 || rec.Header().Get("Content-Type") != "" {
		t.Errorf("cancelled request got an answer: %q", rec.Body.String())
	}
	reqs := f.e.Requests()
	if last := reqs[len(reqs)-1]; last.Status != 0 {
		t.Errorf("recorded status %d, want 0 for a request whose client went away", last.Status)
	}
}

func TestInjectFaultPanicsOnInvalid(t *testing.T) {
	for _, tc := range []struct {
		route string
		f     Fault
	}{
		{"/api/token", Fault{Status: 500}},
		{"get /api/token", Fault{Status: 500}},
		{RouteMonitorToken, Fault{Status: 99}},
		{RouteMonitorToken, Fault{Status: 600}},
		{RouteMonitorToken, Fault{}},
		{RouteMonitorToken, Fault{Body: "x", Delay: time.Second}},
		{RouteMonitorToken, Fault{Status: 200, Empty: true, Body: "x"}},
		{RouteMonitorToken, Fault{Status: 500, Times: -1}},
		{RouteMonitorToken, Fault{Status: 429, RetryAfter: "1\r\nX-Evil: 1"}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("InjectFault(%q, %+v) did not panic", tc.route, tc.f)
				}
			}()
			New().InjectFault(tc.route, tc.f)
		}()
	}
}

func TestAddInstancePanicsOnInvalid(t *testing.T) {
	for _, inst := range []Instance{
		{GUID: "", Teams: []Team{{ID: 1}}},
		{GUID: "g"},
		{GUID: "g", Teams: []Team{{ID: 1}, {ID: 1}}},
		{GUID: "g", Teams: []Team{{ID: 1, Default: true}, {ID: 2, Default: true}}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddInstance(%+v) did not panic", inst)
				}
			}()
			New().AddInstance(inst)
		}()
	}
	// Without a default team the first one is the default.
	e := New()
	e.AddAPIKey("k", 1, "u")
	e.AddInstance(Instance{GUID: "g", Teams: []Team{{ID: 7, Name: "a"}, {ID: 8, Name: "b"}}})
	srv := httptest.NewServer(e)
	defer srv.Close()
	f := &fixture{e: e, srv: srv, vars: strings.NewReplacer("{apikey}", "k")}
	iam := f.iamToken(t)
	res := f.do(t, monitorGet("/api/token", "Authorization: Bearer "+iam, "IBMInstanceID: g"))
	f.checkBody(t, `{"token":{"key":"`+e.MonitorToken("g", 7)+`"}}`, res)
}

func TestRequestsRecorded(t *testing.T) {
	f := newFixture(t)
	f.iamToken(t)
	f.do(t, monitorGet("/api/token", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}", "TeamID: {other_team}"))
	f.do(t, monitorGet("/api/token", "Authorization: Bearer {monitor_reset}"))
	f.do(t, monitorGet("/api/token", "Authorization: Bearer {iam_expired}", "IBMInstanceID: {instance}"))
	f.do(t, monitorGet("/api/token", "Authorization: Basic x"))
	f.do(t, monitorGet("/api/teams"))
	f.do(t, monitorGet("/prometheus/api/v1/query?query=up", "Authorization: Bearer {monitor}"))
	f.do(t, monitorGet("/_emulator/counts")) // not recorded

	reqs := f.e.Requests()
	type summary struct {
		Route  string
		Status int
		Auth   string
	}
	var got []summary
	for _, r := range reqs {
		got = append(got, summary{r.Method + " " + r.Path, r.Status, r.Auth})
	}
	want := []summary{
		{RouteIAMToken, 200, ""},
		{RouteMonitorToken, 200, "iam"},
		{RouteMonitorToken, 401, "monitor-reset"},
		{RouteMonitorToken, 401, "iam-expired"},
		{RouteMonitorToken, 401, "malformed"},
		{RouteTeams, 401, ""},
		{RouteQuery, 200, "monitor"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("requests =\n%v\nwant\n%v", got, want)
	}
	if form := reqs[0].Form; form.Get("apikey") != f.facts.APIKey || form.Get("response_type") != "cloud_iam" || len(form) != 3 {
		t.Errorf("recorded form = %v", form)
	}
	// The old header is recorded, so a test can catch a client sending it.
	if reqs[1].Header.Get("TeamID") != fmt.Sprint(f.facts.OtherTeamID) || reqs[1].Header.Get("SysdigTeamID") != "" {
		t.Errorf("recorded headers = %v", reqs[1].Header)
	}
	// Requests returns copies.
	reqs[1].Header.Set("TeamID", "changed")
	reqs[0].Form.Set("apikey", "changed")
	if again := f.e.Requests(); again[1].Header.Get("TeamID") == "changed" || again[0].Form.Get("apikey") == "changed" {
		t.Error("Requests shares memory with the recorder")
	}
	counts := map[string]int{RouteIAMToken: 1, RouteMonitorToken: 4, RouteTeams: 1, RouteQuery: 1, RouteUsersMe: 0}
	for route, n := range counts {
		if got := f.e.Count(route); got != n {
			t.Errorf("Count(%q) = %d, want %d", route, got, n)
		}
	}
	f.e.ResetCounts()
	if f.e.Count(RouteMonitorToken) != 0 || len(f.e.Requests()) != 0 {
		t.Error("ResetCounts left counts or requests")
	}
}

func TestControlAPI(t *testing.T) {
	f := newFixture(t)
	f.iamToken(t)
	f.do(t, monitorGet("/api/token", "Authorization: Bearer {monitor}"))
	f.run(t, []wireCase{
		{"counts", monitorGet("/_emulator/counts"), 200, `{"POST /identity/token":1,"GET /api/token":1}`},
		{"requests are redacted", monitorGet("/_emulator/requests"), 200, skipBody},
		{"counts, POST", wire{"POST", "/_emulator/counts", nil, ""}, 405, methodNotAllow},
		{"counts, stray parameter", monitorGet("/_emulator/counts?x=1"), 400, `{"message":"unknown parameter \"x\""}`},
		{"fault", wire{"POST", "/_emulator/fault?route=GET%20/api/token", nil, `{"status":429,"retry_after":"3","times":2}`}, 204, ""},
		{"fault, unknown field", wire{"POST", "/_emulator/fault?route=GET%20/api/token", nil, `{"status":429,"retryAfter":"3"}`}, 400, `{"message":"fault body: json: unknown field \"retryAfter\""}`},
		{"fault, bad delay", wire{"POST", "/_emulator/fault?route=GET%20/api/token", nil, `{"delay":"soon"}`}, 400, `{"message":"fault body: delay: time: invalid duration \"soon\""}`},
		{"fault, bad route", wire{"POST", "/_emulator/fault?route=/api/token", nil, `{"status":500}`}, 400, `{"message":"route \"/api/token\" is not \"METHOD /path\""}`},
		{"fault, trailing data", wire{"POST", "/_emulator/fault?route=GET%20/api/token", nil, `{"status":500}{}`}, 400, `{"message":"fault body: trailing data after the JSON object"}`},
		{"fault, no route", wire{"POST", "/_emulator/fault", nil, `{"status":500}`}, 400, `{"message":"parameter \"route\" is required once"}`},
		{"faulted 1", monitorGet("/api/token", "Authorization: Bearer {monitor}"), 429, `{"message":"Too Many Requests"}`},
		{"faulted 2", monitorGet("/api/token", "Authorization: Bearer {monitor}"), 429, `{"message":"Too Many Requests"}`},
		{"delay fault", wire{"POST", "/_emulator/fault?route=GET%20/api/teams", nil, `{"delay":"10ms"}`}, 204, ""},
		{"delayed teams", monitorGet("/api/teams", "Authorization: Bearer {monitor}"), 200, teamsBody},
		{"reset-token", wire{"POST", "/_emulator/reset-token?instance={instance}&team={team}", nil, ""}, 204, ""},
		{"old token refused", monitorGet("/api/token", "Authorization: Bearer {monitor}"), 401, denied("invalid or reset API token")},
		{"reset-token, unknown team", wire{"POST", "/_emulator/reset-token?instance={instance}&team=1", nil, ""}, 404, `{"message":"no such instance or team"}`},
		{"reset-token, bad team", wire{"POST", "/_emulator/reset-token?instance={instance}&team=x", nil, ""}, 400, `{"message":"team must be a number"}`},
		{"reset-token, GET", monitorGet("/_emulator/reset-token?instance={instance}&team={team}"), 405, methodNotAllow},
		{"iam-only on", wire{"POST", "/_emulator/iam-only?instance={instance}&on=true", nil, ""}, 204, ""},
		{"IAM_ONLY refusal", monitorGet("/api/token", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"), 403, iamOnlyRefusal},
		{"iam-only off", wire{"POST", "/_emulator/iam-only?instance={instance}&on=false", nil, ""}, 204, ""},
		{"iam-only, unknown instance", wire{"POST", "/_emulator/iam-only?instance=x&on=true", nil, ""}, 404, `{"message":"no such instance"}`},
		{"iam-only, bad flag", wire{"POST", "/_emulator/iam-only?instance={instance}&on=maybe", nil, ""}, 400, `{"message":"on must be true or false"}`},
		{"other team still served", monitorGet("/api/token", "Authorization: Bearer {monitor_other}"), 200, otherTokenBody},
	})

	// The control API counted and recorded none of its own requests.
	for route := range map[string]bool{"GET /_emulator/counts": true, "POST /_emulator/fault": true} {
		if n := f.e.Count(route); n != 0 {
			t.Errorf("Count(%q) = %d, want 0", route, n)
		}
	}
	if got := f.e.Count(RouteMonitorToken); got != 6 {
		t.Errorf("Count(RouteMonitorToken) = %d, want 6", got)
	}
	res := f.do(t, monitorGet("/_emulator/requests"))
	var reqs []Request
	if err := json.Unmarshal([]byte(res.body), &reqs); err != nil {
		t.Fatal(err)
	}
	if len(reqs) != len(f.e.Requests()) || reqs[0].Form.Get("apikey") != "[redacted]" || reqs[1].Header.Get("Authorization") != "Bearer [redacted]" || reqs[1].Auth != "monitor" {
		t.Errorf("redacted requests = %+v", reqs[:2])
	}
	// No secret appears anywhere in the control API's answer.
	secrets := []string{f.facts.APIKey, url.QueryEscape(f.facts.APIKey), f.e.MonitorToken(f.facts.InstanceGUID, f.facts.DefaultTeamID),
		f.vars.Replace("{monitor}"), f.vars.Replace("{monitor_other}"), f.vars.Replace("{iam}")}
	for _, s := range secrets {
		if strings.Contains(res.body, s) {
			t.Errorf("control API leaks a secret %.8q...", s)
		}
	}
	res = f.do(t, wire{"POST", "/_emulator/reset-counts", nil, ""})
	if res.status != 204 || f.e.Count(RouteMonitorToken) != 0 || len(f.e.Requests()) != 0 {
		t.Errorf("reset-counts: status %d, counts %d", res.status, f.e.Count(RouteMonitorToken))
	}
}

func TestDemoFacts(t *testing.T) {
	e, facts := NewDemo()
	_, facts2 := NewDemo()
	if facts.APIKey == facts2.APIKey || facts.InstanceGUID == facts2.InstanceGUID {
		t.Error("two demos share a key or GUID")
	}
	if len(facts.APIKey) != 44 || strings.TrimSpace(facts.APIKey) != facts.APIKey {
		t.Errorf("API key %q is not 44 clean characters", facts.APIKey)
	}
	parts := strings.Split(facts.CRN, ":")
	if len(parts) != 10 || parts[4] != "sysdig-monitor" || parts[5] != "us-south" || parts[7] != facts.InstanceGUID || !strings.HasPrefix(parts[6], "a/") {
		t.Errorf("CRN %q: want region as 6th field and GUID as 8th", facts.CRN)
	}
	if facts.DefaultTeamID == facts.OtherTeamID || e.MonitorToken(facts.InstanceGUID, facts.DefaultTeamID) == "" ||
		e.MonitorToken(facts.InstanceGUID, facts.OtherTeamID) == "" || e.MonitorToken(facts.IAMOnlyInstanceGUID, demoIAMOnlyTeamID) == "" {
		t.Error("demo tokens missing")
	}
	if e.MonitorToken(facts.InstanceGUID, facts.DefaultTeamID) == e.MonitorToken(facts.InstanceGUID, facts.OtherTeamID) {
		t.Error("two teams share a token")
	}
}

func TestSelfSignedCertOverTLS(t *testing.T) {
	cert, certPEM, err := SelfSignedCert()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cert.PrivateKey.(*ecdsa.PrivateKey); !ok {
		t.Errorf("private key is %T, want ECDSA", cert.PrivateKey)
	}
	e, facts := NewDemo()
	srv := httptest.NewUnstartedServer(e)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusting client's handshake failure
	srv.StartTLS()
	defer srv.Close()

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		t.Fatal("certPEM does not parse")
	}
	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "localhost"} {
		req, _ := http.NewRequest("GET", "https://"+host+":"+port+"/api/token", nil)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.MonitorToken(facts.InstanceGUID, facts.DefaultTeamID))
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: status %d", host, resp.StatusCode)
		}
	}
	_, otherPEM, err := SelfSignedCert()
	if err != nil {
		t.Fatal(err)
	}
	otherPool := x509.NewCertPool()
	otherPool.AppendCertsFromPEM(otherPEM)
	untrusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: otherPool}}}
	if _, err := untrusting.Get(srv.URL + "/"); err == nil {
		t.Error("a client trusting another certificate connected")
	}
}

func TestConcurrentUse(t *testing.T) {
	f := newFixture(t)
	const workers, each = 8, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				var res result
				if w%2 == 0 {
					res = f.do(t, monitorGet("/api/token", "Authorization: Bearer {iam}", "IBMInstanceID: {instance}"))
				} else {
					res = f.do(t, monitorGet("/api/token", "Authorization: Bearer {monitor}"))
				}
				if res.status != 200 {
					t.Errorf("status %d", res.status)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range each {
			f.e.ResetMonitorToken(f.facts.InstanceGUID, f.facts.OtherTeamID)
			f.e.InjectFault(RouteTeams, Fault{Status: 500})
			_ = f.e.Requests()
			_ = f.e.Count(RouteMonitorToken)
			f.e.SetIAMOnly(f.facts.IAMOnlyInstanceGUID, true)
		}
	}()
	wg.Wait()
	if got := f.e.Count(RouteMonitorToken); got != workers*each {
		t.Errorf("Count = %d, want %d", got, workers*each)
	}
}

// decodeFields decodes a JSON object answer (numbers kept as json.Number)
// and returns it with its field names, sorted.
func decodeFields(t *testing.T, body string) (map[string]any, []string) {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(doc))
	for k := range doc {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return doc, keys
}

// ExpireIAMTokens ends the tokens issued so far, whatever their lifetime,
// and only those.
func TestExpireIAMTokens(t *testing.T) {
	f := newFixture(t)
	tok := f.iamToken(t)
	query := func(bearer string) result {
		return f.do(t, monitorGet("/prometheus/api/v1/query?query=up", "Authorization: Bearer "+bearer, "IBMInstanceID: {iamonly}"))
	}
	if res := query(tok); res.status != http.StatusOK {
		t.Fatalf("before: %d %s", res.status, res.body)
	}
	f.e.ExpireIAMTokens()
	if res := query(tok); res.status != http.StatusUnauthorized || res.body != expiredIAMText {
		t.Fatalf("after: %d %q, want 401 %q", res.status, res.body, expiredIAMText)
	}
	if res := query(f.iamToken(t)); res.status != http.StatusOK {
		t.Fatalf("a token issued afterwards: %d %s", res.status, res.body)
	}
}

// bulk answers N bytes to a bearer the data route takes, and nothing to
// anyone else.
func TestControlBulk(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name   string
		req    wire
		status int
		size   int
	}{
		{"monitor token", monitorGet("/_emulator/bulk?bytes=200000", "Authorization: Bearer {monitor}"), 200, 200000},
		{"empty", monitorGet("/_emulator/bulk?bytes=0", "Authorization: Bearer {monitor}"), 200, 0},
		{"reset token", monitorGet("/_emulator/bulk?bytes=10", "Authorization: Bearer {monitor_reset}"), 401, -1},
		{"no token", monitorGet("/_emulator/bulk?bytes=10"), 401, -1},
		{"no size", monitorGet("/_emulator/bulk", "Authorization: Bearer {monitor}"), 400, -1},
		{"too large", monitorGet("/_emulator/bulk?bytes=99999999999", "Authorization: Bearer {monitor}"), 400, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := f.do(t, tc.req)
			if res.status != tc.status || (tc.size >= 0 && len(res.body) != tc.size) {
				t.Fatalf("status %d, %d bytes; want %d, %d", res.status, len(res.body), tc.status, tc.size)
			}
		})
	}
}
