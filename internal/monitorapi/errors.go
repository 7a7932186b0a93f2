package monitorapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/redact"
)

// Kinds of failure. Callers test them with errors.Is and pick what to tell
// the user; Error.Error already says what failed and what to do next.
var (
	ErrInvalidAPIKey = errors.New("IAM does not know the API key")
	ErrIAMRejected   = errors.New("IAM refused the request")
	ErrIAMOnly       = errors.New("the instance does not hand out Monitor API tokens")
	ErrRefused       = errors.New("Monitoring refused the credentials")
	ErrNotFound      = errors.New("Monitoring does not know the instance or team")
	ErrRateLimited   = errors.New("rate limited")
	ErrServer        = errors.New("server error")
	ErrBadResponse   = errors.New("unexpected answer")
	ErrNetwork       = errors.New("network failure")
	ErrCertificate   = errors.New("TLS certificate not accepted")
	// ErrSessionEnded: IAM refused the ibmcloud CLI's refresh token (revoked, unknown or
	// expired); only a new `ibmcloud login` helps.
	ErrSessionEnded = errors.New("the ibmcloud login session has ended")
)

// grant is which token request a call made.
type grant int

const (
	notAGrant    grant = iota // a call to Monitoring
	grantAPIKey               // IAM's API-key grant
	grantCRToken              // IAM's cr-token grant (trusted profile)
	grantVPC                  // the VPC metadata service's two calls
	grantRefresh              // IAM's refresh-token grant of the ibmcloud CLI's session
)

// Error is a failed call to IAM or Monitoring. It never shows a secret: the
// server's code and message are kept only after clean, Err's text is
// cleaned when shown, and URLs are bases without credentials.
type Error struct {
	Op         string // what we were doing: "exchange the API key for an IAM token"
	URL        string // the service base URL
	Status     int    // HTTP status; 0 when no answer arrived
	Code       string // IAM's errorCode, e.g. BXNIM0415E; cleaned
	Message    string // the server's own words, one line, cleaned
	RetryAfter time.Duration
	Tries      int
	Kind       error
	Err        error // the transport or decoding error, if any

	// grant is the token request that failed, for the hint; the zero
	// value is a call to Monitoring.
	grant grant

	// secrets are the secrets the client had handled when the call
	// failed; Error() removes them from Err's text and, as a second fence,
	// from the whole line.
	secrets *redact.Set
}

func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{e.Kind, e.Err}
	}
	return []error{e.Kind}
}

// Error is one line: what failed, the service's reason, and the way out.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "could not %s at %s: ", e.Op, e.URL)
	switch {
	case e.Status == 0 && e.Err != nil:
		b.WriteString(clean(e.secrets, e.Err.Error(), maxMessage))
	case e.Status != 0:
		fmt.Fprintf(&b, "HTTP %d", e.Status)
		if e.Code != "" {
			fmt.Fprintf(&b, " %s", e.Code)
		}
		if e.Message != "" {
			fmt.Fprintf(&b, " (%s)", e.Message)
		} else if e.Err != nil {
			fmt.Fprintf(&b, " (%s)", clean(e.secrets, e.Err.Error(), maxMessage))
		}
	}
	if e.Tries > 1 {
		fmt.Fprintf(&b, " after %d tries", e.Tries)
	}
	if hint := e.hint(); hint != "" {
		b.WriteString("; ")
		b.WriteString(hint)
	}
	return e.secrets.Redact(b.String())
}

