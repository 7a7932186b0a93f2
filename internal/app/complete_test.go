package app

import (
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/complete"
	"github.com/monitor-token/monitor-token/internal/emulator"
)

// requests is how many requests of every kind the emulator has answered.
func (w *world) requests() int {
	n := 0
	for _, r := range []string{emulator.RouteIAMToken, emulator.RouteMonitorToken, emulator.RouteTeams, emulator.RouteUsersMe} {
		n += w.emu.Count(r)
	}
	return n
}

const profileFlagLine = "--profile\tthe profile to use (default: $MONITOR_TOKEN_PROFILE, else the one the use command set, else \"default\")\n"

// Completion requests, as literal words and answers (cobra's format:
// candidates, then ":DIRECTIVE"), over what the machine holds: nothing, two
// profiles, a cached token and a kept team list. No TAB makes a request.
func TestCompletionAnswers(t *testing.T) {
	const (
		none      = iota // no config file
		profiles         // "default" and "prod", tokens cached
		teams            // and `teams` has run for "default"
		loggedOut        // teams has run, then logout
		tokenGone        // teams has run, then the cached token went
	)
	tests := []struct {
		name  string
		state int
		words []string
		want  string // with URL for the emulator's address
	}{
		{"commands", none, []string{"lo"}, "login\tStores an IBM Cloud API key (read from stdin or a prompt) and the instance to fetch the token for\n" +
			"logout\tRemoves the profile's API key and cached token from the keyring (--purge: its settings too)\n:4\n"},
		{"new commands", none, []string{"u"}, "use\tMakes NAME the profile of commands given no --profile (--profile and $MONITOR_TOKEN_PROFILE still win)\n:4\n"},
		{"hidden commands are not offered", none, []string{"git"}, ":4\n"},
		{"after a global flag", none, []string{"--debug", "ver"}, "version\tPrints the version\n:4\n"},
		{"a command's flag before the command", none, []string{"--profile", ""}, ":4\n"},
		{"global flags", none, []string{"--d"}, "--debug\tlog requests, responses and keyring calls on stderr\n:4\n"},
		{"flag names", none, []string{"get", "--pro"}, profileFlagLine + ":4\n"},
		{"a flag given is not offered again", none, []string{"get", "--profile", "x", "--pro"}, ":4\n"},
		{"get formats", none, []string{"get", "--format", ""}, "token\nheader\njson\nenv\n:4\n"},
		{"status formats", none, []string{"status", "--format", "j"}, "json\n:4\n"},
		{"profiles formats", none, []string{"profiles", "--format", ""}, "text\njson\n:4\n"},
		{"a value in the flag's word", none, []string{"get", "--format=j"}, "--format=json\n:4\n"},
		{"single dash", none, []string{"get", "-format", "h"}, "header\n:4\n"},
		{"regions", none, []string{"login", "--region", "eu-"}, "eu-de\thttps://eu-de.monitoring.cloud.ibm.com\n" +
			"eu-gb\thttps://eu-gb.monitoring.cloud.ibm.com\neu-es\thttps://eu-es.monitoring.cloud.ibm.com\n:4\n"},
		{"caches", none, []string{"login", "--cache", ""}, "keyring\nnone\nfile\n:4\n"},
		{"auth modes", none, []string{"login", "--no-verify", "--auth", ""}, "token\niam\n:4\n"},
		{"shells", none, []string{"completion", ""}, "bash\nzsh\nfish\n:4\n"},
		{"files for the CR token file", none, []string{"login", "--cr-token-file", ""}, ":0\n"},
		{"a command after --", none, []string{"exec", "--", ""}, ":0\n"},
		{"flags after -- are the command's", none, []string{"exec", "--", "curl", "--pro"}, ":0\n"},
		{"free values offer nothing", none, []string{"login", "--instance", ""}, ":4\n"},
		{"an unknown command", none, []string{"frobnicate", ""}, ":4\n"},
		{"no profiles", none, []string{"get", "--profile", ""}, ":4\n"},
		{"profiles", profiles, []string{"get", "--profile", ""}, "default\tURL\nprod\tURL\n:4\n"},
		{"use", profiles, []string{"use", "p"}, "prod\tURL\n:4\n"},
		{"use takes one name", profiles, []string{"use", "prod", ""}, ":4\n"},
		{"teams not listed yet", profiles, []string{"login", "--team", ""}, ":4\n"},
		{"teams", teams, []string{"login", "--team", ""}, "26055\tMonitor Operations (default)\n26056\tPlatform Team\n:4\n"},
		{"teams of the named profile", teams, []string{"login", "--profile", "prod", "--team", ""}, ":4\n"},
		{"teams after logout", loggedOut, []string{"login", "--team", ""}, ":4\n"},
		{"teams with no token cached", tokenGone, []string{"login", "--team", ""}, ":4\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			if tt.state >= profiles {
				w.must(w.apiKey(), w.loginArgs("default")...)
				w.must(w.apiKey(), w.loginArgs("prod")...)
			}
			if tt.state >= teams {
				w.must("", "teams")
			}
			switch tt.state {
			case loggedOut:
				w.must("", "logout")
			case tokenGone:
				if err := w.keyring.inner.Delete(t.Context(), "default/monitor-token"); err != nil {
					t.Fatal(err)
				}
			}
			before := w.requests()
			want := strings.ReplaceAll(tt.want, "URL", w.url)
			for _, arg0 := range []string{"monitor-token", "kubectl_complete-monitor_token"} {
				args := tt.words
				if arg0 == "monitor-token" {
					args = append([]string{"__complete"}, tt.words...)
				}
				r := w.runAs(arg0, "", args...)
				if r.code != 0 || r.stdout != want || r.stderr != "" {
					t.Errorf("%s %q: exit %d\nstdout %q\nwant   %q\nstderr %q", arg0, args, r.code, r.stdout, want, r.stderr)
				}
			}
			if n := w.requests() - before; n != 0 {
				t.Errorf("completion made %d requests", n)
			}
		})
	}
}

// Every shell completion offers has a script, and the scripts ask
// __complete (not urfave/cli's flag-name-only --generate-bash-completion).
func TestCompletionScripts(t *testing.T) {
	w := newWorld(t)
	for _, shell := range complete.Shells() {
		sh := shell.Name
		r := w.must("", "completion", sh)
		if !strings.Contains(r.stdout, " __complete ") || strings.Contains(r.stdout, "generate-bash-completion") {
			t.Errorf("completion %s:\n%s", sh, r.stdout)
		}
	}
	r := w.run("", "completion", "powershell")
	if r.code != ExitUsage || r.stderr != "monitor-token: completion: give bash, zsh or fish: source <(monitor-token completion bash), or monitor-token completion fish | source\n" {
		t.Errorf("completion powershell: exit %d, %q", r.code, r.stderr)
	}
}

// --dir completes file names.
func TestInstallLinksCompletion(t *testing.T) {
	w := newWorld(t)
	if r := w.must("", "__complete", "install-links", "--dir", ""); r.stdout != ":0\n" {
		t.Errorf("--dir: %q", r.stdout)
	}
	if r := w.must("", "__complete", "install-links", "--"); r.stdout != "--dir\twhere the links go (default: the executable's directory); completion goes under DIR/../share\n--force\treplace files and links in the way that are not monitor-token's\n--remove\tremove what install-links installs, where it is monitor-token's\n--help\tshow help\n:4\n" {
		t.Errorf("flags: %q", r.stdout)
	}
}
