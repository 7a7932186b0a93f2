package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// All secrets come from crypto/rand so that tests cannot hard-code them and must carry what the
// emulator handed out.

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("emulator: crypto/rand: " + err.Error())
	}
	return b
}

// newUUID returns a random version-4 UUID string.
func newUUID() string {
	b := randomBytes(16)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// newMonitorToken returns a Monitor API token, which looks like a UUID (docs/protocol.md, "Monitor
// API token").
func newMonitorToken() string { return newUUID() }

// newRequestID is the requestId of an IAM error context.
func newRequestID() string { return hex.EncodeToString(randomBytes(16)) }

// newAPIKey returns a key shaped like an IBM Cloud API key (44 URL-safe characters).
func newAPIKey() string { return base64.RawURLEncoding.EncodeToString(randomBytes(33)) }

// principal is whom an IAM access token is issued to: an IAM user (API key grant) or a
// trusted profile (cr-token grant, VPC iam_token).
type principal struct {
	user      user
	profileID string // "" for an IAM user
	grantType string
}

// newIAMAccessToken returns a JWT-looking access token ("eyJ...", docs/protocol.md, "IAM API-key
// grant"): a real base64url JSON header and payload, so that a client that peeks at exp or iat
// can, and a random signature. The signature is not verifiable; the emulator knows its tokens by
// value.
func newIAMAccessToken(p principal, iat, exp time.Time) string {
	header := map[string]string{"alg": "RS256", "kid": "emulator", "typ": "JWT"}
	iamID := fmt.Sprintf("IBMid-emulator-%d", p.user.ID)
	payload := map[string]any{
		"iam_id":      iamID,
		"id":          iamID,
		"sub":         p.user.Username,
		"ims_user_id": p.user.ID,
		"iat":         iat.Unix(),
		"exp":         exp.Unix(),
		"iss":         "https://iam.cloud.ibm.com/identity",
		"grant_type":  p.grantType,
		"scope":       "ibm openid",
		"jti":         newUUID(),
	}
	if p.profileID != "" {
		// IAM's identifiers of a trusted profile: iam_id "iam-Profile-...", sub the ID.
		payload["iam_id"] = "iam-" + p.profileID
		payload["id"] = "iam-" + p.profileID
		payload["sub"] = p.profileID
		payload["sub_type"] = "Profile"
	}
	return newJWT(header, payload)
}

// newCRToken returns a compute-resource token shaped like a projected Kubernetes
// service-account token (a JWT). Only its value matters to the emulator.
func newCRToken() string {
	now := time.Now()
	return newJWT(map[string]string{"alg": "RS256", "kid": "emulator", "typ": "JWT"}, map[string]any{
		"iss": "https://kubernetes.default.svc",
		"sub": "system:serviceaccount:default:monitor-token",
		"aud": []string{"iam"},
		"iat": now.Unix(),
		"exp": now.Add(24 * time.Hour).Unix(),
		"jti": newUUID(),
	})
}

// newInstanceIdentityToken returns a VPC instance identity token (a JWT, as the metadata
// service hands out).
func newInstanceIdentityToken(iat, exp time.Time) string {
	return newJWT(map[string]string{"alg": "RS256", "kid": "emulator", "typ": "JWT"}, map[string]any{
		"iss": "https://api.metadata.cloud.ibm.com",
		"sub": "crn:v1:bluemix:public:is:us-south-1:a/emulator::instance:0717_" + newUUID(),
		"iat": iat.Unix(),
		"exp": exp.Unix(),
		"jti": newUUID(),
	})
}

func newJWT(header, payload any) string {
	return jwtPart(header) + "." + jwtPart(payload) + "." +
		base64.RawURLEncoding.EncodeToString(randomBytes(256))
}

func jwtPart(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: marshal JWT part: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
