package broker

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/store"
)

// recordingSecrets wraps the in-memory store, counts calls, and fails the
// call named in failOn ("Set#2" = the second Set).
type recordingSecrets struct {
	inner  *store.Store
	calls  []string
	failOn string
}

var errInjected = errors.New("injected keyring failure")

func (r *recordingSecrets) note(op string) error {
	n := 0
	for _, c := range r.calls {
		if strings.HasPrefix(c, op+" ") {
			n++
		}
	}
	r.calls = append(r.calls, op+" ")
	if r.failOn == op+"#"+string(rune('0'+n+1)) {
		return errInjected
	}
	return nil
}

func (r *recordingSecrets) Get(ctx context.Context, item string) (string, error) {
	if err := r.note("Get"); err != nil {
		return "", err
	}
	return r.inner.Get(ctx, item)
}

func (r *recordingSecrets) Set(ctx context.Context, item, secret string) error {
	if err := r.note("Set"); err != nil {
		return err
	}
	return r.inner.Set(ctx, item, secret)
}

func (r *recordingSecrets) Delete(ctx context.Context, item string) error {
	if err := r.note("Delete"); err != nil {
		return err
	}
	return r.inner.Delete(ctx, item)
}

func (r *recordingSecrets) DeleteAll(ctx context.Context) error {
	if err := r.note("DeleteAll"); err != nil {
		return err
	}
	return r.inner.DeleteAll(ctx)
}

// fakeAPI hands out tokens derived from its inputs, so a test can tell which
// key, instance and team a token was fetched with.
type fakeAPI struct {
	exchanges, fetches, teams, users int
	err                              error
	now                              time.Time
	// refused are the bearers the service refuses (a reset token, an
	// IAM token ended early); checkErr fails every check of a bearer.
	refused  map[string]bool
	checkErr error
}

func (f *fakeAPI) refuses(bearer string) error {
	switch {
	case f.checkErr != nil:
		return f.checkErr
	case f.refused[bearer]:
		return fmt.Errorf("HTTP 401: %w", monitorapi.ErrRefused)
	}
	return nil
}

func (f *fakeAPI) ExchangeAPIKey(ctx context.Context, iamURL, apiKey string) (monitorapi.IAMToken, error) {
	f.exchanges++
	if f.err != nil {
		return monitorapi.IAMToken{}, f.err
	}
	return monitorapi.IAMToken{AccessToken: "iam(" + apiKey + ")", ExpiresIn: 3600, ReceivedAt: f.now}, nil
}

func (f *fakeAPI) Teams(ctx context.Context, endpoint string, c monitorapi.Credentials) ([]monitorapi.Team, error) {
	f.teams++
	return []monitorapi.Team{{ID: 1, Name: "Ops", Default: true}, {ID: 22, Name: "Dev team"}}, nil
}

func (f *fakeAPI) CurrentUser(ctx context.Context, endpoint string, c monitorapi.Credentials) (monitorapi.User, error) {
	f.users++
	if err := f.refuses(c.Bearer); err != nil {
		return monitorapi.User{}, err
	}
	return monitorapi.User{ID: 1, CurrentTeam: 1}, nil
}

func (f *fakeAPI) ExchangeCRToken(ctx context.Context, iamURL, file string, p monitorapi.TrustedProfile) (monitorapi.IAMToken, error) {
	f.exchanges++
	return monitorapi.IAMToken{AccessToken: "iam(cr:" + string(p) + ")", ExpiresIn: 3600, ReceivedAt: f.now}, nil
}

func (f *fakeAPI) ExchangeVPCIdentity(ctx context.Context, url string, p monitorapi.TrustedProfile) (monitorapi.IAMToken, error) {
	f.exchanges++
	return monitorapi.IAMToken{AccessToken: "iam(vpc:" + string(p) + ")", ExpiresIn: 3600, ReceivedAt: f.now}, nil
}

