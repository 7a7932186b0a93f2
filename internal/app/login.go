package app

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/endpoint"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
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

// profileSource is where profile settings are read from: login's flags, or
// MONITOR_TOKEN_* variables for a profile that lives in the environment
// (issue 5). name turns a setting into what the user typed, for messages.
type profileSource struct {
	get   func(setting string) string
	isSet func(setting string) bool
	name  func(setting string) string
	usage func(format string, a ...any) error
}

// flagSource reads login's flags.
func flagSource(c *cli.Context) profileSource {
	return profileSource{
		get: func(s string) string {
			if switchSettings[s] {
				return onOff(c.Bool(s))
			}
			return strings.TrimSpace(c.String(s))
		},
		isSet: func(s string) bool { return c.IsSet(s) },
		name:  func(s string) string { return "--" + s },
		usage: usagef,
	}
}

// switchSettings are the on/off settings: bool flags, and variables that
// take 1/true/yes/on. A source gives them as "true" or "".
var switchSettings = map[string]bool{"private": true, "vpc-instance": true}

func onOff(on bool) string {
	if on {
		return "true"
	}
	return ""
}

// envVar names the variable of a setting: team-name -> MONITOR_TOKEN_TEAM_NAME.
func envVar(setting string) string {
	return "MONITOR_TOKEN_" + strings.ToUpper(strings.ReplaceAll(setting, "-", "_"))
}

// envSource reads MONITOR_TOKEN_* variables; IBMCLOUD_IAM_API_ENDPOINT is
// the IAM endpoint's fallback, as for login.
func (p *program) envSource() profileSource {
	get := func(s string) string {
		v := strings.TrimSpace(p.getenv(envVar(s)))
		if v == "" && s == "iam-endpoint" {
			v = strings.TrimSpace(p.getenv("IBMCLOUD_IAM_API_ENDPOINT"))
		}
		if switchSettings[s] {
			return onOff(isTrue(v))
		}
		return v
	}
	return profileSource{
		get:   get,
		isSet: func(s string) bool { return get(s) != "" },
		name:  envVar,
		usage: func(format string, a ...any) error { return fmt.Errorf(format, a...) },
	}
}

// profileFromEnv is the profile of a CI job or a pod: no login, no config
// file; MONITOR_TOKEN_INSTANCE and MONITOR_TOKEN_REGION (or _ENDPOINT) at
// least.
func (p *program) profileFromEnv(name string) (config.Profile, error) {
	prof, err := p.resolveProfile(p.envSource())
	if err != nil {
		return config.Profile{}, fmt.Errorf("profile from the environment: %w", err)
	}
	return prof, nil
}

// resolveLogin checks login's flags and turns them into a profile.
func (p *program) resolveLogin(c *cli.Context) (loginSettings, error) {
	name := profileOf(c)
	if err := config.ValidProfileName(name); err != nil {
		return loginSettings{}, usagef("--profile: %v", err)
	}
	prof, err := p.resolveProfile(flagSource(c))
	if err != nil {
		return loginSettings{}, err
	}
	if strings.TrimSpace(c.String("team")) != "" && c.String("team-name") != "" {
		return loginSettings{}, usagef("login: give --team or --team-name, not both")
	}
	return loginSettings{name: name, profile: prof}, nil
}

// resolveProfile turns region, CRN and URLs, the credential and the modes
// into a profile. Every error names the setting and what it accepts.
func (p *program) resolveProfile(src profileSource) (config.Profile, error) {
	usage, n := src.usage, src.name
	instance := src.get("instance")
	if instance == "" {
		return config.Profile{}, usage("%s is required: the GUID or CRN of the Monitoring instance (`ibmcloud resource service-instance NAME --output json` shows both)", n("instance"))
	}
	region := src.get("region")
	monRaw := src.get("endpoint")
	var guid string
	if strings.HasPrefix(instance, "crn:") {
		crn, err := endpoint.ParseCRN(instance)
		if err != nil {
			return config.Profile{}, usage("%s: %v", n("instance"), err)
		}
		if region != "" && region != crn.Region {
			return config.Profile{}, usage("%s %s contradicts the CRN, whose region is %s; drop %s", n("region"), region, crn.Region, n("region"))
		}
		guid = crn.InstanceGUID
		if monRaw == "" {
			region = crn.Region
		}
	} else {
		if !endpoint.IsGUID(instance) {
			return config.Profile{}, usage("%s %q is neither an instance GUID nor a CRN; `ibmcloud resource service-instance NAME --output json` shows the guid", n("instance"), instance)
		}
		guid = strings.ToLower(instance)
	}

	private := src.get("private") != ""
	var monURL string
	switch {
	case monRaw != "" && src.isSet("region"):
		return config.Profile{}, usage("give %s or %s, not both", n("region"), n("endpoint"))
	case monRaw != "" && private:
		return config.Profile{}, usage("%s picks the private endpoint of a %s; with %s give the private URL itself", n("private"), n("region"), n("endpoint"))
	case monRaw != "":
		u, err := endpoint.NormalizeMonitoring(monRaw)
		if err != nil {
			return config.Profile{}, usage("%s: %v", n("endpoint"), err)
		}
		monURL, region = u, ""
	case region != "":
		u, err := endpoint.MonitoringURL(region, private)
		if err != nil {
			return config.Profile{}, usage("%s: %v", n("region"), err)
		}
		monURL = u
	default:
		return config.Profile{}, usage("give %s (one of %s) or %s URL, or a CRN as %s", n("region"), strings.Join(endpoint.Regions, ", "), n("endpoint"), n("instance"))
	}

	iamURL := endpoint.IAMURL(private)
	if raw := src.get("iam-endpoint"); raw != "" {
		u, err := endpoint.NormalizeIAM(raw)
		if err != nil {
			return config.Profile{}, usage("%s: %v", n("iam-endpoint"), err)
		}
		iamURL = u
	}
	team := src.get("team")
	if team != "" && !isDigits(team) {
		return config.Profile{}, usage("%s %q is not a numeric team id; `%s teams` lists them", n("team"), team, p.name)
	}
	prof := config.Profile{Endpoint: monURL, IAMEndpoint: iamURL, InstanceID: guid, TeamID: team, Region: region}
	return prof, p.resolveModes(src, &prof)
}

