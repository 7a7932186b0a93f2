package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/filelock"
)

// Each test here pins a defect found in the composition layer: it failed
// before the profile resolver and the broker's cache ownership existed.

// Parallel logins of different profiles each read, change and write the
// config file; without a lock around the whole cycle the last writer wins
// and the other profiles vanish while their keys stay in the keyring.
func TestParallelLoginsKeepEveryProfile(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("keep", "--no-verify")...)
	const n = 12
	var wg sync.WaitGroup
	results := make([]result, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = w.run(w.apiKey(), w.loginArgs(fmt.Sprintf("p%d", i), "--no-verify")...)
		}()
	}
	// Logouts of another profile at the same time must not cost a login.
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run("", "logout", "--profile", "keep")
		}()
	}
	wg.Wait()
	profiles := w.profilesInConfig()
	for i, r := range results {
		name := fmt.Sprintf("p%d", i)
		if r.code != 0 {
			t.Errorf("login %s: exit %d: %s", name, r.code, r.stderr)
		}
		if _, ok := profiles[name]; !ok {
			t.Errorf("profile %s is missing from the config file after it said %q", name, strings.TrimSpace(r.stderr))
		}
		if !w.keyringHas(name + "/api-key") {
			t.Errorf("the API key of %s is not in the keyring", name)
		}
	}
	if _, ok := profiles["keep"]; !ok {
		t.Error("logout removed the settings of profile keep")
	}
}

// logout is asked to remove the profile's secrets: a token cached in a file
// (cache=file) is one, in plain text.
func TestLogoutRemovesTheFileCache(t *testing.T) {
	for _, all := range []bool{false, true} {
		t.Run(fmt.Sprintf("all=%v", all), func(t *testing.T) {
			w := newWorld(t)
			w.must(w.apiKey(), w.loginArgs("default", "--cache", "file")...)
			w.must("", "get")
			if !exists(w.tokenFile("default")) {
				t.Fatalf("no token file at %s after get with cache=file", w.tokenFile("default"))
			}
			args := []string{"logout"}
			if all {
				args = append(args, "--all")
			}
			w.must("", args...)
			if exists(w.tokenFile("default")) {
				t.Errorf("%v left the token in %s", args, w.tokenFile("default"))
			}
			// The lock file holds nothing and stays (broker.ownFile says
			// why): removing it under another process breaks the lock.
			if !exists(w.cacheDir() + "/default.lock") {
				t.Errorf("%v removed the profile's lock file", args)
			}
		})
	}
}

// gitCredential answers `git credential fill` for the emulator's host.
func (w *world) gitFill() result {
	w.t.Helper()
	host := strings.TrimPrefix(w.url, "http://")
	return w.runAs("/usr/bin/git-credential-monitor-token", "protocol=http\nhost="+host+"\n", "get")
}

// The git helper goes through the same broker as get: a cache=none
// profile's token must not land in the keyring because git asked.
func TestGitHelperHonoursTheCacheSetting(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("default", "--cache", "none")...)
	r := w.gitFill()
	if r.code != 0 || !strings.Contains(r.stdout, "password="+w.token()+"\n") {
		t.Fatalf("git get: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if w.keyringHas("default/monitor-token") {
		t.Error("git get cached the token of a cache=none profile in the keyring")
	}
}

