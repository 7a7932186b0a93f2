package app

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
)

// Team names are the server's text: printed in the table, escape and OSC
// sequences and line breaks are shown escaped, never acted on or turned
// into rows of their own.
func TestTeamNamesAreEscaped(t *testing.T) {
	w := newWorld(t)
	const guid = "6b1e0c5a-2d7f-4c1e-9a55-0f2b3c4d5e6f"
	w.emu.AddInstance(emulator.Instance{GUID: guid, Region: "us-south", Teams: []emulator.Team{
		{ID: 1, Name: "plain", Default: true},
		{ID: 2, Name: "red\x1b[31m\x1b]0;owned\x07"},
		{ID: 3, Name: "fake\n99  admins  yes"},
	}})
	w.must(w.apiKey(), "login", "--endpoint", w.url, "--iam-endpoint", w.url, "--instance", guid, "--auth", "iam")
	r := w.must("", "teams")
	if strings.ContainsAny(r.stdout, "\x1b\x07\r") {
		t.Errorf("control characters reached stdout: %q", r.stdout)
	}
	rows := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(rows) != 4 {
		t.Fatalf("%d rows for a header and 3 teams: %q", len(rows), r.stdout)
	}
	for _, want := range []string{`red\x1b[31m\x1b]0;owned\a`, `fake\n99  admins  yes`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the table does not show %s: %q", want, r.stdout)
		}
	}
}

// stdoutFull fails every write as /dev/full does.
type stdoutFull struct{}

func (stdoutFull) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// Output that could not be written is a failure, whatever the command:
// exit 1 and a line on stderr, never exit 0.
func TestAFailedWriteToStdoutFails(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("default")...)
	for _, args := range [][]string{
		{"version"}, {"--help"}, {"get", "--help"}, {"help"}, {"get"}, {"get", "--format", "json"},
		{"status"}, {"completion", "bash"}, {"teams"},
	} {
		var stderr bytes.Buffer
		code := Run(t.Context(), Env{
			Args: append([]string{"monitor-token"}, args...), Stdin: strings.NewReader(""),
			Stdout: stdoutFull{}, Stderr: &stderr, Environ: w.environ(),
			OpenSecrets: func() broker.Secrets { return w.keyring },
			NewAPI: func(ua string) *monitorapi.Client {
				c := monitorapi.New(ua)
				c.Grants = sdkgrant.Grants{}
				return c
			},
		})
		const want = "monitor-token: could not write the output: no space left on device; check where stdout goes (a full disk, a closed pipe)\n"
		if code != ExitError || stderr.String() != want {
			t.Errorf("%v to a full disk: exit %d, stderr %q; want 1 and %q", args, code, stderr.String(), want)
		}
	}
}