// resolveModes reads the issue 5 settings: the credential (an API key, a
// trusted profile, a VSI's identity), what get hands out, and the cache.
func (p *program) resolveModes(src profileSource, prof *config.Profile) error {
	usage, n := src.usage, src.name
	trusted, crFile, vpc := src.get("trusted-profile"), src.get("cr-token-file"), src.get("vpc-instance") != ""
	metadata := src.get("metadata-endpoint")
	switch {
	case vpc:
		prof.Credential, prof.TrustedProfile = config.CredentialVPC, trusted
		if crFile != "" {
			return usage("%s goes with %s, not %s", n("cr-token-file"), n("trusted-profile"), n("vpc-instance"))
		}
		if metadata != "" {
			u, err := endpoint.NormalizeMetadata(metadata)
			if err != nil {
				return usage("%s: %v", n("metadata-endpoint"), err)
			}
			prof.MetadataURL = u
		}
	case trusted != "":
		prof.Credential, prof.TrustedProfile = config.CredentialTrustedProfile, trusted
		if crFile != "" {
			abs, err := filepath.Abs(crFile)
			if err != nil {
				return usage("%s: %v", n("cr-token-file"), err)
			}
			prof.CRTokenFile = abs
		}
	case crFile != "" || metadata != "":
		return usage("%s and %s go with %s or %s", n("cr-token-file"), n("metadata-endpoint"), n("trusted-profile"), n("vpc-instance"))
	}
	switch auth := src.get("auth"); auth {
	case "", "token":
	case "iam":
		prof.Auth = config.AuthIAM
	default:
		return usage("%s %q: use token (the Monitor API token) or iam (IAM tokens, for IAM_ONLY instances)", n("auth"), auth)
	}
	switch cache := src.get("cache"); cache {
	case "", "keyring":
	case "none":
		prof.Cache = config.CacheNone
	case "file":
		prof.Cache = config.CacheFile
	default:
		return usage("%s %q: use keyring, none or file", n("cache"), cache)
	}
	checked, err := config.CheckProfile("x", *prof)
	if err != nil {
		return usage("%v", err)
	}
	*prof = checked
	return nil
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
	b, err := p.broker(true)
	if err != nil {
		return err
	}
	// A trusted profile or a VSI identity needs no API key; otherwise read
	// one (from stdin or the prompt).
	var key string
	if settings.profile.Credential == config.CredentialAPIKey {
		if key, err = p.readAPIKey(); err != nil {
			return err
		}
		p.remember(key)
		if key == "" && b.Session == nil {
			return errNoKeyOnStdin(p.name)
		}
	}
	if err := p.chooseCache(b, settings.name, settings.profile); err != nil {
		return err
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
	if errors.Is(err, monitorapi.ErrIAMOnly) && settings.profile.Auth != config.AuthIAM {
		// The instance refuses /api/token: propose the mode that works
		// with it (issue 5).
		return fmt.Errorf("login failed, nothing was changed: %w; if the instance is IAM_ONLY, log in again with --auth iam to use IAM tokens instead", err)
	}
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
	if settings.profile.Auth == config.AuthIAM {
		what = "IAM mode: get hands out IAM tokens, cached until they expire."
	}
	switch {
	case settings.profile.Credential == config.CredentialTrustedProfile:
		what += " Credential: trusted profile " + settings.profile.TrustedProfile + "."
	case settings.profile.Credential == config.CredentialVPC:
		what += " Credential: this VSI's instance identity."
	case key == "":
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
