package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
)

// Trusted profiles (the cr-token grant of go-sdk-core's ContainerAuthenticator) and the VPC
// metadata service (its VpcInstanceAuthenticator). The placeholders are those of
// emulator_test.go.

// containerForm is what ContainerAuthenticator posts with SetIAMProfileName (RequestToken:
// grant_type, cr_token, then profile_id and/or profile_name; no response_type).
const containerForm = "grant_type=urn%3Aibm%3Aparams%3Aoauth%3Agrant-type%3Acr-token&cr_token={crtoken}&profile_name={profile_name}"

const crGrant = "grant_type=urn:ibm:params:oauth:grant-type:cr-token"

// otherProfileID is a second profile some tests add.
const otherProfileID = "Profile-00000000-0000-4000-8000-0000000000bb"

// identityToken gets a VPC instance identity token the way VpcInstanceAuthenticator does.
func (f *fixture) identityToken(t *testing.T) string {
	t.Helper()
	res := f.do(t, wire{"PUT", "/instance_identity/v1/token?version=2022-03-01", vpcPutHeaders, `{"expires_in": 300}`})
	if res.status != http.StatusOK {
		t.Fatalf("identity token: status %d body %s", res.status, res.body)
	}
	var doc struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil || doc.AccessToken == "" {
		t.Fatalf("identity token: body %s: %v", res.body, err)
	}
	return doc.AccessToken
}

func TestCRTokenGrantRequests(t *testing.T) {
	f := newFixture(t)
	f.e.AddTrustedProfile(TrustedProfile{ID: otherProfileID, Name: "other", CRTokens: []string{"other-cr-token"}, UserID: 7})
	form := func(s string) wire { return wire{"POST", "/identity/token", iamHeaders, s} }
	untrusted := iamErr("EMULATOR-CR-TOKEN-NOT-TRUSTED", "the compute-resource token is not trusted by the trusted profile")
	f.run(t, []wireCase{
		{"ContainerAuthenticator form, by name", form(containerForm), 200, skipBody},
		{"by id", form(crGrant + "&cr_token={crtoken}&profile_id={profile_id}"), 200, skipBody},
		{"by id and name", form(crGrant + "&cr_token={crtoken}&profile_id={profile_id}&profile_name={profile_name}"), 200, skipBody},
		{"unknown profile id", form(crGrant + "&cr_token={crtoken}&profile_id=Profile-00000000-0000-4000-8000-0000000000cc"), 400,
			iamErr("EMULATOR-PROFILE-NOT-FOUND", `trusted profile "Profile-00000000-0000-4000-8000-0000000000cc" not found`)},
		{"unknown profile name", form(crGrant + "&cr_token={crtoken}&profile_name=monitor-writer"), 400,
			iamErr("EMULATOR-PROFILE-NOT-FOUND", `trusted profile named "monitor-writer" not found`)},
		{"id and name of different profiles", form(crGrant + "&cr_token={crtoken}&profile_id={profile_id}&profile_name=other"), 400,
			iamErr("EMULATOR-PROFILE-MISMATCH", "profile_id and profile_name name different trusted profiles")},
		{"untrusted cr token", form(crGrant + "&cr_token=eyJhbGciOiJSUzI1NiJ9.e30.c2ln&profile_name={profile_name}"), 400, untrusted},
		{"cr token of another profile", form(crGrant + "&cr_token=other-cr-token&profile_name={profile_name}"), 400, untrusted},
		{"cr token with newline", form(crGrant + "&cr_token={crtoken}%0A&profile_name={profile_name}"), 400, untrusted},
		{"name is case-sensitive", form(crGrant + "&cr_token={crtoken}&profile_name=Monitor-Reader"), 400,
			iamErr("EMULATOR-PROFILE-NOT-FOUND", `trusted profile named "Monitor-Reader" not found`)},
		{"missing cr_token", form(crGrant + "&profile_name={profile_name}"), 400, iamErr("EMULATOR-MISSING-FIELD", `missing form field "cr_token"`)},
		{"empty cr_token", form(crGrant + "&cr_token=&profile_name={profile_name}"), 400, iamErr("EMULATOR-MISSING-FIELD", `missing form field "cr_token"`)},
		{"no profile", form(crGrant + "&cr_token={crtoken}"), 400, iamErr("EMULATOR-MISSING-FIELD", `missing form field "profile_id" or "profile_name"`)},
		{"empty profile_name", form(crGrant + "&cr_token={crtoken}&profile_name=&profile_id={profile_id}"), 400, iamErr("EMULATOR-MISSING-FIELD", `empty form field "profile_name"`)},
		{"repeated profile_id", form(crGrant + "&cr_token={crtoken}&profile_id={profile_id}&profile_id={profile_id}"), 400,
			iamErr("EMULATOR-REPEATED-FIELD", `form field "profile_id" given 2 times`)},
		{"apikey with the cr-token grant", form(containerForm + "&apikey={apikey}"), 400, iamErr("EMULATOR-UNKNOWN-FIELD", `unexpected form field "apikey"`)},
		{"response_type with the cr-token grant", form(containerForm + "&response_type=cloud_iam"), 400, iamErr("EMULATOR-UNKNOWN-FIELD", `unexpected form field "response_type"`)},
		{"profile_crn", form(crGrant + "&cr_token={crtoken}&profile_crn=crn:v1:bluemix:public:iam-identity::a/x::profile:{profile_id}"), 400,
			iamErr("EMULATOR-UNKNOWN-FIELD", `unexpected form field "profile_crn"`)},
		{"scope", form(containerForm + "&scope=ibm"), 400, iamErr("EMULATOR-UNKNOWN-FIELD", `unexpected form field "scope"`)},
		{"cr_token with the apikey grant", form(goSDKCoreForm + "&cr_token={crtoken}"), 400, iamErr("EMULATOR-UNKNOWN-FIELD", `unexpected form field "cr_token"`)},
		{"wrong grant (underscore)", form("grant_type=urn:ibm:params:oauth:grant-type:cr_token&cr_token={crtoken}&profile_name={profile_name}"), 400,
			iamErr("EMULATOR-GRANT-TYPE", "unsupported grant_type")},
		{"wrong grant (client_credentials)", form("grant_type=client_credentials&cr_token={crtoken}&profile_name={profile_name}"), 400,
			iamErr("EMULATOR-GRANT-TYPE", "unsupported grant_type")},
		{"basic auth", wire{"POST", "/identity/token", append([]string{"Authorization: Basic Yng6Yng="}, iamHeaders...), containerForm}, 400,
			iamErr("EMULATOR-AUTHORIZATION", "no Authorization header is expected with a cr-token grant")},
		{"bearer cr token", wire{"POST", "/identity/token", append([]string{"Authorization: Bearer {crtoken}"}, iamHeaders...), crGrant + "&profile_name={profile_name}"}, 400,
			iamErr("EMULATOR-AUTHORIZATION", "no Authorization header is expected with a cr-token grant")},
		{"json body", wire{"POST", "/identity/token", []string{"Content-Type: application/json", "Accept: application/json"}, `{"cr_token":"{crtoken}"}`}, 400,
			iamErr("EMULATOR-CONTENT-TYPE", "Content-Type must be application/x-www-form-urlencoded")},
		{"cr token in the URL", wire{"POST", "/identity/token?cr_token={crtoken}", iamHeaders, crGrant + "&profile_name={profile_name}"}, 400,
			iamErr("EMULATOR-QUERY-STRING", "parameters must be in the form body, not in the URL")},
	})
}