func (f *fakeAPI) MonitorToken(ctx context.Context, endpoint string, c monitorapi.Credentials) (string, error) {
	f.fetches++
	if err := f.refuses(c.Bearer); err != nil {
		return "", err
	}
	return "mon(" + c.Bearer + "," + c.InstanceID + "," + c.TeamID + ")", nil
}

// prof is a resolved profile with the given settings.
func prof(name string, s config.Settings) profile.Profile {
	return profile.Profile{Name: name, Settings: s, From: profile.FromFile}
}

var target = prof("p", config.Settings{Endpoint: "https://e", IAMEndpoint: "https://iam", InstanceID: "guid", TeamID: "7"})

// withEnvKey is p with IBMCLOUD_API_KEY set to v.
func withEnvKey(p profile.Profile, v string) profile.Profile {
	p.EnvAPIKey = v
	return p
}

func newBroker(t *testing.T) (*Broker, *recordingSecrets, *fakeAPI, *[]error) {
	sec := &recordingSecrets{inner: store.NewMemory("test")}
	api := &fakeAPI{}
	var warnings []error
	b := &Broker{Keyring: sec, API: api, CacheDir: t.TempDir(), Warn: func(err error) { warnings = append(warnings, err) }}
	return b, sec, api, &warnings
}

// cachedValue is the token cached for p, if any.
func cachedValue(b *Broker, p profile.Profile) (string, bool) {
	c, err := b.cacheOf(p)
	if err != nil {
		return "", false
	}
	tok, ok, _, _ := b.cached(context.Background(), p, c)
	return tok, ok
}

func TestColdThenWarm(t *testing.T) {
	ctx := context.Background()
	b, sec, api, _ := newBroker(t)
	sec.inner.Set(ctx, APIKeyItem("p"), " key-1\n")

	tok, err := b.Token(ctx, target)
	if err != nil || tok.Value != "mon(iam(key-1),guid,7)" || tok.FromCache {
		t.Fatalf("cold Token = %+v, %v", tok, err)
	}
	if api.exchanges != 1 || api.fetches != 1 {
		t.Fatalf("cold: %d exchanges, %d fetches; want 1, 1", api.exchanges, api.fetches)
	}

	sec.calls = nil
	tok, err = b.Token(ctx, target)
	if err != nil || tok.Value != "mon(iam(key-1),guid,7)" || !tok.FromCache {
		t.Fatalf("warm Token = %+v, %v", tok, err)
	}
	if api.exchanges != 1 || len(sec.calls) != 1 {
		t.Fatalf("warm: %d exchanges and keyring calls %v; want no request and one keyring read", api.exchanges, sec.calls)
	}
}

func TestCachedTokenIsBoundToItsTarget(t *testing.T) {
	ctx := context.Background()
	b, sec, api, _ := newBroker(t)
	sec.inner.Set(ctx, APIKeyItem("p"), "key-1")
	if _, err := b.Token(ctx, target); err != nil {
		t.Fatal(err)
	}
	for _, changed := range []profile.Profile{
		prof("p", config.Settings{Endpoint: "https://other", IAMEndpoint: "https://iam", InstanceID: "guid", TeamID: "7"}),
		prof("p", config.Settings{Endpoint: "https://e", IAMEndpoint: "https://iam", InstanceID: "guid2", TeamID: "7"}),
		prof("p", config.Settings{Endpoint: "https://e", IAMEndpoint: "https://iam", InstanceID: "guid", TeamID: ""}),
	} {
		before := api.fetches
		tok, err := b.Token(ctx, changed)
		if err != nil || tok.FromCache || api.fetches != before+1 {
			t.Errorf("Token(%+v) = %+v, %v: served the token of other settings", changed, tok, err)
		}
	}
}

func TestCacheWriteFailureStillAnswers(t *testing.T) {
	ctx := context.Background()
	b, sec, _, warnings := newBroker(t)
	sec.inner.Set(ctx, APIKeyItem("p"), "key-1")
	sec.failOn = "Set#1"
	tok, err := b.Token(ctx, target)
	if err != nil || tok.Value == "" {
		t.Fatalf("Token = %+v, %v; a failed cache write must not fail the command", tok, err)
	}
	if len(*warnings) != 1 || !errors.Is((*warnings)[0], errInjected) {
		t.Fatalf("warnings = %v", *warnings)
	}
}

