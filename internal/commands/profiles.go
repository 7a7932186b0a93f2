package commands

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/printable"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/store"
)

// profileRow is one line of `profiles`. It never holds a secret.
type profileRow struct {
	Name string `json:"name"`
	// Default: commands given no --profile use this one; DefaultFrom
	// says why (defaultWhy's words), on that row only.
	Default     bool   `json:"default"`
	DefaultFrom string `json:"default_from,omitempty"`
	// SettingsFrom: "config file" or "environment".
	SettingsFrom string `json:"settings_from"`
	Endpoint     string `json:"endpoint"`
	InstanceID   string `json:"instance_id"`
	TeamID       string `json:"team_id"`
	// Credential is where the IAM token comes from, by kind
	// (broker.CredentialLabel); nothing is read to say it.
	Credential string `json:"credential"`
	Auth       string `json:"auth"`  // "token" or "iam"
	Cache      string `json:"cache"` // "keyring", "none", "file"
	// TokenCached: a token for the profile's current settings is cached.
	// TokenError says why that could not be read (then TokenCached is
	// false and means "unknown").
	TokenCached bool   `json:"token_cached"`
	TokenError  string `json:"token_error,omitempty"`
}

// ProfilesOptions is what `profiles` was asked.
type ProfilesOptions struct {
	Format string // text or json
}

func newProfilesCmd(f *Factory, run func(context.Context, ProfilesOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o ProfilesOptions) error { return runProfiles(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "profiles",
		Usage:     "Lists the profiles, the default marked, with endpoint, instance, team, credential and cache",
		UsageText: f.Name + " profiles [--format text|json]",
		Flags:     []cli.Flag{textOrJSON()},
		Action: func(c *cli.Context) error {
			format, err := choiceOf(c, "format")
			if err != nil {
				return err
			}
			return run(c.Context, ProfilesOptions{Format: format})
		},
	}
}

// runProfiles lists every profile: the config file's and the environment's.
func runProfiles(ctx context.Context, f *Factory, o ProfilesOptions) error {
	r := f.Resolver(nil)
	all, err := r.All()
	if err != nil {
		return err
	}
	dflt, from, err := r.Name()
	if err != nil {
		return err
	}
	b, err := f.Broker(false)
	if err != nil {
		return err
	}
	rows := make([]profileRow, 0, len(all))
	var keyringDown error
	marked := false
	for _, prof := range all {
		row := profileRow{
			Name: prof.Name, SettingsFrom: prof.From, Endpoint: prof.Endpoint, InstanceID: prof.InstanceID,
			TeamID: prof.TeamID, Credential: broker.CredentialLabel(prof), Auth: config.AuthWord(prof.Auth), Cache: config.CacheWord(prof.Cache),
		}
		if prof.Name == dflt {
			row.Default, row.DefaultFrom, marked = true, defaultWhy(from), true
		}
		row.TokenCached, row.TokenError, keyringDown = tokenCached(ctx, b, prof, keyringDown)
		rows = append(rows, row)
	}
	if keyringDown != nil {
		f.Warn(fmt.Errorf("whether a token is cached is unknown for the profiles that cache in the keyring: %w", keyringDown))
	}
	if !marked && len(rows) > 0 {
		f.notef("the default, %q (%s), is not a profile yet", dflt, whyText(from))
	}
	if o.Format == "json" {
		return writeIndentedJSON(f.Stdout, rows)
	}
	if len(rows) == 0 {
		fmt.Fprintf(f.Stderr, "%s: no profiles yet: run `%s login --region REGION --instance GUID`\n", f.Name, f.Name)
	}
	return writeProfilesText(f.Stdout, rows)
}

// tokenCached reads whether prof has a cached token: one read of its
// cache. Once the keyring could not be reached (down), the other profiles
// that cache there are not read again: each read would wait out its own
// deadline to fail the same way, or a refusal would be asked again.
func tokenCached(ctx context.Context, b *broker.Broker, prof profile.Profile, down error) (cached bool, why string, stillDown error) {
	if down != nil && prof.Cache == config.CacheKeyring {
		return false, "keyring unavailable", down
	}
	cached, _, err := b.Cached(ctx, prof)
	switch {
	case err == nil:
		return cached, "", down
	case store.IsUnavailable(err):
		return false, "keyring unavailable", err
	case stopsKeyringReads(err):
		// Refused: this row says so, and the other rows are not read, or
		// each would ask the person again.
		return false, err.Error(), err
	}
	return false, err.Error(), down
}

func writeProfilesText(w io.Writer, rows []profileRow) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DEFAULT\tNAME\tENDPOINT\tINSTANCE\tTEAM\tCREDENTIAL\tCACHE\tTOKEN")
	for _, r := range rows {
		def := ""
		if r.Default {
			def = "* (" + r.DefaultFrom + ")"
		}
		team := r.TeamID
		if team == "" {
			team = "(default)"
		}
		token := "not cached"
		switch {
		case r.TokenError != "":
			token = "unknown (" + r.TokenError + ")"
		case r.TokenCached:
			token = "cached"
		case r.Cache == "none":
			token = "never cached"
		}
		name := r.Name
		if r.SettingsFrom == profile.FromEnvironment {
			name += " (environment)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", def, name, r.Endpoint, r.InstanceID, team, printable.String(r.Credential), r.Cache, printable.String(token))
	}
	return tw.Flush()
}
