package emulator

import (
	"bytes"
	"encoding/json"
	"net/http"
)

// Error body shapes of IBM Cloud Monitoring, all listed in docs/protocol.md, "Error bodies". The
// emulator uses each of them somewhere, so a client must read them all.

type sysdigError struct {
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

type errorsBody struct {
	Errors []sysdigError `json:"errors"`
}

type messageOnly struct {
	Message string `json:"message"`
}

type errorOnly struct {
	Error string `json:"error"`
}

type typedError struct {
	Type    string   `json:"type"`
	Message string   `json:"message"`
	Details []string `json:"details"`
}

func messageBody(msg string) messageOnly { return messageOnly{Message: msg} }

// iamOnlyBody is the exact body of an IAM_ONLY instance refusing /api/token (docs/protocol.md,
// "IAM_ONLY instances").
// Only that refusal uses this reason: clients recognise IAM_ONLY by it.
func iamOnlyBody() errorsBody {
	return errorsBody{Errors: []sysdigError{{
		Reason:  "Not enough privileges to complete the action",
		Message: "Access is denied",
	}}}
}

// badCredentialsBody answers a bearer that is missing, malformed, unknown, reset or of an
// IAM_ONLY instance. Not documented: docs/protocol.md expects 401 for a reset token ("Monitor
// token as bearer") and says Sysdig uses 401 for "access denied" ("IAM_ONLY instances"), so it
// is 401 with the {"errors"} shape and reason "Access denied". message says which case it was,
// to help whoever debugs.
func badCredentialsBody(msg string) errorsBody {
	return errorsBody{Errors: []sysdigError{{Reason: "Access denied", Message: msg}}}
}

// iamErrorBody is IAM's error shape (docs/protocol.md, "IAM errors"):
// {"errorCode","errorMessage","context":{"requestId",...}}.
type iamErrorBody struct {
	ErrorCode    string     `json:"errorCode"`
	ErrorMessage string     `json:"errorMessage"`
	Context      iamContext `json:"context"`
}

type iamContext struct {
	RequestID   string `json:"requestId"`
	RequestType string `json:"requestType"`
}

// Error codes of IAM. Only BXNIM0415E is documented (docs/protocol.md, "IAM errors"); the others
// are the emulator's own, marked with an "EMULATOR-" prefix so that nobody mistakes them for
// IBM's. A client must not depend on them beyond "400 from IAM that is not BXNIM0415E".
const (
	iamCodeUnknownKey         = "BXNIM0415E"
	iamCodeContentType        = "EMULATOR-CONTENT-TYPE"
	iamCodeAccept             = "EMULATOR-ACCEPT"
	iamCodeQueryString        = "EMULATOR-QUERY-STRING"
	iamCodeAuthorization      = "EMULATOR-AUTHORIZATION"
	iamCodeBody               = "EMULATOR-BODY"
	iamCodeMissingField       = "EMULATOR-MISSING-FIELD"
	iamCodeUnknownField       = "EMULATOR-UNKNOWN-FIELD"
	iamCodeRepeatedField      = "EMULATOR-REPEATED-FIELD"
	iamCodeGrantType          = "EMULATOR-GRANT-TYPE"
	iamCodeResponseType       = "EMULATOR-RESPONSE-TYPE"
	iamCodeMethod             = "EMULATOR-METHOD"
	iamCodeTooLarge           = "EMULATOR-TOO-LARGE"
	iamCodeFaultPrefix        = "EMULATOR-"
	iamMessageUnknownKey      = "Provided API key could not be found."
	iamRequestTypeIdentityTok = "incoming.Identity_Token"
)

func iamError(code, msg string) iamErrorBody {
	return iamErrorBody{
		ErrorCode:    code,
		ErrorMessage: msg,
		Context:      iamContext{RequestID: newRequestID(), RequestType: iamRequestTypeIdentityTok},
	}
}

// vpcErrorBody is the error shape of the VPC instance metadata service, as documented at
// https://cloud.ibm.com/docs/vpc?topic=vpc-instance-metadata-error-codes:
// {"errors":[{"code","message","more_info","target":{"name","type","value"}}],"status_code","trace"}.
// more_info is optional there and never sent here.
type vpcErrorBody struct {
	Errors     []vpcErrorItem `json:"errors"`
	StatusCode int            `json:"status_code"`
	Trace      string         `json:"trace"`
}

type vpcErrorItem struct {
	Code    string     `json:"code"`
	Message string     `json:"message"`
	Target  *vpcTarget `json:"target,omitempty"`
}

// vpcTarget names the field, query parameter or header at fault.
type vpcTarget struct {
	Name  string `json:"name"`
	Type  string `json:"type"` // "field", "query" or "header"
	Value string `json:"value,omitempty"`
}

func vpcError(status int, code, msg string, target *vpcTarget) vpcErrorBody {
	return vpcErrorBody{
		Errors:     []vpcErrorItem{{Code: code, Message: msg, Target: target}},
		StatusCode: status,
		Trace:      newUUID(),
	}
}

// writeJSON answers with a JSON body. Marshalling the emulator's own types cannot fail.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic("emulator: marshal response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeText answers with a plain-text body: non-JSON error text has been seen (docs/protocol.md,
// "Error bodies").
func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(text))
}

// looksLikeJSON decides the default Content-Type of a fault body: a JSON object or array.
func looksLikeJSON(s string) bool {
	b := bytes.TrimSpace([]byte(s))
	return len(b) > 0 && (b[0] == '{' || b[0] == '[') && json.Valid(b)
}
