package profile

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/endpoint"
)

// The variables the resolver reads besides MONITOR_TOKEN_<SETTING>.
const (
	VarProfile     = "MONITOR_TOKEN_PROFILE"
	VarInstance    = "MONITOR_TOKEN_INSTANCE" // set: the profile lives in the environment
	VarAPIKey      = "IBMCLOUD_API_KEY"
	VarIAMEndpoint = "IBMCLOUD_IAM_API_ENDPOINT" // IBM tools' override of the IAM endpoint
)

// Flags is what the resolver needs of a command's flags: the value of a flag
// the user typed, by its name without dashes. A bool flag that is on gives
// "true". A flag that was not typed is not set, whatever its default.
type Flags interface {
	Lookup(name string) (value string, set bool)
}

// noFlags is the Flags of a caller that has none (the git helper).
type noFlags struct{}

func (noFlags) Lookup(string) (string, bool) { return "", false }

// Resolver resolves profiles from one run's flags and environment.
type Resolver struct {
	Getenv func(string) string
	// Flags are the command's flags; nil means none.
	Flags Flags
	// Program is how the user invoked monitor-token ("kubectl
	// monitor-token"), for the commands that messages suggest.
	Program string
}

// Error is a setting that could not be resolved. FromFlag says the value
// came from the command line, so the mistake is one of usage.
type Error struct {
	msg      string
	FromFlag bool
}

func (e *Error) Error() string { return e.msg }

func (r Resolver) flags() Flags {
	if r.Flags == nil {
		return noFlags{}
	}
	return r.Flags
}

func (r Resolver) program() string {
	if r.Program == "" {
		return "monitor-token"
	}
	return r.Program
}

// Name is the profile a command works on, and who chose it (from): --profile
// ("--profile"), else $MONITOR_TOKEN_PROFILE (VarProfile), else the config
// file's default that `use` stored (NameFromUse), else the name "default"
// (""). An empty variable counts as unset, as `VAR= cmd` means to users.
// This is the one place that decides; status, profiles and the git helper
// ask it.
//
// A profile that lives in the environment (MONITOR_TOKEN_INSTANCE) needs no
// config file, so its name never comes from one: the file is not read then.
func (r Resolver) Name() (name, from string, err error) {
	name, from, chosen, err := r.chosenName()
	if err != nil || chosen || r.Getenv(VarInstance) != "" {
		return name, from, err
	}
	_, f, err := r.load()
	if err != nil {
		return "", "", err
	}
	name, from = defaultOf(f)
	return name, from, nil
}

// NameFromUse is Name's from for the config file's default (`monitor-token use`).
const NameFromUse = "use"

// chosenName is the name given by --profile or $MONITOR_TOKEN_PROFILE
// (chosen), else "default".
func (r Resolver) chosenName() (name, from string, chosen bool, err error) {
	name, from = config.BuiltinDefault, ""
	if v, ok := r.flags().Lookup("profile"); ok {
		name, from = v, "--profile"
	} else if v := r.Getenv(VarProfile); v != "" {
		name, from = v, VarProfile
	}
	if err := config.ValidProfileName(name); err != nil {
		return "", "", false, &Error{msg: fmt.Sprintf("%s: %v", orDefault(from, "profile"), err), FromFlag: from == "--profile"}
	}
	return name, from, from != "", nil
}

// defaultOf is the profile f names as the default, and who chose it.
func defaultOf(f *config.File) (name, from string) {
	if f.Default != "" {
		return f.Default, NameFromUse
	}
	return config.BuiltinDefault, ""
}

// load reads the config file.
func (r Resolver) load() (string, *config.File, error) {
	path, err := r.ConfigFile()
	if err != nil {
		return "", nil, err
	}
	f, err := config.Load(path)
	if err != nil {
		return path, nil, err
	}
	return path, f, nil
}

func orDefault(s, dflt string) string {
	if s == "" {
		return dflt
	}
	return s
}

