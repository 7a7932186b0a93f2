package integration

import (
	"bytes"
	"errors"
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
)

// cmdTypeAt runs a command on a terminal, waits for a prompt, types the
// content of a file as a person would, and puts everything the terminal
// showed into terminal.txt (so the script can check it) and the exit status
// into the usual place:
//
//	type-at FILE PROMPT_REGEXP COMMAND [ARG...]
func cmdTypeAt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 3 {
		ts.Fatalf("usage: type-at FILE PROMPT_REGEXP COMMAND [ARG...]")
	}
	input := strings.TrimRight(ts.ReadFile(args[0]), "\n")
	shown, _, waitErr := runOnTerminal(ts, args[1], input+"\r", args[2:])
	if (waitErr != nil) != neg {
		ts.Fatalf("exit: %v; the terminal showed:\n%s", waitErr, shown)
	}
}

// cmdCtrlCAt runs a command on a terminal, waits for a prompt and presses
// Ctrl-C, as a person who changed their mind; the terminal's text goes to
// terminal.txt, and to stdout the exit code and whether the terminal was
// left echoing, as "exit N" and "echo true":
//
//	ctrl-c-at PROMPT_REGEXP COMMAND [ARG...]
func cmdCtrlCAt(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: ctrl-c-at PROMPT_REGEXP COMMAND [ARG...]")
	}
	if neg {
		ts.Fatalf("unsupported: ! ctrl-c-at (check the exit code on stdout)")
	}
	// ^C is the terminal's VINTR: the line discipline turns it into a
	// SIGINT to the foreground process group, as a keyboard does.
	_, echo, waitErr := runOnTerminal(ts, args[0], "\x03", args[1:])
	code := 0
	var exit *exec.ExitError
	if errors.As(waitErr, &exit) {
		code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
	} else if waitErr != nil {
		ts.Fatalf("%v", waitErr)
	}
	fmt.Fprintf(ts.Stdout(), "exit %d\necho %v\n", code, echo)
}

// runOnTerminal starts command on a new terminal, waits until the terminal
// shows prompt, types input, and waits for the command to end (at most a
// hang guard's time).
// echo says whether the command left the terminal echoing, as it found it.
func runOnTerminal(ts *testscript.TestScript, prompt, input string, command []string) (shown string, echo bool, waitErr error) {
	promptRe := regexp.MustCompile(prompt)
	controller, terminal, err := openPTY()
	ts.Check(err)
	defer controller.Close()

	path := command[0]
	for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, command[0])); err == nil {
			path = filepath.Join(dir, command[0])
			break
		}
	}
	cmd := exec.Command(path, command[1:]...)
	cmd.Dir = ts.Getenv("WORK")
	for _, k := range []string{"PATH", "HOME", "DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "SSL_CERT_FILE", "IBMCLOUD_PLUGIN_NAMESPACE"} {
		cmd.Env = append(cmd.Env, k+"="+ts.Getenv(k))
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = terminal, terminal, terminal
	cmd.SysProcAttr = terminalAttr()
	ts.Check(cmd.Start())
	// The terminal end stays open here until the command has ended, to
	// read the state it left the terminal in; then closing it lets the
	// reader below see the end.
	defer terminal.Close()

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
	for !promptRe.Match(screen.Bytes()) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			ts.Fatalf("no prompt matching %q; the terminal showed %q", prompt, screen.Bytes())
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, err = controller.Write([]byte(input))
	ts.Check(err)
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case waitErr = <-exited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		ts.Fatalf("%s did not end after the input; the terminal showed %q", command[0], screen.Bytes())
	}
	echo, err = echoOn(terminal)
	ts.Check(err)
	terminal.Close()
	select {
	case <-read:
	case <-time.After(5 * time.Second):
	}
	shown = strings.ReplaceAll(string(screen.Bytes()), "\r\n", "\n")
	ts.Check(os.WriteFile(ts.MkAbs("terminal.txt"), []byte(shown), 0o600))
	return shown, echo, waitErr
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
