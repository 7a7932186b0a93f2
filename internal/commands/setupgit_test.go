package commands

import (
	"os/exec"
	"strings"
	"testing"
)

func TestNewSetupGitCmd(t *testing.T) {
	checkParse(t, newSetupGitCmd, []parseCase[SetupGitOptions]{
		{nil, SetupGitOptions{Flags: FlagValues{}}, ""},
		{[]string{"--profile", "ci", "--unset"}, SetupGitOptions{Flags: FlagValues{"profile": "ci"}, Unset: true}, ""},
		{[]string{"https://x"}, SetupGitOptions{}, `setup-git: unexpected argument "https://x" (flags go before arguments; this command takes none)`},
	})
}

// setup-git writes git's global configuration with the real git, under the
// test's HOME, naming the executable the Factory gives (not os.Executable).
func TestRunSetupGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is not installed; make test installs it (scripts/deps)")
	}
	r := newTestRun(t)
	r.login("p", nil)
	r.env["GIT_CONFIG_NOSYSTEM"] = "1"
	for _, tt := range []struct {
		name                string
		opts                SetupGitOptions
		wantConfig          string
		wantStderr, wantErr string
	}{
		{"set", SetupGitOptions{Flags: FlagValues{"profile": "p"}},
			"credential.{URL}.helper=\ncredential.{URL}.helper=/opt/bin/monitor-token git-credential --profile p\ncredential.{URL}.username=monitor-token\n",
			"git now asks monitor-token (profile \"p\") for {URL}. Probe: printf 'protocol=http\\nhost={HOST}\\n' | git credential fill\n", ""},
		{"again: the same, not twice", SetupGitOptions{Flags: FlagValues{"profile": "p"}},
			"credential.{URL}.helper=\ncredential.{URL}.helper=/opt/bin/monitor-token git-credential --profile p\ncredential.{URL}.username=monitor-token\n",
			"git now asks monitor-token (profile \"p\") for {URL}. Probe: printf 'protocol=http\\nhost={HOST}\\n' | git credential fill\n", ""},
		{"unset", SetupGitOptions{Flags: FlagValues{"profile": "p"}, Unset: true}, "",
			"Removed the git credential helper for {URL}.\n", ""},
	} {
		err := runSetupGit(t.Context(), r.factory(), tt.opts)
		host := strings.TrimPrefix(r.url, "http://")
		r.check(tt.name, err, "", strings.ReplaceAll(tt.wantStderr, "{HOST}", host), tt.wantErr)
		cmd := exec.Command("git", "config", "--global", "--list")
		cmd.Env = []string{"HOME=" + r.home, "GIT_CONFIG_NOSYSTEM=1"}
		out, _ := cmd.Output()
		if got, want := string(out), r.expand(tt.wantConfig); got != want {
			t.Errorf("%s: git config\n%s\nwant\n%s", tt.name, got, want)
		}
	}
}
