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
	// Credential is where the IAM token comes from, by kind (credentialKind);
	// nothing is read to say it.
	Credential string `json:"credential"`
	Auth       string `json:"auth"`  // "token" or "iam"
	Cache      string `json:"cache"` // "keyring", "none", "file"
	// TokenCached: a token for the profile's current settings is cached.
	// TokenError says why that could not be read (then TokenCached is
	// false and means "unknown").
	TokenCached bool   `json:"token_cached"`
	TokenError  string `json:"token_error,omitempty"`
}

// Why a profile is the default, as status and profiles say it: who chose
// the name (profile.Resolver.Name's from).
const (
	whyFlag    = "--profile"
	whyVar     = profile.VarProfile
	whyUse     = "use"     // the config file's default, which `use` stores
	whyBuiltin = "default" // nothing chose: the name "default"
)

func defaultWhy(from string) string {
	if from == "" {
		return whyBuiltin
	}
	return from
}

// profiles lists every profile: the config file's and the environment's.
func (p *program) profiles(c *cli.Context) error {
	format, err := formatOf(c)
	if err != nil {
		return err
	}
	r := p.resolver(nil)
	all, err := r.All()
	if err != nil {
		return err
	}
	dflt, from, err := r.Name()
	if err != nil {
		return err
	}
	b, err := p.broker(false)
	if err != nil {
		return err
	}
	rows := make([]profileRow, 0, len(all))
	var keyringDown error
	marked := false
	for _, prof := range all {
		row := profileRow{
			Name: prof.Name, SettingsFrom: prof.From, Endpoint: prof.Endpoint, InstanceID: prof.InstanceID,
			TeamID: prof.TeamID, Credential: credentialKind(prof), Auth: "token", Cache: cacheWord(prof.Cache),
		}
		if prof.IAMMode() {
			row.Auth = "iam"
		}
		if prof.Name == dflt {
			row.Default, row.DefaultFrom, marked = true, defaultWhy(from), true
		}
		row.TokenCached, row.TokenError, keyringDown = tokenCached(c.Context, b, prof, keyringDown)
		rows = append(rows, row)
	}
	if keyringDown != nil {
		p.warn(fmt.Errorf("whether a token is cached is unknown for the profiles that cache in the keyring: %w", keyringDown))
	}
	if !marked && len(rows) > 0 {
		fmt.Fprintf(p.Stderr, "%s: note: the default, %q (%s), is not a profile yet\n", p.name, dflt, whyText(from))
	}
	if format == "json" {
		enc := json.NewEncoder(p.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	if len(rows) == 0 {
		fmt.Fprintf(p.Stderr, "%s: no profiles yet: run `%s login --region REGION --instance GUID`\n", p.name, p.name)
	}
	return writeProfilesText(p.Stdout, rows)
}

// tokenCached reads whether prof has a cached token: one read of its
// cache. Once the keyring could not be reached (down), the other profiles
// that cache there are not read again: each read would wait out its own
// deadline to fail the same way.
func tokenCached(ctx context.Context, b *broker.Broker, prof profile.Profile, down error) (cached bool, why string, stillDown error) {
	if down != nil && prof.Cache == config.CacheKeyring {
		return false, "keyring unavailable", down
	}
	cached, _, err := b.Cached(ctx, prof)
	switch {
	case err == nil:
		return cached, "", down
	case isKeyringError(err) && !errors.Is(err, store.ErrDenied):
		return false, "keyring unavailable", err
	}
	return false, err.Error(), down
}

// credentialKind names where prof's IAM token comes from, from its
// settings alone (status reads the keyring to say more).
func credentialKind(prof profile.Profile) string {
	switch prof.CredentialKind() {
	case profile.EnvAPIKey:
		return broker.SourceEnv
	case profile.TrustedProfile:
		return broker.SourceTrustedProfile + " " + prof.TrustedProfile
	case profile.VPCIdentity:
		return broker.SourceVPC
	}
	return "api key in the keyring"
}

// cacheWord is a cache setting as the --cache flag spells it.
func cacheWord(cache string) string {
	if cache == config.CacheKeyring {
		return "keyring"
	}
	return cache
}

// whyText says in words who made a profile the default.
func whyText(from string) string {
	switch defaultWhy(from) {
	case whyFlag:
		return "from --profile"
	case whyVar:
		return "from " + profile.VarProfile
	case whyUse:
		return "set by `use`"
	}
	return "the name \"default\": no --profile, " + profile.VarProfile + " or `use`"
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", def, name, r.Endpoint, r.InstanceID, team, printable(r.Credential), r.Cache, printable(token))
	}
	return tw.Flush()
}
