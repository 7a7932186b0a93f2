package profile

import (
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/config"
)

// A profile that lives in the environment gets the API key stored for its
// name only for IBM's endpoints or the ones that name logged in with
// (stored_credential.go). The refusal is kept on the profile, not
// returned: the profile still serves with IBMCLOUD_API_KEY.
func TestStoredCredentialRefusal(t *testing.T) {
	const mine = "https://monitoring.example.com"
	for _, tt := range []struct {
		name   string
		stored *config.Settings // the config file's profile "ci"
		env    map[string]string
		want   string // the refusal, "" for none
	}{
		{"IBM's endpoints", nil, map[string]string{"MONITOR_TOKEN_REGION": "us-south"}, ""},
		{"an endpoint only the environment names", nil, map[string]string{"MONITOR_TOKEN_ENDPOINT": mine},
			`the API key stored for profile "ci" is not sent to https://monitoring.example.com, which only MONITOR_TOKEN_ENDPOINT names (not IBM's, nor the endpoint profile "ci" logged in with); set IBMCLOUD_API_KEY for it, or unset MONITOR_TOKEN_ENDPOINT`},
		{"IBMCLOUD_API_KEY is the credential: nothing stored is used", nil,
			map[string]string{"MONITOR_TOKEN_ENDPOINT": mine, "IBMCLOUD_API_KEY": "k"}, ""},
		{"the endpoint ci logged in with", &config.Settings{Endpoint: mine, IAMEndpoint: "https://iam.cloud.ibm.com", InstanceID: guid},
			map[string]string{"MONITOR_TOKEN_ENDPOINT": mine}, ""},
		{"an IAM endpoint only the environment names", nil,
			map[string]string{"MONITOR_TOKEN_REGION": "us-south", "MONITOR_TOKEN_IAM_ENDPOINT": "https://iam.example.com"},
			`the API key stored for profile "ci" is not sent to https://iam.example.com, which only MONITOR_TOKEN_IAM_ENDPOINT names (not IBM's, nor the endpoint profile "ci" logged in with); set IBMCLOUD_API_KEY for it, or unset MONITOR_TOKEN_IAM_ENDPOINT`},
		{"IBM's IAM endpoint override", nil,
			map[string]string{"MONITOR_TOKEN_REGION": "us-south", "IBMCLOUD_IAM_API_ENDPOINT": "https://iam.evil.example"},
			`the API key stored for profile "ci" is not sent to https://iam.evil.example, which only IBMCLOUD_IAM_API_ENDPOINT names (not IBM's, nor the endpoint profile "ci" logged in with); set IBMCLOUD_API_KEY for it, or unset IBMCLOUD_IAM_API_ENDPOINT`},
	} {
		env := map[string]string{"MONITOR_TOKEN_INSTANCE": guid, "MONITOR_TOKEN_PROFILE": "ci"}
		for k, v := range tt.env {
			env[k] = v
		}
		r := resolver(t, env, nil)
		if tt.stored != nil {
			if err := config.Update(t.Context(), env["MONITOR_TOKEN_CONFIG"], func(f *config.File) error {
				f.Profiles["ci"] = *tt.stored
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		p, err := r.Profile()
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got := ""
		if p.StoredCredentialRefused != nil {
			got = p.StoredCredentialRefused.Error()
		}
		if got != tt.want {
			t.Errorf("%s: refusal %q, want %q", tt.name, got, tt.want)
		}
	}
}

// Named resolves a profile the caller names (the git helper's --profile):
// a bad name is a usage mistake blamed on where it came from.
func TestNamed(t *testing.T) {
	r := resolver(t, nil, nil)
	if err := config.Update(t.Context(), r.Getenv("MONITOR_TOKEN_CONFIG"), func(f *config.File) error {
		f.Profiles["ci"] = config.Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, from string
		wantName   string
		wantErr    string
		wantUsage  bool
	}{
		{"ci", "--profile", "ci", "", false},
		{"a/b", "--profile", "", "--profile: profile name \"a/b\" is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, \".\", \"_\" and \"-\", starting with a letter or digit", true},
		{"a/b", "MONITOR_TOKEN_PROFILE", "", "MONITOR_TOKEN_PROFILE: profile name \"a/b\" is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, \".\", \"_\" and \"-\", starting with a letter or digit", false},
		{"gone", "--profile", "", "no profile \"gone\" yet: run `monitor-token login --profile gone --region REGION --instance GUID` (the API key is read from stdin or a prompt)", false},
	} {
		p, err := r.Named(tt.name, tt.from)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.wantErr || p.Name != tt.wantName || (err != nil && IsUsage(err) != tt.wantUsage) {
			t.Errorf("Named(%q, %q) = %q, %q (usage %v); want %q, %q (usage %v)", tt.name, tt.from, p.Name, got, IsUsage(err), tt.wantName, tt.wantErr, tt.wantUsage)
		}
	}
}

// --private picks the private endpoints of a region; with --endpoint the
// URL itself says which, and the two together are refused.
func TestEndpointWithPrivateIsRefused(t *testing.T) {
	for _, tt := range []struct {
		env     map[string]string
		flags   flags
		wantErr string
	}{
		{nil, flags{"endpoint": "https://x.example.com", "private": "true", "instance": guid},
			"--private picks the private endpoint of a --region; with --endpoint give the private URL itself"},
		{map[string]string{"MONITOR_TOKEN_INSTANCE": guid, "MONITOR_TOKEN_ENDPOINT": "https://x.example.com", "MONITOR_TOKEN_PRIVATE": "1"}, nil,
			"MONITOR_TOKEN_PRIVATE picks the private endpoint of a MONITOR_TOKEN_REGION; with MONITOR_TOKEN_ENDPOINT give the private URL itself"},
	} {
		r := resolver(t, tt.env, tt.flags)
		var err error
		if tt.flags != nil {
			_, err = r.Login()
		} else {
			_, err = r.Profile()
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%v %v: %v, want %q", tt.env, tt.flags, err, tt.wantErr)
		}
	}
}
