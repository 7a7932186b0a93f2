package app

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/filelock"
)

// openStdin is a stdin that never closes: a pipe whose writer went quiet.
// started is closed on the first read, when the program is waiting on it.
type openStdin struct{ started chan struct{} }

func (s *openStdin) Read([]byte) (int, error) {
	select {
	case <-s.started:
	default:
		close(s.started)
	}
	select {} // as a read of a pipe nobody writes to
}

// hangGuard is how long a test waits before it calls a run that should
// have ended on a signal hung; far beyond any slow machine's time.
const hangGuard = 30 * time.Second

// Every wait of a run ends on SIGINT or SIGTERM, with the shell's exit code
// for the signal and nothing changed: reading an API key or a git request
// from a stdin that never closes, and waiting for another process's lock.
func TestSignalsEndEveryWait(t *testing.T) {
	for _, tt := range []struct {
		name     string
		sig      syscall.Signal
		wantCode int
		arg0     string
		args     func(w *world) []string
		// lock: the run waits for the config file's lock, held here.
		lock bool
	}{
		{"login on an open stdin, SIGTERM", syscall.SIGTERM, 143, "monitor-token",
			func(w *world) []string { return w.loginArgs("default", "--no-verify") }, false},
		{"login on an open stdin, SIGINT", syscall.SIGINT, 130, "monitor-token",
			func(w *world) []string { return w.loginArgs("default", "--no-verify") }, false},
		{"git helper on an open stdin, SIGTERM", syscall.SIGTERM, 143, "git-credential-monitor-token",
			func(*world) []string { return []string{"get"} }, false},
		{"login waiting for the config lock, SIGTERM", syscall.SIGTERM, 143, "monitor-token",
			func(w *world) []string { return w.loginArgs("default", "--no-verify") }, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			ctx, cancel := context.WithCancelCause(t.Context())
			stdin := &openStdin{started: make(chan struct{})}
			if tt.lock {
				unlock, err := filelock.Acquire(t.Context(), filepath.Dir(w.configPath()), filepath.Base(w.configPath()))
				if err != nil {
					t.Fatal(err)
				}
				defer unlock()
				// The trigger only: the login waits on the lock until the signal.
				time.AfterFunc(200*time.Millisecond, func() { cancel(Interrupted{Signal: tt.sig}) })
			} else {
				go func() {
					<-stdin.started
					cancel(Interrupted{Signal: tt.sig})
				}()
			}
			done := make(chan result, 1)
			go func() {
				if tt.lock {
					done <- w.runCtx(ctx, tt.arg0, w.apiKey(), tt.args(w)...)
				} else {
					done <- w.runReading(ctx, tt.arg0, stdin, tt.args(w)...)
				}
			}()
			var r result
			select {
			case r = <-done:
			case <-time.After(hangGuard):
				t.Fatalf("the run did not end on %v", tt.sig)
			}
			if r.code != tt.wantCode || r.stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", r.code, r.stdout, tt.wantCode)
			}
			if want := tt.arg0 + ": interrupted; nothing was changed\n"; r.stderr != want {
				t.Errorf("stderr %q, want %q", r.stderr, want)
			}
			if exists(w.configPath()) || w.keyringHas("default/api-key") {
				t.Error("the interrupted run changed the config file or the keyring")
			}
		})
	}
}

func TestInterruptedExitCodes(t *testing.T) {
	for sig, want := range map[syscall.Signal]int{syscall.SIGINT: 130, syscall.SIGTERM: 143, syscall.SIGHUP: 129} {
		if got := (Interrupted{Signal: sig}).ExitCode(); got != want {
			t.Errorf("%v: exit %d, want %d", sig, got, want)
		}
	}
}

// exec passes a SIGTERM on to its command and waits for it: the command's
// exit status is the run's.
func TestExecPassesSIGTERMOn(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("default")...)
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancelCause(t.Context())
	go func() {
		for !exists(ready) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel(Interrupted{Signal: syscall.SIGTERM})
	}()
	done := make(chan result, 1)
	go func() {
		done <- w.runCtx(ctx, "monitor-token", "", "exec", "--", "sh", "-c",
			`trap 'echo got TERM; exit 7' TERM; touch "$1"; while :; do sleep 0.05; done`, "sh", ready)
	}()
	select {
	case r := <-done:
		if r.code != 7 || r.stdout != "got TERM\n" {
			t.Fatalf("exit %d, stdout %q; want the command's exit 7 after its TERM trap", r.code, r.stdout)
		}
	case <-time.After(hangGuard):
		t.Fatal("exec did not pass SIGTERM on")
	}
}
