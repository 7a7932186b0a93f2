// Package integration runs the real monitor-token binary the way users do:
// scripts of shell-like commands (testscript), each with its own real
// Secret Service (a private D-Bus bus with gnome-keyring) and its own IAM and
// Monitoring emulator over TLS.
package integration

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/testkeyring"
)

// binDir holds the built binary and its personality links; scratchDir is
// for what tests share across the run (the release: dist_test.go).
var binDir, scratchDir string

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "monitor-token-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binDir = dir
	scratch, err := os.MkdirTemp("", "monitor-token-scratch-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(scratch)
	scratchDir = scratch
	// The real binary, built as `make install` builds it, so the tests see
	// what users get (argv[0] personalities, package init, real exit codes).
	build := exec.Command("go", "build", "-tags", "urfave_cli_no_docs", "-o", filepath.Join(dir, "monitor-token"), "..")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building monitor-token:", err)
		return 1
	}
	for _, link := range []string{"kubectl-monitor_token", "kubectl_complete-monitor_token", "git-credential-monitor-token"} {
		if err := os.Symlink("monitor-token", filepath.Join(dir, link)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	return m.Run()
}

// requireKeyring skips when this machine cannot run a Secret Service, and
// says why. `make test` installs what is needed first and sets
// MONITOR_TOKEN_REQUIRE_KEYRING=1, which turns the skip into a failure.
func requireKeyring(t *testing.T) {
	t.Helper()
	if missing := testkeyring.Missing(); len(missing) > 0 {
		msg := fmt.Sprintf("no real Secret Service on this machine (missing %s; apt-get install gnome-keyring dbus libsecret-tools)", strings.Join(missing, ", "))
		if os.Getenv("MONITOR_TOKEN_REQUIRE_KEYRING") == "1" {
			t.Fatal(msg)
		}
		t.Skip("skipped: " + msg)
	}
	if runtime.GOOS != "linux" {
		t.Skip("skipped: the real-keyring scripts use gnome-keyring, Linux only")
	}
}

func TestScripts(t *testing.T) {
	requireKeyring(t)
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		Setup:               setup,
		Cmds:                commands,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition:           condition,
	})
}

