package app

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/privatedir"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/shellword"
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
	// Auth is "token" (a Monitor API token) or "iam" (an IAM token, for
	// IAM_ONLY instances; it goes with the IBMInstanceID header).
	Auth        string `json:"auth"`
	IAMEndpoint string `json:"iam_endpoint,omitempty"`
	ExpiresAt   string `json:"expires_at,omitempty"` // IAM tokens: RFC 3339
}

func (p *program) get(c *cli.Context) error {
	format, err := formatOf(c)
	if err != nil {
		return err
	}
	if c.Bool("refresh") && c.Bool("verify") {
		return usagef("get: give --refresh or --verify, not both")
	}
	prof, b, err := p.openProfile(c)
	if err != nil {
		return err
	}
	var tok broker.Token
	switch {
	case c.Bool("refresh"):
		tok, err = b.Refresh(c.Context, prof)
		if err == nil && tok.NotCached != nil {
			// The token is in hand and is what was asked for: a
			// credential helper must not fail because caching failed.
			p.warn(tok.NotCached)
		}
	case c.Bool("verify"):
		tok, err = b.Verify(c.Context, prof)
		if err == nil && tok.Replaced {
			kept := "and cached"
			if tok.CachedIn == "" {
				kept = "(not cached)"
			}
			fmt.Fprintf(p.Stderr, "The cached token was refused (reset in the UI?); a new one was fetched %s.\n", kept)
		}
	default:
		tok, err = b.Token(c.Context, prof)
	}
	if err != nil {
		return err
	}
	return outputFormats[format](p.Stdout, newTokenOutput(prof, tok))
}

// refresh replaces the cached token with the current one. A new token that
// could not be cached is a failure: the cache would go on serving the token
// that was reset.
func (p *program) refresh(c *cli.Context) error {
	prof, b, err := p.openProfile(c)
	if err != nil {
		return err
	}
	tok, err := b.Refresh(c.Context, prof)
	switch {
	case err != nil && (privatedir.Refused(err) || prof.Cache == config.CacheNone):
		// A refused cache holds no token of ours, and cache=none none at
		// all: nothing was kept.
		return fmt.Errorf("refresh failed: %w", err)
	case err != nil:
		return fmt.Errorf("refresh failed, the cached token was kept: %w", err)
	case tok.NotCached != nil:
		return fmt.Errorf("refresh failed: %w", tok.NotCached)
	case tok.CachedIn == "":
		fmt.Fprintf(p.Stderr, "Fetched the current token of profile %q; it is not cached (cache=none), so every get fetches it.\n", prof.Name)
	default:
		fmt.Fprintf(p.Stderr, "The cached token of profile %q was replaced with the current one, in %s.\n", prof.Name, tok.CachedIn)
	}
	return nil
}

func newTokenOutput(prof profile.Profile, tok broker.Token) tokenOutput {
	o := tokenOutput{
		Token: tok.Value, Endpoint: prof.Endpoint, InstanceID: prof.InstanceID,
		TeamID: prof.TeamID, Profile: prof.Name, Cached: tok.FromCache, Auth: "token",
	}
	if tok.IAM {
		o.Auth, o.IAMEndpoint = "iam", prof.IAMEndpoint
		if !tok.ExpiresAt.IsZero() {
			o.ExpiresAt = tok.ExpiresAt.UTC().Format(time.RFC3339)
		}
	}
	return o
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
	if o.Auth == "iam" {
		fmt.Fprintf(&b, "IBMInstanceID: %s\n", o.InstanceID)
		if o.TeamID != "" {
			fmt.Fprintf(&b, "SysdigTeamID: %s\n", o.TeamID)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeJSON(w io.Writer, o tokenOutput) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(o)
}

// envVars are the variables existing tools read (docs/protocol.md,
// "Environment variables of other tools"): Sysdig's Terraform provider and
// the Sysdig Python client and scripts.
func envVars(o tokenOutput) [][2]string {
	if o.Auth == "iam" {
		// An IAM_ONLY instance has no Monitor API token: the variables of
		// IBM mode, and the IAM token under a name of our own (no tool
		// reads an IAM token from the environment under a common name;
		// SYSDIG_MONITOR_API_TOKEN would be taken for a Monitor token).
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
