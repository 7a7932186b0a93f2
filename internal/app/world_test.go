package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
	"github.com/monitor-token/monitor-token/store"
)

// world is one in-process test's surroundings: the emulator on loopback, an
// in-memory keyring shared by every run, and an environment that is only
// what the test puts in it. Nothing is read from the test process's own
// environment, so a variable set here is proof that app reads Env.Environ.
type world struct {
	t       *testing.T
	emu     *emulator.Emulator
	facts   emulator.DemoFacts
	url     string
	home    string
	keyring *faultyKeyring
	env     map[string]string
}

func newWorld(t *testing.T) *world {
	t.Helper()
	emu, facts := emulator.NewDemo()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	w := &world{
		t: t, emu: emu, facts: facts, url: srv.URL, home: home,
		keyring: &faultyKeyring{inner: store.NewMemory(KeyringService)},
		env: map[string]string{
			"HOME": home,
			"PATH": os.Getenv("PATH"),
		},
	}
	return w
}

// result is what one run printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// run runs the program once, as `monitor-token args...` with stdin.
func (w *world) run(stdin string, args ...string) result {
	w.t.Helper()
	return w.runAs("monitor-token", stdin, args...)
}

// runAs runs the program under another name (a personality).
func (w *world) runAs(arg0, stdin string, args ...string) result {
	w.t.Helper()
	return w.runCtx(w.t.Context(), arg0, stdin, args...)
}

// runCtx runs the program under ctx: cancelling it is Ctrl-C.
func (w *world) runCtx(ctx context.Context, arg0, stdin string, args ...string) result {
	w.t.Helper()
	return w.runReading(ctx, arg0, strings.NewReader(stdin), args...)
}

