package emulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// The VPC instance metadata service's identity operations, as go-sdk-core v5.25.3's
// VpcInstanceAuthenticator calls them (core/vpc_instance_authenticator.go), on the
// emulator's one base URL:
//
//	PUT /instance_identity/v1/token?version=2022-03-01          (retrieveInstanceIdentityToken)
//	Content-Type: application/json
//	Accept: application/json
//	Metadata-Flavor: ibm
//
//	{"expires_in": 300}
//
//	-> 200 {"access_token": <instance identity token>, "created_at", "expires_at", "expires_in"}
//
//	POST /instance_identity/v1/iam_token?version=2022-03-01     (retrieveIamAccessToken)
//	Content-Type: application/json
//	Accept: application/json
//	Authorization: Bearer <instance identity token>
//	Metadata-Flavor: ibm
//
//	[{"trusted_profile": {"id": ...}}, or "crn" or "name"; no body at all for the linked profile]
//
//	-> 200 {"access_token": <IAM access token>, "created_at", "expires_at", "expires_in"}
//
// The service exists only on a VSI: until EnableVPC both paths answer 404 like any unknown
// path. Times are RFC 3339 in UTC, whole seconds (go-sdk-core parses them as
// strfmt.DateTime and takes expires_at as the IAM token's expiration).
//
// Errors use the documented {"errors":[{"code","message","target"}],"status_code","trace"}
// shape (respond.go). IBM documents the shape and the expires_in range (5 to 3600, code
// invalid_value), not which status and code each other failure gets: the codes starting with
// "emulator_" are the emulator's own, and a client must not depend on them. The statuses:
//   - 404 {"message":"not found"}: EnableVPC was not called (no metadata service);
//   - 405 emulator_method_not_allowed: another method on one of the two paths;
//   - 400 emulator_metadata_flavor: Metadata-Flavor missing, repeated or not exactly "ibm"
//     (the real service refuses requests without it);
//   - 400 emulator_version: version missing, repeated, not a YYYY-MM-DD date, before
//     2022-03-01 (IBM: the minimum version for identity tokens), or on or after 2025-08-26
//     (IBM's migration guide moves the operations to /identity/v1/token and
//     /identity/v1/iam_tokens from that version on, and go-sdk-core uses those paths with
//     it; that the old paths refuse it is the emulator's reading, and the new paths are 404
//     here);
//   - 400 emulator_query_parameter: any other query parameter;
//   - 400 emulator_accept / emulator_content_type: Accept not admitting application/json;
//     Content-Type not application/json (required on PUT, and on POST when present or when
//     there is a body);
//   - 400 emulator_authorization: an Authorization header on PUT (none is needed there);
//   - 400 emulator_body / invalid_value / 413 emulator_too_large: a body that is not one
//     JSON object of the documented fields, an expires_in outside 5..3600, a huge body;
//   - 401 emulator_not_authorized: POST without a valid bearer: missing, malformed, unknown
//     or expired instance identity token (an IAM token is not one);
//   - 400 emulator_trusted_profile_not_found: the named profile (by id, crn or name) is not
//     registered, or EnableVPC's default profile is not; 400 rather than 404 because the
//     path exists and it is the request body that is wrong;
//   - 400 emulator_trusted_profile_required: no profile named and none linked to the
//     instance (EnableVPC("")).
//
// Every registered trusted profile trusts the emulated VSI: the emulator does not model
// compute-resource links.

const (
	vpcPathIdentityToken = "/instance_identity/v1/token"
	vpcPathIAMToken      = "/instance_identity/v1/iam_token"

	vpcMinVersion = "2022-03-01" // first version with identity tokens; go-sdk-core's default
	vpcV2Version  = "2025-08-26" // moved the operations to /identity/v1/...

	vpcDefaultIdentityLifetime = 300 // expires_in when the body has none
	vpcMinIdentityLifetime     = 5
	vpcMaxIdentityLifetime     = 3600

	vpcDateLayout = "2006-01-02"
)