// A profile that lives in the environment does not send the keyring's API
// key to an IAM endpoint, nor its IAM token to a Monitoring endpoint, that
// only the environment names: each must be IBM's or the one the stored
// profile was logged in with.
func TestEnvironmentProfileKeepsTheStoredKeyHome(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("default")...)
	var hits atomic.Int32
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer elsewhere.Close()

	for _, tt := range []struct {
		name string
		env  map[string]string
		want string // "" for success
	}{
		{"the stored endpoints", map[string]string{"MONITOR_TOKEN_IAM_ENDPOINT": w.url}, ""},
		{"IAM from MONITOR_TOKEN_IAM_ENDPOINT", map[string]string{"MONITOR_TOKEN_IAM_ENDPOINT": elsewhere.URL},
			`monitor-token: the API key stored for profile "default" is not sent to ` + elsewhere.URL + `, which only MONITOR_TOKEN_IAM_ENDPOINT names (not IBM's, nor the endpoint profile "default" logged in with); set IBMCLOUD_API_KEY for it, or unset MONITOR_TOKEN_IAM_ENDPOINT`},
		{"IAM from IBMCLOUD_IAM_API_ENDPOINT", map[string]string{"IBMCLOUD_IAM_API_ENDPOINT": elsewhere.URL},
			`which only IBMCLOUD_IAM_API_ENDPOINT names`},
		{"Monitoring from MONITOR_TOKEN_ENDPOINT", map[string]string{"MONITOR_TOKEN_IAM_ENDPOINT": w.url, "MONITOR_TOKEN_ENDPOINT": elsewhere.URL},
			`is not sent to ` + elsewhere.URL + `, which only MONITOR_TOKEN_ENDPOINT names`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w.env = map[string]string{"HOME": w.home, "PATH": w.env["PATH"],
				"MONITOR_TOKEN_INSTANCE": w.facts.InstanceGUID, "MONITOR_TOKEN_ENDPOINT": w.url}
			for k, v := range tt.env {
				w.env[k] = v
			}
			hits.Store(0)
			r := w.run("", "get", "--refresh")
			if tt.want == "" {
				if r.code != 0 || r.stdout != w.token()+"\n" {
					t.Fatalf("exit %d, %q, %s", r.code, r.stdout, r.stderr)
				}
				return
			}
			if r.code != ExitError || r.stdout != "" || !strings.Contains(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", r.code, r.stdout, r.stderr, tt.want)
			}
			if hits.Load() != 0 {
				t.Errorf("the endpoint only the environment named got %d requests", hits.Load())
			}
		})
	}
}

// --debug shows every request, and no secret of any of them: not the
// compute-resource token a trusted profile sends, not the IAM token IAM
// answers with, not the Monitor token.
func TestDebugShowsNoSecret(t *testing.T) {
	w := newWorld(t)
	w.must("", w.loginArgs("default", "--trusted-profile", w.facts.TrustedProfileID, "--cr-token-file", w.crTokenFile())...)
	r := w.must("", "--debug", "get", "--refresh")
	if !strings.Contains(r.stderr, "cr_token=") {
		t.Fatalf("the debug lines do not show the cr-token grant: %s", r.stderr)
	}
	for name, secret := range map[string]string{"the CR token": w.facts.CRToken, "the Monitor token": w.token()} {
		if strings.Contains(r.stderr, secret) || strings.Contains(r.stderr, secret[:16]) {
			t.Errorf("--debug shows %s: %s", name, r.stderr)
		}
	}
	for _, line := range strings.Split(r.stderr, "\n") {
		if strings.Contains(line, "access_token") && !strings.Contains(line, `"access_token":"[redacted]"`) {
			t.Errorf("an IAM token in a debug line: %s", line)
		}
	}
}

// Proxies come from the run's environment (Env.Environ), as every other
// setting does, and an https endpoint's proxy sees only CONNECT.
func TestProxiesComeFromTheRunsEnvironment(t *testing.T) {
	w := newWorld(t)
	var seen []string
	var mu sync.Mutex
	proxy := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.Host)
		mu.Unlock()
		http.Error(rw, "no", http.StatusForbidden)
	}))
	defer proxy.Close()
	w.env["HTTPS_PROXY"] = proxy.URL
	w.env["HTTP_PROXY"] = proxy.URL
	r := w.run(w.apiKey(), "login", "--endpoint", "https://monitor.example", "--iam-endpoint", "https://iam.example", "--instance", w.facts.InstanceGUID)
	if r.code != ExitError {
		t.Fatalf("login through a refusing proxy: exit %d, %s", r.code, r.stderr)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) == 0 || seen[0] != "CONNECT iam.example:443" {
		t.Fatalf("the proxy of Env.Environ saw %q, want a CONNECT to iam.example:443", seen)
	}
	// The loopback emulator, with the same proxy settings, is never proxied.
	seen = nil
	mu.Unlock()
	w.must(w.apiKey(), w.loginArgs("default")...)
	mu.Lock()
	if len(seen) != 0 {
		t.Errorf("loopback requests went through the proxy: %q", seen)
	}
}

