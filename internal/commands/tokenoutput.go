package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/shellword"
)

// tokenOutput is everything `get` may print, and what exec puts in the
// child's environment.
type tokenOutput struct {
	Token      string `json:"token"`
	Endpoint   string `json:"endpoint"`
	InstanceID string `json:"instance_id"`
	TeamID     string `json:"team_id"`
	Profile    string `json:"profile"`
	Cached     bool   `json:"cached"`
	// Auth is "token" (a Monitor API token) or "iam" (an IAM token, for
	// IAM_ONLY instances; it goes with the IBMInstanceID header).
	Auth        string `json:"auth"`
	IAMEndpoint string `json:"iam_endpoint,omitempty"`
	ExpiresAt   string `json:"expires_at,omitempty"` // IAM tokens: RFC 3339
}

func newTokenOutput(prof profile.Profile, tok broker.Token) tokenOutput {
	o := tokenOutput{
		Token: tok.Value, Endpoint: prof.Endpoint, InstanceID: prof.InstanceID,
		TeamID: prof.TeamID, Profile: prof.Name, Cached: tok.FromCache, Auth: config.AuthWord(config.AuthToken),
	}
	if tok.IAM {
		o.Auth, o.IAMEndpoint = config.AuthWord(config.AuthIAM), prof.IAMEndpoint
		if !tok.ExpiresAt.IsZero() {
			o.ExpiresAt = tok.ExpiresAt.UTC().Format(time.RFC3339)
		}
	}
	return o
}

// tokenFormats are what `get --format` prints, in the order its usage
// names them: the one list the flag's choices and the writers come from.
var tokenFormats = []struct {
	name  string
	write func(io.Writer, tokenOutput) error
}{
	{"token", writeToken},
	{"header", writeHeader},
	{"json", writeJSON},
	{"env", writeEnv},
}

func tokenFormatNames() []string {
	names := make([]string, len(tokenFormats))
	for i, f := range tokenFormats {
		names[i] = f.name
	}
	return names
}

// tokenFormatWriter is the writer of a format choiceOf has accepted.
func tokenFormatWriter(name string) func(io.Writer, tokenOutput) error {
	for _, f := range tokenFormats {
		if f.name == name {
			return f.write
		}
	}
	return nil
}

func writeToken(w io.Writer, o tokenOutput) error {
	_, err := fmt.Fprintln(w, o.Token)
	return err
}

// writeHeader prints the header the Monitor token is used with
// (docs/protocol.md, "Using the Monitor token"), for
// `curl -H @<(monitor-token get --format header)`. An IAM token needs the
// instance, and the team when there is one, with it (docs/protocol.md,
// "IAM_ONLY instances").
func writeHeader(w io.Writer, o tokenOutput) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Authorization: Bearer %s\n", o.Token)
	if o.Auth == config.AuthWord(config.AuthIAM) {
		fmt.Fprintf(&b, "IBMInstanceID: %s\n", o.InstanceID)
		if o.TeamID != "" {
			fmt.Fprintf(&b, "SysdigTeamID: %s\n", o.TeamID)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(w io.Writer, o tokenOutput) error { return writeIndentedJSON(w, o) }

// writeIndentedJSON is every command's --format json.
func writeIndentedJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// envVars are the variables existing tools read (docs/protocol.md,
// "Environment variables of other tools"): Sysdig's Terraform provider,
// the Sysdig Python client and scripts, sdcclient (the Sysdig CLI) and
// sysdig-mcp-server.
func envVars(o tokenOutput) [][2]string {
	if o.Auth == config.AuthWord(config.AuthIAM) {
		// An IAM_ONLY instance has no Monitor API token: the variables of
		// IBM mode, and the IAM token under a name of our own (no tool
		// reads an IAM token from the environment under a common name;
		// SYSDIG_MONITOR_API_TOKEN would be taken for a Monitor token).
		// sdcclient and sysdig-mcp-server send no IBMInstanceID, so they
		// get nothing here: only the proxy can serve them such an
		// instance.
		vars := [][2]string{
			{"SYSDIG_MONITOR_URL", o.Endpoint},
			{"SDC_URL", o.Endpoint},
			{"SYSDIG_IBM_MONITOR_IAM_URL", o.IAMEndpoint},
			{"SYSDIG_IBM_MONITOR_INSTANCE_ID", o.InstanceID},
			{"MONITOR_TOKEN_IAM_TOKEN", o.Token},
		}
		if o.TeamID != "" {
			vars = append(vars, [2]string{"SYSDIG_MONITOR_TEAM_ID", o.TeamID})
		}
		return vars
	}
	vars := [][2]string{
		{"SYSDIG_MONITOR_URL", o.Endpoint},
		{"SYSDIG_MONITOR_API_TOKEN", o.Token},
		{"SDC_URL", o.Endpoint},
		{"SDC_TOKEN", o.Token},
		{"SDC_MONITOR_URL", o.Endpoint},
		{"SDC_MONITOR_TOKEN", o.Token},
		{"SYSDIG_MCP_API_HOST", o.Endpoint},
		{"SYSDIG_MCP_API_TOKEN", o.Token},
	}
	if o.TeamID != "" {
		vars = append(vars, [2]string{"SYSDIG_MONITOR_TEAM_ID", o.TeamID})
	}
	return vars
}

// writeEnv prints POSIX shell export lines for `eval "$(monitor-token get --format env)"`.
func writeEnv(w io.Writer, o tokenOutput) error {
	var b strings.Builder
	for _, kv := range envVars(o) {
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellword.Quote(kv[1]))
	}
	_, err := io.WriteString(w, b.String())
	return err
}
