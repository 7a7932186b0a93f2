package store

// Tests against a real Secret Service (gnome-keyring on a headless Linux
// box, set up as docs/keyring.md, "Test keyring" says). They run only with
// MONITOR_TOKEN_REAL_KEYRING=1, inside a D-Bus session whose keyring is
// unlocked:
//
//	export GOCACHE=$(go env GOCACHE) GOMODCACHE=$(go env GOMODCACHE) GOPATH=$(go env GOPATH)
//	HOME=$(mktemp -d) dbus-run-session -- sh -c '
//	  eval "export $(printf %s pw | gnome-keyring-daemon --unlock --components=secrets)"
//	  gnome-keyring-daemon --start --components=secrets >/dev/null
//	  MONITOR_TOKEN_REAL_KEYRING=1 go test -race -count=1 -v ./store/'
//
// The export of GNOME_KEYRING_CONTROL matters: without it `--start` does not
// find the daemon that `--unlock` started and starts a second one, over the
// same keyring file but locked; whichever claims org.freedesktop.secrets
// first serves the session, so about one run in six got a locked keyring
// (measured on this box under load).
//
// With the variable set they never skip: a missing tool or a wrong setup is
// a failure, so that a CI run cannot pass without having tested anything.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/testkeyring"
)

const (
	realKeyringEnv = "MONITOR_TOKEN_REAL_KEYRING"
	// childEnv makes TestChildProcess do its work: it is this test binary,
	// re-executed by a parent test in a prepared environment (no bus, a bus
	// without a provider, a locked keyring).
	childEnv        = "MONITOR_TOKEN_STORE_CHILD_SERVICE"
	childTimeoutEnv = "MONITOR_TOKEN_STORE_CHILD_TIMEOUT"
)

func requireRealKeyring(t *testing.T) {
	t.Helper()
	if os.Getenv(realKeyringEnv) != "1" {
		t.Skipf("needs a real Secret Service: set %s=1 inside an unlocked gnome-keyring session (see the comment at the top of this file and the Test keyring section of docs/keyring.md)", realKeyringEnv)
	}
	for _, tool := range []string{"secret-tool", "dbus-run-session"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s=1 but %s is missing (apt-get install -y gnome-keyring dbus libsecret-tools): %v", realKeyringEnv, tool, err)
		}
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		t.Fatalf("%s=1 but DBUS_SESSION_BUS_ADDRESS is empty: run the tests under dbus-run-session", realKeyringEnv)
	}
	// Fail fast, and say why, when the session's keyring is not usable,
	// rather than with a confusing failure (or a long wait) in each test.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	probe := New(uniqueService(t) + "-probe")
	err := probe.Set(ctx, "probe", "probe")
	if err == nil {
		err = probe.DeleteAll(ctx)
	}
	if err != nil {
		t.Fatalf("%s=1 but the session's keyring is not usable (for a locked one, see the setup at the top of this file): %v", realKeyringEnv, err)
	}
}

// uniqueService keeps runs (and parallel runs) from seeing each other's items.
func uniqueService(t *testing.T) string {
	return fmt.Sprintf("monitor-token-test-%s-%d-%d", t.Name(), os.Getpid(), time.Now().UnixNano())
}

// lookup asks libsecret's secret-tool, a separate C client, for the item:
// proof that it is really in the keyring with the attributes go-keyring
// gives it (docs/keyring.md, "Linux: Secret Service"), not just in
// go-keyring's view of it.
func lookup(t *testing.T, service, user string) (string, bool) {
	t.Helper()
	out, err := exec.Command("secret-tool", "lookup", "service", service, "username", user).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && len(out) == 0 {
		return "", false // secret-tool's "no such item"
	}
	if err != nil {
		t.Fatalf("secret-tool lookup service %s username %s: %v", service, user, err)
	}
	return strings.TrimSuffix(string(out), "\n"), true
}

// countItems counts the items of service with secret-tool search: it prints
// one "[/path]" line per item on stdout.
func countItems(t *testing.T, service string) int {
	t.Helper()
	out, err := exec.Command("secret-tool", "search", "--all", "service", service).Output()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && len(out) == 0) {
		t.Fatalf("secret-tool search --all service %s: %v", service, err)
	}
	n := 0
	for line := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(line, "[/") {
			n++
		}
	}
	return n
}