func TestAPIKeySources(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "key")
	os.WriteFile(keyFile, []byte("  file-key\n"), 0o600)
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	tests := []struct {
		name, env, key, source, err string
	}{
		{"keyring", "", "ring-key", SourceKeyring, ""},
		{"env wins", " env-key ", "env-key", SourceEnv, ""},
		{"env file", "@" + keyFile, "file-key", SourceEnvFile, ""},
		{"env file missing", "@" + filepath.Join(dir, "nope"), "", "", "IBMCLOUD_API_KEY=@" + filepath.Join(dir, "nope") + ": cannot read the key file: no such file or directory"},
		{"env file empty", "@" + empty, "", "", "IBMCLOUD_API_KEY=@" + empty + ": the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, sec, api, _ := newBroker(t)
			sec.inner.Set(ctx, APIKeyItem("p"), "ring-key\n")
			iam, source, err := b.IAMToken(ctx, withEnvKey(target, tt.env))
			if tt.err != "" {
				if err == nil || err.Error() != tt.err || api.exchanges != 0 {
					t.Fatalf("err = %v after %d exchanges, want %q and none", err, api.exchanges, tt.err)
				}
				return
			}
			if err != nil || iam.AccessToken != "iam("+tt.key+")" || source != tt.source {
				t.Fatalf("IAMToken = %q, %q, %v; want the key %q from %q", iam.AccessToken, source, err, tt.key, tt.source)
			}
		})
	}
	b, _, _, _ := newBroker(t)
	if _, _, err := b.IAMToken(ctx, target); !errors.Is(err, ErrNoAPIKey) {
		t.Fatalf("no key anywhere: err = %v, want ErrNoAPIKey", err)
	}
}

// TestLoginIsAllOrNothing fails each step of a login over an existing one
// and checks that the keyring is back as it was and the config was not
// committed.
func TestLoginIsAllOrNothing(t *testing.T) {
	ctx := context.Background()
	newTarget := prof("p", config.Settings{Endpoint: "https://new", IAMEndpoint: "https://iam", InstanceID: "guid9", TeamID: "9"})
	tests := []struct {
		name      string
		failOn    string
		apiErr    error
		commitErr error
		verify    bool
	}{
		{"verify fails", "", errors.New("BXNIM0415E"), nil, true},
		{"snapshot read fails", "Get#1", nil, nil, true},
		{"key write fails", "Set#1", nil, nil, true},
		{"token write fails", "Set#2", nil, nil, true},
		{"config write fails", "", nil, errors.New("disk full"), true},
		{"no-verify token delete fails", "Delete#1", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, sec, api, _ := newBroker(t)
			sec.inner.Set(ctx, APIKeyItem("p"), "old-key")
			sec.inner.Set(ctx, TokenItem("p"), encodeEntry(target, "old-token", time.Time{}))
			sec.failOn = tt.failOn
			api.err = tt.apiErr
			committed := false
			_, err := b.Login(ctx, newTarget, "new-key", LoginOptions{Verify: tt.verify}, func(profile.Profile) error {
				committed = true
				return tt.commitErr
			})
			if err == nil {
				t.Fatal("Login succeeded, want the injected failure")
			}
			if committed && tt.commitErr == nil {
				t.Error("the config was committed although the keyring writes failed")
			}
			if key, _ := sec.inner.Get(ctx, APIKeyItem("p")); key != "old-key" {
				t.Errorf("API key after failed login = %q, want the old one", key)
			}
			sec.failOn = ""
			if tok, ok := cachedValue(b, target); !ok || tok != "old-token" {
				t.Errorf("cached token after failed login = %q, %v; want the old one", tok, ok)
			}
		})
	}
}

