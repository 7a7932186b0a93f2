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
			statusText("p", "keyring", "cached in the keyring"), "", ""},
		{"verify", StatusOptions{Flags: FlagValues{"profile": "n"}, Format: "text", Verify: true},
			statusText("n", "none", "not cached (cache=none): every get fetches it; the service accepts it"), "", ""},
		{"json", StatusOptions{Flags: FlagValues{"profile": "n"}, Format: "json"},
			"{\n" +
				"  \"profile\": \"n\",\n  \"profile_from\": \"--profile\",\n  \"settings_from\": \"config file\",\n" +
				"  \"config_file\": \"{HOME}/.config/monitor-token/config.json\",\n" +
				"  \"endpoint\": \"{URL}\",\n  \"iam_endpoint\": \"{URL}\",\n  \"remote_write_url\": \"{URL}/prometheus/remote/write\",\n  \"instance_id\": \"{INSTANCE}\",\n  \"team_id\": \"\",\n" +
				"  \"api_key_source\": \"keyring\",\n  \"token_cached\": false,\n  \"auth\": \"token\",\n  \"cache\": \"none\"\n}\n", "", ""},
	} {
		err := runStatus(t.Context(), r.factory(), tt.opts)
		r.check(tt.name, err, tt.wantStdout, tt.wantStderr, tt.wantErr)
	}
}

// statusText is status's text report of a profile logged in as testRun's
// login makes them, with its cache and token rows.
func statusText(name, cache, token string) string {
	return "profile:       " + name + " (from --profile)\n" +
		"settings:      config file {HOME}/.config/monitor-token/config.json\n" +
		"endpoint:      {URL}\n" +
		"IAM endpoint:  {URL}\nremote write:  {URL}/prometheus/remote/write\n" +
		"instance:      {INSTANCE}\n" +
		"team:          (the user's default team)\n" +
		"credential:    keyring\n" +
		"hands out:     Monitor API token\n" +
		"cache:         " + cache + "\n" +
		"token:         " + token + "\n"
}

// A token the service refused (reset in the UI) is replaced by --verify,
// and status says so.
func TestRunStatusVerifyReplaces(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	r.emu.ResetMonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
	err := runStatus(t.Context(), r.factory(), StatusOptions{Flags: FlagValues{"profile": "p"}, Format: "text", Verify: true})
	r.check("replaced", err, statusText("p", "keyring", "cached in the keyring; a new one: the old one was refused (reset?)"), "", "")
}
