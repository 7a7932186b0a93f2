package integration

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair: the controller end for the test,
// the terminal end for the program.
func openPTY() (controller, terminal *os.File, err error) {
	controller, err = os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(int(controller.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		controller.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(int(controller.Fd()), unix.TIOCGPTN)
	if err != nil {
		controller.Close()
		return nil, nil, err
	}
	terminal, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		controller.Close()
		return nil, nil, err
	}
	return controller, terminal, nil
}

// cmdTypeAt runs a command on a terminal, waits for a prompt, types the
// content of a file as a person would, and puts everything the terminal
// showed into stdout (so the script can check it) and the exit status into
// the usual place:
//
//	type-at FILE PROMPT_REGEXP COMMAND [ARG...]
func cmdTypeAt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: type-at FILE PROMPT_REGEXP COMMAND [ARG...]")
	}
	input := strings.TrimRight(ts.ReadFile(args[0]), "\n")
	prompt := regexp.MustCompile(args[1])
	controller, terminal, err := openPTY()
	ts.Check(err)
	defer controller.Close()

	path := args[2]
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, args[2])); err == nil {
			path = filepath.Join(dir, args[2])
			break
		}
	}
	cmd := exec.Command(path, args[3:]...)
	cmd.Dir = ts.Getenv("WORK")
	for _, k := range []string{"PATH", "HOME", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "SSL_CERT_FILE", "IBMCLOUD_PLUGIN_NAMESPACE"} {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = terminal, terminal, terminal
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	ts.Check(cmd.Start())
	terminal.Close()

	var screen lockedBuffer
	read := make(chan struct{})
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := controller.Read(buf)
			screen.Write(buf[:n])
			if err != nil {
				close(read)
				return
			}
		}
	}()
	// Type only once the prompt is up (and echo is off): typing earlier
	// would be echoed by the terminal before the program could stop it.
	deadline := time.Now().Add(10 * time.Second)
	for !prompt.Match(screen.Bytes()) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			ts.Fatalf("no prompt matching %q; the terminal showed %q", args[1], screen.Bytes())
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, err = controller.Write([]byte(input + "\r"))
	ts.Check(err)
	waitErr := cmd.Wait()
	select {
	case <-read:
	case <-time.After(5 * time.Second):
	}
	shown := strings.ReplaceAll(string(screen.Bytes()), "\r\n", "\n")
	ts.Check(os.WriteFile(ts.MkAbs("terminal.txt"), []byte(shown), 0o600))
	if (waitErr != nil) != neg {
		ts.Fatalf("exit: %v; the terminal showed:\n%s", waitErr, shown)
	}
}

// lockedBuffer is written by the terminal reader and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
}

func (b *lockedBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]byte(nil), b.buf.Bytes()...)
}
