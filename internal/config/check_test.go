package config

import (
	"strings"
	"testing"
)

// flagName names fields as login's flags do, to show that one rule gives
// each source's own names.
func flagName(field string) string {
	return map[string]string{
		FieldEndpoint: "--endpoint", FieldIAMEndpoint: "--iam-endpoint", FieldInstanceID: "--instance",
		FieldTeamID: "--team", FieldAuth: "--auth", FieldCache: "--cache", FieldTrustedProfile: "--trusted-profile",
		FieldCRTokenFile: "--cr-token-file", FieldMetadataURL: "--metadata-endpoint",
		CredentialIs + CredentialTrustedProfile: "--trusted-profile", CredentialIs + CredentialVPC: "--vpc-instance",
	}[field]
}

func TestCheckNamesTheSource(t *testing.T) {
	base := Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid}
	with := func(f func(*Settings)) Settings { s := base; f(&s); return s }
	tests := []struct {
		name        string
		in          Settings
		file, flags string // the message's start for each namer
	}{
		{"team", with(func(s *Settings) { s.TeamID = "abc" }), "team_id is not a team id", "--team is not a team id"},
		{"team zero", with(func(s *Settings) { s.TeamID = "000" }), "team_id is not a team id", "--team is not a team id"},
		{"instance", with(func(s *Settings) { s.InstanceID = "SECRET-KEY-PASTED" }), "instance_id is not an instance GUID", "--instance is not an instance GUID"},
		{"cache", with(func(s *Settings) { s.Cache = "disk" }), "cache is not valid", "--cache is not valid"},
		{"auth", with(func(s *Settings) { s.Auth = "basic" }), "auth is not valid", "--auth is not valid"},
		{"cr file with vpc", with(func(s *Settings) { s.Credential, s.CRTokenFile = CredentialVPC, "/t" }),
			`cr_token_file goes with credential "trusted-profile", not credential "vpc-instance"`, "--cr-token-file goes with --trusted-profile, not --vpc-instance"},
		{"metadata with api key", with(func(s *Settings) { s.MetadataURL = "http://169.254.169.254" }),
			`metadata_url goes with credential "trusted-profile" or credential "vpc-instance"`, "--metadata-endpoint goes with --trusted-profile or --vpc-instance"},
		{"control character", with(func(s *Settings) { s.Credential, s.TrustedProfile = CredentialTrustedProfile, "a\nb" }),
			"trusted_profile is not a trusted profile name", "--trusted-profile is not a trusted profile name"},
		{"relative cr file", with(func(s *Settings) {
			s.Credential, s.TrustedProfile, s.CRTokenFile = CredentialTrustedProfile, "p", "rel"
		}),
			"cr_token_file must be an absolute path", "--cr-token-file must be an absolute path"},
	}
	for _, tt := range tests {
		for _, n := range []struct {
			namer Namer
			want  string
		}{{FileField, tt.file}, {flagName, tt.flags}} {
			_, err := Check(tt.in, n.namer)
			if err == nil || !strings.HasPrefix(err.Error(), n.want) {
				t.Errorf("%s: Check = %v, want a message starting %q", tt.name, err, n.want)
			}
			if err != nil && strings.Contains(err.Error(), "SECRET") {
				t.Errorf("%s: the message repeats the value: %v", tt.name, err)
			}
		}
	}
}

func TestCheckNormalizes(t *testing.T) {
	in := Settings{
		Endpoint: "https://US-SOUTH.monitoring.cloud.ibm.com/api", InstanceID: strings.ToUpper(guid), TeamID: "026055",
		Auth: "token", Cache: "keyring", Credential: "trusted-profile", TrustedProfile: `ops "east"`,
	}
	got, err := Check(in, FileField)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid, TeamID: "26055",
		Credential: CredentialTrustedProfile, TrustedProfile: `ops "east"`,
	}
	if got != want {
		t.Errorf("Check = %+v, want %+v", got, want)
	}
	// Checking a checked value changes nothing: one rule, applied once or twice alike.
	again, err := Check(got, FileField)
	if err != nil || again != got {
		t.Errorf("Check is not idempotent: %+v, %v", again, err)
	}
}

// The words completion offers for auth and cache are the ones Check takes.
func TestOfferedWordsPassCheck(t *testing.T) {
	base := Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid}
	for _, w := range AuthWords {
		s := base
		s.Auth = w
		if _, err := Check(s, FileField); err != nil {
			t.Errorf("auth %q: %v", w, err)
		}
	}
	for _, w := range CacheWords {
		s := base
		s.Cache = w
		if _, err := Check(s, FileField); err != nil {
			t.Errorf("cache %q: %v", w, err)
		}
	}
}
