package commands

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/emulator"
)

// --output writes the format to the file, replaced whole (a new inode),
// with its mode, and says so without the token.
func TestRunGetOutput(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	os.WriteFile(path, []byte("old\n"), 0o600)
	for _, tt := range []struct {
		name       string
		opts       GetOptions
		wantFile   string
		wantMode   os.FileMode
		wantStderr string
		wantErr    string
	}{
		{"token, 0600", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Output: path, FileMode: 0o600}, "{TOKEN}\n", 0o600,
			"Wrote the token of profile \"p\" to " + path + " (mode 0600).\n", ""},
		{"header, 0640", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "header", Output: path, FileMode: 0o640}, "Authorization: Bearer {TOKEN}\n", 0o640,
			"Wrote the token of profile \"p\" to " + path + " (mode 0640).\n", ""},
		{"a directory that is not there", GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Output: filepath.Join(dir, "no", "token"), FileMode: 0o600}, "", 0, "",
			"get --output: the directory " + filepath.Join(dir, "no") + " does not exist; create it first"},
	} {
		before := inode(t, path)
		err := runGet(t.Context(), r.factory(), tt.opts)
		r.check(tt.name, err, "", tt.wantStderr, tt.wantErr)
		if tt.wantErr != "" {
			continue
		}
		b, _ := os.ReadFile(path)
		if string(b) != r.expand(tt.wantFile) {
			t.Errorf("%s: file %q, want %q", tt.name, b, r.expand(tt.wantFile))
		}
		if fi, _ := os.Stat(path); fi.Mode().Perm() != tt.wantMode {
			t.Errorf("%s: mode %04o, want %04o", tt.name, fi.Mode().Perm(), tt.wantMode)
		}
		// The temporary file is made while the old one still exists, so
		// a replaced file never has the old one's inode.
		if inode(t, path) == before {
			t.Errorf("%s: the file was rewritten in place, not replaced", tt.name)
		}
		if strings.Contains(r.stderr.String(), r.token()) {
			t.Errorf("%s: stderr shows the token", tt.name)
		}
	}
}

// A directory others can write (and not sticky) is refused: whoever can
// write there could swap the file.
func TestRunGetOutputRefusesAnOpenDirectory(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	open := filepath.Join(t.TempDir(), "open")
	os.Mkdir(open, 0o777)
	os.Chmod(open, 0o777)
	err := runGet(t.Context(), r.factory(), GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Output: filepath.Join(open, "token"), FileMode: 0o600})
	want := "the directory " + open + " above the token file is writable by group or others (mode 0777) without the sticky bit; run chmod go-w " + open + ", or give --output a path in a directory of yours that only you and root can write"
	if errText(err) != want {
		t.Fatalf("error %q, want %q", errText(err), want)
	}
	if _, err := os.Stat(filepath.Join(open, "token")); err == nil {
		t.Fatal("the token was written into a directory others can write")
	}
}

// --watch: a reset in the service is in the file within a check, said on
// one line without the token; the end of the context ends the watch, which
// returns nil.
func TestWatchSeesAReset(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	path := filepath.Join(t.TempDir(), "token")
	w := startWatch(t, r, path)
	waitFor(t, func() bool { b, _ := os.ReadFile(path); return string(b) == r.token()+"\n" })
	old := r.token()
	r.emu.ResetMonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
	waitFor(t, func() bool { b, _ := os.ReadFile(path); return string(b) == r.token()+"\n" })
	waitFor(t, func() bool { return strings.Contains(w.stderr.String(), "updated (reset detected)") })
	if err := w.stop(t); err != nil {
		t.Fatalf("watch: %v", err)
	}
	out := w.stderr.String()
	want := "monitor-token: watching the token of profile \"p\" in " + path + " (mode 0600); checks every 20ms\n" +
		"monitor-token: token file " + path + " updated (reset detected)\n" +
		"monitor-token: stopped watching " + path + "\n"
	if out != want {
		t.Errorf("stderr\n%s\nwant\n%s", out, want)
	}
	if strings.Contains(out, old) || strings.Contains(out, r.token()) {
		t.Error("stderr shows a token")
	}
}

