package testkeyring

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/godbus/dbus/v5"
)

// Provider names the program that serves the Secret Service on a session's
// bus. Every provider runs on its own private bus under the session's HOME.
type Provider string

const (
	GnomeKeyring Provider = "gnome-keyring"
	KeePassXC    Provider = "keepassxc"
	KWallet      Provider = "kwallet"
)

// Providers lists every provider, gnome-keyring first.
var Providers = []Provider{GnomeKeyring, KeePassXC, KWallet}

// RequireEnv names the variable that scripts/deps/ sets once it has
// installed the provider: with it set to 1, a provider test that cannot run
// is a failure instead of a skip.
func (p Provider) RequireEnv() string {
	switch p {
	case KeePassXC:
		return "MONITOR_TOKEN_REQUIRE_KEEPASSXC"
	case KWallet:
		return "MONITOR_TOKEN_REQUIRE_KWALLET"
	}
	return "MONITOR_TOKEN_REQUIRE_KEYRING"
}

// Required reports whether the environment says the provider must be here.
func (p Provider) Required() bool { return os.Getenv(p.RequireEnv()) == "1" }

func (p Provider) installHint() string {
	switch p {
	case KeePassXC:
		return "apt-get install --no-install-recommends keepassxc dbus libsecret-tools"
	case KWallet:
		return "apt-get install --no-install-recommends libkf5wallet-bin libqca-qt5-2-plugins dbus libsecret-tools"
	}
	return "apt-get install gnome-keyring dbus libsecret-tools"
}

// MissingFor names the programs that provider p needs and this machine
// lacks; empty means StartProvider can work.
func MissingFor(p Provider) []string {
	progs := []string{"dbus-daemon", "dbus-send", "secret-tool"}
	switch p {
	case GnomeKeyring:
		progs = append(progs, "gnome-keyring-daemon")
	case KeePassXC:
		progs = append(progs, "keepassxc", "keepassxc-cli")
	case KWallet:
		progs = append(progs, "kwalletd5")
	default:
		return []string{fmt.Sprintf("provider %q (want one of gnome-keyring, keepassxc, kwallet)", p)}
	}
	var missing []string
	for _, prog := range progs {
		if _, err := exec.LookPath(prog); err != nil {
			missing = append(missing, prog)
		}
	}
	if p == KWallet && !hasQCAOpenSSL() {
		missing = append(missing, "libqca-ossl.so (libqca-qt5-2-plugins)")
	}
	return missing
}

// hasQCAOpenSSL says whether QCA's OpenSSL plugin is installed: kwalletd5
// does the Diffie-Hellman of encrypted Secret Service sessions
// (dh-ietf1024-sha256-aes128-cbc-pkcs7, which secret-tool opens) through
// it, and without it every such session fails ("createDLGroup failed:
// maybe libqca-ossl is missing"). Debian only recommends the package.
func hasQCAOpenSSL() bool {
	found, _ := filepath.Glob("/usr/lib/*/qca-qt5/crypto/libqca-ossl.so")
	return len(found) > 0
}

// SkipReason is why a test of p cannot run here ("" when it can), in words
// for a skip or failure line, with the command that installs what is missing.
func SkipReason(p Provider) string {
	m := MissingFor(p)
	if len(m) == 0 {
		return ""
	}
	return fmt.Sprintf("no %s on this machine (missing %s; %s, or run make test, which installs it)", p, strings.Join(m, ", "), p.installHint())
}