// condition answers the scripts' own conditions: [root], for the steps
// that play another local user (setpriv to nobody needs root), [fish],
// for the fish completion test, [proxy-clients], for the proxy's
// real-client scripts, and [prometheus], for the Prometheus server that
// remote-writes through a watched token file.
func condition(cond string) (bool, error) {
	switch cond {
	case "root":
		return os.Geteuid() == 0, nil
	case "proxy-clients":
		// scripts/deps/prometheus.sh sets MONITOR_TOKEN_REQUIRE_PROXY=1 when
		// it installed them: a proxy script that cannot run is then a
		// failure, not a skip.
		var missing []string
		for _, tool := range proxyClients {
			if _, err := exec.LookPath(tool); err != nil {
				missing = append(missing, tool)
			}
		}
		if len(missing) > 0 && os.Getenv("MONITOR_TOKEN_REQUIRE_PROXY") == "1" {
			return false, fmt.Errorf("MONITOR_TOKEN_REQUIRE_PROXY=1 but %s not on PATH", strings.Join(missing, ", "))
		}
		return len(missing) == 0, nil
	case "prometheus":
		// The same package as promtool (scripts/deps/prometheus.sh), so the
		// same switch makes its absence a failure.
		_, err := exec.LookPath("prometheus")
		if err != nil && os.Getenv("MONITOR_TOKEN_REQUIRE_PROXY") == "1" {
			return false, fmt.Errorf("MONITOR_TOKEN_REQUIRE_PROXY=1 but no prometheus on PATH: %v", err)
		}
		return err == nil, nil
	case "fish":
		// scripts/deps/fish.sh sets MONITOR_TOKEN_REQUIRE_FISH=1 when it
		// installed fish: a fish test that cannot run is then a failure.
		_, err := exec.LookPath("fish")
		if err != nil && os.Getenv("MONITOR_TOKEN_REQUIRE_FISH") == "1" {
			return false, fmt.Errorf("MONITOR_TOKEN_REQUIRE_FISH=1 but no fish on PATH: %v", err)
		}
		return err == nil, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// proxyClients are the programs the proxy scripts drive the proxy with:
// curl, promtool (Debian's prometheus package), setpriv (util-linux),
// which runs a client as another user, and ip (iproute2), which makes the
// network namespace of a remote caller.
var proxyClients = []string{"curl", "promtool", "setpriv", "ip"}

// world is what a script's custom commands reach: its emulator and keyring.
type world struct {
	emu     *emulator.Emulator
	facts   emulator.DemoFacts
	session *testkeyring.Session
	home    string
	url     string       // the emulator's base URL
	client  *http.Client // trusts the emulator's certificate
	// sessionTokens are the IAMToken and IAMRefreshToken ibmcloud-session
	// refreshable wrote last.
	sessionTokens [2]string
	// cliDoc is the config the ibmcloud-cli command loaded at its start;
	// cliLogin the tokens of its login-other.
	cliDoc   map[string]json.RawMessage
	cliLogin [2]string
}

type worldKey struct{}

func worldOf(ts *testscript.TestScript) *world { return ts.Value(worldKey{}).(*world) }

// TestProviderScripts runs the scripts of testdata/providers once per
// Secret Service provider: gnome-keyring, KeePassXC and KWallet, each on
// its own private bus (docs/keyring.md, "KeePassXC" and "KWallet"). A
// provider this machine lacks is skipped with the reason, or fails when
// scripts/deps/ installed it (MONITOR_TOKEN_REQUIRE_KEEPASSXC,
// MONITOR_TOKEN_REQUIRE_KWALLET). The scripts know their provider as
// $PROVIDER and the condition [provider:NAME].
func TestProviderScripts(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("skipped: the Secret Service providers are Linux only")
	}
	for _, p := range testkeyring.Providers {
		t.Run(string(p), func(t *testing.T) {
			if why := testkeyring.SkipReason(p); why != "" {
				if p.Required() {
					t.Fatalf("%s=1 but %s", p.RequireEnv(), why)
				}
				t.Skip("skipped: " + why)
			}
			testscript.Run(t, testscript.Params{
				Dir:                 "testdata/providers",
				Setup:               setupWith(p),
				Cmds:                commands,
				RequireExplicitExec: true,
				RequireUniqueNames:  true,
				Condition: func(cond string) (bool, error) {
					if name, ok := strings.CutPrefix(cond, "provider:"); ok {
						return name == string(p), nil
					}
					return condition(cond)
				},
			})
		})
	}
}

// setup gives every script a fresh HOME, keyring, emulator and PATH.
func setup(env *testscript.Env) error { return setupWith(testkeyring.GnomeKeyring)(env) }

// setupWith is setup with provider p as the script's Secret Service.
func setupWith(p testkeyring.Provider) func(*testscript.Env) error {
	return func(env *testscript.Env) error {
		env.Setenv("PROVIDER", string(p))
		return setupProvider(env, p)
	}
}

func setupProvider(env *testscript.Env, p testkeyring.Provider) error {
	home := filepath.Join(env.WorkDir, "home")
	session, err := testkeyring.StartProvider(home, p, testkeyring.Unlocked)
	if err != nil {
		return err
	}
	env.Defer(session.Stop)

	emu, facts := emulator.NewDemo()
	// One loopback HTTPS server: the emulator, and under /git/ a real git
	// smart-HTTP server (git http-backend) that demands the Monitor token,
	// so `git ls-remote` through the credential helper is tested for real
	// on the host the profile is configured for.
	gitRoot := filepath.Join(env.WorkDir, "gitroot")
	mux := http.NewServeMux()
	mux.Handle("/", emu)
	mux.Handle("/git/", gitServer(gitRoot, func(password string) bool {
		return password != "" && (password == emu.MonitorToken(facts.InstanceGUID, facts.DefaultTeamID) ||
			password == emu.MonitorToken(facts.InstanceGUID, facts.OtherTeamID))
	}))
	srv := httptest.NewUnstartedServer(mux)
	srv.StartTLS()
	env.Defer(srv.Close)
	certFile := filepath.Join(env.WorkDir, "emulator.pem")
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
		return err
	}
	// apikey is what a user pipes in (with a newline, as echo writes it);
	// apikey.raw is the bare key, to compare with what the keyring returns.
	keyFile := filepath.Join(env.WorkDir, "apikey")
	if err := os.WriteFile(keyFile, []byte(facts.APIKey+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(keyFile+".raw", []byte(facts.APIKey), 0o600); err != nil {
		return err
	}
	// The compute-resource token a pod would have projected, byte for byte
	// (go-sdk-core sends the file as it is).
	crFile := filepath.Join(env.WorkDir, "crtoken")
	if err := os.WriteFile(crFile, []byte(facts.CRToken), 0o600); err != nil {
		return err
	}
	runDir := filepath.Join(env.WorkDir, "run")
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return err
	}

	env.Values[worldKey{}] = &world{emu: emu, facts: facts, session: session, home: home, url: srv.URL, client: srv.Client()}
	set := func(k, v string) { env.Setenv(k, v) }
	set("PATH", binDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	set("HOME", home)
	set("DBUS_SESSION_BUS_ADDRESS", session.Address)
	// An empty runtime dir: godbus must not find a bus socket there.
	set("XDG_RUNTIME_DIR", runDir)
	set("SSL_CERT_FILE", certFile)
	set("EMU", srv.URL)
	set("EMU_HOST", strings.TrimPrefix(srv.URL, "https://"))
	// git: trust the emulator, never prompt, no system or user config
	// beyond the script's HOME.
	set("GIT_SSL_CAINFO", certFile)
	set("GIT_TERMINAL_PROMPT", "0")
	set("GIT_CONFIG_NOSYSTEM", "1")
	set("GIT_AUTHOR_NAME", "t")
	set("GIT_AUTHOR_EMAIL", "t@example.com")
	set("GIT_COMMITTER_NAME", "t")
	set("GIT_COMMITTER_EMAIL", "t@example.com")
	set("INSTANCE", facts.InstanceGUID)
	set("IAM_ONLY_INSTANCE", facts.IAMOnlyInstanceGUID)
	set("TEAM", fmt.Sprint(facts.DefaultTeamID))
	set("OTHER_TEAM", fmt.Sprint(facts.OtherTeamID))
	set("CRN", facts.CRN)
	set("APIKEY_FILE", keyFile)
	set("CR_TOKEN_FILE", crFile)
	set("TRUSTED_PROFILE_ID", facts.TrustedProfileID)
	set("TRUSTED_PROFILE_NAME", facts.TrustedProfileName)
	set("CONFIG", filepath.Join(home, ".config", "monitor-token", "config.json"))
	return nil
}

// gitServer serves the bare repositories under root with git http-backend
// (through CGI), but only to requests whose Basic password or Bearer token
// passes ok; others get the 401 that makes git ask its credential helpers.
func gitServer(root string, ok func(secret string) bool) http.Handler {
	backend := &cgi.Handler{
		Path: gitHTTPBackend(),
		Root: "/git",
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		secret := ""
		if _, password, basic := r.BasicAuth(); basic {
			secret = password
		} else if b, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); found {
			secret = b
		}
		if !ok(secret) {
			w.Header().Set("WWW-Authenticate", `Basic realm="monitor-token test"`)
			http.Error(w, "authentication required", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	})
}

// gitHTTPBackend is where git keeps http-backend (`git --exec-path`).
func gitHTTPBackend() string {
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		return "git-http-backend"
	}
	return filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
}
