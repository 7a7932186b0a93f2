package profile

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/config"
)

const guid = "0123abcd-4567-89ab-cdef-0123456789ab"

// flags are the flags a user typed.
type flags map[string]string

func (f flags) Lookup(name string) (string, bool) { v, ok := f[name]; return v, ok }

func resolver(t *testing.T, env map[string]string, f flags) Resolver {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	if _, ok := env["MONITOR_TOKEN_CONFIG"]; !ok {
		env["MONITOR_TOKEN_CONFIG"] = filepath.Join(t.TempDir(), "config.json")
	}
	return Resolver{Getenv: func(k string) string { return env[k] }, Flags: f}
}

func TestName(t *testing.T) {
	tests := []struct {
		env        map[string]string
		flags      flags
		name, from string
	}{
		{nil, nil, "default", ""},
		{map[string]string{"MONITOR_TOKEN_PROFILE": "work"}, nil, "work", "MONITOR_TOKEN_PROFILE"},
		{map[string]string{"MONITOR_TOKEN_PROFILE": "work"}, flags{"profile": "home"}, "home", "--profile"},
		{map[string]string{"MONITOR_TOKEN_PROFILE": ""}, nil, "default", ""},
	}
	for _, tt := range tests {
		name, from, err := resolver(t, tt.env, tt.flags).Name()
		if err != nil || name != tt.name || from != tt.from {
			t.Errorf("Name(%v, %v) = %q, %q, %v; want %q, %q", tt.env, tt.flags, name, from, err, tt.name, tt.from)
		}
	}
	_, _, err := resolver(t, nil, flags{"profile": "a/b"}).Name()
	if !IsUsage(err) || !strings.HasPrefix(err.Error(), "--profile: ") {
		t.Errorf("bad --profile: %v, want a usage error naming --profile", err)
	}
}

func TestLoginSettings(t *testing.T) {
	crn := "crn:v1:bluemix:public:sysdig-monitor:eu-de:a/abc:" + guid + "::"
	tests := []struct {
		name    string
		env     map[string]string
		flags   flags
		want    config.Settings
		origins map[string]string
		err     string
	}{
		{"region", nil, flags{"region": "us-south", "instance": strings.ToUpper(guid), "team": "026055"},
			config.Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", IAMEndpoint: "https://iam.cloud.ibm.com", InstanceID: guid, TeamID: "26055", Region: "us-south"},
			map[string]string{"region": "--region", "instance": "--instance", "team": "--team"}, ""},
		{"crn gives the region", nil, flags{"instance": crn, "private": "true"},
			config.Settings{Endpoint: "https://private.eu-de.monitoring.cloud.ibm.com", IAMEndpoint: "https://private.iam.cloud.ibm.com", InstanceID: guid, Region: "eu-de"},
			map[string]string{"instance": "--instance", "private": "--private"}, ""},
		{"iam endpoint from IBM's variable", map[string]string{"IBMCLOUD_IAM_API_ENDPOINT": "https://iam.test.cloud.ibm.com"}, flags{"region": "us-south", "instance": guid},
			config.Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", IAMEndpoint: "https://iam.test.cloud.ibm.com", InstanceID: guid, Region: "us-south"},
			map[string]string{"region": "--region", "instance": "--instance", "iam-endpoint": "IBMCLOUD_IAM_API_ENDPOINT"}, ""},
		{"trusted profile", nil, flags{"region": "us-south", "instance": guid, "trusted-profile": `ops "east"`, "cache": "none", "auth": "iam"},
			config.Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", IAMEndpoint: "https://iam.cloud.ibm.com", InstanceID: guid, Region: "us-south",
				Credential: config.CredentialTrustedProfile, TrustedProfile: `ops "east"`, Cache: config.CacheNone, Auth: config.AuthIAM}, nil, ""},
		{"crn contradicts region", nil, flags{"region": "us-south", "instance": crn}, config.Settings{}, nil,
			"--region us-south contradicts the CRN, whose region is eu-de; drop --region"},
		{"both endpoints", nil, flags{"region": "us-south", "endpoint": "https://x.example.com", "instance": guid}, config.Settings{}, nil,
			"give --region or --endpoint, not both"},
		{"no instance", nil, flags{"region": "us-south"}, config.Settings{}, nil, "--instance is required"},
		{"team from the region's rule", nil, flags{"region": "us-south", "instance": guid, "team": "x"}, config.Settings{}, nil, "--team is not a team id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := resolver(t, tt.env, tt.flags).Login()
			if tt.err != "" {
				if !IsUsage(err) || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("Login = %v, want a usage error starting %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Settings != tt.want || p.Name != "default" || p.From != FromFlags {
				t.Errorf("Login = %+v\nwant %+v", p, tt.want)
			}
			for k, v := range tt.origins {
				if p.Origin(k) != v {
					t.Errorf("Origin(%s) = %q, want %q", k, p.Origin(k), v)
				}
			}
		})
	}
}

