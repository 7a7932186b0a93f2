package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/endpoint"
)

// maxAPIKey bounds what login reads from stdin. An IBM Cloud API key is 44
// characters; a megabyte of input is the wrong file, not a key.
const maxAPIKey = 4096

func regionList() []string { return endpoint.Regions }

// loginSettings is what the login flags resolve to.
type loginSettings struct {
	profile config.Profile
	name    string
}

// resolveLogin checks the flags and turns region, CRN and URLs into a
// profile. Every error names the flag and what it accepts.
func (p *program) resolveLogin(c *cli.Context) (loginSettings, error) {
	name := profileOf(c)
	if err := config.ValidProfileName(name); err != nil {
		return loginSettings{}, usagef("--profile: %v", err)
	}
	instance := strings.TrimSpace(c.String("instance"))
	if instance == "" {
		return loginSettings{}, usagef("login: --instance is required: the GUID or CRN of the Monitoring instance (`ibmcloud resource service-instance NAME --output json` shows both)")
	}
	region := strings.TrimSpace(c.String("region"))
	var guid string
	if strings.HasPrefix(instance, "crn:") {
		crn, err := endpoint.ParseCRN(instance)
		if err != nil {
			return loginSettings{}, usagef("--instance: %v", err)
		}
		if region != "" && region != crn.Region {
			return loginSettings{}, usagef("--region %s contradicts the CRN, whose region is %s; drop --region", region, crn.Region)
		}
		guid = crn.InstanceGUID
		if c.String("endpoint") == "" {
			region = crn.Region
		}
	} else {
		if !endpoint.IsGUID(instance) {
			return loginSettings{}, usagef("--instance %q is neither an instance GUID nor a CRN; `ibmcloud resource service-instance NAME --output json` shows the guid", instance)
		}
		guid = strings.ToLower(instance)
	}

	private := c.Bool("private")
	var monURL string
	switch raw := c.String("endpoint"); {
	case raw != "" && c.IsSet("region"):
		return loginSettings{}, usagef("login: give --region or --endpoint, not both")
	case raw != "" && private:
		return loginSettings{}, usagef("login: --private picks the private endpoint of a --region; with --endpoint give the private URL itself")
	case raw != "":
		u, err := endpoint.NormalizeMonitoring(raw)
		if err != nil {
			return loginSettings{}, usagef("--endpoint: %v", err)
		}
		monURL, region = u, ""
	case region != "":
		u, err := endpoint.MonitoringURL(region, private)
		if err != nil {
			return loginSettings{}, usagef("--region: %v", err)
		}
		monURL = u
	default:
		return loginSettings{}, usagef("login: give --region (one of %s) or --endpoint URL, or a CRN as --instance", strings.Join(endpoint.Regions, ", "))
	}

	iamURL := endpoint.IAMURL(private)
	if raw := c.String("iam-endpoint"); raw != "" {
		u, err := endpoint.NormalizeIAM(raw)
		if err != nil {
			return loginSettings{}, usagef("--iam-endpoint: %v", err)
		}
		iamURL = u
	}

	team := strings.TrimSpace(c.String("team"))
	if team != "" && c.String("team-name") != "" {
		return loginSettings{}, usagef("login: give --team or --team-name, not both")
	}
	if team != "" && !isDigits(team) {
		return loginSettings{}, usagef("--team %q is not a numeric team id; `%s teams` lists them", team, p.name)
	}
	return loginSettings{name: name, profile: config.Profile{
		Endpoint: monURL, IAMEndpoint: iamURL, InstanceID: guid, TeamID: team, Region: region,
	}}, nil
}

func isDigits(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func (p *program) login(c *cli.Context) error {
	settings, err := p.resolveLogin(c)
	if err != nil {
		return err
	}
	path, err := config.DefaultPath(p.getenv)
	if err != nil {
		return err
	}
	// Load before anything else: a config file that cannot be parsed stops
	// the login and is left as it is (issue 4).
	file, err := config.Load(path)
	if err != nil {
		return err
	}
	key, err := p.readAPIKey()
	if err != nil {
		return err
	}
	p.remember(key)
	b, err := p.broker(true)
	if err != nil {
		return err
	}
	if key == "" && b.Session == nil {
		return errNoKeyOnStdin(p.name)
	}
	verify := !c.Bool("no-verify")
	teamName := c.String("team-name")
	err = b.Login(c.Context, target(settings.name, settings.profile), key,
		broker.LoginOptions{Verify: verify, TeamName: teamName},
		func(t broker.Target) error {
			settings.profile.TeamID = t.TeamID
			if file.Profiles == nil {
				file.Profiles = map[string]config.Profile{}
			}
			file.Profiles[settings.name] = settings.profile
			return file.Save(path)
		})
	if err != nil {
		return fmt.Errorf("login failed, nothing was changed: %w", err)
	}
	team := settings.profile.TeamID
	if team == "" {
		team = "your default team"
	} else {
		team = "team " + team
	}
	what := "The Monitor API token is cached in the keyring."
	if key == "" {
		what += " No API key was given: the profile uses your ibmcloud login session."
	}
	if !verify {
		what = "Nothing was checked (--no-verify); `" + p.name + " get` fetches the token."
	}
	fmt.Fprintf(p.Stderr, "Logged in as profile %q: %s, instance %s, %s. %s\n",
		settings.name, settings.profile.Endpoint, settings.profile.InstanceID, team, what)
	return nil
}

// readAPIKey reads the key from stdin when stdin is not a terminal, and
// prompts with echo off when it is. Never from a flag or an argument: those
// show in `ps` and in shell history (issue 2).
func (p *program) readAPIKey() (string, error) {
	if f, ok := p.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		prompt := "IBM Cloud API key (input hidden): "
		if p.underIBMCloud {
			prompt = "IBM Cloud API key (input hidden; empty to use your ibmcloud login session): "
		}
		fmt.Fprint(p.Stderr, prompt)
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(p.Stderr)
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
	b, err := io.ReadAll(io.LimitReader(p.Stdin, maxAPIKey+1))
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

// checkAPIKey trims the key (go-sdk-core does not, ibm-monitor-api.md
// section 1) and rejects what cannot be a key, without quoting it.
func checkAPIKey(raw string) (string, error) {
	key := strings.TrimSpace(raw)
	if key == "" {
		return "", errEmptyKey
	}
	for _, r := range key {
		if r < 0x21 || r > 0x7e {
			return "", errors.New("login: the API key contains spaces, line breaks or non-ASCII characters; pipe in only the key")
		}
	}
	return key, nil
}