// ConfigFile is where the config file lives (internal/config.DefaultPath).
func (r Resolver) ConfigFile() (string, error) { return config.DefaultPath(r.Getenv) }

// Profile resolves the profile the command works on: from the environment
// when MONITOR_TOKEN_INSTANCE is set (a CI job or a pod, with no login and
// no file), else from the config file. A profile that does not exist says
// how to create one.
func (r Resolver) Profile() (Profile, error) {
	name, from, chosen, err := r.chosenName()
	if err != nil {
		return Profile{}, err
	}
	if r.Getenv(VarInstance) != "" {
		return r.envProfile(name, from)
	}
	// One read of the file gives both the default's name and the settings.
	path, f, err := r.load()
	if err != nil {
		return Profile{}, err
	}
	if !chosen {
		name, from = defaultOf(f)
	}
	return r.fileProfile(name, from, path, f)
}

func (r Resolver) profile(name, from string) (Profile, error) {
	if r.Getenv(VarInstance) != "" {
		return r.envProfile(name, from)
	}
	path, f, err := r.load()
	if err != nil {
		return Profile{}, err
	}
	return r.fileProfile(name, from, path, f)
}

func (r Resolver) envProfile(name, from string) (Profile, error) {
	// No config file is needed, so none need be found (no HOME in a
	// bare container): the path is "" then, and holds no login.
	path, _ := r.ConfigFile()
	p, err := r.fromSource(name, envSource(r.Getenv), FromEnvironment)
	if err != nil {
		return Profile{}, fmt.Errorf("profile from the environment: %w", err)
	}
	p.NameFrom, p.ConfigFile, p.EnvAPIKey = from, path, r.Getenv(VarAPIKey)
	if p.CredentialKind() == KeyringAPIKey {
		p.StoredCredentialRefused = r.storedCredentialRefusal(p)
	}
	return p, nil
}

func (r Resolver) fileProfile(name, from, path string, f *config.File) (Profile, error) {
	s, ok := f.Profiles[name]
	if !ok {
		return Profile{}, fmt.Errorf("no profile %q yet: run `%s login --profile %s --region REGION --instance GUID` (the API key is read from stdin or a prompt)", name, r.program(), name)
	}
	return r.fromFile(name, from, path, s), nil
}

func (r Resolver) fromFile(name, from, path string, s config.Settings) Profile {
	return Profile{Name: name, Settings: s, NameFrom: from, From: FromFile, ConfigFile: path, EnvAPIKey: r.Getenv(VarAPIKey)}
}

// Login resolves the profile a login is about to store, from its flags.
// IBMCLOUD_API_KEY plays no part: login stores the key it is given.
func (r Resolver) Login() (Profile, error) {
	name, from, err := r.Name()
	if err != nil {
		return Profile{}, err
	}
	path, err := r.ConfigFile()
	if err != nil {
		return Profile{}, err
	}
	p, err := r.fromSource(name, flagSource(r.flags(), r.Getenv), FromFlags)
	if err != nil {
		return Profile{}, err
	}
	p.NameFrom, p.ConfigFile = from, path
	return p, nil
}

// All resolves every profile: those in the config file and, when
// MONITOR_TOKEN_INSTANCE is set, the environment's, which takes the place of
// a file profile of the same name. They are sorted by name.
//
// A config file that cannot be read does not hide the environment's
// profile, which never needed it (a single-profile command ignores the file
// then too): All returns that profile together with the file's error, and
// the caller decides whether a partial list will do.
func (r Resolver) All() ([]Profile, error) {
	var envName string
	var all []Profile
	if r.Getenv(VarInstance) != "" {
		name, from, err := r.Name()
		if err != nil {
			return nil, err
		}
		p, err := r.profile(name, from)
		if err != nil {
			return nil, err
		}
		envName, all = name, append(all, p)
	}
	path, err := r.ConfigFile()
	if err != nil {
		return all, err
	}
	f, err := config.Load(path)
	if err != nil {
		return all, err
	}
	for name, s := range f.Profiles {
		if name != envName {
			all = append(all, r.fromFile(name, "", path, s))
		}
	}
	slices.SortFunc(all, func(a, b Profile) int { return strings.Compare(a.Name, b.Name) })
	return all, nil
}

