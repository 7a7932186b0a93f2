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

// newMonitorToken returns a Monitor API token: "uuid-like" (spec section 2).
func newMonitorToken() string { return newUUID() }

// newRequestID is the requestId of an IAM error context.
func newRequestID() string { return hex.EncodeToString(randomBytes(16)) }

// newAPIKey returns a key shaped like an IBM Cloud API key (44 URL-safe characters).
func newAPIKey() string { return base64.RawURLEncoding.EncodeToString(randomBytes(33)) }

// newIAMAccessToken returns a JWT-looking access token ("eyJ...", spec section 1): a real
// base64url JSON header and payload, so that a client that peeks at exp or iat can, and a random
// signature. The signature is not verifiable; the emulator knows its tokens by value.
func newIAMAccessToken(u user, iat, exp time.Time) string {
	header := map[string]string{"alg": "RS256", "kid": "emulator", "typ": "JWT"}
	payload := map[string]any{
		"iam_id":      fmt.Sprintf("IBMid-emulator-%d", u.ID),
		"id":          fmt.Sprintf("IBMid-emulator-%d", u.ID),
		"sub":         u.Username,
		"ims_user_id": u.ID,
		"iat":         iat.Unix(),
		"exp":         exp.Unix(),
		"iss":         "https://iam.cloud.ibm.com/identity",
		"grant_type":  "urn:ibm:params:oauth:grant-type:apikey",
		"scope":       "ibm openid",
		"jti":         newUUID(),
	}
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
