package app

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/emulator"
)

// credentialSources set a world up so that profile "default" gets its IAM
// token from one source, caching its token as cache says. status names
// the source as want.
var credentialSources = []struct {
	name  string
	setup func(w *world, cache string)
	want  string // status's api_key_source
}{
	{"keyring key", func(w *world, cache string) {
		w.must(w.apiKey(), w.loginArgs("default", "--cache", cache, "--no-verify")...)
	}, "keyring"},
	{"IBMCLOUD_API_KEY", func(w *world, cache string) {
		// A stale key in the keyring: the variable wins, as in IBM's CLI.
		w.must("stale-key-stale-key-stale-key\n", w.loginArgs("default", "--cache", cache, "--no-verify")...)
		w.env["IBMCLOUD_API_KEY"] = w.facts.APIKey
	}, "IBMCLOUD_API_KEY"},
	{"environment profile", func(w *world, cache string) {
		w.env["MONITOR_TOKEN_INSTANCE"] = w.facts.InstanceGUID
		w.env["MONITOR_TOKEN_ENDPOINT"] = w.url
		w.env["MONITOR_TOKEN_IAM_ENDPOINT"] = w.url
		w.env["MONITOR_TOKEN_CACHE"] = cache
		w.env["IBMCLOUD_API_KEY"] = w.facts.APIKey
	}, "IBMCLOUD_API_KEY"},
	{"trusted profile", func(w *world, cache string) {
		w.must("", w.loginArgs("default", "--cache", cache, "--no-verify",
			"--trusted-profile", w.facts.TrustedProfileID, "--cr-token-file", w.crTokenFile())...)
	}, "trusted profile " + emulatorProfileID},
	{"ibmcloud session", func(w *world, cache string) {
		w.env["IBMCLOUD_PLUGIN_NAMESPACE"] = "monitor-token"
		w.ibmcloudSession()
		w.must("", w.loginArgs("default", "--cache", cache, "--no-verify")...)
	}, "ibmcloud login session"},
}

// emulatorProfileID is the demo's trusted profile (emulator.NewDemo).
var emulatorProfileID = func() string { _, f := emulator.NewDemo(); return f.TrustedProfileID }()

// statusOf runs status --format json.
func (w *world) statusOf() map[string]any {
	w.t.Helper()
	r := w.must("", "status", "--format", "json")
	var m map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &m); err != nil {
		w.t.Fatalf("status --format json: %v: %s", err, r.stdout)
	}
	return m
}

// cacheState says where the token of profile "default" is kept: in the
// keyring, in the file, both or neither.
func (w *world) cacheState() string {
	w.t.Helper()
	return fmt.Sprintf("keyring=%v file=%v", w.keyringHas("default/monitor-token"), exists(w.tokenFile("default")))
}

func wantState(cache string, cached bool) string {
	return fmt.Sprintf("keyring=%v file=%v", cached && cache == "keyring", cached && cache == "file")
}

// TestEveryCommandHonoursTheCacheAndTheCredential runs each command of a
// day's work against every credential source and cache mode, and checks
// after each step where the token is, what went over the wire, and what
// was printed.
func TestEveryCommandHonoursTheCacheAndTheCredential(t *testing.T) {
	for _, src := range credentialSources {
		for _, cache := range []string{"keyring", "none", "file"} {
			t.Run(src.name+"/"+cache, func(t *testing.T) {
				w := newWorld(t)
				src.setup(w, cache)
				token := w.token()
				cold := w.emu.Count(emulator.RouteMonitorToken)

				// get: fetched once, cached where the profile says.
				r := w.must("", "get")
				if r.stdout != token+"\n" {
					t.Fatalf("get printed %q, want the token", r.stdout)
				}
				if got := w.cacheState(); got != wantState(cache, true) {
					t.Errorf("after get: %s, want %s", got, wantState(cache, true))
				}
				// A second get is warm unless nothing is cached.
				w.must("", "get")
				fetches := w.emu.Count(emulator.RouteMonitorToken) - cold
				if want := map[bool]int{true: 2, false: 1}[cache == "none"]; fetches != want {
					t.Errorf("two gets made %d token requests, want %d", fetches, want)
				}

				// status: the source, the cache mode and whether a token is cached.
				st := w.statusOf()
				if st["api_key_source"] != src.want || st["cache"] != cache || st["token_cached"] != (cache != "none") {
					t.Errorf("status = source %v, cache %v, cached %v; want %q, %q, %v",
						st["api_key_source"], st["cache"], st["token_cached"], src.want, cache, cache != "none")
				}

				// refresh and get --verify say where the token went, and it went there.
				r = w.must("", "refresh")
				if cache == "none" {
					if !strings.Contains(r.stderr, "not cached (cache=none)") {
						t.Errorf("refresh with cache=none said %q", r.stderr)
					}
				} else if !strings.Contains(r.stderr, "replaced with the current one, in ") {
					t.Errorf("refresh said %q", r.stderr)
				}
				if r := w.must("", "get", "--verify"); r.stdout != token+"\n" {
					t.Errorf("get --verify printed %q", r.stdout)
				}
				if got := w.cacheState(); got != wantState(cache, true) {
					t.Errorf("after refresh and verify: %s, want %s", got, wantState(cache, true))
				}

				// exec: the token in the child's environment only.
				r = w.must("", "exec", "--", "sh", "-c", `printf %s "$SYSDIG_MONITOR_API_TOKEN"`)
				if r.stdout != token {
					t.Errorf("exec child saw %q, want the token", r.stdout)
				}

				// git: the same token from the same cache; erase of the
				// token drops it from that cache only. git does not run
				// the helper under ibmcloud, so the CLI's session is not
				// the helper's credential: with nothing cached it has none.
				if src.name == "ibmcloud session" && cache == "none" {
					r = w.gitFill()
					if r.code == 0 || !strings.Contains(r.stderr, "no API key for profile") || r.stdout != "" {
						t.Errorf("git get with the session and nothing cached: exit %d, %q, %q", r.code, r.stdout, r.stderr)
					}
					return
				}
				r = w.gitFill()
				if r.code != 0 || !strings.Contains(r.stdout, "password="+token+"\n") {
					t.Fatalf("git get: exit %d, %q, %s", r.code, r.stdout, r.stderr)
				}
				if got := w.cacheState(); got != wantState(cache, true) {
					t.Errorf("after git get: %s, want %s", got, wantState(cache, true))
				}
				host := strings.TrimPrefix(w.url, "http://")
				r = w.runAs("git-credential-monitor-token", "protocol=http\nhost="+host+"\npassword="+token+"\n", "erase")
				if r.code != 0 {
					t.Fatalf("git erase: exit %d: %s", r.code, r.stderr)
				}
				if got := w.cacheState(); got != wantState(cache, false) {
					t.Errorf("after git erase: %s, want %s", got, wantState(cache, false))
				}

				// teams, with the same credential.
				if r := w.must("", "teams"); !strings.Contains(r.stdout, "Monitor Operations") {
					t.Errorf("teams printed %q", r.stdout)
				}

				// logout: nothing of the profile is left anywhere.
				w.must("", "get")
				w.must("", "logout")
				if got := w.cacheState(); got != wantState(cache, false) {
					t.Errorf("after logout: %s, want nothing", got)
				}
				if w.keyringHas("default/api-key") {
					t.Error("logout left the API key")
				}
			})
		}
	}
}

