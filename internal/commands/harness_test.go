package commands

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
	"github.com/monitor-token/monitor-token/store"
)

// parse runs args through one command's flag parsing, as `monitor-token
// NAME args...`, and returns the options its constructor built, or the
// error it refused them with. Nothing runs.
func parse[O any](t *testing.T, newCmd func(*Factory, func(context.Context, O) error) *cli.Command, args ...string) (O, error) {
	t.Helper()
	var got O
	f := &Factory{Name: "monitor-token", Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}
	cmd := withDefaults(f, newCmd(f, func(_ context.Context, o O) error { got = o; return nil }))
	app := &cli.App{
		Name: f.Name, Writer: io.Discard, ErrWriter: io.Discard,
		ExitErrHandler: func(*cli.Context, error) {}, OnUsageError: onUsageError(f),
		Commands: []*cli.Command{cmd},
	}
	err := app.RunContext(t.Context(), append([]string{f.Name, cmd.Name}, args...))
	return got, err
}

// parseCase is one row of a flags-to-options table: the arguments after
// the command's name, and the options or the usage error they give.
type parseCase[O any] struct {
	args    []string
	want    O
	wantErr string
}

// checkParse runs every row through parse.
func checkParse[O any](t *testing.T, newCmd func(*Factory, func(context.Context, O) error) *cli.Command, cases []parseCase[O]) {
	t.Helper()
	for _, tt := range cases {
		got, err := parse(t, newCmd, tt.args...)
		if errText(err) != tt.wantErr {
			t.Errorf("%q: error %q, want %q", tt.args, errText(err), tt.wantErr)
			continue
		}
		// Every refusal of the command line is a usage mistake: exit 2.
		var usage *cmdutil.UsageError
		if err != nil && !errors.As(err, &usage) {
			t.Errorf("%q: error %q is %T, not a usage error (exit 2)", tt.args, err, err)
		}
		if err == nil && !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: options %#v, want %#v", tt.args, got, tt.want)
		}
	}
}

// errText is err's message, "" for none.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// testRun is one command's surroundings for its run function: the emulator
// on loopback, an in-memory keyring, a throw-away HOME, an environment that
// is only what the test puts in it, and the streams it reads back.
type testRun struct {
	t       *testing.T
	emu     *emulator.Emulator
	facts   emulator.DemoFacts
	url     string
	home    string
	keyring *store.Store
	env     map[string]string
	stdin   string
	stdout  bytes.Buffer
	stderr  bytes.Buffer
	now     time.Time
	// clock, when set, is the one clock of the run (the factory's, the
	// broker's and the API client's) and after its timer: a watch then
	// runs through a simulated hour at once.
	clock *fakeClock
}

func newTestRun(t *testing.T) *testRun {
	t.Helper()
	emu, facts := emulator.NewDemo()
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	home := t.TempDir()
	return &testRun{
		t: t, emu: emu, facts: facts, url: srv.URL, home: home,
		keyring: store.NewMemory("monitor-token"),
		env:     map[string]string{"HOME": home, "PATH": os.Getenv("PATH")},
		now:     time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC),
	}
}

// factory is a Factory over the test's surroundings, as internal/app
// builds one, with the streams reset.
func (r *testRun) factory() *Factory {
	r.stdout.Reset()
	r.stderr.Reset()
	warn := func(err error) { r.stderr.WriteString("monitor-token: warning: " + err.Error() + "\n") }
	var environ []string
	for k, v := range r.env {
		environ = append(environ, k+"="+v)
	}
	f := &Factory{
		Name:        "monitor-token",
		Stdin:       strings.NewReader(r.stdin),
		Stdout:      &r.stdout,
		ChildStdout: &r.stdout,
		Stderr:      &r.stderr,
		Getenv:      func(k string) string { return r.env[k] },
		Environ:     environ,
		Now:         func() time.Time { return r.now },
		Executable:  func() (string, error) { return "/opt/bin/monitor-token", nil },
		Broker: func(bool) (*broker.Broker, error) {
			api := monitorapi.New("monitor-token/test")
			api.Grants = sdkgrant.Grants{}
			api.Retry = monitorapi.RetryPolicy{Attempts: 1}
			now := time.Now
			if r.clock != nil {
				now, api.Now = r.clock.Now, r.clock.Now
			}
			return &broker.Broker{
				Keyring: r.keyring, API: api, Warn: warn, Now: now,
				CacheDir: filepath.Join(r.home, ".cache", "monitor-token"),
			}, nil
		},
		Warn:     warn,
		Scrub:    func(s string) string { return s },
		Debugf:   func(format string, a ...any) {},
		Remember: func(string) {},
	}
	if r.clock != nil {
		f.Now, f.After = r.clock.Now, r.clock.After
	}
	return f
}

