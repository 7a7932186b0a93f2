// Package testkeyring gives a test its own real Secret Service: a private
// D-Bus session bus with gnome-keyring, KeePassXC or KWallet on it, over a
// throw-away HOME (docs/keyring.md, "Test keyring", "KeePassXC" and
// "KWallet"). It also
// builds the broken variants the failure tests need: a locked keyring, a bus
// with no Secret Service, and no bus at all. Only tests import it.
package testkeyring

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// Password unlocks the test keyrings.
const Password = "test-keyring-password"

// Missing names the programs a real keyring needs that this machine lacks;
// empty means Start can work.
func Missing() []string {
	var missing []string
	for _, prog := range []string{"dbus-daemon", "dbus-send", "gnome-keyring-daemon", "secret-tool"} {
		if _, err := exec.LookPath(prog); err != nil {
			missing = append(missing, prog)
		}
	}
	return missing
}

// Session is one private bus, with or without a keyring daemon on it.
type Session struct {
	Home     string   // the HOME the daemon keeps its keyrings under
	Address  string   // DBUS_SESSION_BUS_ADDRESS
	Provider Provider // the daemon on the bus (Unlocked and Locked modes)
	busPID   int
	proc     *exec.Cmd // KeePassXC or kwalletd5, which outlive their bus

	hang     *hangHandler // Hanging only: the stand-in and its connection
	hangConn *dbus.Conn

	standin *standin // Prompting and Dismissing only (prompting.go)
}

// Mode says what to run on the bus.
type Mode int

const (
	Unlocked   Mode = iota // the provider's keyring unlocked with Password
	Locked                 // the provider started, its keyring not unlocked, no prompter
	NoProvider             // a bus that can start no Secret Service
	Hanging                // a stand-in Secret Service that never replies (hang.go)
	Prompting              // a stand-in whose unlock prompts complete after PromptDelay (prompting.go)
	Dismissing             // a stand-in whose unlock prompts complete as dismissed (prompting.go)
)

// Start starts a bus in the given mode, with HOME as the keyring home and
// gnome-keyring as the provider. Stop must be called; it also ends the
// daemon.
func Start(home string, mode Mode) (*Session, error) {
	return StartProvider(home, GnomeKeyring, mode)
}

