package emulator

import (
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// IAM token endpoint, docs/protocol.md, "IAM API-key grant":
//
//	POST /identity/token
//	Content-Type: application/x-www-form-urlencoded
//	Accept: application/json
//
//	grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=<API_KEY>[&response_type=cloud_iam]
//
// and the trusted-profile grant of go-sdk-core's ContainerAuthenticator (profiles.go;
// docs/protocol.md, "Trusted profiles"):
//
//	grant_type=urn:ibm:params:oauth:grant-type:cr-token&cr_token=<CR token>[&profile_id=<ID>][&profile_name=<name>]
//
// Only this path is served: go-sdk-core appends /identity/token to a configured base itself
// (docs/protocol.md, "IAM endpoints"), so a client posting anywhere else has a URL bug and gets
// 404.

const (
	grantTypeAPIKey  = "urn:ibm:params:oauth:grant-type:apikey"
	grantTypeCRToken = "urn:ibm:params:oauth:grant-type:cr-token"
)

// iamGrantFields are the only form fields accepted, per grant. response_type=cloud_iam is
// what go-sdk-core's IamAuthenticator adds (docs/protocol.md, "IAM API-key grant"); its
// ContainerAuthenticator sends grant_type, cr_token and profile_id and/or profile_name, nothing
// else (scope only when configured, which monitor-token does not); the plugin SDK's refresh
// grant sends grant_type, refresh_token and response_type (refresh.go). Anything else (scope,
// a refresh_token with the apikey grant, a second apikey, profile_crn, an apikey with the
// cr-token grant) is a client
// doing something docs/protocol.md does not describe, so it is refused rather than ignored.
var iamGrantFields = map[string]map[string]bool{
	grantTypeAPIKey:       {"grant_type": true, "apikey": true, "response_type": true},
	grantTypeCRToken:      {"grant_type": true, "cr_token": true, "profile_id": true, "profile_name": true},
	grantTypeRefreshToken: {"grant_type": true, "refresh_token": true, "response_type": true},
}

// iamFormFields is every field some grant accepts: a field outside it is refused before
// the grant is looked at.
var iamFormFields = func() map[string]bool {
	all := map[string]bool{}
	for _, fields := range iamGrantFields {
		for name := range fields {
			all[name] = true
		}
	}
	return all
}()

// iamTokenResponse has exactly the documented success fields (docs/protocol.md, "IAM API-key
// grant").
type iamTokenResponse struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	Expiration   int64  `json:"expiration"`
	Scope        string `json:"scope"`
	IMSUserID    int    `json:"ims_user_id"`
}

// iamReject is a 4xx answer of the token endpoint.
type iamReject struct {
	status int
	code   string
	msg    string
}

