package commands

import (
	"reflect"
	"strings"
	"testing"
)

func TestNewGitCredentialCmd(t *testing.T) {
	checkParse(t, newGitCredentialCmd, []parseCase[GitCredentialOptions]{
		{[]string{"get"}, GitCredentialOptions{Action: "get"}, ""},
		{[]string{"--profile", "ci", "erase"}, GitCredentialOptions{Pinned: "ci", Action: "erase"}, ""},
		{nil, GitCredentialOptions{}, "git-credential: give one ACTION (get, store, erase or capability)"},
		{[]string{"get", "store"}, GitCredentialOptions{}, "git-credential: give one ACTION (get, store, erase or capability)"},
	})
}

// The git-credential-monitor-token personality parses its own arguments:
// git passes them with no command word.
func TestGitCredentialArgs(t *testing.T) {
	const name = "git-credential-monitor-token"
	for _, tt := range []struct {
		args    []string
		want    GitCredentialOptions
		wantErr string
	}{
		{[]string{"get"}, GitCredentialOptions{Action: "get"}, ""},
		{[]string{"--profile", "ci", "store"}, GitCredentialOptions{Pinned: "ci", Action: "store"}, ""},
		{[]string{"-profile", "ci", "erase"}, GitCredentialOptions{Pinned: "ci", Action: "erase"}, ""},
		{[]string{"--profile=ci", "capability"}, GitCredentialOptions{Pinned: "ci", Action: "capability"}, ""},
		{[]string{"frobnicate"}, GitCredentialOptions{Action: "frobnicate"}, ""}, // helper ignores unknown actions
		{[]string{"--profile"}, GitCredentialOptions{}, "--profile needs a profile name"},
		{nil, GitCredentialOptions{}, "usage: git-credential-monitor-token [--profile P] get|store|erase|capability (git runs this; see `monitor-token setup-git`)"},
		{[]string{"get", "more"}, GitCredentialOptions{}, `unexpected argument "more"; usage: git-credential-monitor-token [--profile P] get|store|erase|capability`},
	} {
		got, err := gitCredentialArgs(name, "monitor-token", tt.args)
		if errText(err) != tt.wantErr {
			t.Errorf("%q: error %q, want %q", tt.args, errText(err), tt.wantErr)
			continue
		}
		if err == nil && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: options %#v, want %#v", tt.args, got, tt.want)
		}
	}
}

func TestRunGitCredential(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	host := strings.TrimPrefix(r.url, "http://")
	for _, tt := range []struct {
		name                            string
		stdin                           string
		opts                            GitCredentialOptions
		wantStdout, wantStderr, wantErr string
	}{
		{"get, the profile's host", "protocol=http\nhost={HOST}\n\n", GitCredentialOptions{Action: "get"},
			"username=\npassword={TOKEN}\n", "", ""},
		{"get, another host", "protocol=https\nhost=example.com\n\n", GitCredentialOptions{Action: "get"}, "", "", ""},
		{"get, pinned to a profile that is not there", "protocol=http\nhost={HOST}\n\n", GitCredentialOptions{Pinned: "zz", Action: "get"}, "", "",
			"git credential get for {URL}: no profile \"zz\" yet: run `monitor-token login --profile zz --region REGION --instance GUID` (the API key is read from stdin or a prompt)"},
		{"store is a no-op", "protocol=http\nhost={HOST}\npassword=x\n\n", GitCredentialOptions{Action: "store"}, "", "", ""},
	} {
		r.stdin = strings.ReplaceAll(tt.stdin, "{HOST}", host)
		err := runGitCredential(t.Context(), r.factory(), tt.opts)
		r.check(tt.name, err, strings.ReplaceAll(tt.wantStdout, "{HOST}", host), tt.wantStderr, tt.wantErr)
	}
}
