package testkeyring

import (
	"crypto/sha512"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"
)

// kwalletrc turns off KWallet's first-use wizard and keeps its Secret
// Service API on (the keys kwalletd5 reads in src/runtime/kwalletd/kwalletd.cpp,
// KWalletD::reconfigure and its constructor).
const kwalletrc = `[Wallet]
Enabled=true
First Use=false
Close When Idle=false

[org.freedesktop.secrets]
apiEnabled=true
`

// kwalletFile is the default wallet, named kdewallet, under HOME.
func (s *Session) kwalletFile() string {
	return filepath.Join(s.Home, ".local", "share", "kwalletd", "kdewallet.kwl")
}

// kwalletSocketSeq makes the abstract socket names of one process unique.
var kwalletSocketSeq atomic.Int64

// startKWallet starts kwalletd5 on the session's bus. Unlocked, it is
// started as pam_kwallet starts it at a desktop login, which opens the
// default wallet without a dialog: PAM_KWALLET5_LOGIN=1 and
// `--pam-login HASHFD ENVFD`, where HASHFD is a pipe carrying the 56-byte
// key derived from the password and ENVFD a listening socket on which it
// accepts one connection and reads environment lines until EOF (kwalletd's
// src/runtime/kwalletd/main.cpp, checkPamModule). Locked, it is started
// plainly: the wallet stays closed, and its collection locked.
//
// kwalletd5 makes its collections from the wallets that exist when it
// starts, and the PAM login creates a missing wallet only after that: so
// the first start over a new HOME creates the wallet, and a second one
// serves it.
func (s *Session) startKWallet(mode Mode) error {
	if err := os.MkdirAll(filepath.Join(s.Home, ".config"), 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(s.Home, ".config", "kwalletrc"), []byte(kwalletrc), 0o600); err != nil {
		return err
	}
	if _, err := os.Stat(s.kwalletFile()); os.IsNotExist(err) {
		if err := s.kwalletd(true); err != nil {
			return err
		}
		deadline := time.Now().Add(20 * time.Second)
		for !fileExists(s.kwalletFile()) {
			if time.Now().After(deadline) {
				return fmt.Errorf("kwalletd5 did not create %s within 20s; its log: %s", s.kwalletFile(), s.logTail())
			}
			time.Sleep(20 * time.Millisecond)
		}
		s.stopDaemon()
	}
	if err := s.kwalletd(mode == Unlocked); err != nil {
		return err
	}
	// After a PAM login the wallet is open, but its collection says Locked
	// until a client calls Unlock, which then succeeds without a dialog
	// (the collection is made with no wallet handle, and gets one only from
	// an Unlock: kwalletfreedesktopcollection.cpp, locked). waitUnlocked's
	// probe write is such a client, so the session starts unlocked.
	if _, err := s.waitCollection(Locked); err != nil {
		return err
	}
	if mode == Unlocked {
		return s.waitUnlocked()
	}
	return nil
}

// kwalletd starts kwalletd5, through its PAM login when pam is set.
func (s *Session) kwalletd(pam bool) error {
	if !pam {
		env, err := s.daemonEnv()
		if err != nil {
			return err
		}
		cmd := exec.Command("kwalletd5")
		cmd.Env = env
		return s.startDaemon(cmd)
	}
	env, err := s.daemonEnv("PAM_KWALLET5_LOGIN=1")
	if err != nil {
		return err
	}
	// The key in the pipe before the start, as for gnome-keyring: pam_kwallet
	// derives it from the login password with PBKDF2 and the wallet's
	// salt file; any 56 bytes do, as long as every start uses the same.
	key := sha512.Sum512([]byte(Password))
	r, w, err := os.Pipe()
	if err != nil {
		return err
	}
	w.Write(key[:56])
	w.Close()
	defer r.Close()
	// An abstract socket: no path to clean up, and no length limit of a
	// deep test directory.
	name := fmt.Sprintf("@monitor-token-testkeyring-%d-%d", os.Getpid(), kwalletSocketSeq.Add(1))
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: name, Net: "unix"})
	if err != nil {
		return err
	}
	defer ln.Close()
	lf, err := ln.File()
	if err != nil {
		return err
	}
	defer lf.Close()
	cmd := exec.Command("kwalletd5", "--pam-login", "3", "4")
	cmd.Env = env
	cmd.ExtraFiles = []*os.File{r, lf} // fds 3 and 4
	if err := s.startDaemon(cmd); err != nil {
		return err
	}
	// No environment to hand over: connect and close, which kwalletd reads
	// as the end of it.
	c, err := net.Dial("unix", name)
	if err != nil {
		return fmt.Errorf("kwalletd5 --pam-login: the environment socket: %w", err)
	}
	return c.Close()
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
