package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/monitor-token/monitor-token/internal/apikey"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// maxAPIKey bounds what login reads from stdin. An IBM Cloud API key is 44
// characters; a megabyte of input is the wrong file, not a key.
const maxAPIKey = 4096

func (p *program) login(c *cli.Context) error {
	if c.IsSet("team") && c.IsSet("team-name") {
		return usagef("login: give --team or --team-name, not both")
	}
	prof, err := p.resolver(c).Login()
	if err != nil {
		return err
	}
	// Load before anything else: a config file that cannot be parsed stops
	// the login and is left as it is.
	if _, err := config.Load(prof.ConfigFile); err != nil {
		return err
	}
	b, err := p.broker(true)
	if err != nil {
		return err
	}
	// A trusted profile or a VSI identity needs no API key; otherwise read
	// one (from stdin or the prompt).
	var key string
	if prof.CredentialKind() == profile.KeyringAPIKey {
		if key, err = p.readAPIKey(c.Context); err != nil {
			return err
		}
		p.remember(key)
		if key == "" && b.Session == nil {
			return errNoKeyOnStdin(p.name)
		}
	}
	verify := !c.Bool("no-verify")
	res, err := b.Login(c.Context, prof, key,
		broker.LoginOptions{Verify: verify, TeamName: strings.TrimSpace(c.String("team-name"))},
		func(final profile.Profile) error {
			return config.Update(c.Context, final.ConfigFile, func(f *config.File) error {
				f.Profiles[final.Name] = final.Settings
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
	fmt.Fprintf(p.Stderr, "Logged in as profile %q: %s, instance %s, %s. %s\n",
		prof.Name, prof.Endpoint, prof.InstanceID, team, p.loginOutcome(prof, key, verify, res))
	return nil
}

// loginOutcome says what the login stored and where the token went, and
// only where it really went.
func (p *program) loginOutcome(prof profile.Profile, key string, verify bool, res broker.LoginResult) string {
	if !verify {
		return "Nothing was checked (--no-verify); `" + p.name + " get` fetches the token."
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
	switch prof.CredentialKind() {
	case profile.TrustedProfile:
		what += " Credential: trusted profile " + prof.TrustedProfile + "."
	case profile.VPCIdentity:
		what += " Credential: this VSI's instance identity."
	default:
		if key == "" {
			what += " No API key was given: the profile uses your ibmcloud login session."
		}
	}
	return what
}

// readAPIKey reads the key from stdin when stdin is not a terminal, and
// prompts with echo off when it is. Never from a flag or an argument: those
// show in `ps` and in shell history.
func (p *program) readAPIKey(ctx context.Context) (string, error) {
	if f, ok := p.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		prompt := "IBM Cloud API key (input hidden): "
		if p.underIBMCloud {
			prompt = "IBM Cloud API key (input hidden; empty to use your ibmcloud login session): "
		}
		fmt.Fprint(p.Stderr, prompt)
		b, err := readPassword(ctx, int(f.Fd()))
		fmt.Fprintln(p.Stderr)
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		if err != nil {
			return "", fmt.Errorf("could not read the API key from the terminal: %w", err)
		}
		key, err := checkAPIKey(string(b))
		if errors.Is(err, errEmptyKey) {
			if p.underIBMCloud {
				return "", nil
			}
			return "", errors.New("login: no API key was typed; paste the key at the prompt, or pipe it in on stdin")
		}
		return key, err
	}
	if p.Stdin == nil {
		return "", errNoKeyOnStdin(p.name)
	}
	b, err := io.ReadAll(io.LimitReader(newContextReader(ctx, p.Stdin), maxAPIKey+1))
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	if err != nil {
		return "", fmt.Errorf("could not read the API key from stdin: %w", err)
	}
	if len(b) > maxAPIKey {
		return "", errors.New("login: stdin holds more than 4 KiB, which is not an API key; pipe in only the key")
	}
	key, err := checkAPIKey(string(b))
	if errors.Is(err, errEmptyKey) {
		// Under ibmcloud, no key means: use the CLI's login session; the
		// caller decides.
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
