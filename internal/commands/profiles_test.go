package commands

import (
	"testing"
)

func TestNewProfilesCmd(t *testing.T) {
	checkParse(t, newProfilesCmd, []parseCase[ProfilesOptions]{
		{nil, ProfilesOptions{Format: "text"}, ""},
		{[]string{"--format", "json"}, ProfilesOptions{Format: "json"}, ""},
		{[]string{"--profile", "x"}, ProfilesOptions{}, "profiles: flag provided but not defined: -profile; run `monitor-token profiles --help` for usage"},
	})
}

func TestRunProfiles(t *testing.T) {
	r := newTestRun(t)
	for _, tt := range []struct {
		name                            string
		before                          func()
		opts                            ProfilesOptions
		wantStdout, wantStderr, wantErr string
	}{
		{"none yet", func() {}, ProfilesOptions{Format: "text"},
			"DEFAULT  NAME  ENDPOINT  INSTANCE  TEAM  CREDENTIAL  CACHE  TOKEN\n",
			"monitor-token: no profiles yet: run `monitor-token login --region REGION --instance GUID`\n", ""},
		{"two", func() { r.login("default", nil); r.login("n", FlagValues{"cache": "none", "team": "26055"}) }, ProfilesOptions{Format: "text"},
			// The emulator's URL is always 22 characters (an ephemeral
			// port has 5 digits), an instance GUID 36.
			"DEFAULT      NAME     ENDPOINT                INSTANCE                              TEAM       CREDENTIAL              CACHE    TOKEN\n" +
				"* (default)  default  {URL}  {INSTANCE}  (default)  api key in the keyring  keyring  cached\n" +
				"             n        {URL}  {INSTANCE}  26055      api key in the keyring  none     never cached\n", "", ""},
		{"default not a profile", func() { r.env["MONITOR_TOKEN_PROFILE"] = "gone" }, ProfilesOptions{Format: "json"},
			"[\n" +
				"  {\n    \"name\": \"default\",\n    \"default\": false,\n    \"settings_from\": \"config file\",\n    \"endpoint\": \"{URL}\",\n    \"instance_id\": \"{INSTANCE}\",\n    \"team_id\": \"\",\n    \"credential\": \"api key in the keyring\",\n    \"auth\": \"token\",\n    \"cache\": \"keyring\",\n    \"token_cached\": true\n  },\n" +
				"  {\n    \"name\": \"n\",\n    \"default\": false,\n    \"settings_from\": \"config file\",\n    \"endpoint\": \"{URL}\",\n    \"instance_id\": \"{INSTANCE}\",\n    \"team_id\": \"26055\",\n    \"credential\": \"api key in the keyring\",\n    \"auth\": \"token\",\n    \"cache\": \"none\",\n    \"token_cached\": false\n  }\n]\n",
			"monitor-token: note: the default, \"gone\" (from MONITOR_TOKEN_PROFILE), is not a profile yet\n", ""},
	} {
		tt.before()
		err := runProfiles(t.Context(), r.factory(), tt.opts)
		r.check(tt.name, err, tt.wantStdout, tt.wantStderr, tt.wantErr)
	}
}
