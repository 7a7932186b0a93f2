package commands

import (
	"strings"
	"testing"
	"time"
)

func TestNewGetCmd(t *testing.T) {
	checkParse(t, newGetCmd, []parseCase[GetOptions]{
		{nil, GetOptions{Flags: FlagValues{}, Format: "token", FileMode: 0o600, CheckEvery: 5 * time.Minute}, ""},
		{[]string{"--profile", "ci", "--format", "json"}, GetOptions{Flags: FlagValues{"profile": "ci"}, Format: "json", FileMode: 0o600, CheckEvery: 5 * time.Minute}, ""},
		{[]string{"--format=header", "--refresh"}, GetOptions{Flags: FlagValues{}, Format: "header", Refresh: true, FileMode: 0o600, CheckEvery: 5 * time.Minute}, ""},
		{[]string{"--verify", "--format", "env"}, GetOptions{Flags: FlagValues{}, Format: "env", Verify: true, FileMode: 0o600, CheckEvery: 5 * time.Minute}, ""},
		{[]string{"--profile="}, GetOptions{Flags: FlagValues{"profile": ""}, Format: "token", FileMode: 0o600, CheckEvery: 5 * time.Minute}, ""},
		{[]string{"--output", "/run/t", "--file-mode", "0640", "--watch", "--check-every", "1s"},
			GetOptions{Flags: FlagValues{}, Format: "token", Output: "/run/t", FileMode: 0o640, Watch: true, CheckEvery: time.Second}, ""},
		{[]string{"--output", "/run/t", "--format", "header"}, GetOptions{Flags: FlagValues{}, Format: "header", Output: "/run/t", FileMode: 0o600, CheckEvery: 5 * time.Minute}, ""},
		{[]string{"--output", ""}, GetOptions{}, "get: --output is empty; give the file the token goes to"},
		{[]string{"--output", "-"}, GetOptions{}, "get: --output - is not a file here; drop --output to print the token to stdout"},
		{[]string{"--watch"}, GetOptions{}, "get: --file-mode, --watch and --check-every go with --output FILE"},
		{[]string{"--file-mode", "0640"}, GetOptions{}, "get: --file-mode, --watch and --check-every go with --output FILE"},
		{[]string{"--output", "/run/t", "--check-every", "1m"}, GetOptions{}, "get: --check-every goes with --watch"},
		{[]string{"--output", "/run/t", "--watch", "--check-every", "10ms"}, GetOptions{}, "get: --check-every 10ms is shorter than 1s; give 1s or more (default 5m)"},
		{[]string{"--output", "/run/t", "--file-mode", "0644"}, GetOptions{}, `get: unknown --file-mode "0644"; use 0600 or 0640`},
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