// Error codes of the metadata service. invalid_value is IBM's documented code for an
// out-of-range expires_in; the others are the emulator's own (see above).
const (
	vpcCodeInvalidValue     = "invalid_value"
	vpcCodeMethod           = "emulator_method_not_allowed"
	vpcCodeMetadataFlavor   = "emulator_metadata_flavor"
	vpcCodeVersion          = "emulator_version"
	vpcCodeQuery            = "emulator_query_parameter"
	vpcCodeAccept           = "emulator_accept"
	vpcCodeContentType      = "emulator_content_type"
	vpcCodeAuthorization    = "emulator_authorization"
	vpcCodeBody             = "emulator_body"
	vpcCodeTooLarge         = "emulator_too_large"
	vpcCodeNotAuthorized    = "emulator_not_authorized"
	vpcCodeProfileNotFound  = "emulator_trusted_profile_not_found"
	vpcCodeProfileRequired  = "emulator_trusted_profile_required"
	vpcCodeFaultPrefix      = "emulator_"
	vpcMessageFlavor        = `the Metadata-Flavor header must be "ibm"`
	vpcMessageProfileAbsent = "no trusted profile is linked to this instance: name one in trusted_profile"
)

// EnableVPC makes the emulator a VPC virtual server instance: from now on the metadata
// service's identity operations (RouteVPCIdentityToken, RouteVPCIAMToken) answer; before,
// they are 404. defaultProfile is the ID of the trusted profile linked to the instance, used
// when the iam_token request names none; with "", such a request gets 400
// emulator_trusted_profile_required, as the real service refuses when no profile is linked.
// The profile need not be registered yet; a request that falls back on a default that is
// still unknown gets 400 emulator_trusted_profile_not_found. Calling EnableVPC again changes
// the default.
func (e *Emulator) EnableVPC(defaultProfile string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vpcEnabled = true
	e.vpcProfile = defaultProfile
}

// vpcTokenResponse is the success body of both operations.
type vpcTokenResponse struct {
	AccessToken string `json:"access_token"`
	CreatedAt   string `json:"created_at"`
	ExpiresAt   string `json:"expires_at"`
	ExpiresIn   int64  `json:"expires_in"`
}

func newVPCTokenResponse(tok string, created time.Time, expiresIn int64) vpcTokenResponse {
	created = created.UTC().Truncate(time.Second)
	return vpcTokenResponse{
		AccessToken: tok,
		CreatedAt:   created.Format(time.RFC3339),
		ExpiresAt:   created.Add(time.Duration(expiresIn) * time.Second).Format(time.RFC3339),
		ExpiresIn:   expiresIn,
	}
}

// vpcReject is a 4xx answer of the metadata service.
type vpcReject struct {
	status int
	code   string
	msg    string
	target *vpcTarget
}

func (rej *vpcReject) write(w http.ResponseWriter) {
	writeJSON(w, rej.status, vpcError(rej.status, rej.code, rej.msg, rej.target))
}

func badVPC(code, msg string, target *vpcTarget) *vpcReject {
	return &vpcReject{http.StatusBadRequest, code, msg, target}
}

func (e *Emulator) vpcIsEnabled() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.vpcEnabled
}

// serveVPCIdentityToken is PUT /instance_identity/v1/token: a new instance identity token.
func (e *Emulator) serveVPCIdentityToken(w http.ResponseWriter, r *http.Request, body []byte, bodyErr error) {
	if !e.vpcIsEnabled() {
		writeJSON(w, http.StatusNotFound, messageBody("not found"))
		return
	}
	lifetime, rej := checkVPCIdentityTokenRequest(w, r, body, bodyErr)
	if rej != nil {
		rej.write(w)
		return
	}
	now := time.Now().UTC().Truncate(time.Second)
	expires := now.Add(time.Duration(lifetime) * time.Second)
	tok := newInstanceIdentityToken(now, expires)
	e.mu.Lock()
	e.identityTokens[tok] = expires
	e.mu.Unlock()
	writeJSON(w, http.StatusOK, newVPCTokenResponse(tok, now, lifetime))
}