// A failure keeps the last good file, says so, and backs off.
func TestWatchKeepsTheFileOnAFailure(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	path := filepath.Join(t.TempDir(), "token")
	w := startWatch(t, r, path)
	waitFor(t, func() bool { b, _ := os.ReadFile(path); return len(b) > 0 })
	good, _ := os.ReadFile(path)
	r.emu.InjectFault("GET /api/token", faultStatus(503, 100))
	r.emu.ResetMonitorToken(r.facts.InstanceGUID, r.facts.DefaultTeamID)
	waitFor(t, func() bool { return strings.Contains(w.stderr.String(), "kept as it was") })
	if b, _ := os.ReadFile(path); string(b) != string(good) {
		t.Errorf("the file changed after a failure: %q", b)
	}
	w.stop(t)
	if line := w.stderr.String(); !strings.Contains(line, "token file "+path+" kept as it was: could not check the token: could not fetch the Monitor API token at ") || !strings.Contains(line, "; next try in ") {
		t.Errorf("stderr %q", line)
	}
}

// startWatch runs `get --output path --watch --check-every 20ms` for
// profile p in the background.
func startWatch(t *testing.T, r *testRun, path string) *background {
	t.Helper()
	return inBackground(t, r, func(ctx context.Context, f *Factory) error {
		return runGet(ctx, f, GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Output: path, FileMode: 0o600, Watch: true, CheckEvery: 20 * time.Millisecond})
	})
}

// What a watch costs the service: the requests it makes in one hour at the
// default --check-every, against the emulator, on a simulated clock (the
// figures of docs/remote-write.md, "What a watch costs"). A check is one
// request, whatever the cache; an IAM token is renewed at half of the
// 54 minutes it is served for (3600 s less a tenth), so twice an hour.
func TestWatchRequestsPerHour(t *testing.T) {
	for _, tt := range []struct {
		name  string
		login FlagValues
		want  map[string]int // route: requests in the hour after the first write
	}{
		{"Monitor token, cached in the keyring", nil,
			map[string]int{emulator.RouteMonitorToken: 12}},
		{"Monitor token, cache=none (a pod)", FlagValues{"cache": "none"},
			map[string]int{emulator.RouteMonitorToken: 12}},
		{"IAM token", FlagValues{"auth": "iam"},
			map[string]int{emulator.RouteUsersMe: 11, emulator.RouteIAMToken: 2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newTestRun(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			// One clock from the login on, so that the IAM token's end
			// is on it too; it runs out an hour after the first wait.
			r.clock = &fakeClock{now: time.Now(), end: time.Now().AddDate(1, 0, 0), atEnd: cancel}
			r.login("p", tt.login)
			path := filepath.Join(t.TempDir(), "token")
			f := r.factory()
			first := make(chan struct{})
			after := f.After
			f.After = func(d time.Duration) <-chan time.Time {
				select {
				case <-first:
				default:
					// The hour starts once the file is first written:
					// the first get is not the watch's cost.
					r.emu.ResetCounts()
					r.clock.mu.Lock()
					r.clock.end = r.clock.now.Add(time.Hour)
					r.clock.mu.Unlock()
					close(first)
				}
				return after(d)
			}
			err := runGet(ctx, f, GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Output: path, FileMode: 0o600, Watch: true, CheckEvery: defaultCheckEvery})
			if err != nil {
				t.Fatalf("watch: %v\nstderr: %s", err, r.stderr.String())
			}
			got := map[string]int{}
			for _, req := range r.emu.Requests() {
				got[req.Method+" "+req.Path]++
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("requests in an hour: %v, want %v\nstderr: %s", got, tt.want, r.stderr.String())
			}
		})
	}
}

func TestRenewalTimeAndNextWake(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name       string
		expiresIn  time.Duration // 0: a Monitor token, no end
		checkEvery time.Duration
		renewIn    time.Duration // renewalTime - now; -1: none
		wake       time.Duration
	}{
		{"Monitor token: every check", 0, 5 * time.Minute, -1, 5 * time.Minute},
		{"IAM, 54 min served: renewed at 27 min, checked every 5 min before", 54 * time.Minute, 5 * time.Minute, 27 * time.Minute, 5 * time.Minute},
		{"IAM, 4 min served: renewed at 2 min, sooner than the check", 4 * time.Minute, 5 * time.Minute, 2 * time.Minute, 2 * time.Minute},
		{"IAM, already past its end: renewed after a second, never in a loop", -time.Minute, 5 * time.Minute, 0, time.Second},
	} {
		tok := broker.Token{Value: "t"}
		if tt.expiresIn != 0 {
			tok.ExpiresAt = now.Add(tt.expiresIn)
		}
		renewAt := renewalTime(tok, now)
		switch {
		case tt.renewIn < 0 && !renewAt.IsZero():
			t.Errorf("%s: renewal at %v, want none", tt.name, renewAt)
		case tt.renewIn >= 0 && !renewAt.Equal(now.Add(tt.renewIn)):
			t.Errorf("%s: renewal in %v, want %v", tt.name, renewAt.Sub(now), tt.renewIn)
		}
		if got := nextWake(renewAt, tt.checkEvery, now); got != tt.wake {
			t.Errorf("%s: next wake in %v, want %v", tt.name, got, tt.wake)
		}
	}
}

