package monitorapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/redact"
)

// Redacted replaces every secret in a debug line and in a message.
const Redacted = redact.Placeholder

// debugTransport logs each request and response, secrets redacted, for
// --debug. It runs inside the retry loop of callTransport, so it shows every
// attempt the client makes. A line hides the credential fields and headers
// by name, and then every secret in the set wherever it appears.
type debugTransport struct {
	base    http.RoundTripper
	log     func(string)
	now     func() time.Time
	secrets *redact.Set
}

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := d.now()
	line := fmt.Sprintf("> %s %s%s", req.Method, redactURL(req.URL), formatHeaders(req.Header))
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil && body != nil {
			b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
			body.Close()
			if len(b) > 0 {
				line += " body: " + redactBody(d.secrets, req.Header.Get("Content-Type"), b)
			}
		}
	}
	d.log(d.secrets.Redact(line))
	resp, err := d.base.RoundTrip(req)
	elapsed := fmt.Sprintf("%dms", d.now().Sub(start).Milliseconds())
	if err != nil {
		d.log(d.secrets.Redact(fmt.Sprintf("< %s %s failed after %s: %s", req.Method, redactURL(req.URL), elapsed,
			clean(d.secrets, err.Error(), maxMessage))))
		return nil, err
	}
	b, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if readErr != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{readErr}))
	}
	d.log(d.secrets.Redact(fmt.Sprintf("< %s in %s%s body: %s", resp.Status, elapsed, formatHeaders(resp.Header),
		redactBody(d.secrets, resp.Header.Get("Content-Type"), b))))
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// formatHeaders lists headers in a stable order; a credential header keeps
// its scheme only (credentialHeader).
func formatHeaders(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		secret, scheme := credentialHeader(name)
		for _, v := range h[name] {
			if secret {
				v = redactHeaderValue(v, scheme)
			}
			fmt.Fprintf(&b, " [%s: %s]", name, v)
		}
	}
	return b.String()
}

func redactHeaderValue(v string, scheme bool) string {
	if name, _, ok := strings.Cut(v, " "); ok && scheme {
		return name + " " + Redacted
	}
	return Redacted
}

// redactURL shows a URL without its userinfo password (url.URL.Redacted)
// and with the values of credential query parameters hidden.
func redactURL(u *url.URL) string {
	if u.RawQuery == "" {
		return u.Redacted()
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		c := *u
		c.RawQuery = Redacted
		return c.Redacted()
	}
	hidden := false
	for k := range q {
		if isCredentialField(k, true) {
			q[k] = hideAll(q[k])
			hidden = true
		}
	}
	if !hidden {
		return u.Redacted()
	}
	c := *u
	c.RawQuery = q.Encode()
	return c.Redacted()
}

func hideAll(values []string) []string {
	out := make([]string, len(values))
	for i := range out {
		out[i] = Redacted
	}
	return out
}

// redactBody shows a body with the values of credential fields hidden and
// every known secret replaced: JSON documents are walked, forms are parsed
// (and shown in their own encoding, so a hidden value reads
// apikey=%5Bredacted%5D); anything else is shown cleaned and cut, as it
// carries no field names to go by.
func redactBody(secrets *redact.Set, contentType string, b []byte) string {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return "(empty)"
	}
	var doc any
	if json.Unmarshal(trimmed, &doc) == nil {
		out, _ := json.Marshal(redactJSON(secrets, doc, true))
		return string(out)
	}
	if isForm(contentType) {
		if form, err := url.ParseQuery(string(trimmed)); err == nil {
			for k, values := range form {
				if isCredentialField(k, true) {
					form[k] = hideAll(values)
					continue
				}
				for i, v := range values {
					values[i] = secrets.Redact(v)
				}
			}
			return form.Encode()
		}
	}
	return clean(secrets, string(trimmed), maxMessage)
}

// redactJSON hides credential fields and replaces known secrets in every
// other string, before the document is encoded again (encoding escapes
// characters, which would hide a secret from the set's search).
func redactJSON(secrets *redact.Set, v any, top bool) any {
	switch v := v.(type) {
	case map[string]any:
		for k, inner := range v {
			if isCredentialField(k, top) {
				if _, isObject := inner.(map[string]any); !isObject {
					v[k] = Redacted
					continue
				}
			}
			v[k] = redactJSON(secrets, inner, false)
		}
		return v
	case []any:
		for i := range v {
			v[i] = redactJSON(secrets, v[i], false)
		}
		return v
	case string:
		return secrets.Redact(v)
	}
	return v
}