// daemonEnv is the environment of a provider that is not gnome-keyring: the
// session's HOME and bus, Qt without a display (offscreen: no window can
// appear, so every dialog stays unanswered, as over SSH), and nothing of
// the caller's desktop or XDG directories, so that the provider reads its
// configuration and data under HOME only.
func (s *Session) daemonEnv(extra ...string) ([]string, error) {
	runtime := s.Home + "/.testkeyring-run"
	if err := os.MkdirAll(runtime, 0o700); err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range s.Env(os.Environ()) {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "XDG_"), name == "DISPLAY", name == "WAYLAND_DISPLAY",
			name == "QT_QPA_PLATFORM", name == "SSH_AUTH_SOCK", name == "GNOME_KEYRING_CONTROL",
			strings.HasPrefix(name, "KDE_"), name == "PAM_KWALLET5_LOGIN":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "QT_QPA_PLATFORM=offscreen", "XDG_RUNTIME_DIR="+runtime)
	return append(env, extra...), nil
}

// startDaemon starts a provider that stays in the foreground, with its
// output in HOME/.testkeyring-NAME.log (read it when a start fails).
func (s *Session) startDaemon(cmd *exec.Cmd) error {
	log, err := os.OpenFile(s.logFile(cmd.Args[0]), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	defer log.Close()
	cmd.Stdout, cmd.Stderr = log, log
	// Its own process group, so that a signal to the test's group (a
	// Ctrl-C) does not reach it before Stop does.
	cmd.SysProcAttr = ownProcessGroup()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("%s: %w", cmd.Args[0], err)
	}
	s.proc = cmd
	return nil
}

func (s *Session) logFile(prog string) string {
	return s.Home + "/.testkeyring-" + prog + ".log"
}

// stopDaemon ends the provider started by startDaemon: SIGTERM, which both
// KeePassXC and kwalletd5 take as "quit" (saving their files), then SIGKILL
// if it is still there after 10s.
func (s *Session) stopDaemon() {
	if s.proc == nil {
		return
	}
	cmd := s.proc
	s.proc = nil
	if s.Provider == KWallet {
		s.closeWallets()
	}
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
	}
}

// closeWallets asks kwalletd5 to close, and so save, its open wallets: it
// writes a changed wallet on a timer and when it closes it, not when it
// gets SIGTERM, so without this a write before Stop is lost
// (src/runtime/kwalletd/kwalletd.cpp, closeAllWallets and internalClose).
func (s *Session) closeWallets() {
	conn, err := dbus.Connect(s.Address)
	if err != nil {
		return
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn.Object("org.kde.kwalletd5", "/modules/kwalletd5").CallWithContext(ctx, "org.kde.KWallet.closeAllWallets", 0)
}

// waitCollection waits until the provider owns the Secret Service name and
// lists a collection, unlocked when mode is Unlocked, and returns its path.
// A client must not come earlier: KeePassXC lists its database's collection
// locked before --pw-stdin has unlocked it, and a write that comes then
// asks for an unlock dialog that nobody answers, and waits forever.
func (s *Session) waitCollection(mode Mode) (dbus.ObjectPath, error) {
	conn, err := dbus.Connect(s.Address)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	deadline := time.Now().Add(20 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		last = errors.New("no collection yet")
		v, err := conn.Object(secretsName, "/org/freedesktop/secrets").GetProperty("org.freedesktop.Secret.Service.Collections")
		if err != nil {
			last = err
		} else if paths, ok := v.Value().([]dbus.ObjectPath); ok && len(paths) > 0 {
			if mode != Unlocked {
				return paths[0], nil
			}
			locked, err := conn.Object(secretsName, paths[0]).GetProperty("org.freedesktop.Secret.Collection.Locked")
			if err == nil && locked.Value() == false {
				return paths[0], nil
			}
			last = fmt.Errorf("%s still locked (%v)", paths[0], err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return "", fmt.Errorf("%s: no %s Secret Service collection on the test bus within 20s (%v); its log: %s",
		s.Provider, map[bool]string{true: "unlocked", false: "locked"}[mode == Unlocked], last, s.logTail())
}

// logTail is the end of the provider's log, for error messages.
func (s *Session) logTail() string {
	if s.proc == nil {
		return "(not started)"
	}
	b, _ := os.ReadFile(s.logFile(s.proc.Args[0]))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}
