package commands

import (
	"strings"
	"testing"
)

func TestNewLoginCmd(t *testing.T) {
	checkParse(t, newLoginCmd, []parseCase[LoginOptions]{
		{[]string{"--region", "us-south", "--instance", "G"}, LoginOptions{Flags: FlagValues{"region": "us-south", "instance": "G"}}, ""},
		{[]string{"--profile", "ci", "--endpoint", "https://x", "--instance", "G", "--team", "7", "--private", "--cache", "none", "--auth", "iam", "--no-verify"},
			LoginOptions{Flags: FlagValues{"profile": "ci", "endpoint": "https://x", "instance": "G", "team": "7", "private": "true", "cache": "none", "auth": "iam"}, NoVerify: true}, ""},
		{[]string{"--region", "us-south", "--instance", "G", "--team-name", "  Ops Team "}, LoginOptions{Flags: FlagValues{"region": "us-south", "instance": "G"}, TeamName: "Ops Team"}, ""},
		{[]string{"--trusted-profile", "tp", "--cr-token-file", "/t", "--vpc-instance", "--metadata-endpoint", "http://m", "--iam-endpoint", "https://i"},
			LoginOptions{Flags: FlagValues{"trusted-profile": "tp", "cr-token-file": "/t", "vpc-instance": "true", "metadata-endpoint": "http://m", "iam-endpoint": "https://i"}}, ""},
		{[]string{"--team", "7", "--team-name", "Ops"}, LoginOptions{}, "login: give --team or --team-name, not both"},
		{[]string{"--instance", "G", "key"}, LoginOptions{}, `login: unexpected argument "key" (flags go before arguments; this command takes none)`},
	})
}

func TestRunLogin(t *testing.T) {
	for _, tt := range []struct {
		name                string
		stdin               string
		flags               FlagValues
		noVerify            bool
		wantStderr, wantErr string
	}{
		{"key on stdin", "{KEY}\n", FlagValues{}, false,
			"Logged in as profile \"p\": {URL}, instance {INSTANCE}, your default team. The Monitor API token is cached in the keyring.\n", ""},
		{"no verify", "{KEY}", FlagValues{"team": "26055"}, true,
			"Logged in as profile \"p\": {URL}, instance {INSTANCE}, team 26055. Nothing was checked (--no-verify); `monitor-token get` fetches the token.\n", ""},
		{"cache none", "{KEY}", FlagValues{"cache": "none"}, false,
			"Logged in as profile \"p\": {URL}, instance {INSTANCE}, your default team. The Monitor API token is not cached (cache=none): every get fetches it.\n", ""},
		{"empty stdin", "", FlagValues{}, false, "",
			"login: no API key on stdin; pipe it in (printf %s \"$IBMCLOUD_API_KEY\" | monitor-token login ...) or run login in a terminal to be prompted"},
		{"too much", string(make([]byte, 5000)), FlagValues{}, false, "",
			"login: stdin holds more than 4 KiB, which is not an API key; pipe in only the key"},
		{"wrong key", "not-the-key", FlagValues{}, false, "",
			"login failed, nothing was changed: could not exchange the API key for an IAM token at {URL}: HTTP 400 BXNIM0415E (Provided API key could not be found.); check the key, or create one with `ibmcloud iam api-key-create NAME` and run `monitor-token login` with it"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRun(t)
			r.stdin = strings.ReplaceAll(tt.stdin, "{KEY}", r.facts.APIKey)
			flags := FlagValues{"profile": "p", "endpoint": r.url, "iam-endpoint": r.url, "instance": r.facts.InstanceGUID}
			for k, v := range tt.flags {
				flags[k] = v
			}
			err := runLogin(t.Context(), r.factory(), LoginOptions{Flags: flags, NoVerify: tt.noVerify})
			r.check(tt.name, err, "", tt.wantStderr, tt.wantErr)
		})
	}
}
