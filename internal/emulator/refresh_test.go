package emulator

import (
	"encoding/json"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
)

// sdkRefreshHeaders are the headers the plugin SDK's IAM client sends with the refresh grant:
// its client's bx:bx (iam.DefaultConfig), the form's Content-Type (common/rest's
// buildFormFields) and Accept: application/json (common/rest's makeRequest).
var sdkRefreshHeaders = []string{"Authorization: Basic Yng6Yng=", "Content-Type: application/x-www-form-urlencoded", "Accept: application/json"}

// sdkRefreshForm is the SDK's refresh-token form (iam.RefreshTokenRequest, and GetToken's
// response_type=cloud_iam).
const sdkRefreshForm = "grant_type=refresh_token&refresh_token={refresh}&response_type=cloud_iam"

// refreshFixture is the fixture with the refresh tokens of three CLI logins: {refresh} works,
// {refresh_revoked} was revoked and {refresh_expired} has expired.
func refreshFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	login := func() string {
		access, refresh, ok := f.e.LoginCLI(f.facts.APIKey)
		if !ok || access == "" || refresh == "" || access == refresh {
			t.Fatalf("LoginCLI = %q, %q, %v", access, refresh, ok)
		}
		return refresh
	}
	revoked := login()
	f.e.InvalidateRefreshTokens(RefreshRevoked)
	expired := login()
	f.e.InvalidateRefreshTokens(RefreshExpired)
	valid := login()
	if _, _, ok := f.e.LoginCLI("not a key"); ok {
		t.Fatal("LoginCLI took an unknown key")
	}
	f.vars = strings.NewReplacer("{refresh_revoked}", url.QueryEscape(revoked), "{refresh_expired}", url.QueryEscape(expired),
		"{refresh}", url.QueryEscape(valid), "{apikey}", url.QueryEscape(f.facts.APIKey))
	return f
}

func TestRefreshGrantRequests(t *testing.T) {
	f := refreshFixture(t)
	req := func(header []string, body string) wire { return wire{"POST", "/identity/token", header, body} }
	without := func(name string) []string {
		var out []string
		for _, h := range sdkRefreshHeaders {
			if !strings.HasPrefix(h, name+":") {
				out = append(out, h)
			}
		}
		return out
	}
	with := func(extra ...string) []string { return append(without("Authorization"), extra...) }
	f.run(t, []wireCase{
		{"the SDK's request", req(sdkRefreshHeaders, sdkRefreshForm), 200, skipBody},
		{"without response_type", req(sdkRefreshHeaders, "grant_type=refresh_token&refresh_token={refresh}"), 200, skipBody},
		{"lower-case basic", req(with("Authorization: basic Yng6Yng="), sdkRefreshForm), 200, skipBody},
		{"revoked refresh token", req(sdkRefreshHeaders, strings.ReplaceAll(sdkRefreshForm, "{refresh}", "{refresh_revoked}")), 400,
			iamErr("BXNIM0407E", "Provided refresh token is invalid.")},
		{"expired refresh token", req(sdkRefreshHeaders, strings.ReplaceAll(sdkRefreshForm, "{refresh}", "{refresh_expired}")), 400,
			iamErr("BXNIM0408E", "Provided refresh token is expired.")},
		{"unknown refresh token", req(sdkRefreshHeaders, "grant_type=refresh_token&refresh_token=eyJnope&response_type=cloud_iam"), 400,
			iamErr("BXNIM0407E", "Provided refresh token is invalid.")},
		{"an access token as refresh token", req(sdkRefreshHeaders, "grant_type=refresh_token&refresh_token="+f.iamToken(t)+"&response_type=cloud_iam"), 400,
			iamErr("BXNIM0407E", "Provided refresh token is invalid.")},
		{"no client credentials", req(without("Authorization"), sdkRefreshForm), 400,
			iamErr("EMULATOR-CLIENT-AUTH", "the refresh_token grant needs the client's Authorization: Basic credentials")},
		{"another client", req(with("Authorization: Basic "+"Yng6eQ=="), sdkRefreshForm), 401, iamErr("EMULATOR-CLIENT-AUTH", "unknown client id or secret")},
		{"bearer instead of basic", req(with("Authorization: Bearer Yng6Yng="), sdkRefreshForm), 401, iamErr("EMULATOR-CLIENT-AUTH", "unknown client id or secret")},
		{"two Authorization headers", req(append(sdkRefreshHeaders, "Authorization: Basic Yng6Yng="), sdkRefreshForm), 401, iamErr("EMULATOR-CLIENT-AUTH", "unknown client id or secret")},
		{"missing refresh_token", req(sdkRefreshHeaders, "grant_type=refresh_token&response_type=cloud_iam"), 400, iamErr("EMULATOR-MISSING-FIELD", `missing form field "refresh_token"`)},
		{"empty refresh_token", req(sdkRefreshHeaders, "grant_type=refresh_token&refresh_token=&response_type=cloud_iam"), 400, iamErr("EMULATOR-MISSING-FIELD", `missing form field "refresh_token"`)},
		{"repeated refresh_token", req(sdkRefreshHeaders, sdkRefreshForm+"&refresh_token={refresh}"), 400, iamErr("EMULATOR-REPEATED-FIELD", `form field "refresh_token" given 2 times`)},
		{"apikey beside it", req(sdkRefreshHeaders, sdkRefreshForm+"&apikey={apikey}"), 400, iamErr("EMULATOR-UNKNOWN-FIELD", `unexpected form field "apikey"`)},
		{"refresh_token with the apikey grant", req(iamHeaders, goSDKCoreForm+"&refresh_token={refresh}"), 400, iamErr("EMULATOR-UNKNOWN-FIELD", `unexpected form field "refresh_token"`)},
		{"wrong response_type", req(sdkRefreshHeaders, "grant_type=refresh_token&refresh_token={refresh}&response_type=ims_portal"), 400, iamErr("EMULATOR-RESPONSE-TYPE", "unsupported response_type")},
		{"JSON content type", req([]string{"Authorization: Basic Yng6Yng=", "Content-Type: application/json", "Accept: application/json"}, sdkRefreshForm), 400,
			iamErr("EMULATOR-CONTENT-TYPE", "Content-Type must be application/x-www-form-urlencoded")},
		{"in the URL", wire{"POST", "/identity/token?grant_type=refresh_token&refresh_token={refresh}", sdkRefreshHeaders, ""}, 400,
			iamErr("EMULATOR-QUERY-STRING", "parameters must be in the form body, not in the URL")},
		{"apikey grant with the CLI's client is still refused", req(append(iamHeaders, "Authorization: Basic Yng6Yng="), goSDKCoreForm), 400,
			iamErr("EMULATOR-AUTHORIZATION", "no Authorization header is expected with an apikey grant")},
	})
}

