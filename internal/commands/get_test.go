package commands

import (
	"strings"
	"testing"
)

func TestNewGetCmd(t *testing.T) {
	checkParse(t, newGetCmd, []parseCase[GetOptions]{
		{nil, GetOptions{Flags: FlagValues{}, Format: "token"}, ""},
		{[]string{"--profile", "ci", "--format", "json"}, GetOptions{Flags: FlagValues{"profile": "ci"}, Format: "json"}, ""},
		{[]string{"--format=header", "--refresh"}, GetOptions{Flags: FlagValues{}, Format: "header", Refresh: true}, ""},
		{[]string{"--verify", "--format", "env"}, GetOptions{Flags: FlagValues{}, Format: "env", Verify: true}, ""},
		{[]string{"--profile="}, GetOptions{Flags: FlagValues{"profile": ""}, Format: "token"}, ""},
		{[]string{"--format", "yaml"}, GetOptions{}, `get: unknown --format "yaml"; use token, header, json or env`},
		{[]string{"--refresh", "--verify"}, GetOptions{}, "get: give --refresh or --verify, not both"},
		{[]string{"extra"}, GetOptions{}, `get: unexpected argument "extra" (flags go before arguments; this command takes none)`},
		{[]string{"--nope"}, GetOptions{}, "get: flag provided but not defined: -nope; run `monitor-token get --help` for usage"},
	})
}

func TestRunGet(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	for _, tt := range []struct {
		name       string
		opts       GetOptions
		wantStdout string
		wantStderr string
		wantErr    string
	}{
		{"token", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token"}, "{TOKEN}\n", "", ""},
		{"header", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "header"}, "Authorization: Bearer {TOKEN}\n", "", ""},
		{"env", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "env"},
			"export SYSDIG_MONITOR_URL='{URL}'\nexport SYSDIG_MONITOR_API_TOKEN='{TOKEN}'\nexport SDC_URL='{URL}'\nexport SDC_TOKEN='{TOKEN}'\n" +
				"export SDC_MONITOR_URL='{URL}'\nexport SDC_MONITOR_TOKEN='{TOKEN}'\nexport SYSDIG_MCP_API_HOST='{URL}'\nexport SYSDIG_MCP_API_TOKEN='{TOKEN}'\n", "", ""},
		{"json", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "json"},
			"{\n  \"token\": \"{TOKEN}\",\n  \"endpoint\": \"{URL}\",\n  \"instance_id\": \"{INSTANCE}\",\n  \"team_id\": \"\",\n  \"profile\": \"p\",\n  \"cached\": true,\n  \"auth\": \"token\"\n}\n", "", ""},
		{"refresh after a reset", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Refresh: true}, "{TOKEN}\n", "", ""},
		{"verify after a reset", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Verify: true}, "{TOKEN}\n",
			"The cached token was refused (reset in the UI?); a new one was fetched and cached.\n", ""},
		{"no such profile", GetOptions{Flags: FlagValues{"profile": "nope"}, Format: "token"}, "", "",
			"no profile \"nope\" yet: run `monitor-token login --profile nope --region REGION --instance GUID` (the API key is read from stdin or a prompt)"},
	} {
		if strings.HasSuffix(tt.name, "after a reset") {
			// The cached token is now refused: only a fetch prints the
			// current one ({TOKEN}).
			r.emu.ResetMonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
		}
		err := runGet(t.Context(), r.factory(), tt.opts)
		r.check(tt.name, err, tt.wantStdout, tt.wantStderr, tt.wantErr)
	}
}
