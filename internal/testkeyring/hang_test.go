package testkeyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// startT starts a session of mode for t, or skips when the machine lacks
// the programs testkeyring needs.
func startT(t *testing.T, mode Mode) *Session {
	t.Helper()
	if m := Missing(); len(m) > 0 {
		t.Skipf("no test keyring: missing %s", strings.Join(m, ", "))
	}
	s, err := Start(t.TempDir(), mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// runUntilKilled runs cmd under a context with the given timeout and fails t
// unless the context's deadline killed it: a client that exits on its own,
// with a reply or an error, has not been left hanging.
func runUntilKilled(t *testing.T, s *Session, timeout time.Duration, name string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = s.Env(os.Environ())
	out, err := cmd.CombinedOutput()
	if ctx.Err() != context.DeadlineExceeded {
		t.Fatalf("%s exited on its own before the %v deadline: err=%v, output %q", name, timeout, err, out)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("%s: want it killed by the deadline, got err=%v, output %q", name, err, out)
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("%s: want it killed by the deadline (SIGKILL), got %v, output %q", name, ee, out)
	}
	if n := s.hangCalls(); n == 0 {
		t.Fatalf("%s was killed, but the stand-in received no call: it hung somewhere else", name)
	}
}

func TestHangingSecretTool(t *testing.T) {
	s := startT(t, Hanging)
	runUntilKilled(t, s, 3*time.Second, "secret-tool", "lookup", "service", "x", "username", "y")
}

// TestHangingGoKeyring runs go-keyring's Get in a child process (this test
// binary, see TestGoKeyringGetHelper), so the library's shared session-bus
// connection and a call stuck in it die with the child.
func TestHangingGoKeyring(t *testing.T) {
	s := startT(t, Hanging)
	t.Setenv("TESTKEYRING_GOKEYRING_HELPER", "1")
	runUntilKilled(t, s, 3*time.Second, os.Args[0], "-test.run=^TestGoKeyringGetHelper$", "-test.count=1")
}

func TestGoKeyringGetHelper(t *testing.T) {
	if os.Getenv("TESTKEYRING_GOKEYRING_HELPER") != "1" {
		t.Skip("helper for TestHangingGoKeyring")
	}
	_, err := keyring.Get("x", "y")
	fmt.Fprintf(os.Stderr, "go-keyring Get returned: %v\n", err)
	os.Exit(3)
}

// TestHangingNoReply checks, with dbus-send, that a call gets neither a
// reply nor an error: dbus-send's own reply timeout is what ends it.
func TestHangingNoReply(t *testing.T) {
	s := startT(t, Hanging)
	cmd := exec.Command("dbus-send", "--session", "--print-reply", "--reply-timeout=2000",
		"--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
		"org.freedesktop.Secret.Service.OpenSession", "string:plain", "variant:string:")
	cmd.Env = s.Env(os.Environ())
	out, err := cmd.CombinedOutput()
	t.Logf("dbus-send: %v\n%s", err, out)
	if err == nil || !strings.Contains(string(out), "org.freedesktop.DBus.Error.NoReply") {
		t.Fatalf("want dbus-send to time out with NoReply, got err=%v, output %q", err, out)
	}
}

// TestHangingStop checks that Stop releases a client the stand-in holds
// (its bus goes away) and leaves no goroutine behind.
func TestHangingStop(t *testing.T) {
	if m := Missing(); len(m) > 0 {
		t.Skipf("no test keyring: missing %s", strings.Join(m, ", "))
	}
	before := runtime.NumGoroutine()
	s, err := Start(t.TempDir(), Hanging)
	if err != nil {
		t.Fatal(err)
	}
	busPID := s.busPID
	cmd := exec.Command("dbus-send", "--session", "--print-reply", "--reply-timeout=600000",
		"--dest=org.freedesktop.secrets", "/org/freedesktop/secrets",
		"org.freedesktop.Secret.Service.OpenSession", "string:plain", "variant:string:")
	cmd.Env = s.Env(os.Environ())
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		s.Stop()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for s.hangCalls() == 0 {
		select {
		case err := <-done:
			s.Stop()
			t.Fatalf("dbus-send exited before the stand-in got its call: %v, %s", err, out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	s.Stop()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("dbus-send got a reply after Stop: %s", out.String())
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatal("dbus-send still waiting 30s after Stop")
	}
	// SIGTERM is asynchronous: give the bus a moment to exit. It is not
	// our child (dbus-daemon --fork), so it may linger as a zombie until
	// init reaps it; a zombie counts as gone.
	deadline := time.Now().Add(10 * time.Second)
	for processRunning(busPID) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if processRunning(busPID) {
		t.Errorf("bus process %d still running after Stop", busPID)
	}
	deadline = time.Now().Add(10 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Stop, %d before:\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

// processRunning reports whether pid exists and is not a zombie.
func processRunning(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		// No /proc: existence is all we can see.
		p, err := os.FindProcess(pid)
		return err == nil && p.Signal(syscall.Signal(0)) == nil
	}
	// pid (comm) state ...: comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || (stat[i+2] != 'Z' && stat[i+2] != 'X')
}