// TestProfileIAMToken: a profile's IAM token has the apikey grant's fields and lifetime and
// works like a user's on the Monitoring routes, for every instance.
func TestProfileIAMToken(t *testing.T) {
	f := newFixture(t)
	f.e.SetIAMTokenLifetime(90 * time.Second)
	before := time.Now().Unix()
	res := f.do(t, wire{"POST", "/identity/token", iamHeaders, containerForm})
	if res.status != 200 || res.header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q, body %s", res.status, res.header.Get("Content-Type"), res.body)
	}
	doc, keys := decodeFields(t, res.body)
	if want := []string{"access_token", "expiration", "expires_in", "ims_user_id", "refresh_token", "scope", "token_type"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("fields = %v, want %v", keys, want)
	}
	if doc["expires_in"] != json.Number("90") || doc["ims_user_id"] != json.Number(fmt.Sprint(demoProfileUserID)) ||
		doc["token_type"] != "Bearer" || doc["refresh_token"] != "not_supported" || doc["scope"] != "ibm openid" {
		t.Errorf("body = %s", res.body)
	}
	exp, _ := doc["expiration"].(json.Number).Int64()
	if exp < before+90 || exp > time.Now().Unix()+90 {
		t.Errorf("expiration = %d, want now+90", exp)
	}
	checkJWT(t, doc["access_token"].(string), exp)

	tok := doc["access_token"].(string)
	me := fmt.Sprintf(`{"user":{"id":%d,"username":"monitor-reader","currentTeam":{team}}}`, demoProfileUserID)
	f.run(t, []wireCase{
		{"token", monitorGet("/api/token", "Authorization: Bearer "+tok, "IBMInstanceID: {instance}"), 200, tokenBody},
		{"token, other team", monitorGet("/api/token", "Authorization: Bearer "+tok, "IBMInstanceID: {instance}", "SysdigTeamID: {other_team}"), 200, otherTokenBody},
		{"teams", monitorGet("/api/teams", "Authorization: Bearer "+tok, "IBMInstanceID: {instance}"), 200, teamsBody},
		{"users/me", monitorGet("/api/users/me", "Authorization: Bearer "+tok, "IBMInstanceID: {instance}"), 200, me},
		{"IAM_ONLY instance", monitorGet("/api/token", "Authorization: Bearer "+tok, "IBMInstanceID: {iamonly}"), 403, iamOnlyRefusal},
		{"IAM_ONLY data", monitorGet("/prometheus/api/v1/query?query=up", "Authorization: Bearer "+tok, "IBMInstanceID: {iamonly}"), 200, skipBody},
	})

	// A profile whose user also has an API key shows that user's name.
	f.e.AddTrustedProfile(TrustedProfile{ID: otherProfileID, Name: "as-demo-user", CRTokens: []string{"t"}, UserID: demoUserID})
	res = f.do(t, wire{"POST", "/identity/token", iamHeaders, crGrant + "&cr_token=t&profile_id=" + otherProfileID})
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil {
		t.Fatal(err)
	}
	res = f.do(t, monitorGet("/api/users/me", "Authorization: Bearer "+doc["access_token"].(string), "IBMInstanceID: {instance}"))
	f.checkBody(t, fmt.Sprintf(`{"user":{"id":%d,"username":%q,"currentTeam":{team}}}`, demoUserID, demoUsername), res)
}

// TestIAMTokenLifetimeAllGrants: every grant honours SetIAMTokenLifetime, and its tokens
// expire like the API key's (TestIAMTokenExpiry).
func TestIAMTokenLifetimeAllGrants(t *testing.T) {
	f := newFixture(t)
	f.e.SetIAMTokenLifetime(300 * time.Millisecond)
	var toks []string
	for _, req := range []wire{
		{"POST", "/identity/token", iamHeaders, goSDKCoreForm},
		{"POST", "/identity/token", iamHeaders, containerForm},
		{"POST", "/instance_identity/v1/iam_token?version=2022-03-01", vpcPostHeaders, ""},
	} {
		res := f.do(t, req)
		var doc struct {
			AccessToken string `json:"access_token"`
			ExpiresIn   *int64 `json:"expires_in"`
		}
		if err := json.Unmarshal([]byte(res.body), &doc); err != nil || res.status != 200 || doc.ExpiresIn == nil || *doc.ExpiresIn != 0 {
			t.Fatalf("%s: status %d body %s", req.path, res.status, res.body)
		}
		toks = append(toks, doc.AccessToken)
		if res := f.do(t, monitorGet("/api/token", "Authorization: Bearer "+doc.AccessToken, "IBMInstanceID: {instance}")); res.status != 200 {
			t.Fatalf("%s: fresh token: status %d body %s", req.path, res.status, res.body)
		}
	}
	time.Sleep(400 * time.Millisecond)
	for i, tok := range toks {
		res := f.do(t, monitorGet("/api/token", "Authorization: Bearer "+tok, "IBMInstanceID: {instance}"))
		if res.status != 401 {
			t.Errorf("token %d: status %d after expiry", i, res.status)
		}
		f.checkBody(t, expiredIAMText, res)
	}
	reqs := f.e.Requests()
	if got := reqs[len(reqs)-1].Auth; got != "iam-expired" {
		t.Errorf("recorded Auth = %q, want iam-expired", got)
	}
}

func writeCRTokenFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "sa-token")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// useIAMToken gets the Monitor token with an IAM token, over the client given.
func useIAMToken(t *testing.T, client *http.Client, base, iamToken, instance string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", base+"/api/token", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+iamToken)
	req.Header.Set("IBMInstanceID", instance)
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc struct {
		Token struct {
			Key string `json:"key"`
		} `json:"token"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&doc)
	return resp.StatusCode, doc.Token.Key
}

// authStatus returns the status of a go-sdk-core AuthenticationError and the error body
// as go-sdk-core parsed it, re-encoded.
func authStatus(t *testing.T, err error) (int, string) {
	t.Helper()
	var authErr *core.AuthenticationError
	if !errors.As(err, &authErr) || authErr.Response == nil {
		t.Fatalf("err = %v, want an AuthenticationError with a response", err)
	}
	body := string(authErr.Response.RawResult)
	if authErr.Response.Result != nil {
		b, _ := json.Marshal(authErr.Response.Result)
		body = string(b)
	}
	return authErr.Response.StatusCode, body
}

func TestGoSDKCoreContainerAuthenticator(t *testing.T) {
	e, facts := NewDemo()
	srv := httptest.NewTLSServer(e)
	defer srv.Close()
	monitorToken := e.MonitorToken(facts.InstanceGUID, facts.DefaultTeamID)
	file := writeCRTokenFile(t, facts.CRToken)

	for _, tc := range []struct {
		name       string
		set        func(*core.ContainerAuthenticatorBuilder)
		wantFields []string
	}{
		{"by name", func(b *core.ContainerAuthenticatorBuilder) { b.SetIAMProfileName(facts.TrustedProfileName) },
			[]string{"cr_token", "grant_type", "profile_name"}},
		{"by ID", func(b *core.ContainerAuthenticatorBuilder) { b.SetIAMProfileID(facts.TrustedProfileID) },
			[]string{"cr_token", "grant_type", "profile_id"}},
		{"by both", func(b *core.ContainerAuthenticatorBuilder) {
			b.SetIAMProfileID(facts.TrustedProfileID).SetIAMProfileName(facts.TrustedProfileName)
		}, []string{"cr_token", "grant_type", "profile_id", "profile_name"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.ResetCounts()
			b := core.NewContainerAuthenticatorBuilder().SetCRTokenFilename(file).SetURL(srv.URL).SetClient(srv.Client())
			tc.set(b)
			auth, err := b.Build()
			if err != nil {
				t.Fatal(err)
			}
			resp, err := auth.RequestToken()
			if err != nil {
				t.Fatalf("RequestToken: %v", err)
			}
			if !strings.HasPrefix(resp.AccessToken, "eyJ") || resp.ExpiresIn != 3600 || resp.TokenType != "Bearer" ||
				resp.RefreshToken != "not_supported" || resp.Expiration < time.Now().Unix()+3590 {
				t.Errorf("response = %+v", resp)
			}
			if status, key := useIAMToken(t, srv.Client(), srv.URL, resp.AccessToken, facts.InstanceGUID); status != 200 || key != monitorToken {
				t.Errorf("GET /api/token with the profile's IAM token: status %d, key ok %v", status, key == monitorToken)
			}
			reqs := e.Requests()
			if len(reqs) != 2 || reqs[0].Method+" "+reqs[0].Path != RouteIAMToken || reqs[0].Status != 200 || reqs[1].Auth != "iam" {
				t.Fatalf("requests = %+v", reqs)
			}
			var fields []string
			for k := range reqs[0].Form {
				fields = append(fields, k)
			}
			sort.Strings(fields)
			if !reflect.DeepEqual(fields, tc.wantFields) || reqs[0].Form.Get("cr_token") != facts.CRToken ||
				reqs[0].Form.Get("grant_type") != grantTypeCRToken {
				t.Errorf("form fields = %v, want %v", fields, tc.wantFields)
			}
			h := reqs[0].Header
			if h.Get("Content-Type") != "application/x-www-form-urlencoded" || h.Get("Accept") != "application/json" ||
				!strings.HasPrefix(h.Get("User-Agent"), "ibm-go-sdk-core/container-authenticator-") {
				t.Errorf("headers = %v", h)
			}
		})
	}

	for _, tc := range []struct {
		name, content, profile, wantCode string
	}{
		{"untrusted token", "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", facts.TrustedProfileName, "EMULATOR-CR-TOKEN-NOT-TRUSTED"},
		// go-sdk-core sends the file as it is: a newline the kubelet never writes breaks it.
		{"token with a newline", facts.CRToken + "\n", facts.TrustedProfileName, "EMULATOR-CR-TOKEN-NOT-TRUSTED"},
		{"unknown profile", facts.CRToken, "monitor-writer", "EMULATOR-PROFILE-NOT-FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			auth, err := core.NewContainerAuthenticatorBuilder().SetCRTokenFilename(writeCRTokenFile(t, tc.content)).
				SetIAMProfileName(tc.profile).SetURL(srv.URL).SetClient(srv.Client()).Build()
			if err != nil {
				t.Fatal(err)
			}
			_, err = auth.RequestToken()
			status, body := authStatus(t, err)
			if status != 400 || !strings.Contains(body, `"errorCode":"`+tc.wantCode+`"`) {
				t.Errorf("status %d body %s, want 400 with %s", status, body, tc.wantCode)
			}
		})
	}
}

func TestGoSDKCoreVpcInstanceAuthenticator(t *testing.T) {
	e, facts := NewDemo()
	srv := httptest.NewTLSServer(e)
	defer srv.Close()
	monitorToken := e.MonitorToken(facts.InstanceGUID, facts.DefaultTeamID)
	build := func(set func(*core.VpcInstanceAuthenticatorBuilder)) *core.VpcInstanceAuthenticator {
		t.Helper()
		b := core.NewVpcInstanceAuthenticatorBuilder().SetURL(srv.URL).SetClient(srv.Client())
		if set != nil {
			set(b)
		}
		auth, err := b.Build()
		if err != nil {
			t.Fatal(err)
		}
		return auth
	}
	for _, tc := range []struct {
		name string
		set  func(*core.VpcInstanceAuthenticatorBuilder)
	}{
		{"linked profile", nil},
		{"by ID", func(b *core.VpcInstanceAuthenticatorBuilder) { b.SetIAMProfileID(facts.TrustedProfileID) }},
		{"by name", func(b *core.VpcInstanceAuthenticatorBuilder) { b.SetIAMProfileName(facts.TrustedProfileName) }},
		{"by CRN", func(b *core.VpcInstanceAuthenticatorBuilder) {
			b.SetIAMProfileCRN(TrustedProfileCRN("0123456789abcdef0123456789abcdef", facts.TrustedProfileID))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.ResetCounts()
			resp, err := build(tc.set).RequestToken()
			if err != nil {
				t.Fatalf("RequestToken: %v", err)
			}
			now := time.Now().Unix()
			if !strings.HasPrefix(resp.AccessToken, "eyJ") || resp.ExpiresIn != 3600 || resp.Expiration < now+3590 || resp.Expiration > now+3600 {
				t.Errorf("response = %+v", resp)
			}
			if status, key := useIAMToken(t, srv.Client(), srv.URL, resp.AccessToken, facts.InstanceGUID); status != 200 || key != monitorToken {
				t.Errorf("GET /api/token with the VSI's IAM token: status %d, key ok %v", status, key == monitorToken)
			}
			if e.Count(RouteVPCIdentityToken) != 1 || e.Count(RouteVPCIAMToken) != 1 {
				t.Errorf("counts = %d, %d", e.Count(RouteVPCIdentityToken), e.Count(RouteVPCIAMToken))
			}
			reqs := e.Requests()
			if len(reqs) != 3 || reqs[0].Auth != "" || reqs[1].Auth != "instance-identity" || reqs[2].Auth != "iam" {
				t.Fatalf("requests = %+v", reqs)
			}
			for _, r := range reqs[:2] {
				if r.Header.Get("Metadata-Flavor") != "ibm" || r.Header.Get("Content-Type") != "application/json" ||
					r.Header.Get("Accept") != "application/json" || r.Status != 200 {
					t.Errorf("%s %s: status %d headers %v", r.Method, r.Path, r.Status, r.Header)
				}
			}
		})
	}

	// The IAM token's lifetime is IAM's, not the identity token's.
	e.SetIAMTokenLifetime(90 * time.Second)
	if resp, err := build(nil).RequestToken(); err != nil || resp.ExpiresIn != 90 {
		t.Errorf("with a 90 s lifetime: %+v, %v", resp, err)
	}
	e.SetIAMTokenLifetime(time.Hour)

	_, err := build(func(b *core.VpcInstanceAuthenticatorBuilder) { b.SetIAMProfileID(otherProfileID) }).RequestToken()
	if status, body := authStatus(t, err); status != 400 || !strings.Contains(body, `"code":"emulator_trusted_profile_not_found"`) {
		t.Errorf("unknown profile: status %d body %s", status, body)
	}
	e.EnableVPC("")
	_, err = build(nil).RequestToken()
	if status, body := authStatus(t, err); status != 400 || !strings.Contains(body, `"code":"emulator_trusted_profile_required"`) {
		t.Errorf("no linked profile: status %d body %s", status, body)
	}
	if _, err := build(func(b *core.VpcInstanceAuthenticatorBuilder) { b.SetIAMProfileName(facts.TrustedProfileName) }).RequestToken(); err != nil {
		t.Errorf("no linked profile, named one: %v", err)
	}

	// Not a VSI: the metadata service does not exist.
	plain := httptest.NewTLSServer(New())
	defer plain.Close()
	auth, err := core.NewVpcInstanceAuthenticatorBuilder().SetURL(plain.URL).SetClient(plain.Client()).Build()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := auth.RequestToken(); err == nil {
		t.Error("without EnableVPC: no error")
	} else if status, _ := authStatus(t, err); status != 404 {
		t.Errorf("without EnableVPC: %v", err)
	}
}

var (
	vpcPutHeaders  = []string{"Content-Type: application/json", "Accept: application/json", "Metadata-Flavor: ibm"}
	vpcPostHeaders = []string{"Content-Type: application/json", "Accept: application/json", "Authorization: Bearer {identity}", "Metadata-Flavor: ibm"}
)

// without returns headers minus those named name; with adds lines.
func without(headers []string, name string) []string {
	var out []string
	for _, h := range headers {
		if !strings.HasPrefix(h, name+": ") {
			out = append(out, h)
		}
	}
	return out
}

func with(headers []string, lines ...string) []string {
	return append(append([]string(nil), headers...), lines...)
}

// vpcErr is the metadata service's error body; target is a JSON object or "".
func vpcErr(status int, code, msg, target string) string {
	if target != "" {
		target = `,"target":` + target
	}
	return fmt.Sprintf(`{"errors":[{"code":%q,"message":%q%s}],"status_code":%d,"trace":"<any>"}`, code, msg, target, status)
}

const (
	vpcTokenPath = "/instance_identity/v1/token?version=2022-03-01"
	vpcIAMPath   = "/instance_identity/v1/iam_token?version=2022-03-01"
	vpcSuccess   = `{"access_token":"<any>","created_at":"<any>","expires_at":"<any>","expires_in":%d}`
)

var (
	flavorErr  = vpcErr(400, "emulator_metadata_flavor", `the Metadata-Flavor header must be "ibm"`, `{"name":"Metadata-Flavor","type":"header"}`)
	versionErr = func(value, msg string) string {
		t := `{"name":"version","type":"query"}`
		if value != "" {
			t = fmt.Sprintf(`{"name":"version","type":"query","value":%q}`, value)
		}
		return vpcErr(400, "emulator_version", msg, t)
	}
	notAuthorized = func(msg string) string {
		return vpcErr(401, "emulator_not_authorized", msg, `{"name":"Authorization","type":"header"}`)
	}
	profileNotFound = func(field, value string) string {
		return vpcErr(400, "emulator_trusted_profile_not_found", "trusted profile not found",
			fmt.Sprintf(`{"name":"trusted_profile.%s","type":"field","value":%q}`, field, value))
	}
	lifetimeErr = func(v string) string {
		return vpcErr(400, "invalid_value", "The value provided for the expires_in field must be between 5 and 3600.",
			fmt.Sprintf(`{"name":"expires_in","type":"field","value":%q}`, v))
	}
)

func TestVPCIdentityTokenRequests(t *testing.T) {
	f := newFixture(t)
	put := func(path, body string, headers ...string) wire {
		if headers == nil {
			headers = vpcPutHeaders
		}
		return wire{"PUT", path, headers, body}
	}
	const body = `{"expires_in": 300}`
	bodyErr := func(msg string) string { return vpcErr(400, "emulator_body", msg, "") }
	f.run(t, []wireCase{
		{"go-sdk-core request", put(vpcTokenPath, body), 200, fmt.Sprintf(vpcSuccess, 300)},
		{"empty object: 300 s", put(vpcTokenPath, `{}`), 200, fmt.Sprintf(vpcSuccess, 300)},
		{"minimum lifetime", put(vpcTokenPath, `{"expires_in":5}`), 200, fmt.Sprintf(vpcSuccess, 5)},
		{"maximum lifetime", put(vpcTokenPath, `{"expires_in":3600}`), 200, fmt.Sprintf(vpcSuccess, 3600)},
		{"charset", put(vpcTokenPath, body, "Content-Type: application/json; charset=utf-8", "Accept: application/json", "Metadata-Flavor: ibm"), 200, fmt.Sprintf(vpcSuccess, 300)},
		{"version 2025-08-25", put("/instance_identity/v1/token?version=2025-08-25", body), 200, fmt.Sprintf(vpcSuccess, 300)},

		{"no Metadata-Flavor", put(vpcTokenPath, body, without(vpcPutHeaders, "Metadata-Flavor")...), 400, flavorErr},
		{"Metadata-Flavor: IBM", put(vpcTokenPath, body, with(without(vpcPutHeaders, "Metadata-Flavor"), "Metadata-Flavor: IBM")...), 400, flavorErr},
		{"Metadata-Flavor: Google", put(vpcTokenPath, body, with(without(vpcPutHeaders, "Metadata-Flavor"), "Metadata-Flavor: Google")...), 400, flavorErr},
		{"two Metadata-Flavor", put(vpcTokenPath, body, with(vpcPutHeaders, "Metadata-Flavor: ibm")...), 400, flavorErr},
		{"no version", put("/instance_identity/v1/token", body), 400, versionErr("", "the version query parameter is required once")},
		{"two versions", put(vpcTokenPath+"&version=2022-03-01", body), 400, versionErr("", "the version query parameter is required once")},
		{"version not a date", put("/instance_identity/v1/token?version=2022-3-1", body), 400, versionErr("2022-3-1", "version must be a date in the format YYYY-MM-DD")},
		{"version too old", put("/instance_identity/v1/token?version=2021-12-31", body), 400, versionErr("2021-12-31", "instance identity tokens need version 2022-03-01 or later")},
		{"version of the new paths", put("/instance_identity/v1/token?version=2025-08-26", body), 400,
			versionErr("2025-08-26", "from version 2025-08-26 on, this operation is under /identity/v1/, which the emulator does not serve")},
		{"unknown query parameter", put(vpcTokenPath+"&generation=2", body), 400,
			vpcErr(400, "emulator_query_parameter", `unknown query parameter "generation"`, `{"name":"generation","type":"query"}`)},
		{"no Accept", put(vpcTokenPath, body, without(vpcPutHeaders, "Accept")...), 400,
			vpcErr(400, "emulator_accept", "Accept must allow application/json", `{"name":"Accept","type":"header"}`)},
		{"Authorization", put(vpcTokenPath, body, with(vpcPutHeaders, "Authorization: Bearer {identity}")...), 400,
			vpcErr(400, "emulator_authorization", "no Authorization header is expected when creating an instance identity token", `{"name":"Authorization","type":"header"}`)},
		{"no Content-Type", put(vpcTokenPath, body, without(vpcPutHeaders, "Content-Type")...), 400,
			vpcErr(400, "emulator_content_type", "Content-Type must be application/json", `{"name":"Content-Type","type":"header"}`)},
		{"form Content-Type", put(vpcTokenPath, "expires_in=300", with(without(vpcPutHeaders, "Content-Type"), "Content-Type: application/x-www-form-urlencoded")...), 400,
			vpcErr(400, "emulator_content_type", "Content-Type must be application/json", `{"name":"Content-Type","type":"header"}`)},
		{"no body", put(vpcTokenPath, ""), 400, bodyErr(`the body must be a JSON object, e.g. {"expires_in": 300}`)},
		{"array body", put(vpcTokenPath, `[]`), 400, bodyErr("the body must be one JSON object")},
		{"null body", put(vpcTokenPath, `null`), 400, bodyErr("the body must be one JSON object")},
		{"two objects", put(vpcTokenPath, `{} {}`), 400, bodyErr("the body must be one JSON object")},
		{"not JSON", put(vpcTokenPath, `expires_in=300`), 400, bodyErr("the body must be one JSON object")},
		{"unknown field", put(vpcTokenPath, `{"expires_in":300,"ttl":300}`), 400, vpcErr(400, "emulator_body", `unknown field "ttl"`, `{"name":"ttl","type":"field"}`)},
		{"expires_in as a string", put(vpcTokenPath, `{"expires_in":"300"}`), 400, vpcErr(400, "emulator_body", "expires_in must be an integer", `{"name":"expires_in","type":"field"}`)},
		{"expires_in null", put(vpcTokenPath, `{"expires_in":null}`), 400, vpcErr(400, "emulator_body", "expires_in must be an integer", `{"name":"expires_in","type":"field"}`)},
		{"expires_in fractional", put(vpcTokenPath, `{"expires_in":300.5}`), 400, vpcErr(400, "emulator_body", "expires_in must be an integer", `{"name":"expires_in","type":"field","value":"300.5"}`)},
		{"expires_in too long", put(vpcTokenPath, `{"expires_in":7200}`), 400, lifetimeErr("7200")},
		{"expires_in too short", put(vpcTokenPath, `{"expires_in":4}`), 400, lifetimeErr("4")},
		{"expires_in negative", put(vpcTokenPath, `{"expires_in":-1}`), 400, lifetimeErr("-1")},
		{"too large", put(vpcTokenPath, `{"expires_in":300,"pad":"`+strings.Repeat("x", maxBodyBytes)+`"}`), 413,
			vpcErr(413, "emulator_too_large", "request body too large", "")},
		{"GET", wire{"GET", vpcTokenPath, vpcPutHeaders, ""}, 405, vpcErr(405, "emulator_method_not_allowed", "this operation takes PUT only", "")},
		{"POST", wire{"POST", vpcTokenPath, vpcPutHeaders, body}, 405, vpcErr(405, "emulator_method_not_allowed", "this operation takes PUT only", "")},
		{"trailing slash", put("/instance_identity/v1/token/?version=2022-03-01", body), 404, notFoundBody},
		{"2025-08-26 path is not served", put("/identity/v1/token?version=2025-08-26", body), 404, notFoundBody},
	})
	if res := f.do(t, wire{"GET", vpcTokenPath, vpcPutHeaders, ""}); res.header.Get("Allow") != "PUT" {
		t.Errorf("Allow = %q", res.header.Get("Allow"))
	}
}

func TestVPCIdentityTokenResponse(t *testing.T) {
	f := newFixture(t)
	res := f.do(t, wire{"PUT", vpcTokenPath, vpcPutHeaders, `{"expires_in": 60}`})
	var doc struct {
		AccessToken string `json:"access_token"`
		CreatedAt   string `json:"created_at"`
		ExpiresAt   string `json:"expires_at"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal([]byte(res.body), &doc); err != nil {
		t.Fatal(err)
	}
	created, err1 := time.Parse(time.RFC3339, doc.CreatedAt)
	expires, err2 := time.Parse(time.RFC3339, doc.ExpiresAt)
	if err1 != nil || err2 != nil || expires.Sub(created) != 60*time.Second || time.Since(created).Abs() > time.Minute ||
		!strings.HasSuffix(doc.CreatedAt, "Z") || doc.ExpiresIn != 60 || !strings.HasPrefix(doc.AccessToken, "eyJ") {
		t.Errorf("response = %s", res.body)
	}
	// The identity token is no IAM token and no Monitor token.
	res = f.do(t, monitorGet("/api/token", "Authorization: Bearer "+doc.AccessToken, "IBMInstanceID: {instance}"))
	if res.status != 401 {
		t.Errorf("identity token on /api/token: status %d", res.status)
	}
}

func TestVPCIAMTokenRequests(t *testing.T) {
	f := newFixture(t)
	post := func(body string, headers ...string) wire {
		if headers == nil {
			headers = vpcPostHeaders
		}
		return wire{"POST", vpcIAMPath, headers, body}
	}
	ok := fmt.Sprintf(vpcSuccess, 3600)
	bodyErr := func(msg, target string) string { return vpcErr(400, "emulator_body", msg, target) }
	crn := TrustedProfileCRN("0123456789abcdef0123456789abcdef", "{profile_id}")
	f.run(t, []wireCase{
		{"linked profile, no body", post(""), 200, ok},
		{"linked profile, no body, no Content-Type", post("", without(vpcPostHeaders, "Content-Type")...), 200, ok},
		{"empty object", post(`{}`), 200, ok},
		{"by id", post(`{"trusted_profile": {"id": "{profile_id}"}}`), 200, ok},
		{"by name", post(`{"trusted_profile": {"name": "{profile_name}"}}`), 200, ok},
		{"by crn", post(`{"trusted_profile": {"crn": "` + crn + `"}}`), 200, ok},

		{"unknown id", post(`{"trusted_profile": {"id": "Profile-00000000-0000-4000-8000-0000000000cc"}}`), 400,
			profileNotFound("id", "Profile-00000000-0000-4000-8000-0000000000cc")},
		{"unknown name", post(`{"trusted_profile": {"name": "monitor-writer"}}`), 400, profileNotFound("name", "monitor-writer")},
		{"crn of an unknown profile", post(`{"trusted_profile": {"crn": "crn:v1:bluemix:public:iam-identity::a/x::profile:Profile-1"}}`), 400,
			profileNotFound("crn", "crn:v1:bluemix:public:iam-identity::a/x::profile:Profile-1")},
		{"not a profile crn", post(`{"trusted_profile": {"crn": "crn:v1:bluemix:public:is:us-south:a/x::instance:{profile_id}"}}`), 400,
			profileNotFound("crn", "crn:v1:bluemix:public:is:us-south:a/x::instance:{profile_id}")},
		{"id and name", post(`{"trusted_profile": {"id": "{profile_id}", "name": "{profile_name}"}}`), 400,
			bodyErr("trusted_profile must name exactly one of id, crn or name", `{"name":"trusted_profile","type":"field"}`)},
		{"empty trusted_profile", post(`{"trusted_profile": {}}`), 400,
			bodyErr("trusted_profile must name exactly one of id, crn or name", `{"name":"trusted_profile","type":"field"}`)},
		{"empty id", post(`{"trusted_profile": {"id": ""}}`), 400,
			bodyErr("trusted_profile.id must be a non-empty string", `{"name":"trusted_profile.id","type":"field"}`)},
		{"numeric id", post(`{"trusted_profile": {"id": 1}}`), 400,
			bodyErr("trusted_profile.id must be a non-empty string", `{"name":"trusted_profile.id","type":"field"}`)},
		{"trusted_profile a string", post(`{"trusted_profile": "{profile_id}"}`), 400, bodyErr("trusted_profile must be a JSON object", "")},
		{"unknown profile field", post(`{"trusted_profile": {"uuid": "{profile_id}"}}`), 400,
			bodyErr(`unknown field "trusted_profile.uuid"`, `{"name":"trusted_profile.uuid","type":"field"}`)},
		{"unknown field", post(`{"profile_id": "{profile_id}"}`), 400, bodyErr(`unknown field "profile_id"`, `{"name":"profile_id","type":"field"}`)},
		{"expires_in is not a field here", post(`{"expires_in": 300}`), 400, bodyErr(`unknown field "expires_in"`, `{"name":"expires_in","type":"field"}`)},
		{"body without Content-Type", post(`{}`, without(vpcPostHeaders, "Content-Type")...), 400,
			vpcErr(400, "emulator_content_type", "Content-Type must be application/json", `{"name":"Content-Type","type":"header"}`)},

		{"no Metadata-Flavor", post("", without(vpcPostHeaders, "Metadata-Flavor")...), 400, flavorErr},
		{"no version", wire{"POST", "/instance_identity/v1/iam_token", vpcPostHeaders, ""}, 400, versionErr("", "the version query parameter is required once")},
		{"no Authorization", post("", without(vpcPostHeaders, "Authorization")...), 401,
			notAuthorized("missing Authorization header: want the instance identity token as a bearer")},
		{"Basic", post("", with(without(vpcPostHeaders, "Authorization"), "Authorization: Basic {identity}")...), 401,
			notAuthorized(`malformed Authorization header: want one "Bearer <token>"`)},
		{"bad identity token", post("", with(without(vpcPostHeaders, "Authorization"), "Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln")...), 401,
			notAuthorized("the bearer is not an instance identity token of this instance")},
		{"IAM token as bearer", post("", with(without(vpcPostHeaders, "Authorization"), "Authorization: Bearer {iam}")...), 401,
			notAuthorized("the bearer is not an instance identity token of this instance")},
		{"cr token as bearer", post("", with(without(vpcPostHeaders, "Authorization"), "Authorization: Bearer {crtoken}")...), 401,
			notAuthorized("the bearer is not an instance identity token of this instance")},
		{"expired identity token", post("", with(without(vpcPostHeaders, "Authorization"), "Authorization: Bearer {identity_expired}")...), 401,
			notAuthorized("the instance identity token has expired")},
		{"GET", wire{"GET", vpcIAMPath, vpcPostHeaders, ""}, 405, vpcErr(405, "emulator_method_not_allowed", "this operation takes POST only", "")},
		{"PUT", wire{"PUT", vpcIAMPath, vpcPostHeaders, ""}, 405, vpcErr(405, "emulator_method_not_allowed", "this operation takes POST only", "")},
		{"2025-08-26 path is not served", wire{"POST", "/identity/v1/iam_tokens?version=2025-08-26", vpcPostHeaders, ""}, 404, notFoundBody},
	})

	// The linked profile: none, then one that does not exist.
	f.e.EnableVPC("")
	f.run(t, []wireCase{
		{"no linked profile", post(""), 400, vpcErr(400, "emulator_trusted_profile_required",
			"no trusted profile is linked to this instance: name one in trusted_profile", `{"name":"trusted_profile","type":"field"}`)},
		{"no linked profile, named one", post(`{"trusted_profile": {"id": "{profile_id}"}}`), 200, ok},
	})
	f.e.EnableVPC(otherProfileID)
	f.run(t, []wireCase{
		{"linked profile unknown", post(""), 400, vpcErr(400, "emulator_trusted_profile_not_found",
			"the trusted profile linked to this instance does not exist", `{"name":"trusted_profile","type":"field"}`)},
	})
	f.e.AddTrustedProfile(TrustedProfile{ID: otherProfileID, Name: "other", UserID: 7})
	f.run(t, []wireCase{{"linked profile added later", post(""), 200, ok}})
}

func TestVPCDisabled(t *testing.T) {
	e := New()
	e.AddTrustedProfile(TrustedProfile{ID: otherProfileID, Name: "other", UserID: 7})
	srv := httptest.NewServer(e)
	defer srv.Close()
	f := &fixture{e: e, srv: srv, vars: strings.NewReplacer("{identity}", "x")}
	f.run(t, []wireCase{
		{"identity token", wire{"PUT", vpcTokenPath, vpcPutHeaders, `{"expires_in": 300}`}, 404, notFoundBody},
		{"iam token", wire{"POST", vpcIAMPath, vpcPostHeaders, ""}, 404, notFoundBody},
		{"wrong method too", wire{"GET", vpcIAMPath, nil, ""}, 404, notFoundBody},
	})
	if e.Count(RouteVPCIdentityToken) != 1 || e.Count(RouteVPCIAMToken) != 1 {
		t.Errorf("counts = %d, %d; the 404s are counted", e.Count(RouteVPCIdentityToken), e.Count(RouteVPCIAMToken))
	}
	e.EnableVPC(otherProfileID)
	if res := f.do(t, wire{"PUT", vpcTokenPath, vpcPutHeaders, `{"expires_in": 300}`}); res.status != 200 {
		t.Errorf("after EnableVPC: status %d body %s", res.status, res.body)
	}
}

func TestVPCFaults(t *testing.T) {
	f := newFixture(t)
	f.e.InjectFault(RouteVPCIdentityToken, Fault{Status: 429, RetryAfter: "1"})
	f.e.InjectFault(RouteVPCIAMToken, Fault{Status: 503})
	f.e.InjectFault(RouteVPCIAMToken, Fault{Status: 401})
	putReq := wire{"PUT", vpcTokenPath, vpcPutHeaders, `{"expires_in": 300}`}
	postReq := wire{"POST", vpcIAMPath, vpcPostHeaders, ""}
	f.run(t, []wireCase{
		{"PUT 429", putReq, 429, vpcErr(429, "emulator_429", "Too Many Requests", "")},
		{"PUT again", putReq, 200, fmt.Sprintf(vpcSuccess, 300)},
		{"POST 503", postReq, 503, "503 Service Unavailable\n"},
		{"POST 401", postReq, 401, vpcErr(401, "emulator_401", "Unauthorized", "")},
		{"POST again", postReq, 200, fmt.Sprintf(vpcSuccess, 3600)},
	})
	if f.e.Count(RouteVPCIdentityToken) != 2 || f.e.Count(RouteVPCIAMToken) != 3 {
		t.Errorf("counts = %d, %d", f.e.Count(RouteVPCIdentityToken), f.e.Count(RouteVPCIAMToken))
	}
	// The control API takes the routes too.
	res := f.do(t, wire{"POST", "/_emulator/fault?route=PUT%20/instance_identity/v1/token", nil, `{"status":500}`})
	if res.status != 204 {
		t.Fatalf("control fault: %d %s", res.status, res.body)
	}
	if res := f.do(t, putReq); res.status != 500 {
		t.Errorf("PUT after control fault: status %d", res.status)
	}
}

// TestControlRedactsProfileSecrets: neither the cr token nor the identity token comes back
// from the control API.
func TestControlRedactsProfileSecrets(t *testing.T) {
	f := newFixture(t)
	f.do(t, wire{"POST", "/identity/token", iamHeaders, containerForm})
	f.do(t, wire{"POST", vpcIAMPath, vpcPostHeaders, ""})
	res := f.do(t, monitorGet("/_emulator/requests"))
	var reqs []Request
	if err := json.Unmarshal([]byte(res.body), &reqs); err != nil || len(reqs) != 2 {
		t.Fatalf("requests: %v, %s", err, res.body)
	}
	if reqs[0].Form.Get("cr_token") != "[redacted]" || reqs[0].Form.Get("profile_name") != demoProfileName {
		t.Errorf("form = %v", reqs[0].Form)
	}
	if reqs[1].Header.Get("Authorization") != "Bearer [redacted]" || reqs[1].Auth != "instance-identity" {
		t.Errorf("iam_token request = %+v", reqs[1])
	}
	for _, s := range []string{f.facts.CRToken, f.vars.Replace("{identity}")} {
		if strings.Contains(res.body, s) {
			t.Errorf("control API leaks a secret %.8q...", s)
		}
	}
}

func TestAddTrustedProfilePanicsOnInvalid(t *testing.T) {
	for _, p := range []TrustedProfile{
		{ID: "", Name: "n"},
		{ID: "Profile-", Name: "n"},
		{ID: "p-1", Name: "n"},
		{ID: otherProfileID, Name: ""},
		{ID: otherProfileID, Name: "Profile-x"},
		{ID: otherProfileID, Name: "n", CRTokens: []string{""}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AddTrustedProfile(%+v) did not panic", p)
				}
			}()
			New().AddTrustedProfile(p)
		}()
	}
	e, facts := NewDemo()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("a second profile with the demo profile's name did not panic")
			}
		}()
		e.AddTrustedProfile(TrustedProfile{ID: otherProfileID, Name: facts.TrustedProfileName})
	}()
	// Re-adding an ID replaces the profile: the old token is no longer trusted.
	e.AddTrustedProfile(TrustedProfile{ID: facts.TrustedProfileID, Name: facts.TrustedProfileName, CRTokens: []string{"new"}})
	srv := httptest.NewServer(e)
	defer srv.Close()
	f := &fixture{e: e, srv: srv, vars: strings.NewReplacer("{crtoken}", facts.CRToken, "{profile_name}", facts.TrustedProfileName)}
	if res := f.do(t, wire{"POST", "/identity/token", iamHeaders, containerForm}); res.status != 400 {
		t.Errorf("old cr token after replacement: status %d", res.status)
	}
}

func TestDemoTrustedProfile(t *testing.T) {
	_, facts := NewDemo()
	_, facts2 := NewDemo()
	if facts.TrustedProfileID != "Profile-00000000-0000-4000-8000-0000000000aa" || facts.TrustedProfileName != "monitor-reader" {
		t.Errorf("profile = %q %q", facts.TrustedProfileID, facts.TrustedProfileName)
	}
	if facts.CRToken == facts2.CRToken || !strings.HasPrefix(facts.CRToken, "eyJ") || strings.TrimSpace(facts.CRToken) != facts.CRToken ||
		strings.Count(facts.CRToken, ".") != 2 {
		t.Errorf("cr token %.12q... is not a fresh clean JWT", facts.CRToken)
	}
	if got := profileIDFromCRN(TrustedProfileCRN("abc", facts.TrustedProfileID)); got != facts.TrustedProfileID {
		t.Errorf("CRN round trip = %q", got)
	}
}