func TestLoginFromNothingLeavesNothingOnFailure(t *testing.T) {
	ctx := context.Background()
	b, sec, _, _ := newBroker(t)
	_, err := b.Login(ctx, target, "new-key", LoginOptions{Verify: true}, func(profile.Profile) error { return errors.New("disk full") })
	if err == nil {
		t.Fatal("want failure")
	}
	for _, item := range []string{APIKeyItem("p"), TokenItem("p")} {
		if _, err := sec.inner.Get(ctx, item); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s left behind after a failed first login (err %v)", item, err)
		}
	}
}

func TestLogoutToleratesMissingItems(t *testing.T) {
	ctx := context.Background()
	b, sec, _, _ := newBroker(t)
	sec.inner.Set(ctx, APIKeyItem("p"), "k")
	if err := b.Logout(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if err := b.Logout(ctx, "p"); err != nil {
		t.Fatalf("second logout: %v", err)
	}
	if _, err := sec.inner.Get(ctx, APIKeyItem("p")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("key still there: %v", err)
	}
}

func TestLoginResolvesTeamName(t *testing.T) {
	ctx := context.Background()
	b, sec, api, _ := newBroker(t)
	var committed profile.Profile
	_, err := b.Login(ctx, prof("p", config.Settings{Endpoint: "https://e", InstanceID: "g"}), "k",
		LoginOptions{Verify: true, TeamName: "Dev team"}, func(p profile.Profile) error { committed = p; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if committed.TeamID != "22" || api.exchanges != 1 || api.teams != 1 || api.fetches != 1 {
		t.Fatalf("committed team %q after %d exchanges, %d team lists, %d fetches; want 22, 1, 1, 1",
			committed.TeamID, api.exchanges, api.teams, api.fetches)
	}
	if tok, ok := cachedValue(b, committed); !ok || tok != "mon(iam(k),g,22)" {
		t.Fatalf("cached %q, %v: want the token of team 22", tok, ok)
	}

	_, err = b.Login(ctx, prof("q", config.Settings{Endpoint: "https://e", InstanceID: "g"}), "k",
		LoginOptions{Verify: true, TeamName: "dev team"}, func(profile.Profile) error { t.Fatal("committed"); return nil })
	want := `--team-name: the instance has no team named "dev team"; its teams are "Ops", "Dev team"`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	if _, err := sec.inner.Get(ctx, APIKeyItem("q")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a failed team lookup stored the key (err %v)", err)
	}
}

func TestSessionIsTheLastSource(t *testing.T) {
	ctx := context.Background()
	b, sec, api, _ := newBroker(t)
	sessions := 0
	b.Session = func(context.Context) (SessionToken, error) {
		return func(context.Context) (monitorapi.IAMToken, error) {
			sessions++
			return monitorapi.IAMToken{AccessToken: "session-iam", ExpiresIn: 600}, nil
		}, nil
	}

	tok, err := b.Token(ctx, target)
	if err != nil || tok.Value != "mon(session-iam,guid,7)" || api.exchanges != 0 || sessions != 1 {
		t.Fatalf("no key: Token = %+v, %v after %d exchanges; want the session's IAM token used", tok, err, api.exchanges)
	}
	if src, _ := b.CredentialSource(ctx, target); src != SourceSession {
		t.Fatalf("source = %q", src)
	}
	sec.inner.Set(ctx, APIKeyItem("p"), "key-1")
	if src, _ := b.CredentialSource(ctx, target); src != SourceKeyring {
		t.Fatalf("with a key, source = %q; the key must win over the session", src)
	}

	b.Session = func(context.Context) (SessionToken, error) { return nil, errors.New("not logged in") }
	sec.inner.Delete(ctx, APIKeyItem("p"))
	_, err = b.Refresh(ctx, target)
	if !errors.Is(err, ErrNoAPIKey) || !strings.Contains(err.Error(), "not logged in") {
		t.Fatalf("no key, no session: err = %v", err)
	}
}

// TestIAMModeCachesUntilExpiry: in IAM mode the IAM token is what is
// handed out, cached until its expires_in (less a margin) runs out by the
// local clock, then fetched again.
func TestIAMModeCachesUntilExpiry(t *testing.T) {
	ctx := context.Background()
	b, sec, api, _ := newBroker(t)
	clock := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	api.now = clock
	b.Now = func() time.Time { return clock }
	sec.inner.Set(ctx, APIKeyItem("p"), "key-1")
	iamTarget := target
	iamTarget.Auth = "iam"

	tok, err := b.Token(ctx, iamTarget)
	if err != nil || tok.Value != "iam(key-1)" || !tok.IAM || api.fetches != 0 {
		t.Fatalf("Token = %+v, %v after %d /api/token fetches; want the IAM token and no fetch", tok, err, api.fetches)
	}
	if want := clock.Add(3600*time.Second - 360*time.Second); !tok.ExpiresAt.Equal(want) {
		t.Fatalf("ExpiresAt = %v, want %v (expires_in less a tenth)", tok.ExpiresAt, want)
	}
	clock = clock.Add(50 * time.Minute)
	if tok, _ := b.Token(ctx, iamTarget); !tok.FromCache || api.exchanges != 1 {
		t.Fatalf("at 50 min: %+v after %d exchanges; want the cached token", tok, api.exchanges)
	}
	clock = clock.Add(5 * time.Minute)
	if tok, _ := b.Token(ctx, iamTarget); tok.FromCache || api.exchanges != 2 {
		t.Fatalf("at 55 min: %+v after %d exchanges; want a new IAM token", tok, api.exchanges)
	}
	// A Monitor-token entry is never served in IAM mode, nor the reverse.
	if _, ok := cachedValue(b, target); ok {
		t.Fatal("an IAM token was served as a Monitor token")
	}
}

func TestCredentialKinds(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		credential, profile, env, want, source string
	}{
		{"trusted-profile", "monitor-reader", "", "mon(iam(cr:monitor-reader),guid,7)", "trusted profile monitor-reader"},
		{"vpc-instance", "", "", "mon(iam(vpc:),guid,7)", SourceVPC},
		{"trusted-profile", "monitor-reader", "env-key", "mon(iam(env-key),guid,7)", SourceEnv},
	}
	for _, tt := range tests {
		b, _, _, _ := newBroker(t)
		tg := withEnvKey(target, tt.env)
		tg.Credential, tg.TrustedProfile = tt.credential, tt.profile
		tok, err := b.Token(ctx, tg)
		if err != nil || tok.Value != tt.want {
			t.Errorf("%s: Token = %+v, %v; want %q", tt.credential, tok, err, tt.want)
		}
		if src, _ := b.CredentialSource(ctx, tg); src != tt.source {
			t.Errorf("%s: source %q, want %q", tt.credential, src, tt.source)
		}
	}
}

// TestUnreachableCacheDoesNotStopOtherCredentials: no keyring (a CI
// runner), a trusted profile: the token is fetched and handed out, with a
// warning that it was not cached.
func TestUnreachableCacheDoesNotStopOtherCredentials(t *testing.T) {
	ctx := context.Background()
	b, sec, _, warnings := newBroker(t)
	sec.failOn = "Get#1"
	tg := target
	tg.Credential, tg.TrustedProfile = "trusted-profile", "monitor-reader"
	tok, err := b.Token(ctx, tg)
	if err != nil || tok.Value == "" {
		t.Fatalf("Token = %+v, %v", tok, err)
	}
	if len(*warnings) != 1 || !strings.Contains((*warnings)[0].Error(), "not cached") {
		t.Fatalf("warnings = %v", *warnings)
	}
	// With the keyring's API key as the credential, the keyring error is
	// the answer, at once.
	sec.calls = nil // counts restart: the next read is Get#1 again
	_, err = b.Token(ctx, target)
	if !errors.Is(err, errInjected) || len(sec.calls) != 1 {
		t.Fatalf("err = %v after keyring calls %v; want the keyring error after one call", err, sec.calls)
	}
}

// TestLogoutWithoutAKeyring: a keyring that cannot be reached is reported
// once, and the token file and lock file still go.
func TestLogoutWithoutAKeyring(t *testing.T) {
	ctx := context.Background()
	b, sec, _, _ := newBroker(t)
	fileProfile := target
	fileProfile.Cache = config.CacheFile
	sec.inner.Set(ctx, APIKeyItem("p"), "key-1")
	if tok, err := b.Token(ctx, fileProfile); err != nil || tok.CachedIn == "" {
		t.Fatalf("Token = %+v, %v", tok, err)
	}
	sec.failOn = "Delete#1"
	err := b.Logout(ctx, "p")
	if !errors.Is(err, errInjected) || strings.Count(err.Error(), errInjected.Error()) != 1 ||
		!strings.HasPrefix(err.Error(), "the token file was removed, but the keyring items were not: ") {
		t.Fatalf("Logout = %v, want the keyring error once, after what was removed", err)
	}
	deletes := 0
	for _, c := range sec.calls {
		if c == "Delete " {
			deletes++
		}
	}
	if deletes != 1 {
		t.Fatalf("keyring calls %v: asked again after it failed", sec.calls)
	}
	fc, _ := b.fileCache("p")
	if _, err := os.Stat(fc.Path(TokenItem("p"))); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the token file is still there: %v", err)
	}
}

// TestInterruptedLoginPutsTheKeyringBack: Ctrl-C while the config is being
// written (waiting for its lock) cancels the context; putting the keyring
// back must not need that context, or the new key stays with the old
// settings.
func TestInterruptedLoginPutsTheKeyringBack(t *testing.T) {
	b, sec, _, _ := newBroker(t)
	sec.inner.Set(context.Background(), APIKeyItem("p"), "old-key")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := b.Login(ctx, target, "new-key", LoginOptions{}, func(profile.Profile) error {
		cancel()
		return ctx.Err()
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Login = %v, want the cancellation", err)
	}
	if key, _ := sec.inner.Get(context.Background(), APIKeyItem("p")); key != "old-key" {
		t.Errorf("API key after an interrupted login = %q, want the old one", key)
	}
}

// TestLoginSaysWhenTheKeyringWasNotPutBack: a restore that fails is part
// of the error, so no one is told that nothing changed.
func TestLoginSaysWhenTheKeyringWasNotPutBack(t *testing.T) {
	b, sec, _, _ := newBroker(t)
	sec.inner.Set(context.Background(), APIKeyItem("p"), "old-key")
	sec.failOn = "Set#2" // Set#1 writes the new key; Set#2 would put the old one back
	_, err := b.Login(context.Background(), target, "new-key", LoginOptions{}, func(profile.Profile) error {
		return errors.New("disk full")
	})
	if !errors.Is(err, ErrNotRestored) || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Login = %v, want disk full and ErrNotRestored", err)
	}
}

// TestLogoutAllRemovesOnlyItsOwnFiles: the cache directory may hold other
// things; logout --all removes the token files and team lists of profiles,
// and the temporary files of a write of one that was killed, only. Lock
// files stay: they hold nothing, and removing one that another process has
// open breaks the lock (Unix) or fails (Windows).
func TestLogoutAllRemovesOnlyItsOwnFiles(t *testing.T) {
	b, _, _, _ := newBroker(t)
	dir := b.CacheDir
	own := []string{"p.monitor-token.json", "p.teams.json", ".p.monitor-token.json.tmp-123456", ".q.teams.json.tmp-9"}
	other := []string{"README", "keep.json", "x.monitor-token.json.bak", "bad name.monitor-token.json",
		".notes.txt.tmp-1", ".p.monitor-token.json.tmp-", "p.lock", "work.lock"}
	for _, name := range append(own, other...) {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600)
	}
	os.Mkdir(filepath.Join(dir, "sub.monitor-token.json"), 0o700)
	os.Symlink(filepath.Join(dir, "README"), filepath.Join(dir, "link.monitor-token.json"))
	if err := b.LogoutAll(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range own {
		if _, err := os.Lstat(filepath.Join(dir, name)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is still there", name)
		}
	}
	for _, name := range append(other, "sub.monitor-token.json", "link.monitor-token.json") {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
}