// Named resolves the profile called name, chosen by from (the git helper's
// --profile).
func (r Resolver) Named(name, from string) (Profile, error) {
	if err := config.ValidProfileName(name); err != nil {
		return Profile{}, &Error{msg: fmt.Sprintf("%s: %v", from, err), FromFlag: strings.HasPrefix(from, "-")}
	}
	return r.profile(name, from)
}

// source is where settings are read from: login's flags, or the
// MONITOR_TOKEN_* variables of a profile that lives in the environment. A
// setting is named by login's flag for it ("team-name").
type source struct {
	// value returns the setting's trimmed value and the name of the flag
	// or variable that gave it; "" when not given.
	value func(setting string) (value, origin string)
	// name is how the user would write setting in this source, for
	// messages about a setting that was not given.
	name func(setting string) string
}

func flagSource(flags Flags, getenv func(string) string) source {
	return source{
		value: func(s string) (string, string) {
			if v, ok := flags.Lookup(s); ok && strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v), "--" + s
			}
			if s == "iam-endpoint" {
				if v := strings.TrimSpace(getenv(VarIAMEndpoint)); v != "" {
					return v, VarIAMEndpoint
				}
			}
			return "", ""
		},
		name: func(s string) string { return "--" + s },
	}
}

// EnvVar names the variable of a setting: iam-endpoint is
// MONITOR_TOKEN_IAM_ENDPOINT.
func EnvVar(setting string) string {
	return "MONITOR_TOKEN_" + strings.ToUpper(strings.ReplaceAll(setting, "-", "_"))
}

func envSource(getenv func(string) string) source {
	return source{
		value: func(s string) (string, string) {
			if v := strings.TrimSpace(getenv(EnvVar(s))); v != "" {
				return v, EnvVar(s)
			}
			if s == "iam-endpoint" {
				if v := strings.TrimSpace(getenv(VarIAMEndpoint)); v != "" {
					return v, VarIAMEndpoint
				}
			}
			return "", ""
		},
		name: EnvVar,
	}
}

// settingOf is the setting (login's flag) that gives a config field.
var settingOf = map[string]string{
	config.FieldEndpoint:       "endpoint",
	config.FieldIAMEndpoint:    "iam-endpoint",
	config.FieldInstanceID:     "instance",
	config.FieldTeamID:         "team",
	config.FieldRegion:         "region",
	config.FieldAuth:           "auth",
	config.FieldCredential:     "trusted-profile",
	config.FieldTrustedProfile: "trusted-profile",
	config.FieldCRTokenFile:    "cr-token-file",
	config.FieldMetadataURL:    "metadata-endpoint",
	config.FieldCache:          "cache",

	config.CredentialIs + config.CredentialTrustedProfile: "trusted-profile",
	config.CredentialIs + config.CredentialVPC:            "vpc-instance",
}