func (e *Emulator) serveIAMToken(w http.ResponseWriter, r *http.Request, body []byte, bodyErr error) {
	if rej := checkIAMRequest(r, body, bodyErr); rej != nil {
		writeIAMReject(w, rej)
		return
	}
	form, _ := url.ParseQuery(string(body)) // checkIAMRequest parsed it already
	if form.Get("grant_type") == grantTypeRefreshToken {
		resp, rej := e.issueRefreshedIAMToken(form.Get("refresh_token"))
		if rej != nil {
			writeIAMReject(w, rej)
			return
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	if form.Get("grant_type") == grantTypeCRToken {
		resp, rej := e.issueProfileIAMToken(form)
		if rej != nil {
			writeIAMReject(w, rej)
			return
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	resp, ok := e.issueIAMToken(form.Get("apikey"))
	if !ok {
		// Bad or deleted key: usually HTTP 400 (docs/protocol.md, "IAM errors"). A test that
		// wants the 401 some clients see injects it as a fault.
		writeJSON(w, http.StatusBadRequest, iamError(iamCodeUnknownKey, iamMessageUnknownKey))
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func writeIAMReject(w http.ResponseWriter, rej *iamReject) {
	if rej.status == http.StatusMethodNotAllowed {
		w.Header().Set("Allow", http.MethodPost)
	}
	writeJSON(w, rej.status, iamError(rej.code, rej.msg))
}

// checkIAMRequest validates everything about a token request except whether the key exists.
// Every rejection is 400 with an IAM-shaped body unless said otherwise; the codes are the
// emulator's own (see respond.go), not IBM's.
func checkIAMRequest(r *http.Request, body []byte, bodyErr error) *iamReject {
	if r.Method != http.MethodPost {
		return &iamReject{http.StatusMethodNotAllowed, iamCodeMethod, "the token endpoint takes POST only"}
	}
	if r.URL.RawQuery != "" {
		// The grant goes in the form body. A key in the URL ends up in access logs.
		return &iamReject{http.StatusBadRequest, iamCodeQueryString, "parameters must be in the form body, not in the URL"}
	}
	grantType := ""
	if form, err := url.ParseQuery(string(body)); err == nil {
		grantType = form.Get("grant_type")
	}
	if grantType == grantTypeRefreshToken {
		// The refresh grant is the one made with the CLI's client credentials (refresh.go).
		if rej := checkClientAuth(r); rej != nil {
			return rej
		}
	} else if _, ok := r.Header["Authorization"]; ok {
		// Basic auth is only for a client id/secret (docs/protocol.md, "IAM API-key grant"),
		// which monitor-token does not have; any Authorization header here means a credential
		// went to the wrong place.
		grant := "an apikey"
		if grantType == grantTypeCRToken {
			grant = "a cr-token"
		}
		return &iamReject{http.StatusBadRequest, iamCodeAuthorization, "no Authorization header is expected with " + grant + " grant"}
	}
	if rej := checkIAMHeaders(r); rej != nil {
		return rej
	}
	if bodyErr != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(bodyErr, &tooLarge) {
			return &iamReject{http.StatusRequestEntityTooLarge, iamCodeTooLarge, "request body too large"}
		}
		return &iamReject{http.StatusBadRequest, iamCodeBody, "could not read the request body"}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return &iamReject{http.StatusBadRequest, iamCodeBody, "the body is not valid application/x-www-form-urlencoded"}
	}
	return checkIAMForm(form)
}

func checkIAMHeaders(r *http.Request) *iamReject {
	ct := r.Header.Values("Content-Type")
	if len(ct) != 1 || !isMediaType(ct[0], "application/x-www-form-urlencoded") {
		return &iamReject{http.StatusBadRequest, iamCodeContentType, "Content-Type must be application/x-www-form-urlencoded"}
	}
	if !acceptsJSON(r.Header) {
		return &iamReject{http.StatusBadRequest, iamCodeAccept, "Accept must allow application/json"}
	}
	return nil
}

// isMediaType accepts the media type want with at most a UTF-8 charset
// parameter, as a Content-Type header value.
func isMediaType(v, want string) bool {
	mt, params, err := mime.ParseMediaType(v)
	if err != nil || mt != want {
		return false
	}
	for k, p := range params {
		if k != "charset" || !strings.EqualFold(p, "utf-8") {
			return false
		}
	}
	return true
}

// acceptsJSON reports whether Accept is present and admits application/json with q > 0. A
// missing Accept is refused: the requests of docs/protocol.md ("IAM API-key grant", "Monitor API
// token") send it.
func acceptsJSON(h http.Header) bool {
	values := h.Values("Accept")
	if len(values) == 0 {
		return false
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil || !positiveQ(params) {
				continue
			}
			if mt == "application/json" || mt == "application/*" || mt == "*/*" {
				return true
			}
		}
	}
	return false
}

// positiveQ reports whether a media range's quality is absent or above zero (RFC 9110 12.4.2).
func positiveQ(params map[string]string) bool {
	q, ok := params["q"]
	if !ok {
		return true
	}
	f, err := strconv.ParseFloat(q, 64)
	return err == nil && f > 0
}

func checkIAMForm(form url.Values) *iamReject {
	names := make([]string, 0, len(form))
	for name := range form {
		names = append(names, name)
	}
	sort.Strings(names) // stable messages when several fields are wrong
	for _, name := range names {
		if !iamFormFields[name] {
			return &iamReject{http.StatusBadRequest, iamCodeUnknownField, fmt.Sprintf("unexpected form field %q", name)}
		}
		if len(form[name]) != 1 {
			return &iamReject{http.StatusBadRequest, iamCodeRepeatedField, fmt.Sprintf("form field %q given %d times", name, len(form[name]))}
		}
	}
	if _, ok := form["grant_type"]; !ok {
		return &iamReject{http.StatusBadRequest, iamCodeMissingField, "missing form field \"grant_type\""}
	}
	grant := form.Get("grant_type")
	fields, ok := iamGrantFields[grant]
	if !ok {
		return &iamReject{http.StatusBadRequest, iamCodeGrantType, "unsupported grant_type"}
	}
	for _, name := range names {
		if !fields[name] {
			return &iamReject{http.StatusBadRequest, iamCodeUnknownField, fmt.Sprintf("unexpected form field %q", name)}
		}
	}
	switch grant {
	case grantTypeCRToken:
		return checkCRTokenForm(form)
	case grantTypeRefreshToken:
		return checkRefreshForm(form)
	}
	if form.Get("apikey") == "" {
		return &iamReject{http.StatusBadRequest, iamCodeMissingField, "missing form field \"apikey\""}
	}
	if rt, ok := form["response_type"]; ok && rt[0] != "cloud_iam" {
		return &iamReject{http.StatusBadRequest, iamCodeResponseType, "unsupported response_type"}
	}
	return nil
}

// checkCRTokenForm: cr_token is required; ContainerAuthenticator sends profile_id and/or
// profile_name and omits an empty one, so at least one must be there and neither may be
// empty.
func checkCRTokenForm(form url.Values) *iamReject {
	if form.Get("cr_token") == "" {
		return &iamReject{http.StatusBadRequest, iamCodeMissingField, "missing form field \"cr_token\""}
	}
	for _, name := range []string{"profile_id", "profile_name"} {
		if v, ok := form[name]; ok && v[0] == "" {
			return &iamReject{http.StatusBadRequest, iamCodeMissingField, fmt.Sprintf("empty form field %q", name)}
		}
	}
	if form.Get("profile_id") == "" && form.Get("profile_name") == "" {
		return &iamReject{http.StatusBadRequest, iamCodeMissingField, "missing form field \"profile_id\" or \"profile_name\""}
	}
	return nil
}

// issueIAMToken creates an access token for a known key.
func (e *Emulator) issueIAMToken(apiKey string) (iamTokenResponse, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.apiKeys[apiKey]
	if !ok {
		return iamTokenResponse{}, false
	}
	return e.mintIAMToken(principal{user: u, grantType: grantTypeAPIKey}, time.Now()), true
}

// mintIAMToken records and returns a new IAM access token, whatever the grant. expires_in
// comes from the configured lifetime (SetIAMTokenLifetime) and expiration is now+expires_in
// in Unix seconds (docs/protocol.md, "IAM API-key grant"). Caller holds e.mu.
func (e *Emulator) mintIAMToken(p principal, now time.Time) iamTokenResponse {
	expires := now.Add(e.iamLifetime)
	expiresIn := int64(e.iamLifetime / time.Second)
	tok := newIAMAccessToken(p, now, now.Add(time.Duration(expiresIn)*time.Second))
	e.iamTokens[tok] = iamToken{user: p.user, expires: expires}
	return iamTokenResponse{
		AccessToken:  tok,
		RefreshToken: "not_supported",
		TokenType:    "Bearer",
		ExpiresIn:    expiresIn,
		Expiration:   now.Unix() + expiresIn,
		Scope:        "ibm openid",
		IMSUserID:    p.user.ID,
	}
}
