package app

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
)

// outputFormats are what `get --format` prints.
var outputFormats = map[string]func(io.Writer, tokenOutput) error{
	"token":  writeToken,
	"header": writeHeader,
	"json":   writeJSON,
	"env":    writeEnv,
}

// tokenOutput is everything a format may print.
type tokenOutput struct {
	Token      string `json:"token"`
	Endpoint   string `json:"endpoint"`
	InstanceID string `json:"instance_id"`
	TeamID     string `json:"team_id"`
	Profile    string `json:"profile"`
	Cached     bool   `json:"cached"`
}

func (p *program) get(c *cli.Context) error {
	format, err := formatOf(c, "token", "header", "json", "env")
	if err != nil {
		return err
	}
	r, err := p.openProfile(c)
	if err != nil {
		return err
	}
	var tok broker.Token
	switch {
	case c.Bool("refresh") && c.Bool("verify"):
		return usagef("get: give --refresh or --verify, not both")
	case c.Bool("refresh"):
		tok, err = r.broker.Refresh(c.Context, r.target)
	case c.Bool("verify"):
		tok, err = r.broker.Verify(c.Context, r.target)
		if err == nil && tok.Replaced {
			fmt.Fprintf(p.Stderr, "The cached token was refused (reset in the UI?); a new one was fetched and cached.\n")
		}
	default:
		tok, err = r.broker.Token(c.Context, r.target)
	}
	if err != nil {
		return err
	}
	return outputFormats[format](p.Stdout, newTokenOutput(r.name, r.prof, tok))
}

func (p *program) refresh(c *cli.Context) error {
	r, err := p.openProfile(c)
	if err != nil {
		return err
	}
	if _, err := r.broker.Refresh(c.Context, r.target); err != nil {
		return fmt.Errorf("refresh failed, the cached token was kept: %w", err)
	}
	fmt.Fprintf(p.Stderr, "The cached Monitor API token of profile %q was replaced with the current one.\n", r.name)
	return nil
}

func newTokenOutput(name string, prof config.Profile, tok broker.Token) tokenOutput {
	return tokenOutput{
		Token: tok.Value, Endpoint: prof.Endpoint, InstanceID: prof.InstanceID,
		TeamID: prof.TeamID, Profile: name, Cached: tok.FromCache,
	}
}

func writeToken(w io.Writer, o tokenOutput) error {
	_, err := fmt.Fprintln(w, o.Token)
	return err
}

// writeHeader prints the one header the Monitor token is used with
// (ibm-monitor-api.md section 3), for `curl -H @<(monitor-token get --format header)`.
func writeHeader(w io.Writer, o tokenOutput) error {
	_, err := fmt.Fprintf(w, "Authorization: Bearer %s\n", o.Token)
	return err
}

func writeJSON(w io.Writer, o tokenOutput) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}

// envVars are the variables existing tools read (ibm-monitor-api.md section
// 3): Sysdig's Terraform provider and the Sysdig Python client and scripts.
func envVars(o tokenOutput) [][2]string {
	vars := [][2]string{
		{"SYSDIG_MONITOR_URL", o.Endpoint},
		{"SYSDIG_MONITOR_API_TOKEN", o.Token},
		{"SDC_URL", o.Endpoint},
		{"SDC_TOKEN", o.Token},
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
		fmt.Fprintf(&b, "export %s=%s\n", kv[0], shellQuote(kv[1]))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// shellQuote single-quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