func checkVPCIdentityTokenRequest(w http.ResponseWriter, r *http.Request, body []byte, bodyErr error) (int64, *vpcReject) {
	if rej := checkVPCCommon(w, r, http.MethodPut); rej != nil {
		return 0, rej
	}
	if _, ok := r.Header["Authorization"]; ok {
		return 0, badVPC(vpcCodeAuthorization, "no Authorization header is expected when creating an instance identity token",
			&vpcTarget{Name: "Authorization", Type: "header"})
	}
	if rej := checkVPCContentType(r, true); rej != nil {
		return 0, rej
	}
	if rej := checkVPCBodyRead(bodyErr); rej != nil {
		return 0, rej
	}
	fields, rej := decodeVPCObject(body, "", "expires_in")
	if rej != nil {
		return 0, rej
	}
	if fields == nil {
		return 0, badVPC(vpcCodeBody, `the body must be a JSON object, e.g. {"expires_in": 300}`, nil)
	}
	lifetime := int64(vpcDefaultIdentityLifetime)
	if raw, ok := fields["expires_in"]; ok {
		var n json.Number
		if len(raw) == 0 || (raw[0] != '-' && (raw[0] < '0' || raw[0] > '9')) || json.Unmarshal(raw, &n) != nil {
			// Not a JSON number: a string "300" or null is a client bug too.
			return 0, badVPC(vpcCodeBody, "expires_in must be an integer", &vpcTarget{Name: "expires_in", Type: "field"})
		}
		v, err := n.Int64()
		if err != nil {
			return 0, badVPC(vpcCodeBody, "expires_in must be an integer", &vpcTarget{Name: "expires_in", Type: "field", Value: n.String()})
		}
		if v < vpcMinIdentityLifetime || v > vpcMaxIdentityLifetime {
			return 0, badVPC(vpcCodeInvalidValue,
				fmt.Sprintf("The value provided for the expires_in field must be between %d and %d.", vpcMinIdentityLifetime, vpcMaxIdentityLifetime),
				&vpcTarget{Name: "expires_in", Type: "field", Value: n.String()})
		}
		lifetime = v
	}
	return lifetime, nil
}