// A profile that lives in the environment (a CI job) serves git too.
func TestGitHelperServesTheEnvironmentProfile(t *testing.T) {
	w := newWorld(t)
	w.env["MONITOR_TOKEN_INSTANCE"] = w.facts.InstanceGUID
	w.env["MONITOR_TOKEN_ENDPOINT"] = w.url
	w.env["MONITOR_TOKEN_IAM_ENDPOINT"] = w.url
	w.env["MONITOR_TOKEN_CACHE"] = "none"
	w.env["IBMCLOUD_API_KEY"] = w.facts.APIKey
	r := w.gitFill()
	if r.code != 0 || !strings.Contains(r.stdout, "password="+w.token()+"\n") {
		t.Fatalf("git get: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// A team id with a leading zero is still the number; a trusted profile
// name may hold a quote; a team id that is none is refused by the flag's
// name, not with a message about a profile the user never named.
func TestLoginValuesThatOnceFailedWithAPlaceholderName(t *testing.T) {
	w := newWorld(t)
	r := w.run(w.apiKey(), w.loginArgs("default", "--team", "026055")...)
	if r.code != 0 {
		t.Fatalf("login --team 026055: exit %d: %s", r.code, r.stderr)
	}
	var prof struct {
		TeamID string `json:"team_id"`
	}
	json.Unmarshal(w.profilesInConfig()["default"], &prof)
	if prof.TeamID != "26055" {
		t.Errorf("team_id = %q, want 26055", prof.TeamID)
	}
	r = w.run("", w.loginArgs("tp", "--trusted-profile", `ops "east"`, "--no-verify")...)
	if r.code != 0 {
		t.Fatalf("login --trusted-profile with a quote: exit %d: %s", r.code, r.stderr)
	}
	// A team id the resolver refuses is refused by its flag's name.
	r = w.run(w.apiKey(), w.loginArgs("x2", "--team", "0")...)
	if want := "monitor-token: --team is not a team id (expected a positive decimal number such as 26055, or none for the user's default team; `monitor-token teams` lists them)\n"; r.code != ExitUsage || r.stderr != want {
		t.Errorf("login --team 0: exit %d, stderr %q, want exit 2, %q", r.code, r.stderr, want)
	}
}

// login says where the token went, and only where it really went.
func TestLoginSaysWhereTheTokenWent(t *testing.T) {
	for _, tt := range []struct{ cache, want, not string }{
		{"keyring", "cached in the keyring", "not cached"},
		{"none", "not cached (cache=none)", "in the keyring"},
		{"file", "cached in plain text at ", "in the keyring"},
	} {
		t.Run(tt.cache, func(t *testing.T) {
			w := newWorld(t)
			r := w.must(w.apiKey(), w.loginArgs("default", "--cache", tt.cache)...)
			if !strings.Contains(r.stderr, tt.want) || strings.Contains(r.stderr, tt.not) {
				t.Errorf("login with cache=%s said %q; want %q and not %q", tt.cache, r.stderr, tt.want, tt.not)
			}
		})
	}
}

// A keyring that refuses the new token (too large) means refresh failed:
// the old, reset token would go on being served.
func TestRefreshWithARefusedWriteIsAFailure(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("default")...)
	old := w.token()
	w.emu.ResetMonitorToken(w.facts.InstanceGUID, w.facts.DefaultTeamID)
	w.keyring.refuseWrites("default/monitor-token")
	r := w.run("", "refresh")
	if r.code == 0 || strings.Contains(r.stderr, "replaced") {
		t.Fatalf("refresh with a refused write: exit %d, stderr %q", r.code, r.stderr)
	}
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("want one line, got %q", r.stderr)
	}
	// The reset token is not served again.
	r = w.run("", "get")
	if r.stdout == old+"\n" {
		t.Error("get served the token that was reset")
	}
}

// The variables of flags come from Env, not from the test process.
func TestFlagVariablesAreReadFromTheInjectedEnvironment(t *testing.T) {
	w := newWorld(t)
	w.env["IBMCLOUD_IAM_API_ENDPOINT"] = w.url
	args := []string{"login", "--profile", "work", "--endpoint", w.url, "--instance", w.facts.InstanceGUID}
	if r := w.run(w.apiKey(), args...); r.code != 0 {
		t.Fatalf("login with IBMCLOUD_IAM_API_ENDPOINT in Env: exit %d: %s", r.code, r.stderr)
	}
	w.env["MONITOR_TOKEN_PROFILE"] = "work"
	r := w.run("", "get")
	if r.code != 0 || r.stdout != w.token()+"\n" {
		t.Fatalf("get with MONITOR_TOKEN_PROFILE=work in Env: exit %d, %q, %s", r.code, r.stdout, r.stderr)
	}
	w.env["MONITOR_TOKEN_DEBUG"] = "1"
	if r := w.run("", "get", "--refresh"); !strings.Contains(r.stderr, "debug:") {
		t.Errorf("MONITOR_TOKEN_DEBUG=1 in Env gave no debug lines: %q", r.stderr)
	}
}

// Ctrl-C while login waits for the config file's lock (another writer
// holds it): the keyring is put back, so "nothing was changed" is true.
func TestInterruptedLoginChangesNothing(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("default", "--team", "26055")...)
	unlock, err := filelock.Acquire(t.Context(), filepath.Dir(w.configPath()), filepath.Base(w.configPath()))
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	ctx, cancel := context.WithCancel(t.Context())
	// The trigger only: the login waits on the lock until it is cancelled.
	time.AfterFunc(300*time.Millisecond, cancel)
	r := w.runCtx(ctx, "monitor-token", "NEWKEY-NEWKEY-NEWKEY-NEWKEY\n", w.loginArgs("default", "--no-verify", "--team", "26056")...)
	if r.code != ExitCanceled || r.stderr != "monitor-token: interrupted; nothing was changed\n" {
		t.Fatalf("interrupted login: exit %d, %q", r.code, r.stderr)
	}
	if key, _ := w.keyring.inner.Get(t.Context(), "default/api-key"); key != w.facts.APIKey {
		t.Errorf("the API key is %q after an interrupted login, want the old one", key)
	}
	if !w.keyringHas("default/monitor-token") {
		t.Error("the cached token of the old settings is gone")
	}
}

