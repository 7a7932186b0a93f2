package commands

import (
	"testing"
)

func TestNewUseCmd(t *testing.T) {
	checkParse(t, newUseCmd, []parseCase[UseOptions]{
		{[]string{"ci"}, UseOptions{Name: "ci"}, ""},
		{nil, UseOptions{}, "use: give one profile name: monitor-token use NAME (`monitor-token profiles` lists them)"},
		{[]string{"a", "b"}, UseOptions{}, "use: give one profile name: monitor-token use NAME (`monitor-token profiles` lists them)"},
		{[]string{"../x"}, UseOptions{}, `use: profile name "../x" is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, ".", "_" and "-", starting with a letter or digit`},
	})
}

func TestRunUse(t *testing.T) {
	r := newTestRun(t)
	r.login("a", nil)
	r.login("b", nil)
	for _, tt := range []struct {
		name                string
		env                 map[string]string
		opts                UseOptions
		wantStderr, wantErr string
	}{
		{"known", nil, UseOptions{Name: "b"}, "Commands given no --profile now use profile \"b\".\n", ""},
		{"unknown", nil, UseOptions{Name: "c"}, "",
			"use: no profile \"c\" in {HOME}/.config/monitor-token/config.json; nothing was changed (`monitor-token profiles` lists them, `monitor-token login --profile c ...` makes one)"},
		{"variable wins", map[string]string{"MONITOR_TOKEN_PROFILE": "a"}, UseOptions{Name: "b"},
			"Commands given no --profile now use profile \"b\".\nmonitor-token: note: MONITOR_TOKEN_PROFILE=a is set, and wins over it in this environment.\n", ""},
		{"environment profile", map[string]string{"MONITOR_TOKEN_INSTANCE": "G"}, UseOptions{Name: "a"},
			"Commands given no --profile now use profile \"a\".\nmonitor-token: note: MONITOR_TOKEN_INSTANCE is set: commands use the profile in the environment, whatever the default.\n", ""},
	} {
		for k, v := range tt.env {
			r.env[k] = v
		}
		err := runUse(t.Context(), r.factory(), tt.opts)
		r.check(tt.name, err, "", tt.wantStderr, tt.wantErr)
		for k := range tt.env {
			delete(r.env, k)
		}
	}
}
