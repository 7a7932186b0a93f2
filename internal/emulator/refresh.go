package emulator

import (
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// IAM's refresh-token grant, as the ibmcloud CLI's plugin SDK sends it to renew the CLI's login
// session (docs/integrations.md, "ibmcloud session refresh"):
//
//	POST /identity/token
//	Authorization: Basic base64("bx:bx")
//	Content-Type: application/x-www-form-urlencoded
//	Accept: application/json
//
//	grant_type=refresh_token&refresh_token=<refresh token>&response_type=cloud_iam
//
// The client credentials are the CLI's public client ID and secret, bx:bx; without them IAM
// does not take the grant. The answer has the fields of the API-key grant's, with a real
// refresh token in refresh_token. The session the refresh token belongs to is the CLI's login,
// which the emulator gives out with LoginCLI.

const grantTypeRefreshToken = "refresh_token"

// Error codes of the refresh grant. BXNIM0407E (invalid token) and BXNIM0408E (expired refresh
// token) are IAM's, as the plugin SDK's IAM client knows them (InvalidTokenErrorCode and
// RefreshTokenExpiryErrorCode in bluemix/authentication/iam/iam.go); the messages are the
// emulator's wording, not quoted from IBM.
const (
	iamCodeInvalidToken          = "BXNIM0407E"
	iamCodeRefreshExpired        = "BXNIM0408E"
	iamMessageInvalidRefresh     = "Provided refresh token is invalid."
	iamMessageExpiredRefresh     = "Provided refresh token is expired."
	iamCodeClientAuth            = "EMULATOR-CLIENT-AUTH"
	iamMessageClientAuthRequired = "the refresh_token grant needs the client's Authorization: Basic credentials"
	iamMessageClientAuthWrong    = "unknown client id or secret"
)

// refreshLifetime is how long a refresh token of a CLI login works. Not documented; a month,
// long enough that no test meets it without asking (InvalidateRefreshTokens).
const refreshLifetime = 30 * 24 * time.Hour

// refreshState is what became of an issued refresh token.
type refreshState struct {
	user    user
	expires time.Time
	revoked bool
}

// RefreshInvalidation is how InvalidateRefreshTokens ends the refresh tokens issued so far.
type RefreshInvalidation int

const (
	// RefreshRevoked: IAM answers BXNIM0407E, as for a token it does not know (a logout
	// elsewhere, a session an admin ended).
	RefreshRevoked RefreshInvalidation = iota
	// RefreshExpired: IAM answers BXNIM0408E, the refresh token's own lifetime is over.
	RefreshExpired
)

// LoginCLI is what `ibmcloud login --apikey KEY` obtains from IAM: an access token and a refresh
// token for the key's user (the CLI writes them to its config.json as IAMToken and
// IAMRefreshToken). ok is false for an unknown key. It is a Go method and not an HTTP route:
// monitor-token never logs in to the CLI, it only refreshes what the CLI left.
func (e *Emulator) LoginCLI(apiKey string) (accessToken, refreshToken string, ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	u, ok := e.apiKeys[apiKey]
	if !ok {
		return "", "", false
	}
	resp := e.mintRefreshable(principal{user: u, grantType: grantTypeAPIKey}, time.Now())
	return resp.AccessToken, resp.RefreshToken, true
}

// InvalidateRefreshTokens ends every refresh token issued so far, as how says; those issued
// later work.
func (e *Emulator) InvalidateRefreshTokens(how RefreshInvalidation) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for tok, st := range e.refreshTokens {
		switch how {
		case RefreshExpired:
			st.expires = time.Now().Add(-time.Second)
		default:
			st.revoked = true
		}
		e.refreshTokens[tok] = st
	}
}

// checkClientAuth: the refresh grant needs exactly the CLI's client credentials. Missing is 400
// (the emulator's code); wrong credentials are 401, OAuth's invalid_client (RFC 6749, section
// 5.2). Other grants take no Authorization header at all (checkIAMRequest).
func checkClientAuth(r *http.Request) *iamReject {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		return &iamReject{http.StatusBadRequest, iamCodeClientAuth, iamMessageClientAuthRequired}
	}
	if len(values) != 1 || !validClientAuth(values[0]) {
		return &iamReject{http.StatusUnauthorized, iamCodeClientAuth, iamMessageClientAuthWrong}
	}
	return nil
}

// validClientAuth accepts the Basic scheme in any case (RFC 9110, section 11.1) with bx:bx.
func validClientAuth(v string) bool {
	scheme, creds, ok := strings.Cut(v, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(creds))
	return err == nil && subtle.ConstantTimeCompare(raw, []byte("bx:bx")) == 1
}

// checkRefreshForm: refresh_token is required and not empty; response_type, which the SDK
// always sends, may be only cloud_iam.
func checkRefreshForm(form url.Values) *iamReject {
	if form.Get("refresh_token") == "" {
		return &iamReject{http.StatusBadRequest, iamCodeMissingField, "missing form field \"refresh_token\""}
	}
	if rt, ok := form["response_type"]; ok && rt[0] != "cloud_iam" {
		return &iamReject{http.StatusBadRequest, iamCodeResponseType, "unsupported response_type"}
	}
	return nil
}

// issueRefreshedIAMToken answers a refresh grant whose request passed the checks. The refresh
// token used stays valid after it: IAM does not document that a refresh token is single-use,
// and the SDK writes the new one over it anyway.
func (e *Emulator) issueRefreshedIAMToken(refreshToken string) (iamTokenResponse, *iamReject) {
	e.mu.Lock()
	defer e.mu.Unlock()
	st, ok := e.refreshTokens[refreshToken]
	now := time.Now()
	switch {
	case !ok || st.revoked:
		return iamTokenResponse{}, &iamReject{http.StatusBadRequest, iamCodeInvalidToken, iamMessageInvalidRefresh}
	case !now.Before(st.expires):
		return iamTokenResponse{}, &iamReject{http.StatusBadRequest, iamCodeRefreshExpired, iamMessageExpiredRefresh}
	}
	return e.mintRefreshable(principal{user: st.user, grantType: grantTypeRefreshToken}, now), nil
}

// mintRefreshable mints an access token with a refresh token beside it. Caller holds e.mu.
func (e *Emulator) mintRefreshable(p principal, now time.Time) iamTokenResponse {
	resp := e.mintIAMToken(p, now)
	resp.RefreshToken = newRefreshToken(p, now)
	e.refreshTokens[resp.RefreshToken] = refreshState{user: p.user, expires: now.Add(refreshLifetime)}
	return resp
}

// newRefreshToken is shaped like IAM's refresh tokens, which are JWT-like too ("eyJ...", as in
// the plugin SDK's bluemix/trace tests); only its value matters to the emulator.
func newRefreshToken(p principal, now time.Time) string {
	return newJWT(map[string]string{"alg": "RS256", "kid": "emulator", "typ": "JWT"}, map[string]any{
		"iam_id":    "IBMid-emulator-refresh",
		"sub":       p.user.Username,
		"iat":       now.Unix(),
		"exp":       now.Add(refreshLifetime).Unix(),
		"client_id": "bx",
		"jti":       newUUID(),
	})
}
