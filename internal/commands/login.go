package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/monitor-token/monitor-token/internal/apikey"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/ctxio"
	"github.com/monitor-token/monitor-token/internal/endpoint"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// LoginOptions is what `login` was asked. The API key is never an option:
// flags show in `ps` and in shell history, so it comes from stdin or a
// prompt.
type LoginOptions struct {
	// Flags are the settings as typed (--region, --instance, --team,
	// --auth, --cache, ...), for the resolver, which owns their rules.
	Flags    FlagValues
	TeamName string // --team-name, looked up in the instance's teams
	NoVerify bool   // store without fetching the token first
}

// loginSettings are the login flags the profile resolver reads: the
// profile's settings as typed.
var loginSettings = []string{
	"profile", "region", "private", "endpoint", "instance", "team", "iam-endpoint",
	"trusted-profile", "cr-token-file", "vpc-instance", "metadata-endpoint", "auth", "cache",
}

func newLoginCmd(f *Factory, run func(context.Context, LoginOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o LoginOptions) error { return runLogin(ctx, f, o) }
	}
	return &cli.Command{
		Name:  "login",
		Usage: "Stores an IBM Cloud API key (read from stdin or a prompt) and the instance to fetch the token for",
		UsageText: f.Name + " login [--profile P] (--region R [--private] | --endpoint URL) --instance GUID|CRN [--team ID | --team-name NAME] [--iam-endpoint URL]\n" +
			"   [--trusted-profile NAME|ID [--cr-token-file PATH] | --vpc-instance [--trusted-profile NAME|ID]] [--auth token|iam] [--cache keyring|none|file] [--no-verify] < API_KEY_FILE",
		Flags: []cli.Flag{
			profileFlag(),
			regionFlag(),
			&cli.BoolFlag{Name: "private", Usage: "use the private (VPC) Monitoring and IAM endpoints"},
			&cli.StringFlag{Name: "endpoint", Usage: "Monitoring endpoint URL, instead of --region"},
			&cli.StringFlag{Name: "instance", Usage: "the Monitoring instance: its GUID or its CRN"},
			&cli.StringFlag{Name: "team", Usage: "numeric team id (default: the user's default team)"},
			&cli.StringFlag{Name: "team-name", Usage: "the team's name, looked up in /api/teams, instead of --team"},
			&cli.StringFlag{Name: "iam-endpoint", Usage: "IAM endpoint URL (default: $IBMCLOUD_IAM_API_ENDPOINT, else IBM's public or private one)"},
			&cli.BoolFlag{Name: "no-verify", Usage: "store without fetching the token first"},
			&cli.StringFlag{Name: "trusted-profile", Usage: "use a trusted profile (name or Profile-ID) instead of an API key"},
			&cli.StringFlag{Name: "cr-token-file", TakesFile: true, Usage: "with --trusted-profile: the compute-resource token file (default: go-sdk-core's paths)"},
			&cli.BoolFlag{Name: "vpc-instance", Usage: "use this VSI's instance identity (with --trusted-profile to pick the profile)"},
			&cli.StringFlag{Name: "metadata-endpoint", Usage: "with --vpc-instance: the metadata service URL (default http://169.254.169.254)"},
			choiceFlag("auth", "", "token (the Monitor API token) or iam (IAM tokens, for IAM_ONLY instances)", config.AuthWords...),
			choiceFlag("cache", "", "where to cache the token: keyring (default), none, or file (plain text, opt-in)", config.CacheWords...),
		},
		Action: func(c *cli.Context) error {
			if c.IsSet("team") && c.IsSet("team-name") {
				return cmdutil.Usagef("login: give --team or --team-name, not both")
			}
			return run(c.Context, LoginOptions{Flags: flagValues(c, loginSettings...), TeamName: strings.TrimSpace(c.String("team-name")), NoVerify: c.Bool("no-verify")})
		},
	}
}

// regionFlag is --region: completion describes each region by its
// Monitoring endpoint.
func regionFlag() ChoiceFlag {
	f := choiceFlag("region", "", "Monitoring region: "+strings.Join(endpoint.Regions, ", "), endpoint.Regions...)
	f.describe = func(region string) string {
		url, _ := endpoint.MonitoringURL(region, false)
		return url
	}
	return f
}