// backoff doubles from a second up to --check-every, takes up to half off
// at random, and never goes under a second.
func TestBackoff(t *testing.T) {
	for _, tt := range []struct {
		failures   int
		checkEvery time.Duration
		lo, hi     time.Duration
	}{
		{1, 5 * time.Minute, time.Second, 2 * time.Second},
		{3, 5 * time.Minute, 4 * time.Second, 8 * time.Second},
		{20, 5 * time.Minute, 150 * time.Second, 5 * time.Minute},
		{1000, 5 * time.Minute, 150 * time.Second, 5 * time.Minute},
		{5, time.Second, time.Second, time.Second},
	} {
		for range 200 {
			if got := backoff(tt.failures, tt.checkEvery); got < tt.lo || got > tt.hi {
				t.Fatalf("backoff(%d, %v) = %v, want within [%v, %v]", tt.failures, tt.checkEvery, got, tt.lo, tt.hi)
			}
		}
	}
}

// A renewal that hands back the token already held (IAM answering with the
// same token, or an ibmcloud session that is still good) must not make the
// watch renew again at once: it waits, and an hour costs a few requests.
func TestWatchDoesNotSpinOnAnUnchangedRenewal(t *testing.T) {
	r := newTestRun(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	r.clock = &fakeClock{now: time.Now(), end: time.Now().Add(time.Hour), atEnd: cancel}
	r.login("p", FlagValues{"auth": "iam"})
	// From now on IAM answers every request with one and the same token.
	const same = "eyJhbGciOiJub25lIn0.eyJzYW1lIjp0cnVlfQ.c2ln"
	r.emu.InjectFault(emulator.RouteIAMToken, emulator.Fault{Status: 200, Times: 1 << 20,
		Body: `{"access_token":"` + same + `","refresh_token":"not_supported","token_type":"Bearer","expires_in":3600,"expiration":4102444800,"scope":"ibm openid"}`})
	f := r.factory()
	waits := 0
	after := f.After
	f.After = func(d time.Duration) <-chan time.Time {
		if waits++; waits > 1000 {
			cancel() // spinning: end it, and fail below
		}
		return after(d)
	}
	path := filepath.Join(t.TempDir(), "token")
	if err := runGet(ctx, f, GetOptions{Flags: FlagValues{"profile": "p"}, Format: "token", Output: path, FileMode: 0o600, Watch: true, CheckEvery: defaultCheckEvery}); err != nil {
		t.Fatalf("watch: %v", err)
	}
	if n := r.emu.Count(emulator.RouteIAMToken); waits > 1000 || n > 40 {
		t.Fatalf("%d waits and %d IAM requests in an hour: the watch spins on a renewal that changed nothing", waits, n)
	}
}

// After a failure, a token that ends sooner than the backoff is tried
// again before it ends, so a service that came back is used in time.
func TestRetryWait(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, tt := range []struct {
		name       string
		failures   int
		checkEvery time.Duration
		expiresIn  time.Duration // 0: no end
		lo, hi     time.Duration
	}{
		{"a Monitor token: the backoff", 20, time.Hour, 0, 30 * time.Minute, time.Hour},
		{"an IAM token ending in 10 min: by then", 20, time.Hour, 10 * time.Minute, 10 * time.Minute, 10 * time.Minute},
		{"an IAM token ending later than the backoff: the backoff", 2, time.Hour, 10 * time.Minute, 2 * time.Second, 4 * time.Second},
		{"an IAM token ending in a moment: a second", 20, time.Hour, 100 * time.Millisecond, time.Second, time.Second},
		{"an IAM token already ended: the backoff", 20, time.Hour, -time.Minute, 30 * time.Minute, time.Hour},
	} {
		held := broker.Token{Value: "t"}
		if tt.expiresIn != 0 {
			held.ExpiresAt = now.Add(tt.expiresIn)
		}
		for range 50 {
			if got := retryWait(tt.failures, tt.checkEvery, held, now); got < tt.lo || got > tt.hi {
				t.Fatalf("%s: retryWait = %v, want within [%v, %v]", tt.name, got, tt.lo, tt.hi)
			}
		}
	}
}
