package emulator

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// The data route, GET (or POST) /prometheus/api/v1/query (docs/protocol.md, "Using the Monitor token"):
// something for a demo to do with the token once it has one. It answers a fixed one-sample
// vector whatever the PromQL says.

// queryParams are the parameters of Prometheus' instant query that the emulator accepts, each
// at most once; query is required.
var queryParams = map[string]bool{"query": true, "time": true, "timeout": true, "limit": true}

type promSample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

type promData struct {
	ResultType string       `json:"resultType"`
	Result     []promSample `json:"result"`
}

type promSuccess struct {
	Status string   `json:"status"`
	Data   promData `json:"data"`
}

// promError is Prometheus' error shape, for bad parameters.
type promError struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
}

// serveQuery accepts a current Monitor API token on its own (the bearer alone: docs/protocol.md,
// "Using the Monitor token"), or an IAM token with IBMInstanceID for an IAM_ONLY instance, which
// accepts the IAM token itself on every call (docs/protocol.md, "IAM_ONLY instances"). An IAM
// token for any other instance is refused with 401: a client that skips the exchange must fail
// here, even though the real service might accept it.
func (e *Emulator) serveQuery(w http.ResponseWriter, r *http.Request) {
	e.answerQuery(w, r, r.URL.RawQuery)
}

// serveQueryPost is the same query sent as a form, as Prometheus' HTTP API allows (POST with
// application/x-www-form-urlencoded, for queries too long for a URL) and its Go client
// (promtool) tries first. IBM does not document the method for its PromQL routes; a
// Prometheus-compatible API takes both, so the emulator does. The parameters are those of the
// body and of the URL together, as Prometheus reads them.
func (e *Emulator) serveQueryPost(w http.ResponseWriter, r *http.Request, body []byte, bodyErr error) {
	if bodyErr != nil {
		writeJSON(w, http.StatusRequestEntityTooLarge, messageBody("request body too large"))
		return
	}
	if !isForm(r) {
		writeJSON(w, http.StatusBadRequest, promError{Status: "error", ErrorType: "bad_data", Error: "the body must be application/x-www-form-urlencoded"})
		return
	}
	params := string(body)
	if r.URL.RawQuery != "" {
		params += "&" + r.URL.RawQuery
	}
	e.answerQuery(w, r, params)
}

func (e *Emulator) answerQuery(w http.ResponseWriter, r *http.Request, params string) {
	sc, ok := e.dataScope(w, r)
	if !ok {
		return
	}
	if msg := checkQueryParams(params); msg != "" {
		writeJSON(w, http.StatusBadRequest, promError{Status: "error", ErrorType: "bad_data", Error: msg})
		return
	}
	now := float64(time.Now().UnixMilli()) / 1000
	writeJSON(w, http.StatusOK, promSuccess{Status: "success", Data: promData{
		ResultType: "vector",
		Result: []promSample{{
			Metric: map[string]string{
				"__name__":        "up",
				"job":             "monitor-emulator",
				"ibm_instance_id": sc.guid,
				"sysdig_team_id":  strconv.Itoa(sc.team.ID),
			},
			Value: [2]any{now, "1"},
		}},
	}})
}

// dataScope is the scope of a data request (the query route, the bulk control route): a
// current Monitor API token, or an IAM token on an IAM_ONLY instance. It answers the
// request itself, and returns false, for anything else.
func (e *Emulator) dataScope(w http.ResponseWriter, r *http.Request) (scope, bool) {
	sc, rp := e.resolve(r, false)
	if rp != nil {
		rp.write(w)
		return scope{}, false
	}
	if sc.bearer == authIAM && !sc.iamOnly {
		unauthorized("use the Monitor API token: IAM tokens are accepted only by IAM_ONLY instances").write(w)
		return scope{}, false
	}
	return sc, true
}

func checkQueryParams(params string) string {
	q, err := url.ParseQuery(params)
	if err != nil {
		return "invalid query string"
	}
	for name, v := range q {
		if !queryParams[name] {
			return fmt.Sprintf("unknown parameter %q", name)
		}
		if len(v) != 1 {
			return fmt.Sprintf("parameter %q given %d times", name, len(v))
		}
	}
	if q.Get("query") == "" {
		return "missing parameter \"query\""
	}
	return ""
}