func TestRealKeyringRoundTrip(t *testing.T) {
	requireRealKeyring(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	service := uniqueService(t)
	s := New(service)
	t.Cleanup(func() { _ = s.DeleteAll(context.Background()) })

	if _, err := s.Get(ctx, "apikey"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: %v (%s), want ErrNotFound", err, kindName(err))
	}

	secret := fmt.Sprintf("api-key-%d", time.Now().UnixNano())
	if err := s.Set(ctx, "apikey", secret); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if got, err := s.Get(ctx, "apikey"); err != nil || got != secret {
		t.Fatalf("Get = %q, %v; want %q", got, err, secret)
	}
	if got, ok := lookup(t, service, "apikey"); !ok || got != secret {
		t.Fatalf("secret-tool lookup = %q, %v; want %q", got, ok, secret)
	}

	// Set replaces: still one item, with the new value.
	if err := s.Set(ctx, "apikey", secret+"-2"); err != nil {
		t.Fatalf("Set again: %v", err)
	}
	if got, ok := lookup(t, service, "apikey"); !ok || got != secret+"-2" {
		t.Fatalf("secret-tool lookup after a second Set = %q, %v; want %q", got, ok, secret+"-2")
	}
	if n := countItems(t, service); n != 1 {
		t.Errorf("after two Sets of one user: %d items, want 1", n)
	}

	// The largest secret accepted everywhere goes through; one more byte
	// does not, and leaves no item behind.
	largest := strings.Repeat("m", MaxSecretSize)
	if err := s.Set(ctx, "token", largest); err != nil {
		t.Fatalf("Set of %d bytes: %v", MaxSecretSize, err)
	}
	if got, ok := lookup(t, service, "token"); !ok || got != largest {
		t.Fatalf("secret-tool lookup of the %d-byte secret: %d bytes, %v", MaxSecretSize, len(got), ok)
	}
	if err := s.Set(ctx, "big", largest+"m"); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Set of %d bytes: %v, want ErrTooLarge", MaxSecretSize+1, err)
	}
	if _, ok := lookup(t, service, "big"); ok {
		t.Errorf("a refused Set left an item in the keyring")
	}

	if err := s.Delete(ctx, "apikey"); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok := lookup(t, service, "apikey"); ok {
		t.Fatalf("secret-tool still finds the item after Delete")
	}
	if _, err := s.Get(ctx, "apikey"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v (%s), want ErrNotFound", err, kindName(err))
	}
	err := s.Delete(ctx, "apikey")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("Delete of a missing item: %v (%s), want ErrNotFound", err, kindName(err))
	}
	t.Logf("Delete of a missing item: %v", err)

	if err := s.Set(ctx, "apikey", secret); err != nil {
		t.Fatalf("Set: %v", err)
	}
	if n := countItems(t, service); n != 2 {
		t.Fatalf("before DeleteAll: %d items, want 2", n)
	}
	if err := s.DeleteAll(ctx); err != nil {
		t.Fatalf("DeleteAll: %v", err)
	}
	if n := countItems(t, service); n != 0 {
		t.Errorf("after DeleteAll: %d items, want 0", n)
	}
	for _, user := range []string{"apikey", "token"} {
		if _, err := s.Get(ctx, user); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get %s after DeleteAll: %v (%s), want ErrNotFound", user, err, kindName(err))
		}
	}
	if err := s.DeleteAll(ctx); err != nil {
		t.Errorf("DeleteAll of nothing: %v, want nil", err)
	}
}

// TestRealKeyringConcurrentWriters: 4 processes x 32 goroutines writing one
// key were measured as fine (one item, no errors; docs/keyring.md, "Failure
// modes"); keep it so.
func TestRealKeyringConcurrentWriters(t *testing.T) {
	requireRealKeyring(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	service := uniqueService(t)
	s := New(service)
	t.Cleanup(func() { _ = s.DeleteAll(context.Background()) })

	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Set(ctx, "token", fmt.Sprintf("value-%d", g)); err != nil {
				t.Errorf("Set: %v", err)
			}
			if _, err := s.Get(ctx, "token"); err != nil {
				t.Errorf("Get: %v", err)
			}
		}()
	}
	wg.Wait()
	if n := countItems(t, service); n != 1 {
		t.Errorf("16 concurrent writers of one key: %d items, want 1", n)
	}
}

