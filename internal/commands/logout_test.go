package commands

import (
	"testing"
)

func TestNewLogoutCmd(t *testing.T) {
	checkParse(t, newLogoutCmd, []parseCase[LogoutOptions]{
		{nil, LogoutOptions{Flags: FlagValues{}}, ""},
		{[]string{"--profile", "ci", "--purge"}, LogoutOptions{Flags: FlagValues{"profile": "ci"}, Purge: true}, ""},
		{[]string{"--all"}, LogoutOptions{Flags: FlagValues{}, All: true}, ""},
		{[]string{"--all", "--profile", "ci"}, LogoutOptions{}, "logout: give --profile or --all, not both"},
	})
}

func TestRunLogout(t *testing.T) {
	for _, tt := range []struct {
		name                string
		opts                LogoutOptions
		wantStderr, wantErr string
	}{
		{"one", LogoutOptions{Flags: FlagValues{"profile": "a"}},
			"Removed the API key and cached token of profile \"a\" (keyring and token file); its settings were kept (--purge removes them).\n", ""},
		{"one purged", LogoutOptions{Flags: FlagValues{"profile": "a"}, Purge: true},
			"Removed the API key and cached token of profile \"a\" (keyring and token file), and its settings from {HOME}/.config/monitor-token/config.json. Commands given no --profile now use \"default\".\n", ""},
		{"never was", LogoutOptions{Flags: FlagValues{"profile": "zz"}, Purge: true},
			"Removed the API key and cached token of profile \"zz\" (keyring and token file); it had no settings in {HOME}/.config/monitor-token/config.json.\n", ""},
		{"all", LogoutOptions{Flags: FlagValues{}, All: true},
			"Removed every monitor-token item from the keyring, and every cached token file; profile settings were kept (--purge removes them).\n", ""},
		{"all purged", LogoutOptions{Flags: FlagValues{}, All: true, Purge: true},
			"Removed every monitor-token item from the keyring, every cached token file, and every profile from {HOME}/.config/monitor-token/config.json.\n", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRun(t)
			r.login("a", nil)
			if err := runUse(t.Context(), r.factory(), UseOptions{Name: "a"}); err != nil {
				t.Fatal(err)
			}
			err := runLogout(t.Context(), r.factory(), tt.opts)
			r.check(tt.name, err, "", tt.wantStderr, tt.wantErr)
		})
	}
}
