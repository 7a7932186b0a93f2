package commands

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/endpoint"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
	"github.com/monitor-token/monitor-token/store"
)

// statusReport is what `status` shows. It never holds a secret.
type statusReport struct {
	Profile string `json:"profile"`
	// ProfileFrom says who chose the profile: "--profile",
	// "MONITOR_TOKEN_PROFILE", "use" (the config file's default), or ""
	// for the name "default" (profile.Resolver.Name).
	ProfileFrom string `json:"profile_from"`
	// SettingsFrom says where the settings live: "config file" or
	// "environment".
	SettingsFrom string `json:"settings_from"`
	ConfigFile   string `json:"config_file"`
	Endpoint     string `json:"endpoint"`
	IAMEndpoint  string `json:"iam_endpoint"`
	// RemoteWriteURL is where Prometheus remote write goes with the
	// token, "" when the endpoint's ingestion host is unknown
	// (endpoint.RemoteWriteURL).
	RemoteWriteURL string `json:"remote_write_url,omitempty"`
	InstanceID     string `json:"instance_id"`
	TeamID         string `json:"team_id"`
	APIKeySource   string `json:"api_key_source"` // "IBMCLOUD_API_KEY", "keyring", "ibmcloud login session", "" = none
	TokenCached    bool   `json:"token_cached"`
	CachedIn       string `json:"cached_in,omitempty"` // "the keyring", "plain text at PATH"
	// TokenCheck is set by --verify: "valid", or "replaced" when the
	// service refused the cached token and a new one was fetched.
	TokenCheck   string `json:"token_check,omitempty"`
	KeyringError string `json:"keyring_error,omitempty"`
	// CredentialError: the profile's credential cannot be used, and why.
	CredentialError string `json:"credential_error,omitempty"`
	CacheError      string `json:"cache_error,omitempty"`
	Auth            string `json:"auth"`  // "token" or "iam"
	Cache           string `json:"cache"` // "keyring", "none", "file"
}

// StatusOptions is what `status` was asked.
type StatusOptions struct {
	Flags  FlagValues // --profile
	Format string     // text or json
	Verify bool       // check the cached token with the service
}