func (e *Error) hint() string {
	switch e.Kind {
	case ErrInvalidAPIKey:
		return "check the key, or create one with `ibmcloud iam api-key-create NAME` and run `monitor-token login` with it"
	case ErrSessionEnded:
		return "run `ibmcloud login` again"
	case ErrIAMRejected:
		switch e.grant {
		case grantRefresh:
			return "check IAMEndpoint in the ibmcloud CLI's config.json, or run `ibmcloud login` again"
		case grantCRToken:
			return "check the trusted profile (--trusted-profile) and that its trust policy admits this compute resource (its cluster, namespace and service account)"
		case grantVPC:
			return "check the trusted profile (--trusted-profile, or the one linked to the instance) and that it trusts this instance, and that the instance's metadata service is on"
		}
		return "check the IAM endpoint (--iam-endpoint, IBMCLOUD_IAM_API_ENDPOINT) and the API key"
	case ErrIAMOnly:
		// The same body answers an IAM_ONLY instance and a user without the
		// api-token.read action (docs/protocol.md, "IAM_ONLY instances"): say both.
		return "the instance is probably set to IAM_ONLY (it accepts only IAM tokens, never a Monitor API token), " +
			"or your IAM role lacks sysdig-monitor.api-token.read (Reader or higher)"
	case ErrRefused:
		return "check --instance (the GUID or CRN of the Monitoring instance), --team, and that your IAM role on the instance is Reader or higher"
	case ErrNotFound:
		return "check --instance (the GUID or CRN of the Monitoring instance) and --team; `ibmcloud resource service-instance NAME --output json` shows the guid"
	case ErrRateLimited:
		if e.RetryAfter > 0 {
			return fmt.Sprintf("the service asks to wait %s; try again then", e.RetryAfter)
		}
		return "try again in a minute"
	case ErrServer:
		return "the service is having trouble; try again later (https://cloud.ibm.com/status)"
	case ErrBadResponse:
		return "a proxy or a wrong endpoint may be answering instead of the service; check the endpoint"
	case ErrNetwork:
		return "check the endpoint, your network and proxy settings (HTTPS_PROXY); for a private endpoint, that you are on the IBM Cloud private network"
	}
	return ""
}

// parseErrorBody reads every error shape the services are known to send
// (docs/protocol.md, "IAM errors" and "Error bodies"):
//
//	IAM:        {"errorCode":"BXNIM0415E","errorMessage":"...","context":{...}}
//	Sysdig:     {"errors":[{"reason":"...","message":"..."}]}
//	            {"message":"..."}   {"error":"..."}   {"error":{"message":"..."}}
//	            {"type":"...","message":"...","details":[...]}
//	and plain non-JSON text.
//
// It returns IAM's code and a one-line message, both cleaned with secrets
// (see clean); reasons are kept apart, as sent, so that IAM_ONLY can be
// recognised.
func parseErrorBody(secrets *redact.Set, body []byte) (code, message string, reasons []string) {
	var doc struct {
		ErrorCode    string          `json:"errorCode"`
		ErrorMessage string          `json:"errorMessage"`
		Message      json.RawMessage `json:"message"`
		Error        json.RawMessage `json:"error"`
		Errors       []struct {
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"errors"`
		Details []json.RawMessage `json:"details"`
	}
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return "", "", nil
	}
	if err := json.Unmarshal([]byte(trimmed), &doc); err != nil {
		// Non-JSON: a proxy page or the plain text Sysdig sends after an
		// expired token. Keep a short, printable excerpt.
		return "", clean(secrets, trimmed, maxMessage), nil
	}
	var parts []string
	if doc.ErrorMessage != "" {
		parts = append(parts, doc.ErrorMessage)
	}
	for _, e := range doc.Errors {
		if e.Reason != "" {
			reasons = append(reasons, e.Reason)
		}
		switch {
		case e.Message != "" && e.Reason != "":
			parts = append(parts, e.Message+": "+e.Reason)
		case e.Message != "":
			parts = append(parts, e.Message)
		case e.Reason != "":
			parts = append(parts, e.Reason)
		}
	}
	if s := jsonText(doc.Message); s != "" {
		parts = append(parts, s)
	}
	if s := jsonText(doc.Error); s != "" && len(parts) == 0 {
		parts = append(parts, s)
	}
	for _, d := range doc.Details {
		if s := jsonText(d); s != "" {
			parts = append(parts, s)
		}
	}
	return clean(secrets, doc.ErrorCode, maxCode), clean(secrets, strings.Join(parts, "; "), maxMessage), reasons
}

// jsonText takes a JSON value that is a string, or an object with a
// "message" string, as both are seen for "error" and "details" entries.
func jsonText(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Message
	}
	return ""
}