func runLogin(ctx context.Context, f *Factory, o LoginOptions) error {
	prof, err := f.Resolver(o.Flags).Login()
	if err != nil {
		return err
	}
	// Load before anything else: a config file that cannot be parsed stops
	// the login and is left as it is.
	if _, err := config.Load(prof.ConfigFile); err != nil {
		return err
	}
	b, err := f.Broker(true)
	if err != nil {
		return err
	}
	// A trusted profile or a VSI identity needs no API key; otherwise read
	// one (from stdin or the prompt). Under ibmcloud (the broker has the
	// CLI's session) no key means: use the session.
	sessionFallback := b.Session != nil
	var key string
	if prof.CredentialKind() == profile.KeyringAPIKey {
		if key, err = readAPIKey(ctx, f, sessionFallback); err != nil {
			return err
		}
		f.Remember(key)
		if key == "" && !sessionFallback {
			return errNoKeyOnStdin(f.Name)
		}
	}
	verify := !o.NoVerify
	res, err := b.Login(ctx, prof, key,
		broker.LoginOptions{Verify: verify, TeamName: o.TeamName},
		func(final profile.Profile) error {
			return config.Update(ctx, final.ConfigFile, func(file *config.File) error {
				file.Profiles[final.Name] = final.Settings
				return nil
			})
		})
	if errors.Is(err, broker.ErrNotRestored) {
		return fmt.Errorf("login failed, and not everything was put back: %w", err)
	}
	if errors.Is(err, monitorapi.ErrIAMOnly) && !prof.IAMMode() {
		// The instance refuses /api/token: propose the mode that works
		// with it.
		return fmt.Errorf("login failed, nothing was changed: %w; if the instance is IAM_ONLY, log in again with --auth iam to use IAM tokens instead", err)
	}
	if err != nil {
		return fmt.Errorf("login failed, nothing was changed: %w", err)
	}
	team := "your default team"
	if res.Team != "" {
		team = "team " + res.Team
	}
	fmt.Fprintf(f.Stderr, "Logged in as profile %q: %s, instance %s, %s. %s\n",
		prof.Name, prof.Endpoint, prof.InstanceID, team, loginOutcome(f.Name, prof, key, verify, res))
	return nil
}

// loginOutcome says what the login stored and where the token went, and
// only where it really went.
func loginOutcome(program string, prof profile.Profile, key string, verify bool, res broker.LoginResult) string {
	if !verify {
		return "Nothing was checked (--no-verify); `" + program + " get` fetches the token."
	}
	var what string
	switch {
	case prof.IAMMode() && res.CachedIn != "":
		what = "IAM mode: get hands out IAM tokens, cached in " + res.CachedIn + " until they expire."
	case prof.IAMMode():
		what = "IAM mode: get hands out IAM tokens, not cached (cache=none): every get fetches one."
	case res.CachedIn != "":
		what = "The Monitor API token is cached in " + res.CachedIn + "."
	default:
		what = "The Monitor API token is not cached (cache=none): every get fetches it."
	}
	switch {
	case prof.CredentialKind() != profile.KeyringAPIKey:
		what += " Credential: " + broker.CredentialLabel(prof) + "."
	case key == "":
		what += " No API key was given: the profile uses your ibmcloud login session."
	}
	return what
}

// readAPIKey reads the key from stdin when stdin is not a terminal, and
// prompts with echo off when it is. Never from a flag or an argument: those
// show in `ps` and in shell history. sessionFallback: an empty key is an
// answer (use the ibmcloud session), not a mistake.
func readAPIKey(ctx context.Context, f *Factory, sessionFallback bool) (string, error) {
	if file, ok := f.Stdin.(*os.File); ok && term.IsTerminal(int(file.Fd())) {
		prompt := "IBM Cloud API key (input hidden): "
		if sessionFallback {
			prompt = "IBM Cloud API key (input hidden; empty to use your ibmcloud login session): "
		}
		fmt.Fprint(f.Stderr, prompt)
		b, err := ctxio.ReadPassword(ctx, int(file.Fd()))
		fmt.Fprintln(f.Stderr)
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err != nil {
			return "", fmt.Errorf("could not read the API key from the terminal: %w", err)
		}
		key, err := checkAPIKey(string(b))
		if errors.Is(err, errEmptyKey) {
			if sessionFallback {
				return "", nil
			}
			return "", errors.New("login: no API key was typed; paste the key at the prompt, or pipe it in on stdin")
		}
		return key, err
	}
	if f.Stdin == nil {
		return "", errNoKeyOnStdin(f.Name)
	}
	b, err := apikey.ReadInput(ctxio.Reader(ctx, f.Stdin))
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if errors.Is(err, apikey.ErrTooLarge) {
		return "", errors.New("login: stdin holds more than " + apikey.MaxInputText + ", which is not an API key; pipe in only the key")
	}
	if err != nil {
		return "", fmt.Errorf("could not read the API key from stdin: %w", err)
	}
	key, err := checkAPIKey(string(b))
	if errors.Is(err, errEmptyKey) {
		// The caller decides whether no key is an answer.
		return "", nil
	}
	return key, err
}

var errEmptyKey = errors.New("empty API key")

func errNoKeyOnStdin(name string) error {
	return fmt.Errorf("login: no API key on stdin; pipe it in (printf %%s \"$IBMCLOUD_API_KEY\" | %s login ...) or run login in a terminal to be prompted", name)
}

// checkAPIKey reads the key from what login was given: the bare key or
// IBM's key file (internal/apikey, which trims it: go-sdk-core does not,
// docs/protocol.md, "go-sdk-core"), without quoting it.
func checkAPIKey(raw string) (string, error) {
	key, err := apikey.Parse([]byte(raw))
	switch {
	case errors.Is(err, apikey.ErrEmpty):
		return "", errEmptyKey
	case err != nil:
		return "", fmt.Errorf("login: %w", err)
	}
	return key, nil
}
