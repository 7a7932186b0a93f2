package commands

import (
	"testing"
)

func TestNewTeamsCmd(t *testing.T) {
	checkParse(t, newTeamsCmd, []parseCase[TeamsOptions]{
		{nil, TeamsOptions{Flags: FlagValues{}, Format: "text"}, ""},
		{[]string{"--profile", "ci", "--format", "json"}, TeamsOptions{Flags: FlagValues{"profile": "ci"}, Format: "json"}, ""},
		{[]string{"--format", "csv"}, TeamsOptions{}, `teams: unknown --format "csv"; use text or json`},
	})
}

func TestRunTeams(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	for _, tt := range []struct {
		name                            string
		opts                            TeamsOptions
		wantStdout, wantStderr, wantErr string
	}{
		{"text", TeamsOptions{Flags: FlagValues{"profile": "p"}, Format: "text"},
			"ID     NAME                DEFAULT\n26055  Monitor Operations  yes\n26056  Platform Team       \n", "", ""},
		{"json", TeamsOptions{Flags: FlagValues{"profile": "p"}, Format: "json"},
			"{\n  \"teams\": [\n    {\n      \"id\": 26055,\n      \"name\": \"Monitor Operations\",\n      \"default\": true\n    },\n    {\n      \"id\": 26056,\n      \"name\": \"Platform Team\",\n      \"default\": false\n    }\n  ]\n}\n", "", ""},
	} {
		err := runTeams(t.Context(), r.factory(), tt.opts)
		r.check(tt.name, err, tt.wantStdout, tt.wantStderr, tt.wantErr)
	}
}