// runReading runs the program with stdin read from r.
func (w *world) runReading(ctx context.Context, arg0 string, stdin io.Reader, args ...string) result {
	w.t.Helper()
	var stdout, stderr bytes.Buffer
	environ := w.environ()
	code := Run(ctx, Env{
		Args:        append([]string{arg0}, args...),
		Stdin:       stdin,
		Stdout:      &stdout,
		Stderr:      &stderr,
		Environ:     environ,
		OpenSecrets: func() broker.Secrets { return w.keyring },
		NewAPI: func(userAgent string) *monitorapi.Client {
			c := monitorapi.New(userAgent)
			c.Grants = sdkgrant.Grants{}
			c.Retry = monitorapi.RetryPolicy{Attempts: 1}
			return c
		},
		PluginJSON: []byte(`{"name":"monitor-token"}`),
	})
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// environ is the world's environment as os.Environ gives it.
func (w *world) environ() []string {
	environ := make([]string, 0, len(w.env))
	for k, v := range w.env {
		environ = append(environ, k+"="+v)
	}
	return environ
}

// must runs and fails the test unless the run exited 0.
func (w *world) must(stdin string, args ...string) result {
	w.t.Helper()
	r := w.run(stdin, args...)
	if r.code != 0 {
		w.t.Fatalf("monitor-token %s: exit %d\nstderr: %s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r
}

// loginArgs are the flags of a login to the demo instance through the
// emulator, for profile name.
func (w *world) loginArgs(name string, extra ...string) []string {
	args := []string{"login", "--profile", name, "--endpoint", w.url, "--iam-endpoint", w.url, "--instance", w.facts.InstanceGUID}
	return append(args, extra...)
}

func (w *world) apiKey() string { return w.facts.APIKey + "\n" }

// token is the demo instance's current Monitor token for its default team.
func (w *world) token() string {
	return w.emu.MonitorToken(w.facts.InstanceGUID, w.facts.DefaultTeamID)
}

// keyringHas says whether the in-memory keyring holds item.
func (w *world) keyringHas(item string) bool {
	w.t.Helper()
	_, err := w.keyring.inner.Get(context.Background(), item)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		w.t.Fatal(err)
	}
	return err == nil
}

func (w *world) configPath() string {
	return filepath.Join(w.home, ".config", "monitor-token", "config.json")
}

func (w *world) cacheDir() string { return filepath.Join(w.home, ".cache", "monitor-token") }

// tokenFile is where cache=file keeps profile's token.
func (w *world) tokenFile(profile string) string {
	return filepath.Join(w.cacheDir(), profile+".monitor-token.json")
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// profilesInConfig lists the profile names in the config file.
func (w *world) profilesInConfig() map[string]json.RawMessage {
	w.t.Helper()
	data, err := os.ReadFile(w.configPath())
	if err != nil {
		w.t.Fatal(err)
	}
	var f struct {
		Profiles map[string]json.RawMessage `json:"profiles"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		w.t.Fatal(err)
	}
	return f.Profiles
}

// ibmcloudSession writes the ibmcloud CLI's config.json with an IAM token
// the emulator issued just now, as `ibmcloud login` leaves it.
func (w *world) ibmcloudSession() {
	w.t.Helper()
	form := url.Values{"grant_type": {"urn:ibm:params:oauth:grant-type:apikey"}, "apikey": {w.facts.APIKey}}
	req, _ := http.NewRequest("POST", w.url+"/identity/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.AccessToken == "" {
		w.t.Fatalf("the emulator issued no IAM token: %v", err)
	}
	w.writeIBMCloudConfig(map[string]any{"IAMToken": "Bearer " + body.AccessToken, "IAMEndpoint": w.url, "Region": "us-south"})
}

// writeIBMCloudConfig writes doc as the ibmcloud CLI's config.json.
func (w *world) writeIBMCloudConfig(doc map[string]any) {
	w.t.Helper()
	data, _ := json.Marshal(doc)
	dir := filepath.Join(w.home, ".bluemix")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), data, 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// editCachedEntry rewrites the keyring's cached token entry of profile.
func (w *world) editCachedEntry(profile string, edit func(map[string]any)) {
	w.t.Helper()
	ctx := context.Background()
	raw, err := w.keyring.inner.Get(ctx, broker.TokenItem(profile))
	if err != nil {
		w.t.Fatal(err)
	}
	var e map[string]any
	if err := json.Unmarshal([]byte(raw), &e); err != nil {
		w.t.Fatal(err)
	}
	edit(e)
	data, _ := json.Marshal(e)
	if err := w.keyring.inner.Set(ctx, broker.TokenItem(profile), string(data)); err != nil {
		w.t.Fatal(err)
	}
}

// crTokenFile writes the compute-resource token a pod would have projected.
func (w *world) crTokenFile() string {
	path := filepath.Join(w.home, "cr-token")
	if err := os.WriteFile(path, []byte(w.facts.CRToken), 0o600); err != nil {
		w.t.Fatal(err)
	}
	return path
}

// faultyKeyring is the in-memory keyring, with writes of some items
// refused as a real keyring refuses a secret that is too large.
type faultyKeyring struct {
	inner *store.Store
	mu    sync.Mutex
	// refuse: item names whose writes fail.
	refuse map[string]bool
	// down, when set, fails every read as an unreachable keyring does;
	// reads counts the reads.
	down  error
	reads int
}

func (k *faultyKeyring) refuseWrites(item string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.refuse == nil {
		k.refuse = map[string]bool{}
	}
	k.refuse[item] = true
}

func (k *faultyKeyring) Get(ctx context.Context, item string) (string, error) {
	k.mu.Lock()
	k.reads++
	down := k.down
	k.mu.Unlock()
	if down != nil {
		return "", &store.Error{Op: "read", Item: item, Kind: down}
	}
	return k.inner.Get(ctx, item)
}

func (k *faultyKeyring) Set(ctx context.Context, item, secret string) error {
	k.mu.Lock()
	refused := k.refuse[item]
	k.mu.Unlock()
	if refused {
		return &store.Error{Op: "write", Item: item, Kind: store.ErrTooLarge}
	}
	return k.inner.Set(ctx, item, secret)
}

func (k *faultyKeyring) Delete(ctx context.Context, item string) error {
	k.mu.Lock()
	down := k.down
	k.mu.Unlock()
	if down != nil {
		return &store.Error{Op: "delete", Item: item, Kind: down}
	}
	return k.inner.Delete(ctx, item)
}

func (k *faultyKeyring) DeleteAll(ctx context.Context) error { return k.inner.DeleteAll(ctx) }