// Bad input on the command line and in the environment: a one-line error
// that names where the value came from, exit 2 for flags, and nothing
// written.
func TestBadSettingsNameTheirSource(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"team letters", nil, []string{"--team", "abc"}, ExitUsage, "monitor-token: --team is not a team id"},
		{"team zero", nil, []string{"--team", "0"}, ExitUsage, "monitor-token: --team is not a team id"},
		{"cache word", nil, []string{"--cache", "disk"}, ExitUsage, "monitor-token: --cache is not valid (expected keyring, none, or file for plain text)"},
		{"auth word", nil, []string{"--auth", "basic"}, ExitUsage, "monitor-token: --auth is not valid"},
		{"cr file alone", nil, []string{"--cr-token-file", "/t"}, ExitUsage, "monitor-token: --cr-token-file goes with --trusted-profile or --vpc-instance"},
		{"cr file with vpc", nil, []string{"--vpc-instance", "--cr-token-file", "/t"}, ExitUsage, "monitor-token: --cr-token-file goes with --trusted-profile, not --vpc-instance"},
		{"control character", nil, []string{"--trusted-profile", "a\tb"}, ExitUsage, "monitor-token: --trusted-profile is not a trusted profile name or ID"},
		{"iam endpoint var", map[string]string{"IBMCLOUD_IAM_API_ENDPOINT": "http://iam.example.com"}, nil, ExitError, "monitor-token: IBMCLOUD_IAM_API_ENDPOINT plain http is only allowed"},
		{"profile var", map[string]string{"MONITOR_TOKEN_PROFILE": "bad name"}, nil, ExitError, "monitor-token: MONITOR_TOKEN_PROFILE: profile name \"bad name\" is not valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			for k, v := range tt.env {
				w.env[k] = v
			}
			args := w.loginArgs("default")
			if tt.env != nil {
				// Nothing on the command line that would win over the variable.
				args = []string{"login", "--endpoint", w.url, "--instance", w.facts.InstanceGUID}
			}
			r := w.run(w.apiKey(), append(args, tt.args...)...)
			if r.code != tt.code || !strings.HasPrefix(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 {
				t.Errorf("exit %d, stderr %q; want exit %d and one line starting %q", r.code, r.stderr, tt.code, tt.want)
			}
			if exists(w.configPath()) || w.keyringHas("default/api-key") {
				t.Error("a refused login wrote something")
			}
		})
	}
	// The same rule for an environment profile names the variable.
	w := newWorld(t)
	w.env["MONITOR_TOKEN_INSTANCE"] = w.facts.InstanceGUID
	w.env["MONITOR_TOKEN_ENDPOINT"] = w.url
	w.env["MONITOR_TOKEN_TEAM"] = "abc"
	r := w.run("", "get")
	if r.code != ExitError || !strings.HasPrefix(r.stderr, "monitor-token: profile from the environment: MONITOR_TOKEN_TEAM is not a team id") {
		t.Errorf("environment profile: exit %d, %q", r.code, r.stderr)
	}
}