func newStatusCmd(f *Factory, run func(context.Context, StatusOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o StatusOptions) error { return runStatus(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "status",
		Usage:     "Shows the profile's endpoint, instance, team, API key source and cache state",
		UsageText: f.Name + " status [--profile P] [--format text|json] [--verify]",
		Flags: []cli.Flag{
			profileFlag(),
			textOrJSON(),
			&cli.BoolFlag{Name: "verify", Usage: "check the cached token with the service; fetch a new one if it was reset"},
		},
		Action: func(c *cli.Context) error {
			format, err := choiceOf(c, "format")
			if err != nil {
				return err
			}
			return run(c.Context, StatusOptions{Flags: flagValues(c, "profile"), Format: format, Verify: c.Bool("verify")})
		},
	}
}

func runStatus(ctx context.Context, f *Factory, o StatusOptions) error {
	prof, b, err := f.openProfile(o.Flags)
	if err != nil {
		return err
	}
	r, failed := inspect(ctx, prof, b)
	if failed == nil && o.Verify {
		tok, err := b.Verify(ctx, prof)
		if err != nil {
			return err
		}
		// Only a token the service refused was replaced: with none
		// cached (cache=none, or an IAM token) Verify fetched or served
		// one the service gave, which it accepts.
		r.TokenCached, r.CachedIn, r.TokenCheck = tok.CachedIn != "", tok.CachedIn, "valid"
		if tok.Replaced {
			r.TokenCheck = "replaced"
		}
	}
	if o.Format == "json" {
		err = writeIndentedJSON(f.Stdout, r)
	} else {
		err = writeStatusText(f.Stdout, f.Name, r)
	}
	if err != nil {
		return err
	}
	// The report is printed either way; what failed still makes the
	// command fail, so scripts can tell.
	return failed
}

func inspect(ctx context.Context, prof profile.Profile, b *broker.Broker) (statusReport, error) {
	r := statusReport{
		Profile: prof.Name, ProfileFrom: prof.NameFrom, SettingsFrom: prof.From, ConfigFile: prof.ConfigFile,
		Endpoint: prof.Endpoint, IAMEndpoint: prof.IAMEndpoint, InstanceID: prof.InstanceID, TeamID: prof.TeamID,
		RemoteWriteURL: endpoint.RemoteWriteURL(prof.Endpoint),
		Auth:           config.AuthWord(prof.Auth), Cache: config.CacheWord(prof.Cache),
	}
	// Each failure is reported on the row it belongs to: an unreachable
	// keyring makes both rows unknown, a credential that cannot be used
	// (a refused stored key, an unusable file) its own row, a cache that
	// cannot be used the token row. Any of them fails the command.
	var failed error
	if source, err := b.CredentialSource(ctx, prof); err == nil {
		r.APIKeySource = source
	} else if stopsKeyringReads(err) {
		r.KeyringError = err.Error()
		return r, err
	} else if !errors.Is(err, broker.ErrNoAPIKey) {
		r.CredentialError, failed = err.Error(), err
	}
	cached, where, err := b.Cached(ctx, prof)
	r.TokenCached, r.CachedIn = cached, where
	switch {
	case err == nil:
	case stopsKeyringReads(err) && prof.CredentialKind() == profile.KeyringAPIKey && failed == nil:
		r.KeyringError = err.Error()
		return r, err
	case trustedpath.Refused(err):
		// A cache directory or file someone else could have planted:
		// get fails on it, so status does too.
		r.CacheError = err.Error()
		failed = cmp.Or(failed, err)
	default:
		// The credential needs no keyring (a CI job, a pod): the
		// cache being out of reach is worth saying, not a failure.
		r.CacheError = err.Error()
	}
	return r, failed
}

func writeStatusText(w io.Writer, program string, r statusReport) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	team := r.TeamID
	if team == "" {
		team = "(the user's default team)"
	}
	key := r.APIKeySource
	if key == "" {
		key = "none: run `" + program + " login`, or set IBMCLOUD_API_KEY"
	}
	token := "not cached: the next get fetches it"
	if r.Cache == config.CacheNone {
		token = "not cached (cache=none): every get fetches it"
	}
	if r.TokenCached {
		token = "cached in " + r.CachedIn
	}
	switch r.TokenCheck {
	case "valid":
		token += "; the service accepts it"
	case "replaced":
		token += "; a new one: the old one was refused (reset?)"
	}
	if r.CacheError != "" {
		token = "not cached: the cache cannot be used (" + r.CacheError + ")"
	}
	if r.CredentialError != "" {
		key = "cannot be used: " + r.CredentialError
	}
	if r.KeyringError != "" {
		key, token = "unknown (keyring unavailable)", "unknown (keyring unavailable)"
	}
	auth := "Monitor API token"
	if r.Auth == config.AuthWord(config.AuthIAM) {
		auth = "IAM token (IAM_ONLY mode)"
	}
	profileName := r.Profile + " (" + whyText(r.ProfileFrom) + ")"
	settings := r.SettingsFrom
	if r.SettingsFrom == profile.FromFile {
		settings += " " + r.ConfigFile
	}
	rows := [][2]string{{"profile", profileName}, {"settings", settings}, {"endpoint", r.Endpoint}, {"IAM endpoint", r.IAMEndpoint}}
	if r.RemoteWriteURL != "" {
		rows = append(rows, [2]string{"remote write", r.RemoteWriteURL})
	}
	rows = append(rows, [][2]string{
		{"instance", r.InstanceID}, {"team", team},
		{"credential", key}, {"hands out", auth}, {"cache", r.Cache}, {"token", token},
	}...)
	for _, row := range rows {
		fmt.Fprintf(tw, "%s:\t%s\n", row[0], row[1])
	}
	return tw.Flush()
}

// stopsKeyringReads says whether, after err, status and profiles read
// nothing more from the keyring: it cannot be used at all
// (store.IsUnavailable), or the person refused access, and asking again for
// another item would show macOS's access prompt once more
// (docs/keyring.md, "macOS Keychain").
func stopsKeyringReads(err error) bool {
	return store.IsUnavailable(err) || errors.Is(err, store.ErrDenied)
}