// serveVPCIAMToken is POST /instance_identity/v1/iam_token: an IAM access token of a trusted
// profile for a valid instance identity token.
func (e *Emulator) serveVPCIAMToken(w http.ResponseWriter, r *http.Request, body []byte, bodyErr error) {
	if !e.vpcIsEnabled() {
		writeJSON(w, http.StatusNotFound, messageBody("not found"))
		return
	}
	ref, rej := checkVPCIAMTokenRequest(w, r, body, bodyErr)
	if rej != nil {
		rej.write(w)
		return
	}
	resp, rej := e.issueVPCIAMToken(r.Header, ref)
	if rej != nil {
		rej.write(w)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// profileRef is how an iam_token request names a trusted profile: field is "id", "crn" or
// "name", or "" for the profile linked to the instance.
type profileRef struct {
	field, value string
}

func checkVPCIAMTokenRequest(w http.ResponseWriter, r *http.Request, body []byte, bodyErr error) (profileRef, *vpcReject) {
	if rej := checkVPCCommon(w, r, http.MethodPost); rej != nil {
		return profileRef{}, rej
	}
	if rej := checkVPCContentType(r, len(body) > 0); rej != nil {
		return profileRef{}, rej
	}
	if rej := checkVPCBodyRead(bodyErr); rej != nil {
		return profileRef{}, rej
	}
	fields, rej := decodeVPCObject(body, "", "trusted_profile")
	if rej != nil {
		return profileRef{}, rej
	}
	raw, ok := fields["trusted_profile"]
	if !ok {
		return profileRef{}, nil
	}
	tp, rej := decodeVPCObject(raw, "trusted_profile.", "id", "crn", "name")
	if rej != nil {
		return profileRef{}, rej
	}
	if len(tp) != 1 {
		return profileRef{}, badVPC(vpcCodeBody, "trusted_profile must name exactly one of id, crn or name",
			&vpcTarget{Name: "trusted_profile", Type: "field"})
	}
	for field, v := range tp {
		var s string
		if err := json.Unmarshal(v, &s); err != nil || s == "" {
			return profileRef{}, badVPC(vpcCodeBody, fmt.Sprintf("trusted_profile.%s must be a non-empty string", field),
				&vpcTarget{Name: "trusted_profile." + field, Type: "field"})
		}
		return profileRef{field: field, value: s}, nil
	}
	return profileRef{}, nil // unreachable: len(tp) == 1
}

// issueVPCIAMToken authenticates the instance identity token, then resolves the profile.
func (e *Emulator) issueVPCIAMToken(h http.Header, ref profileRef) (vpcTokenResponse, *vpcReject) {
	unauthorized := func(msg string) *vpcReject {
		return &vpcReject{http.StatusUnauthorized, vpcCodeNotAuthorized, msg, &vpcTarget{Name: "Authorization", Type: "header"}}
	}
	tok, present := bearerToken(h)
	if !present {
		return vpcTokenResponse{}, unauthorized("missing Authorization header: want the instance identity token as a bearer")
	}
	if tok == "" {
		return vpcTokenResponse{}, unauthorized(`malformed Authorization header: want one "Bearer <token>"`)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	now := time.Now()
	expires, ok := e.identityTokens[tok]
	if !ok {
		return vpcTokenResponse{}, unauthorized("the bearer is not an instance identity token of this instance")
	}
	if !now.Before(expires) {
		return vpcTokenResponse{}, unauthorized("the instance identity token has expired")
	}
	p, rej := e.vpcTrustedProfile(ref)
	if rej != nil {
		return vpcTokenResponse{}, rej
	}
	resp := e.mintIAMToken(e.profilePrincipal(p), now)
	return newVPCTokenResponse(resp.AccessToken, time.Unix(now.Unix(), 0), resp.ExpiresIn), nil
}

// vpcTrustedProfile resolves the profile a request names, or the linked one. Caller holds
// e.mu.
func (e *Emulator) vpcTrustedProfile(ref profileRef) (*TrustedProfile, *vpcReject) {
	var p *TrustedProfile
	switch ref.field {
	case "":
		if e.vpcProfile == "" {
			return nil, badVPC(vpcCodeProfileRequired, vpcMessageProfileAbsent, &vpcTarget{Name: "trusted_profile", Type: "field"})
		}
		if p = e.profiles[e.vpcProfile]; p == nil {
			return nil, badVPC(vpcCodeProfileNotFound, "the trusted profile linked to this instance does not exist",
				&vpcTarget{Name: "trusted_profile", Type: "field"})
		}
		return p, nil
	case "id":
		p = e.profiles[ref.value]
	case "crn":
		if id := profileIDFromCRN(ref.value); id != "" {
			p = e.profiles[id]
		}
	case "name":
		p = e.profileByName(ref.value)
	}
	if p == nil {
		return nil, badVPC(vpcCodeProfileNotFound, "trusted profile not found",
			&vpcTarget{Name: "trusted_profile." + ref.field, Type: "field", Value: ref.value})
	}
	return p, nil
}

// checkVPCCommon checks what both operations share: method, Metadata-Flavor, the version
// query parameter and Accept.
func checkVPCCommon(w http.ResponseWriter, r *http.Request, method string) *vpcReject {
	if r.Method != method {
		w.Header().Set("Allow", method)
		return &vpcReject{http.StatusMethodNotAllowed, vpcCodeMethod, "this operation takes " + method + " only", nil}
	}
	if v := r.Header.Values("Metadata-Flavor"); len(v) != 1 || v[0] != "ibm" {
		return badVPC(vpcCodeMetadataFlavor, vpcMessageFlavor, &vpcTarget{Name: "Metadata-Flavor", Type: "header"})
	}
	if rej := checkVPCQuery(r.URL.RawQuery); rej != nil {
		return rej
	}
	if !acceptsJSON(r.Header) {
		return badVPC(vpcCodeAccept, "Accept must allow application/json", &vpcTarget{Name: "Accept", Type: "header"})
	}
	return nil
}

// checkVPCQuery: exactly one version parameter, a date the v1 identity paths serve.
func checkVPCQuery(rawQuery string) *vpcReject {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return badVPC(vpcCodeQuery, "invalid query string", nil)
	}
	names := make([]string, 0, len(q))
	for name := range q {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if name != "version" {
			return badVPC(vpcCodeQuery, fmt.Sprintf("unknown query parameter %q", name), &vpcTarget{Name: name, Type: "query"})
		}
	}
	target := &vpcTarget{Name: "version", Type: "query"}
	if len(q["version"]) != 1 {
		return badVPC(vpcCodeVersion, "the version query parameter is required once", target)
	}
	v := q.Get("version")
	target.Value = v
	// Dates compare as strings once the layout is checked. A future date needs no check of
	// its own: every date from 2025-08-26 on is refused here.
	_, err = time.Parse(vpcDateLayout, v)
	switch {
	case err != nil:
		return badVPC(vpcCodeVersion, "version must be a date in the format YYYY-MM-DD", target)
	case v < vpcMinVersion:
		return badVPC(vpcCodeVersion, "instance identity tokens need version "+vpcMinVersion+" or later", target)
	case v >= vpcV2Version:
		return badVPC(vpcCodeVersion, "from version "+vpcV2Version+" on, this operation is under /identity/v1/, which the emulator does not serve", target)
	}
	return nil
}

// checkVPCContentType requires application/json (with at most a UTF-8 charset) when required
// or when a Content-Type is sent at all.
func checkVPCContentType(r *http.Request, required bool) *vpcReject {
	ct := r.Header.Values("Content-Type")
	if len(ct) == 0 && !required {
		return nil
	}
	if len(ct) != 1 || !isMediaType(ct[0], "application/json") {
		return badVPC(vpcCodeContentType, "Content-Type must be application/json", &vpcTarget{Name: "Content-Type", Type: "header"})
	}
	return nil
}

func checkVPCBodyRead(bodyErr error) *vpcReject {
	if bodyErr == nil {
		return nil
	}
	var tooLarge *http.MaxBytesError
	if errors.As(bodyErr, &tooLarge) {
		return &vpcReject{http.StatusRequestEntityTooLarge, vpcCodeTooLarge, "request body too large", nil}
	}
	return badVPC(vpcCodeBody, "could not read the request body", nil)
}

// decodeVPCObject decodes one JSON object whose keys must all be in allowed. An empty body
// gives a nil map and no error; prefix names nested fields in messages.
func decodeVPCObject(b []byte, prefix string, allowed ...string) (map[string]json.RawMessage, *vpcReject) {
	if len(b) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var m map[string]json.RawMessage
	if err := dec.Decode(&m); err != nil || m == nil || len(bytes.TrimSpace(b[dec.InputOffset():])) != 0 {
		return nil, badVPC(vpcCodeBody, invalidObjectMessage(prefix), nil)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ok := false
		for _, a := range allowed {
			ok = ok || k == a
		}
		if !ok {
			return nil, badVPC(vpcCodeBody, fmt.Sprintf("unknown field %q", prefix+k), &vpcTarget{Name: prefix + k, Type: "field"})
		}
	}
	return m, nil
}

func invalidObjectMessage(prefix string) string {
	if prefix == "" {
		return "the body must be one JSON object"
	}
	return strings.TrimSuffix(prefix, ".") + " must be a JSON object"
}