// fromSource turns a source's settings into a profile: the instance from a
// GUID or a CRN, the endpoints from a region or URLs, the credential from
// the flags that choose one. Each value is then checked by config.Check,
// the rule the file's values meet too.
func (r Resolver) fromSource(name string, src source, from string) (Profile, error) {
	origins := map[string]string{}
	val := func(s string) string {
		v, origin := src.value(s)
		if origin != "" {
			origins[s] = origin
		}
		return v
	}
	// n names a setting as the user gave it, or would give it here.
	n := func(s string) string {
		if o, ok := origins[s]; ok {
			return o
		}
		return src.name(s)
	}
	// fail blames setting: the mistake is one of usage when a flag gave
	// it (or would have), not when a variable did.
	fail := func(setting, format string, a ...any) (Profile, error) {
		return Profile{}, &Error{msg: fmt.Sprintf(format, a...), FromFlag: strings.HasPrefix(n(setting), "--")}
	}
	on := func(s string) (bool, error) {
		v := val(s)
		if v == "" || strings.HasPrefix(origins[s], "--") {
			return v != "", nil
		}
		on, ok := config.OnOff(v)
		if !ok {
			return false, fmt.Errorf("%s takes 1, true, yes or on (or 0, false, no, off)", n(s))
		}
		return on, nil
	}

	var s config.Settings
	instance := val("instance")
	if instance == "" {
		return fail("instance", "%s is required: the GUID or CRN of the Monitoring instance (`ibmcloud resource service-instance NAME --output json` shows both)", n("instance"))
	}
	region, monRaw := val("region"), val("endpoint")
	if strings.HasPrefix(instance, "crn:") {
		crn, err := endpoint.ParseCRN(instance)
		if err != nil {
			return fail("instance", "%s: %v", n("instance"), err)
		}
		if region != "" && region != crn.Region {
			return fail("region", "%s %s contradicts the CRN, whose region is %s; drop %s", n("region"), region, crn.Region, n("region"))
		}
		s.InstanceID = crn.InstanceGUID
		if monRaw == "" {
			region = crn.Region
		}
	} else {
		s.InstanceID = instance
	}
	private, err := on("private")
	if err != nil {
		return fail("private", "%v", err)
	}
	endpointSetting := "endpoint"
	switch {
	case monRaw != "" && origins["region"] != "":
		return fail("endpoint", "give %s or %s, not both", n("region"), n("endpoint"))
	case monRaw != "" && private:
		return fail("private", "%s picks the private endpoint of a %s; with %s give the private URL itself", n("private"), n("region"), n("endpoint"))
	case monRaw != "":
		s.Endpoint = monRaw
	case region != "":
		u, err := endpoint.MonitoringURL(region, private)
		if err != nil {
			return fail("region", "%s: %v", n("region"), err)
		}
		s.Endpoint, s.Region, endpointSetting = u, region, "region"
	default:
		return fail("instance", "give %s (one of %s) or %s URL, or a CRN as %s", n("region"), strings.Join(endpoint.Regions, ", "), n("endpoint"), n("instance"))
	}
	s.IAMEndpoint = val("iam-endpoint")
	if s.IAMEndpoint == "" {
		s.IAMEndpoint = endpoint.IAMURL(private)
	}
	s.TeamID = val("team")
	s.Auth, s.Cache = val("auth"), val("cache")

	vpc, err := on("vpc-instance")
	if err != nil {
		return fail("vpc-instance", "%v", err)
	}
	s.TrustedProfile, s.CRTokenFile, s.MetadataURL = val("trusted-profile"), val("cr-token-file"), val("metadata-endpoint")
	switch {
	case vpc:
		s.Credential = config.CredentialVPC
	case s.TrustedProfile != "":
		s.Credential = config.CredentialTrustedProfile
	}
	if s.CRTokenFile != "" {
		// Relative to where the user typed it; stored absolute so it means
		// the same file from any directory.
		abs, err := filepath.Abs(s.CRTokenFile)
		if err != nil {
			return fail("cr-token-file", "%s: %v", n("cr-token-file"), err)
		}
		s.CRTokenFile = abs
	}

	settingFor := func(field string) string {
		if field == config.FieldEndpoint {
			return endpointSetting
		}
		return settingOf[field]
	}
	checked, err := config.Check(s, func(field string) string { return n(settingFor(field)) })
	var bad *config.FieldError
	if errors.As(err, &bad) {
		return fail(settingFor(bad.Field), "%v", err)
	}
	if err != nil {
		return Profile{}, err
	}
	return Profile{Name: name, Settings: checked, From: from, Origins: origins}, nil
}

// IsUsage says whether err is a mistake on the command line.
func IsUsage(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.FromFlag
}
