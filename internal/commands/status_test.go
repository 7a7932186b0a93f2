package commands

import (
	"testing"
)

func TestNewStatusCmd(t *testing.T) {
	checkParse(t, newStatusCmd, []parseCase[StatusOptions]{
		{nil, StatusOptions{Flags: FlagValues{}, Format: "text"}, ""},
		{[]string{"--profile", "ci", "--format", "json", "--verify"}, StatusOptions{Flags: FlagValues{"profile": "ci"}, Format: "json", Verify: true}, ""},
		{[]string{"--format", "token"}, StatusOptions{}, `status: unknown --format "token"; use text or json`},
	})
}

func TestRunStatus(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	r.login("n", FlagValues{"cache": "none", "auth": "token"})
	for _, tt := range []struct {
		name                            string
		opts                            StatusOptions
		wantStdout, wantStderr, wantErr string
	}{
		{"text", StatusOptions{Flags: FlagValues{"profile": "p"}, Format: "text"},
			"profile:       p (from --profile)\n" +
				"settings:      config file {HOME}/.config/monitor-token/config.json\n" +
				"endpoint:      {URL}\n" +
				"IAM endpoint:  {URL}\n" +
				"instance:      {INSTANCE}\n" +
				"team:          (the user's default team)\n" +
				"credential:    keyring\n" +
				"hands out:     Monitor API token\n" +
				"cache:         keyring\n" +
				"token:         cached in the keyring\n", "", ""},
		{"verify", StatusOptions{Flags: FlagValues{"profile": "n"}, Format: "text", Verify: true},
			"profile:       n (from --profile)\n" +
				"settings:      config file {HOME}/.config/monitor-token/config.json\n" +
				"endpoint:      {URL}\n" +
				"IAM endpoint:  {URL}\n" +
				"instance:      {INSTANCE}\n" +
				"team:          (the user's default team)\n" +
				"credential:    keyring\n" +
				"hands out:     Monitor API token\n" +
				"cache:         none\n" +
				"token:         not cached (cache=none): every get fetches it; the service accepts it\n", "", ""},
		{"json", StatusOptions{Flags: FlagValues{"profile": "n"}, Format: "json"},
			"{\n" +
				"  \"profile\": \"n\",\n  \"profile_from\": \"--profile\",\n  \"settings_from\": \"config file\",\n" +
				"  \"config_file\": \"{HOME}/.config/monitor-token/config.json\",\n" +
				"  \"endpoint\": \"{URL}\",\n  \"iam_endpoint\": \"{URL}\",\n  \"instance_id\": \"{INSTANCE}\",\n  \"team_id\": \"\",\n" +
				"  \"api_key_source\": \"keyring\",\n  \"token_cached\": false,\n  \"auth\": \"token\",\n  \"cache\": \"none\"\n}\n", "", ""},
	} {
		err := runStatus(t.Context(), r.factory(), tt.opts)
		r.check(tt.name, err, tt.wantStdout, tt.wantStderr, tt.wantErr)
	}
}