// childResult is what TestChildProcess reports from a prepared environment.
type childResult struct {
	kind, cause, msg string
	output           string // everything the child printed, for failures
}

// runChild runs TestChildProcess of this test binary as name args...
// (name is the binary itself, or a wrapper such as dbus-run-session whose
// args end with it) with env, and parses its report.
func runChild(t *testing.T, env []string, name string, args ...string) childResult {
	t.Helper()
	// Bounded, so that a keyring that hangs fails the test instead of
	// reaching go test's 10-minute timeout; WaitDelay stops the wait for
	// pipes a forked daemon may still hold.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.WaitDelay = 5 * time.Second
	// The race detector's runtime sleeps a second at exit by default.
	cmd.Env = append(env, "GORACE=atexit_sleep_ms=0")
	out, err := cmd.CombinedOutput()
	r := childResult{output: string(out)}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "CHILD-KIND "); ok {
			r.kind = v
		} else if v, ok := strings.CutPrefix(line, "CHILD-CAUSE "); ok {
			r.cause = v
		} else if v, ok := strings.CutPrefix(line, "CHILD-ERROR "); ok {
			r.msg = v
		}
	}
	if err != nil || r.kind == "" {
		t.Fatalf("child %s %q: %v; no report in its output:\n%s", name, args, err, out)
	}
	return r
}

// childArgs re-executes this test binary to run only TestChildProcess.
func childArgs(t *testing.T) (string, []string) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return exe, []string{"-test.run=^TestChildProcess$", "-test.count=1"}
}