// A token from anywhere but the server passes the same validator as the
// server's: the ibmcloud CLI's session token with a CR, LF or ESC in it
// never reaches a header, and a cached entry holding one is never served.
func TestTokensFromEverySourceAreValidated(t *testing.T) {
	const evil = "abc\r\nX-Evil: injected\x1b[31m"
	t.Run("ibmcloud session", func(t *testing.T) {
		w := newWorld(t)
		w.env["IBMCLOUD_PLUGIN_NAMESPACE"] = "monitor-token"
		w.must("", "login", "--no-verify", "--cache", "none", "--endpoint", w.url, "--iam-endpoint", w.url, "--instance", w.facts.InstanceGUID)
		w.writeIBMCloudConfig(map[string]any{"IAMToken": "Bearer " + evil, "IAMEndpoint": w.url})
		r := w.run("", "get", "--format", "header")
		if r.code != ExitError || r.stdout != "" {
			t.Fatalf("exit %d, stdout %q: a malformed session token was used", r.code, r.stdout)
		}
		want := "ibmcloud monitor-token: no API key for profile \"default\": run `ibmcloud monitor-token login` again, or set IBMCLOUD_API_KEY; and the ibmcloud CLI's login token in " + w.home + "/.bluemix/config.json is not a token (a control character, a space or too long); run `ibmcloud login` again\n"
		if r.stderr != want {
			t.Fatalf("stderr = %q\nwant     %q", r.stderr, want)
		}
	})
	t.Run("keyring cache", func(t *testing.T) {
		w := newWorld(t)
		w.must(w.apiKey(), w.loginArgs("default")...)
		w.must("", "get")
		w.editCachedEntry("default", func(e map[string]any) { e["token"] = evil })
		r := w.must("", "get", "--format", "header")
		if r.stdout != "Authorization: Bearer "+w.token()+"\n" {
			t.Fatalf("stdout = %q, want the token fetched anew", r.stdout)
		}
	})
}

// Whatever a value the user gave holds, the error that echoes it is one
// line with no control character: a terminal shows it, never acts on it.
func TestEchoedValuesAreEscaped(t *testing.T) {
	const evil = "x\x1b]0;owned\x07\x1b[31m\rY\x7f"
	cases := []struct {
		name  string
		env   map[string]string
		stdin string
		args  []string
	}{
		{"--team-name", nil, "%K", []string{"login", "--endpoint", "%U", "--iam-endpoint", "%U", "--instance", "%I", "--team-name", evil}},
		{"--region", nil, "key", []string{"login", "--region", evil, "--instance", "%I"}},
		{"--instance", nil, "key", []string{"login", "--endpoint", "%U", "--iam-endpoint", "%U", "--instance", "crn:v1:bluemix:public:sysdig-monitor:" + evil + "::"}},
		{"--endpoint", nil, "key", []string{"login", "--endpoint", "https://" + evil, "--instance", "%I"}},
		{"MONITOR_TOKEN_KEYRING_TIMEOUT", map[string]string{"MONITOR_TOKEN_KEYRING_TIMEOUT": evil}, "", []string{"get"}},
		{"MONITOR_TOKEN_CACHE", map[string]string{"MONITOR_TOKEN_INSTANCE": "%I", "MONITOR_TOKEN_ENDPOINT": "%U", "MONITOR_TOKEN_CACHE": evil}, "", []string{"get"}},
		{"--format", nil, "", []string{"get", "--format", evil}},
		{"an unknown command", nil, "", []string{evil}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			w.must(w.apiKey(), w.loginArgs("default")...)
			fill := strings.NewReplacer("%U", w.url, "%I", w.facts.InstanceGUID)
			for k, v := range c.env {
				w.env[k] = fill.Replace(v)
			}
			args := make([]string, len(c.args))
			for i, a := range c.args {
				args[i] = fill.Replace(a)
			}
			r := w.run(strings.ReplaceAll(c.stdin, "%K", w.apiKey()), args...)
			if r.code == ExitOK {
				t.Fatalf("exit 0 with %q: %s", evil, r.stderr)
			}
			line := strings.TrimSuffix(r.stderr, "\n")
			if strings.IndexFunc(line, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0 {
				t.Fatalf("a control character on stderr: %q", r.stderr)
			}
		})
	}
}