// StartProvider is Start with the given provider on the bus.
func StartProvider(home string, p Provider, mode Mode) (*Session, error) {
	if m := MissingFor(p); len(m) > 0 {
		return nil, fmt.Errorf("missing %s (%s)", strings.Join(m, ", "), p.installHint())
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	// Every mode runs on a bus whose config has no <servicedir>, so nothing
	// is D-Bus activated: only the daemon started here can own
	// org.freedesktop.secrets. With activation on, an early client starts a
	// second, locked gnome-keyring that can win the bus name.
	conf := filepath.Join(home, "test-bus.conf")
	if err := os.WriteFile(conf, []byte(noServiceBusConfig), 0o600); err != nil {
		return nil, err
	}
	args := []string{"--fork", "--print-address=1", "--print-pid=1", "--nopidfile", "--config-file=" + conf}
	cmd := exec.Command("dbus-daemon", args...)
	cmd.Env = append(os.Environ(), "HOME="+home)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("dbus-daemon: %w", err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	var lines []string
	for sc.Scan() {
		lines = append(lines, strings.TrimSpace(sc.Text()))
	}
	if len(lines) < 2 {
		return nil, fmt.Errorf("dbus-daemon printed %q, want address and pid", out)
	}
	s := &Session{Home: home, Address: lines[0], Provider: p}
	if _, err := fmt.Sscan(lines[1], &s.busPID); err != nil {
		return nil, fmt.Errorf("dbus-daemon pid %q: %w", lines[1], err)
	}
	switch {
	case p == KeePassXC && (mode == Unlocked || mode == Locked):
		err = s.startKeePassXC(mode)
	case p == KWallet && (mode == Unlocked || mode == Locked):
		err = s.startKWallet(mode)
	case mode == Unlocked:
		// --unlock alone starts the daemon with the login keyring unlocked;
		// a second `--start` would start another daemon that reads the same
		// keyring locked (docs/keyring.md, "Test keyring").
		err = s.daemon(Password, "--unlock", "--components=secrets")
		if err == nil {
			err = s.waitUnlocked()
		}
	case mode == Locked:
		err = s.daemon("", "--start", "--components=secrets")
		if err == nil {
			err = s.waitOwned()
		}
	case mode == Hanging:
		err = s.startHanging()
	case mode == Prompting:
		err = s.startPrompting(PromptDelay, false)
	case mode == Dismissing:
		err = s.startPrompting(0, true)
	}
	if err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Session) daemon(stdin string, args ...string) error {
	cmd := exec.Command("gnome-keyring-daemon", args...)
	cmd.Env = s.Env(os.Environ())
	// The password must be in the pipe before the daemon starts: it reads
	// stdin once at start-up, and with exec's copying goroutine it can find
	// the pipe still empty and create no login keyring at all.
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	io.WriteString(w, stdin)
	w.Close()
	defer r.Close()
	cmd.Stdin = r
	// The daemon forks and keeps the pipes open: give it none, or Output
	// would wait for the daemon to exit.
	cmd.Stdout, cmd.Stderr = nil, nil
	done := make(chan error, 1)
	go func() { done <- cmd.Run() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("gnome-keyring-daemon %s: %w", strings.Join(args, " "), err)
		}
		return nil
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		return errors.New("gnome-keyring-daemon did not start within 20s")
	}
}

// waitOwned waits until a daemon owns the Secret Service name on the bus.
func (s *Session) waitOwned() error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := exec.Command("dbus-send", "--session", "--print-reply", "--dest=org.freedesktop.DBus",
			"/org/freedesktop/DBus", "org.freedesktop.DBus.NameHasOwner", "string:org.freedesktop.secrets")
		cmd.Env = s.Env(os.Environ())
		out, err := cmd.CombinedOutput()
		if err == nil && strings.Contains(string(out), "boolean true") {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no Secret Service on the test bus within 20s: %s", strings.TrimSpace(string(out)))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitUnlocked waits until the login keyring takes a write. The daemon
// forks before it has created and unlocked the collection, and a client that
// comes too early is told the keyring is locked.
func (s *Session) waitUnlocked() error {
	deadline := time.Now().Add(20 * time.Second)
	for {
		cmd := exec.Command("secret-tool", "store", "--label=testkeyring probe", "service", "testkeyring-probe", "username", "probe")
		cmd.Env = s.Env(os.Environ())
		cmd.Stdin = strings.NewReader("probe")
		out, err := cmd.CombinedOutput()
		if err == nil {
			clear := exec.Command("secret-tool", "clear", "service", "testkeyring-probe", "username", "probe")
			clear.Env = cmd.Env
			return clear.Run()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the test keyring did not unlock within 20s: %s", strings.TrimSpace(string(out)))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Env returns base with HOME and the bus address of this session.
func (s *Session) Env(base []string) []string {
	env := make([]string, 0, len(base)+2)
	for _, kv := range base {
		if strings.HasPrefix(kv, "HOME=") || strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+s.Home, "DBUS_SESSION_BUS_ADDRESS="+s.Address)
}

// Stop ends the bus; gnome-keyring exits with it, KeePassXC and kwalletd5
// are ended first. In Hanging mode it first closes the stand-in's
// connection and waits for the calls it held; in Prompting and Dismissing
// modes it closes the stand-in's connection.
func (s *Session) Stop() {
	s.stopHanging()
	s.stopPrompting()
	s.stopDaemon()
	if s.busPID > 0 {
		// os.Process rather than syscall.Kill, so the package also builds
		// for Windows, where `go vet` checks the tests that import it.
		if bus, err := os.FindProcess(s.busPID); err == nil {
			bus.Signal(syscall.SIGTERM)
		}
		s.busPID = 0
	}
}

const noServiceBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`