// TestRefreshGrantSuccessFields: the answer has IAM's fields, a new access token the
// Monitoring routes take, and a new refresh token that works in turn; the one used still works.
func TestRefreshGrantSuccessFields(t *testing.T) {
	f := refreshFixture(t)
	f.e.SetIAMTokenLifetime(90 * time.Second)
	before := time.Now().Unix()
	res := f.do(t, wire{"POST", "/identity/token", sdkRefreshHeaders, sdkRefreshForm})
	if res.status != 200 {
		t.Fatalf("status %d body %s", res.status, res.body)
	}
	doc, keys := decodeFields(t, res.body)
	if want := []string{"access_token", "expiration", "expires_in", "ims_user_id", "refresh_token", "scope", "token_type"}; !reflect.DeepEqual(keys, want) {
		t.Fatalf("fields = %v, want %v", keys, want)
	}
	if doc["token_type"] != "Bearer" || doc["scope"] != "ibm openid" || doc["expires_in"] != json.Number("90") {
		t.Errorf("token_type %v scope %v expires_in %v", doc["token_type"], doc["scope"], doc["expires_in"])
	}
	exp, _ := doc["expiration"].(json.Number).Int64()
	if exp < before+90 || exp > time.Now().Unix()+90 {
		t.Errorf("expiration = %d, want about now+90", exp)
	}
	checkJWT(t, doc["access_token"].(string), exp)
	newRefresh, _ := doc["refresh_token"].(string)
	if !strings.HasPrefix(newRefresh, "eyJ") || url.QueryEscape(newRefresh) == f.vars.Replace("{refresh}") {
		t.Fatalf("refresh_token = %.10q..., want a new one", newRefresh)
	}
	// The new access token is an IAM token Monitoring takes.
	got := f.do(t, wire{"GET", "/api/token", []string{"Authorization: Bearer " + doc["access_token"].(string), "IBMInstanceID: " + f.facts.InstanceGUID, "Accept: application/json"}, ""})
	if got.status != 200 {
		t.Fatalf("GET /api/token with the refreshed token: %d %s", got.status, got.body)
	}
	again := f.do(t, wire{"POST", "/identity/token", sdkRefreshHeaders, "grant_type=refresh_token&refresh_token=" + url.QueryEscape(newRefresh) + "&response_type=cloud_iam"})
	if again.status != 200 {
		t.Fatalf("the new refresh token: %d %s", again.status, again.body)
	}
	if old := f.do(t, wire{"POST", "/identity/token", sdkRefreshHeaders, sdkRefreshForm}); old.status != 200 {
		t.Fatalf("the used refresh token: %d %s", old.status, old.body)
	}
}

// TestRefreshControl: the control route ends refresh tokens as InvalidateRefreshTokens does,
// and checks its parameter.
func TestRefreshControl(t *testing.T) {
	f := refreshFixture(t)
	f.run(t, []wireCase{
		{"bad as", wire{"POST", "/_emulator/invalidate-refresh-tokens?as=later", nil, ""}, 400, `{"message":"as must be revoked or expired"}`},
		{"no as", wire{"POST", "/_emulator/invalidate-refresh-tokens", nil, ""}, 400, `{"message":"parameter \"as\" is required once"}`},
		{"expire", wire{"POST", "/_emulator/invalidate-refresh-tokens?as=expired", nil, ""}, 204, ""},
		{"now expired", wire{"POST", "/identity/token", sdkRefreshHeaders, sdkRefreshForm}, 400, iamErr("BXNIM0408E", "Provided refresh token is expired.")},
		{"revoke", wire{"POST", "/_emulator/invalidate-refresh-tokens?as=revoked", nil, ""}, 204, ""},
		{"now revoked", wire{"POST", "/identity/token", sdkRefreshHeaders, sdkRefreshForm}, 400, iamErr("BXNIM0407E", "Provided refresh token is invalid.")},
	})
	for _, r := range f.e.Requests() {
		if r.Form.Get("refresh_token") != "" {
			redact(&r)
			if r.Form.Get("refresh_token") != redacted {
				t.Fatalf("the control API would show a refresh token: %v", r.Form)
			}
		}
	}
}