// environ returns the environment without the named variables, plus extra.
func environ(drop []string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			if name == d {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// TestChildProcess is not a test on its own: it reads one item with New and
// prints what happened, when a parent test runs it with childEnv set.
func TestChildProcess(t *testing.T) {
	service := os.Getenv(childEnv)
	if service == "" {
		return // run directly: nothing to do
	}
	if want := os.Getenv(childFastEnv); want != "" {
		childFastGet(service, want)
		return
	}
	timeout := 10 * time.Second
	if v := os.Getenv(childTimeoutEnv); v != "" {
		timeout, _ = time.ParseDuration(v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	_, err := New(service).Get(ctx, "apikey")
	reportChild(err)
}

// reportChild prints a child's result in the lines runChild parses.
func reportChild(err error) {
	if err == nil {
		fmt.Println("CHILD-KIND none")
		return
	}
	fmt.Println("CHILD-KIND " + kindName(err))
	var e *Error
	if errors.As(err, &e) && e.Err != nil {
		fmt.Println("CHILD-CAUSE " + e.Err.Error())
	}
	fmt.Println("CHILD-ERROR " + err.Error())
}

// TestRealKeyringNoSessionBus: SSH, container or cron (docs/keyring.md,
// "Reproducing failures"): no
// DBUS_SESSION_BUS_ADDRESS, nothing in XDG_RUNTIME_DIR, no dbus-launch.
func TestRealKeyringNoSessionBus(t *testing.T) {
	requireRealKeyring(t)
	// godbus also looks for /run/user/UID/bus (not XDG_RUNTIME_DIR); if
	// that socket exists, this process cannot be made bus-less.
	if bus := fmt.Sprintf("/run/user/%d/bus", os.Getuid()); fileExists(bus) {
		t.Fatalf("cannot reproduce a missing session bus on this machine: %s exists and godbus would find it", bus)
	}
	empty := t.TempDir()
	exe, args := childArgs(t)
	// PATH is an empty directory too: with no bus address godbus runs
	// dbus-launch, which would start a fresh bus where it is installed
	// (dbus-x11); the headless machines of docs/keyring.md, "Failure modes"
	// lack it.
	env := environ([]string{"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "PATH", childEnv},
		"XDG_RUNTIME_DIR="+empty, "PATH="+empty, childEnv+"="+uniqueService(t))
	r := runChild(t, env, exe, args...)
	t.Logf("no session bus: go-keyring said: %s", r.cause)
	t.Logf("no session bus: store said: %s", r.msg)
	if r.kind != "ErrNoSessionBus" {
		t.Fatalf("no session bus: got %s (%s), want ErrNoSessionBus; child output:\n%s", r.kind, r.msg, r.output)
	}
}

// TestRealKeyringNoSecretService: a session bus with no <servicedir>, so
// nothing can be activated as org.freedesktop.secrets (docs/keyring.md,
// "Reproducing failures").
func TestRealKeyringNoSecretService(t *testing.T) {
	requireRealKeyring(t)
	dir := t.TempDir()
	config := filepath.Join(dir, "session.conf")
	err := os.WriteFile(config, []byte(`<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=`+dir+`</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	exe, args := childArgs(t)
	env := environ([]string{childEnv}, childEnv+"="+uniqueService(t))
	r := runChild(t, env, "dbus-run-session", append([]string{"--config-file=" + config, "--", exe}, args...)...)
	t.Logf("no Secret Service: go-keyring said: %s", r.cause)
	t.Logf("no Secret Service: store said: %s", r.msg)
	if r.kind != "ErrNoSecretService" {
		t.Fatalf("no Secret Service: got %s (%s), want ErrNoSecretService; child output:\n%s", r.kind, r.msg, r.output)
	}
}

// TestRealKeyringLocked: a new session over a HOME whose keyring exists but
// was not unlocked, and no display for gnome-keyring's prompter
// (docs/keyring.md, "Reproducing failures").
// gnome-keyring answers the unlock with a prompt that, with no prompter to
// show it, completes at once as dismissed: the Store, which now handles
// that prompt itself, says ErrDismissed (docs/keyring.md, "Prompts and
// deadlines").
func TestRealKeyringLocked(t *testing.T) {
	requireRealKeyring(t)
	if _, err := exec.LookPath("gnome-keyring-daemon"); err != nil {
		t.Fatalf("%s=1 but gnome-keyring-daemon is missing (apt-get install -y gnome-keyring): %v", realKeyringEnv, err)
	}
	home, runtime := t.TempDir(), t.TempDir()
	service := uniqueService(t)
	// Nothing of the parent's session may leak in: its bus, its keyring
	// daemon's control socket, a display on which the prompter could ask.
	drop := []string{"HOME", "XDG_RUNTIME_DIR", "GNOME_KEYRING_CONTROL", "SSH_AUTH_SOCK",
		"DISPLAY", "WAYLAND_DISPLAY", childEnv, childTimeoutEnv}
	env := environ(drop, "HOME="+home, "XDG_RUNTIME_DIR="+runtime)

	// First session: create the login keyring with a password and one item.
	// internal/testkeyring starts the bus without D-Bus activation and
	// waits until the keyring takes a write: with dbus-run-session and
	// activation, a second, locked daemon can win the bus name and the
	// write (and this test) wait for a prompt forever (seen in CI).
	unlocked, err := testkeyring.Start(home, testkeyring.Unlocked)
	if err != nil {
		t.Fatalf("creating a keyring in %s: %v", home, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store := exec.CommandContext(ctx, "secret-tool", "store", "--label=locked-test", "service", service, "username", "apikey")
	store.Env = unlocked.Env(env)
	store.Stdin = strings.NewReader("value")
	out, err := store.CombinedOutput()
	unlocked.Stop()
	if err != nil {
		t.Fatalf("storing an item in %s: %v\n%s", home, err, out)
	}

	// Second session over the same HOME: the daemon runs, the keyring
	// stays locked, and nothing can prompt.
	locked, err := testkeyring.Start(home, testkeyring.Locked)
	if err != nil {
		t.Fatalf("a locked session over %s: %v", home, err)
	}
	defer locked.Stop()
	exe, args := childArgs(t)
	env = append(locked.Env(env), childEnv+"="+service, childTimeoutEnv+"=20s")
	r := runChild(t, env, exe, args...)
	t.Logf("locked: go-keyring said: %s", r.cause)
	t.Logf("locked: store said: %s", r.msg)
	if r.kind != "ErrDismissed" {
		t.Fatalf("locked keyring: got %s (%s), want ErrDismissed; child output:\n%s", r.kind, r.msg, r.output)
	}
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