// MONITOR_TOKEN_DEBUG is on or off; any other value says so instead of
// being silently taken as off.
func TestDebugVariableValues(t *testing.T) {
	for _, c := range []struct {
		value       string
		debug, warn bool
	}{
		{"1", true, false}, {"TRUE", true, false}, {"on", true, false},
		{"", false, false}, {"0", false, false}, {"off", false, false}, {"no", false, false},
		{"verbose", false, true}, {"2", false, true},
	} {
		w := newWorld(t)
		w.must(w.apiKey(), w.loginArgs("default")...)
		w.env["MONITOR_TOKEN_DEBUG"] = c.value
		r := w.must("", "get")
		if got := strings.Contains(r.stderr, "debug:"); got != c.debug {
			t.Errorf("MONITOR_TOKEN_DEBUG=%q: debug lines %v, want %v", c.value, got, c.debug)
		}
		want := `monitor-token: warning: MONITOR_TOKEN_DEBUG="` + c.value + `" is neither on (1, true, yes, on) nor off (0, false, no, off); debug output stays off` + "\n"
		if got := r.stderr == want; got != c.warn && c.warn || !c.warn && strings.Contains(r.stderr, "warning") {
			t.Errorf("MONITOR_TOKEN_DEBUG=%q: stderr %q", c.value, r.stderr)
		}
	}
}