func TestEnvironmentProfileWinsAndNamesItsVariables(t *testing.T) {
	env := map[string]string{
		"MONITOR_TOKEN_INSTANCE": guid, "MONITOR_TOKEN_REGION": "eu-gb", "MONITOR_TOKEN_CACHE": "file",
		"MONITOR_TOKEN_PRIVATE": "no", "IBMCLOUD_API_KEY": "@/run/key", "MONITOR_TOKEN_PROFILE": "ci",
	}
	r := resolver(t, env, nil)
	if err := config.Update(t.Context(), env["MONITOR_TOKEN_CONFIG"], func(f *config.File) error {
		f.Profiles["ci"] = config.Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid}
		f.Profiles["other"] = config.Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	p, err := r.Profile()
	if err != nil {
		t.Fatal(err)
	}
	if p.From != FromEnvironment || p.Endpoint != "https://eu-gb.monitoring.cloud.ibm.com" || p.Cache != config.CacheFile ||
		p.CredentialKind() != EnvAPIKey || p.NameFrom != "MONITOR_TOKEN_PROFILE" || p.Origin("region") != "MONITOR_TOKEN_REGION" {
		t.Errorf("environment profile = %+v", p)
	}
	all, err := r.All()
	if err != nil || len(all) != 2 || all[0].Name != "ci" || all[0].From != FromEnvironment || all[1].Name != "other" || all[1].From != FromFile {
		t.Errorf("All = %+v, %v; want the environment's ci (in place of the file's) and the file's other", all, err)
	}
	env["MONITOR_TOKEN_PRIVATE"] = "maybe"
	if _, err := r.Profile(); err == nil || IsUsage(err) || !strings.Contains(err.Error(), "MONITOR_TOKEN_PRIVATE takes 1, true, yes or on") {
		t.Errorf("MONITOR_TOKEN_PRIVATE=maybe: %v", err)
	}
}

func TestMissingProfileSaysHowToCreateIt(t *testing.T) {
	r := resolver(t, nil, flags{"profile": "work"})
	r.Program = "kubectl monitor-token"
	_, err := r.Profile()
	if err == nil || !strings.HasPrefix(err.Error(), "no profile \"work\" yet: run `kubectl monitor-token login --profile work") {
		t.Errorf("Profile = %v", err)
	}
}

func TestCredentialKind(t *testing.T) {
	tests := []struct {
		p    Profile
		want CredentialKind
	}{
		{Profile{}, KeyringAPIKey},
		{Profile{EnvAPIKey: "k"}, EnvAPIKey},
		{Profile{Settings: config.Settings{Credential: config.CredentialTrustedProfile}}, TrustedProfile},
		{Profile{Settings: config.Settings{Credential: config.CredentialTrustedProfile}, EnvAPIKey: "k"}, EnvAPIKey},
		{Profile{Settings: config.Settings{Credential: config.CredentialVPC}}, VPCIdentity},
	}
	for _, tt := range tests {
		if got := tt.p.CredentialKind(); got != tt.want {
			t.Errorf("%+v: CredentialKind = %v, want %v", tt.p, got, tt.want)
		}
	}
}