// login makes profile name, logged in to the demo instance with the demo
// key, plus extra settings.
func (r *testRun) login(name string, extra FlagValues) {
	r.t.Helper()
	flags := FlagValues{"profile": name, "endpoint": r.url, "iam-endpoint": r.url, "instance": r.facts.InstanceGUID}
	for k, v := range extra {
		flags[k] = v
	}
	r.stdin = r.facts.APIKey + "\n"
	if err := runLogin(r.t.Context(), r.factory(), LoginOptions{Flags: flags}); err != nil {
		r.t.Fatalf("login %s: %v\nstderr: %s", name, err, r.stderr.String())
	}
	r.stdin = ""
}

// token is the demo instance's current Monitor token for its default team.
func (r *testRun) token() string {
	return r.emu.MonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
}

// expand replaces the test's facts in want: {URL}, {TOKEN}, {INSTANCE},
// {HOME}, so that the tables of expected output stay literal text.
func (r *testRun) expand(want string) string {
	return strings.NewReplacer(
		"{URL}", r.url, "{TOKEN}", r.token(), "{INSTANCE}", r.facts.InstanceGUID, "{HOME}", r.home,
	).Replace(want)
}

// check compares what a run printed and returned with the literal
// expectations (expanded as expand does).
func (r *testRun) check(name string, err error, wantStdout, wantStderr, wantErr string) {
	r.t.Helper()
	if got, want := errText(err), r.expand(wantErr); got != want {
		r.t.Errorf("%s: error %q, want %q", name, got, want)
	}
	if got, want := r.stdout.String(), r.expand(wantStdout); got != want {
		r.t.Errorf("%s: stdout %q, want %q", name, got, want)
	}
	if got, want := r.stderr.String(), r.expand(wantStderr); got != want {
		r.t.Errorf("%s: stderr %q, want %q", name, got, want)
	}
}

// faultStatus is an emulator fault answering status, times times.
func faultStatus(status, times int) emulator.Fault {
	return emulator.Fault{Status: status, Times: times}
}

// background is a run function running on its own goroutine, as a long
// command (proxy, get --watch) runs until SIGINT or SIGTERM.
type background struct {
	stderr *lockedBuffer // the run's stderr, read while it writes
	cancel context.CancelFunc
	done   chan error
}

// inBackground starts run with a Factory of r whose stderr can be read
// while it runs; the test's end stops it.
func inBackground(t *testing.T, r *testRun, run func(context.Context, *Factory) error) *background {
	t.Helper()
	f := r.factory()
	b := &background{stderr: &lockedBuffer{}, done: make(chan error, 1)}
	f.Stderr = b.stderr
	var ctx context.Context
	ctx, b.cancel = context.WithCancel(t.Context())
	go func() { b.done <- run(ctx, f) }()
	t.Cleanup(func() { b.cancel(); <-b.done })
	return b
}

// stop ends the run as SIGINT would and returns what it returned; it
// fails the test when the run does not end within 5 s.
func (b *background) stop(t *testing.T) error {
	t.Helper()
	b.cancel()
	select {
	case err := <-b.done:
		b.done <- err // for the cleanup
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("the run did not end with its context")
		return nil
	}
}

// waitFor waits up to 5 s for cond.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 500; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met in 5s")
}

// waitForMatch waits up to 5 s for re to match the stderr of b.
func (b *background) waitForMatch(t *testing.T, re *regexp.Regexp) []string {
	t.Helper()
	var m []string
	waitFor(t, func() bool { m = re.FindStringSubmatch(b.stderr.String()); return m != nil })
	return m
}

// fakeClock is a clock whose timers fire at once, moving it forward by
// their duration; at end it stops firing and calls atEnd (which ends the
// run), so a loop on it runs through [start, end] and stops.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	end   time.Time
	atEnd func()
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	fire := make(chan time.Time, 1)
	if c.now.Add(d).After(c.end) {
		c.now = c.end
		c.atEnd()
		return fire // never fires: the run ends
	}
	c.now = c.now.Add(d)
	fire <- c.now
	return fire
}