// A profile in the environment serves git although the config file is
// broken, as it serves get; the broken file is warned about, and left as
// it was.
func TestGitHelperServesTheEnvironmentProfileDespiteABrokenConfig(t *testing.T) {
	w := newWorld(t)
	if err := os.MkdirAll(filepath.Dir(w.configPath()), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.configPath(), []byte("{broken"), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env["MONITOR_TOKEN_ENDPOINT"] = w.url
	w.env["MONITOR_TOKEN_IAM_ENDPOINT"] = w.url
	w.env["MONITOR_TOKEN_INSTANCE"] = w.facts.InstanceGUID
	w.env["IBMCLOUD_API_KEY"] = w.facts.APIKey
	r := w.gitFill()
	if r.code != ExitOK || !strings.Contains(r.stdout, "password="+w.token()+"\n") {
		t.Fatalf("exit %d, stdout %q, stderr %s", r.code, r.stdout, r.stderr)
	}
	if !strings.HasPrefix(r.stderr, "git-credential-monitor-token: warning: config file ") || !strings.Contains(r.stderr, "is not valid") {
		t.Fatalf("stderr = %q, want a warning about the broken file", r.stderr)
	}
	if data, _ := os.ReadFile(w.configPath()); string(data) != "{broken" {
		t.Fatalf("the broken file was changed: %q", data)
	}
}

// status names the part that failed: a credential that cannot be used, or
// a cache directory refused, is not reported as an unreachable keyring.
func TestStatusNamesWhatFailed(t *testing.T) {
	t.Run("a credential refused", func(t *testing.T) {
		w := newWorld(t)
		w.must(w.apiKey(), w.loginArgs("default")...)
		w.env["MONITOR_TOKEN_INSTANCE"] = w.facts.InstanceGUID
		w.env["MONITOR_TOKEN_ENDPOINT"] = w.url
		w.env["MONITOR_TOKEN_IAM_ENDPOINT"] = "https://iam.example"
		r := w.run("", "status")
		if r.code != ExitError || strings.Contains(r.stdout, "keyring unavailable") {
			t.Fatalf("exit %d, stdout:\n%s", r.code, r.stdout)
		}
		if !strings.Contains(r.stdout, "credential:    cannot be used: the API key stored for profile \"default\" is not sent to https://iam.example") {
			t.Fatalf("the credential row does not say why:\n%s", r.stdout)
		}
	})
	t.Run("a cache directory refused", func(t *testing.T) {
		w := newWorld(t)
		w.must(w.apiKey(), w.loginArgs("default", "--cache", "file")...)
		if err := os.Chmod(w.cacheDir(), 0o777); err != nil {
			t.Fatal(err)
		}
		r := w.run("", "status")
		if r.code != ExitError || strings.Contains(r.stdout, "keyring unavailable") {
			t.Fatalf("exit %d, stdout:\n%s", r.code, r.stdout)
		}
		if !strings.Contains(r.stdout, "credential:    keyring\n") || !strings.Contains(r.stdout, "token:         not cached: the cache cannot be used (the cache directory "+w.cacheDir()+" is writable by group or others (mode 0777)") {
			t.Fatalf("the rows do not say what failed:\n%s", r.stdout)
		}
	})
}

// Paths and the program's own name are shown escaped too: a cache
// directory with an escape sequence or a line break in its name, and a
// link to the binary named with one, never put it raw on the terminal.
func TestPathsAndNamesAreEscaped(t *testing.T) {
	noControl := func(t *testing.T, what, s string) {
		t.Helper()
		if strings.IndexFunc(strings.TrimSuffix(s, "\n"), func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }) >= 0 ||
			strings.Count(strings.TrimSuffix(s, "\n"), "\n") > 0 && what == "stderr" {
			t.Fatalf("%s carries a control character or an extra line: %q", what, s)
		}
	}
	w := newWorld(t)
	w.env["XDG_CACHE_HOME"] = w.home + "/\x1b[31mRED\x1b[0m\nX"
	w.must(w.apiKey(), w.loginArgs("default", "--cache", "file", "--no-verify")...)
	r := w.must("", "get")
	if !strings.Contains(r.stderr, "in plain text at ") {
		t.Fatalf("no announcement of the token file: %q", r.stderr)
	}
	noControl(t, "stderr", r.stderr)
	r = w.must("", "refresh")
	noControl(t, "stderr", r.stderr)
	r = w.must("", "status")
	if strings.ContainsAny(r.stdout, "\x1b\r") || !strings.Contains(r.stdout, `\x1b[31mRED`) {
		t.Fatalf("status shows the path raw: %q", r.stdout)
	}
	r = w.runAs("/usr/bin/kubectl-mt\x1b[31mRED", "", "get", "--bogus")
	noControl(t, "stderr", r.stderr)
	if !strings.HasPrefix(r.stderr, `kubectl mt\x1b[31mred: `) {
		t.Fatalf("stderr = %q, want the escaped name as its prefix", r.stderr)
	}
}

// A profile in the environment needs no config file, so no HOME either
// (a bare container): get works, the stored-key rule has nothing to
// compare with, and the fetch goes without the lock, saying why.
func TestEnvironmentProfileNeedsNoHome(t *testing.T) {
	w := newWorld(t)
	w.env = map[string]string{"PATH": w.env["PATH"],
		"MONITOR_TOKEN_INSTANCE": w.facts.InstanceGUID, "MONITOR_TOKEN_ENDPOINT": w.url, "MONITOR_TOKEN_IAM_ENDPOINT": w.url,
		"MONITOR_TOKEN_CACHE": "none", "IBMCLOUD_API_KEY": w.facts.APIKey}
	r := w.run("", "get")
	if r.code != ExitOK || r.stdout != w.token()+"\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "warning: fetching without the lock that keeps parallel fetches apart: no user cache directory") {
		t.Fatalf("stderr = %q, want the missing lock said", r.stderr)
	}
}
