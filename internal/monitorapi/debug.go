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
)

// Redacted replaces every secret in a debug line.
const Redacted = "[redacted]"

// secretKeys are the JSON and form fields that hold secrets on these wire
// formats (docs/protocol.md, "IAM API-key grant" and "Monitor API token"):
// the API key, IAM's tokens, the Monitor token ("token":{"key":...}), and
// git-style credentials.
var secretKeys = map[string]bool{
	"apikey": true, "access_token": true, "refresh_token": true, "key": true,
	"token": true, "credential": true, "password": true, "delegated_refresh_token": true,
}

// debugTransport logs each request and response, secrets redacted, for
// --debug. It sits above the retry loop's transport, so it shows every
// attempt the client makes.
type debugTransport struct {
	base http.RoundTripper
	log  func(string)
	now  func() time.Time
}

func (d *debugTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := d.now()
	line := fmt.Sprintf("> %s %s%s", req.Method, req.URL.Redacted(), formatHeaders(req.Header))
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			b, _ := io.ReadAll(io.LimitReader(body, 64<<10))
			body.Close()
			if len(b) > 0 {
				line += " body: " + redactBody(req.Header.Get("Content-Type"), b)
			}
		}
	}
	d.log(line)
	resp, err := d.base.RoundTrip(req)
	elapsed := fmt.Sprintf("%dms", d.now().Sub(start).Milliseconds())
	if err != nil {
		d.log(fmt.Sprintf("< %s %s failed after %s: %s", req.Method, req.URL.Redacted(), elapsed, Scrub(err.Error())))
		return nil, err
	}
	b, readErr := io.ReadAll(io.LimitReader(resp.Body, MaxBodyBytes+1))
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	if readErr != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(b), errReader{readErr}))
	}
	d.log(fmt.Sprintf("< %s in %s%s body: %s", resp.Status, elapsed, formatHeaders(resp.Header),
		redactBody(resp.Header.Get("Content-Type"), b)))
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// formatHeaders lists headers in a stable order; Authorization keeps its
// scheme only, cookies go entirely.
func formatHeaders(h http.Header) string {
	names := make([]string, 0, len(h))
	for name := range h {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, name := range names {
		for _, v := range h[name] {
			switch strings.ToLower(name) {
			case "authorization", "proxy-authorization":
				scheme, _, _ := strings.Cut(v, " ")
				v = scheme + " " + Redacted
			case "cookie", "set-cookie", "x-auth-token":
				v = Redacted
			}
			fmt.Fprintf(&b, " [%s: %s]", name, v)
		}
	}
	return b.String()
}

// redactBody shows a body with the values of secret fields replaced: JSON
// documents are walked, forms are parsed; anything else is shown scrubbed
// and cut, as it carries no field names to go by.
func redactBody(contentType string, b []byte) string {
	trimmed := bytes.TrimSpace(b)
	if len(trimmed) == 0 {
		return "(empty)"
	}
	var doc any
	if json.Unmarshal(trimmed, &doc) == nil {
		out, _ := json.Marshal(redactJSON(doc))
		return string(out)
	}
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		if form, err := url.ParseQuery(string(trimmed)); err == nil {
			for k := range form {
				if secretKeys[strings.ToLower(k)] {
					form[k] = []string{Redacted}
				}
			}
			return form.Encode()
		}
	}
	return Scrub(string(trimmed))
}

func redactJSON(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, inner := range v {
			if secretKeys[strings.ToLower(k)] {
				if _, isObject := inner.(map[string]any); !isObject {
					v[k] = Redacted
					continue
				}
			}
			v[k] = redactJSON(inner)
		}
		return v
	case []any:
		for i := range v {
			v[i] = redactJSON(v[i])
		}
		return v
	}
	return v
}