// exec's child writes to the stream Env.Stderr is, not to a pipe through
// the run's serialized stderr.
func TestExecChildGetsTheStderrFileItself(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc/self/fd")
	}
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("default")...)
	path := filepath.Join(t.TempDir(), "stderr")
	file, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var stdout bytes.Buffer
	code := Run(t.Context(), Env{
		Args:        []string{"monitor-token", "exec", "--", "readlink", "/proc/self/fd/2"},
		Stdout:      &stdout,
		Stderr:      file,
		Environ:     w.environ(),
		OpenSecrets: func() broker.Secrets { return w.keyring },
	})
	if code != 0 || stdout.String() != path+"\n" {
		t.Errorf("exec: exit %d, the child's fd 2 is %q, want %q", code, stdout.String(), path)
	}
}

// Under git the hints name monitor-token, the command the user runs, not
// the helper's link name.
func TestGitHelperHintsNameTheCommand(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("a")...)
	w.must(w.apiKey(), w.loginArgs("b")...)
	host := strings.TrimPrefix(w.url, "http://")
	r := w.runAs("git-credential-monitor-token", "protocol=http\nhost="+host+"\n\n", "get")
	if want := "git-credential-monitor-token: git credential get for " + w.url + ": profiles a, b all serve " + w.url + "; pin one in the helper: `monitor-token setup-git --profile NAME`\n"; r.stderr != want {
		t.Errorf("two profiles on one host: stderr %q, want %q", r.stderr, want)
	}
	if err := w.keyring.inner.Delete(t.Context(), broker.APIKeyItem("a")); err != nil {
		t.Fatal(err)
	}
	if err := w.keyring.inner.Delete(t.Context(), broker.TokenItem("a")); err != nil {
		t.Fatal(err)
	}
	r = w.runAs("git-credential-monitor-token", "protocol=http\nhost="+host+"\n\n", "--profile", "a", "get")
	if want := "git-credential-monitor-token: git credential get for " + w.url + ": no API key for profile \"a\": run `monitor-token login` again, or set IBMCLOUD_API_KEY\n"; r.stderr != want {
		t.Errorf("no key: stderr %q, want %q", r.stderr, want)
	}
}

// A flag the program itself does not know names the program once, and the
// help it points to is one that exists, under every personality.
func TestTopLevelUsageErrorNamesTheProgramOnce(t *testing.T) {
	w := newWorld(t)
	for _, tt := range []struct{ arg0, want string }{
		{"monitor-token", "monitor-token: flag provided but not defined: -nope; run `monitor-token --help` for usage\n"},
		{"kubectl-monitor_token", "kubectl monitor-token: flag provided but not defined: -nope; run `kubectl monitor-token --help` for usage\n"},
	} {
		r := w.runAs(tt.arg0, "", "--nope")
		if r.code != ExitUsage || r.stderr != tt.want {
			t.Errorf("%s --nope: exit %d, stderr %q; want %d, %q", tt.arg0, r.code, r.stderr, ExitUsage, tt.want)
		}
	}
}
