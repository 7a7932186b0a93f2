package monitorapi

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/monitor-token/monitor-token/internal/redact"
)

// credentialFields are the form and JSON fields whose values are
// credentials on these wire formats (docs/protocol.md, "IAM API-key grant",
// "Trusted profiles", "VPC instance identity" and "Monitor API token"): the
// API key, the compute-resource token, IAM's access and refresh tokens, the
// instance identity token (the metadata service's first answer calls it
// access_token), the Monitor token ("token":{"key":...}), and the OAuth and
// password-style fields of IAM's other grants. Names are compared in lower
// case. The debug lines hide these fields and secretTransport registers
// their values: one list for both.
var credentialFields = map[string]bool{
	"apikey": true, "cr_token": true, "access_token": true, "refresh_token": true,
	"delegated_refresh_token": true, "id_token": true, "password": true, "passcode": true,
	"client_secret": true, "key": true, "token": true, "credential": true,
}

// isCredentialField says whether a field's value is a credential. top is
// true for a form field and for a field of a JSON document's outer object:
// "code" is an OAuth authorization code there, while in the VPC metadata
// service's {"errors":[{"code":...}]} it names the error and is kept
// (docs/protocol.md, "VPC instance identity").
func isCredentialField(name string, top bool) bool {
	n := strings.ToLower(name)
	return credentialFields[n] || top && n == "code"
}

// credentialHeader says whether a header carries a credential, and whether
// its value starts with an authentication scheme worth showing (RFC 9110
// section 11.6.2: Authorization is "scheme credentials"). Cookies, and any
// header whose name says token, secret, password or API key, are
// credentials whole. Metadata-Flavor is not: it is the constant "ibm"
// (go-sdk-core's core/vpc_instance_authenticator.go).
func credentialHeader(name string) (secret, scheme bool) {
	n := strings.ToLower(name)
	switch n {
	case "authorization", "proxy-authorization":
		return true, true
	case "cookie", "set-cookie":
		return true, false
	}
	for _, word := range []string{"token", "secret", "password", "apikey", "api-key", "credential"} {
		if strings.Contains(n, word) {
			return true, false
		}
	}
	return false, false
}

// headerCredentials is the secret part of a header value: what follows the
// scheme when there is one.
func headerCredentials(v string, scheme bool) string {
	if scheme {
		if _, creds, ok := strings.Cut(v, " "); ok {
			return strings.TrimSpace(creds)
		}
	}
	return v
}

// notAToken is what IAM's API-key grant sends as refresh_token
// (docs/protocol.md, "IAM API-key grant"): a word, not a secret, and
// registering it would blank it out of messages.
const notAToken = "not_supported"

// secretTransport registers, in the client's set, every credential that a
// request carries or an answer brings: in the credential headers, in the
// URL, and in the credential fields of a form or JSON body. go-sdk-core
// handles some tokens itself (the instance identity token between the two
// metadata calls, IAM's refresh token, the compute-resource token it reads
// from a file), so the transport is the one place that sees them all.
// Bodies are read at most once more than MaxBodyBytes and parsed only when
// they are forms or JSON.
type secretTransport struct {
	base    http.RoundTripper
	secrets *redact.Set
}

func (t *secretTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	registerRequest(t.secrets, req)
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp == nil || resp.Body == nil {
		return resp, err
	}
	b, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	rest := io.Reader(resp.Body)
	if readErr != nil {
		rest = errReader{readErr}
	}
	// The answer goes on whole: what was read, then the rest (which lets
	// limitedBody see a body over the limit) or the read error.
	resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(b), rest), Closer: resp.Body}
	if readErr == nil && len(b) <= MaxBodyBytes {
		registerBody(t.secrets, resp.Header.Get("Content-Type"), b)
	}
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// registerRequest registers the credentials of an outgoing request.
func registerRequest(secrets *redact.Set, req *http.Request) {
	for name, values := range req.Header {
		if secret, scheme := credentialHeader(name); secret {
			for _, v := range values {
				secrets.Add(headerCredentials(v, scheme))
			}
		}
	}
	if pw, ok := req.URL.User.Password(); ok {
		secrets.Add(pw)
	}
	if req.URL.RawQuery != "" {
		registerForm(secrets, req.URL.RawQuery)
	}
	if req.GetBody == nil {
		// A body that cannot be replayed cannot be read here without taking
		// it from the request; go-sdk-core's and getJSON's bodies can be.
		return
	}
	body, err := req.GetBody()
	if err != nil || body == nil {
		return
	}
	defer body.Close()
	b, err := io.ReadAll(io.LimitReader(body, MaxBodyBytes+1))
	if err == nil && len(b) <= MaxBodyBytes {
		registerBody(secrets, req.Header.Get("Content-Type"), b)
	}
}

// registerBody registers the credential fields of a JSON document (whatever
// its Content-Type says: go-sdk-core decodes an answer as JSON regardless)
// or of a form.
func registerBody(secrets *redact.Set, contentType string, b []byte) {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return
	}
	if trimmed[0] == '{' || trimmed[0] == '[' {
		var doc any
		if json.Unmarshal(trimmed, &doc) == nil {
			registerJSON(secrets, doc, true)
		}
		return
	}
	if isForm(contentType) {
		registerForm(secrets, string(trimmed))
	}
}

func isForm(contentType string) bool {
	mt, _, _ := mime.ParseMediaType(contentType)
	return mt == "application/x-www-form-urlencoded"
}

func registerForm(secrets *redact.Set, encoded string) {
	form, err := url.ParseQuery(encoded)
	if err != nil {
		return
	}
	for k, values := range form {
		if isCredentialField(k, true) {
			for _, v := range values {
				addValue(secrets, v)
			}
		}
	}
}

func registerJSON(secrets *redact.Set, v any, top bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, inner := range v {
			if s, ok := inner.(string); ok && isCredentialField(k, top) {
				addValue(secrets, s)
				continue
			}
			registerJSON(secrets, inner, false)
		}
	case []any:
		for _, inner := range v {
			registerJSON(secrets, inner, false)
		}
	}
}

func addValue(secrets *redact.Set, v string) {
	if v != notAToken {
		secrets.Add(v)
	}
}
