package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
)

// statusReport is what `status` shows. It never holds a secret.
type statusReport struct {
	Profile      string `json:"profile"`
	ConfigFile   string `json:"config_file"`
	Endpoint     string `json:"endpoint"`
	IAMEndpoint  string `json:"iam_endpoint"`
	InstanceID   string `json:"instance_id"`
	TeamID       string `json:"team_id"`
	APIKeySource string `json:"api_key_source"` // "IBMCLOUD_API_KEY", "keyring", "ibmcloud login session", "" = none
	TokenCached  bool   `json:"token_cached"`
	// TokenCheck is set by --verify: "valid", or "replaced" when the
	// service refused the cached token and a new one was fetched.
	TokenCheck   string `json:"token_check,omitempty"`
	KeyringError string `json:"keyring_error,omitempty"`
	CacheError   string `json:"cache_error,omitempty"`
	Auth         string `json:"auth"`  // "token" or "iam"
	Cache        string `json:"cache"` // "keyring", "none", "file"
}

func (p *program) status(c *cli.Context) error {
	format, err := formatOf(c, "text", "json")
	if err != nil {
		return err
	}
	run, err := p.openProfile(c)
	if err != nil {
		return err
	}
	r, keyringErr := inspect(c.Context, run)
	if keyringErr == nil && c.Bool("verify") {
		tok, err := run.broker.Verify(c.Context, run.target)
		if err != nil {
			return err
		}
		r.TokenCached, r.TokenCheck = true, "valid"
		if !tok.Verified {
			r.TokenCheck = "replaced"
		}
	}
	if format == "json" {
		enc := json.NewEncoder(p.Stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(r)
	} else {
		err = writeStatusText(p.Stdout, r)
	}
	if err != nil {
		return err
	}
	// The report is printed either way; an unreachable keyring still makes
	// the command fail, so scripts can tell.
	return keyringErr
}

func inspect(ctx context.Context, run profileRun) (statusReport, error) {
	b, prof := run.broker, run.prof
	r := statusReport{
		Profile: run.name, ConfigFile: run.path, Endpoint: prof.Endpoint, IAMEndpoint: prof.IAMEndpoint,
		InstanceID: prof.InstanceID, TeamID: prof.TeamID,
	}
	r.Auth, r.Cache = "token", "keyring"
	if prof.Auth == config.AuthIAM {
		r.Auth = "iam"
	}
	if prof.Cache != "" {
		r.Cache = prof.Cache
	}
	var keyringErr error
	if source, err := b.CredentialSource(ctx, run.target); err == nil {
		r.APIKeySource = source
	} else if !errors.Is(err, broker.ErrNoAPIKey) {
		keyringErr = err
	}
	if keyringErr == nil {
		_, cached, err := b.Cached(ctx, run.target)
		r.TokenCached = cached
		switch {
		case err != nil && !b.KeyringCredential(run.target):
			// The credential needs no keyring (a CI job, a pod): the
			// cache being out of reach is worth saying, not a failure.
			r.CacheError = err.Error()
		default:
			keyringErr = err
		}
	}
	if keyringErr != nil {
		r.KeyringError = keyringErr.Error()
	}
	return r, keyringErr
}

func writeStatusText(w io.Writer, r statusReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	team := r.TeamID
	if team == "" {
		team = "(the user's default team)"
	}
	key := r.APIKeySource
	if key == "" {
		key = "none: run `monitor-token login`, or set IBMCLOUD_API_KEY"
	}
	token := "not cached: the next get fetches it"
	if r.TokenCached {
		token = "cached in the keyring"
		if r.Cache != "keyring" {
			token = "cached (" + r.Cache + ")"
		}
	}
	switch r.TokenCheck {
	case "valid":
		token += "; the service accepts it"
	case "replaced":
		token += "; a new one: the old one was refused (reset?)"
	}
	if r.CacheError != "" {
		token = "not cached: the cache cannot be reached (" + r.CacheError + ")"
	}
	if r.KeyringError != "" {
		key, token = "unknown (keyring unavailable)", "unknown (keyring unavailable)"
	}
	auth := "Monitor API token"
	if r.Auth == "iam" {
		auth = "IAM token (IAM_ONLY mode)"
	}
	rows := [][2]string{
		{"profile", r.Profile}, {"config file", r.ConfigFile}, {"endpoint", r.Endpoint},
		{"IAM endpoint", r.IAMEndpoint}, {"instance", r.InstanceID}, {"team", team},
		{"credential", key}, {"hands out", auth}, {"cache", r.Cache}, {"token", token},
	}
	for _, row := range rows {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

func (p *program) logout(c *cli.Context) error {
	all := c.Bool("all")
	if all && p.flagOnCommandLine("profile") {
		return usagef("logout: give --profile or --all, not both")
	}
	b, err := p.broker(false)
	if err != nil {
		return err
	}
	if all {
		if err := p.logoutAll(c.Context, b); err != nil {
			return err
		}
		fmt.Fprintln(p.Stderr, "Removed every monitor-token item from the keyring; profile settings were kept.")
		return nil
	}
	name := profileOf(c)
	if err := config.ValidProfileName(name); err != nil {
		return usagef("--profile: %v", err)
	}
	if err := b.Logout(c.Context, name); err != nil {
		return err
	}
	fmt.Fprintf(p.Stderr, "Removed the API key and cached token of profile %q from the keyring; its settings were kept.\n", name)
	return nil
}

// logoutAll removes every item of the service, so items of profiles that are
// no longer in the config file go too.
func (p *program) logoutAll(ctx context.Context, b *broker.Broker) error {
	if all, ok := b.Secrets.(interface{ DeleteAll(context.Context) error }); ok {
		return all.DeleteAll(ctx)
	}
	return errors.New("logout --all: this keyring cannot delete all items")
}
