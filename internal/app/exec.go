package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"
)

// exec runs a command with the token in its environment, under the names
// existing tools read (docs/protocol.md, "Environment variables of other
// tools"). The token goes only into the child's environment, never onto a
// command line; stdin, stdout and stderr are the child's, and its exit
// status is ours.
func (p *program) exec(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("exec: give the command to run: %s exec -- COMMAND [ARG...]", p.name)
	}
	prof, b, err := p.openProfile(c)
	if err != nil {
		return err
	}
	tok, err := b.Token(c.Context, prof)
	if err != nil {
		return err
	}
	vars := envVars(newTokenOutput(prof, tok))
	env := make([]string, 0, len(p.Environ)+len(vars))
	for _, kv := range p.Environ {
		if !overridden(kv, vars) {
			env = append(env, kv)
		}
	}
	for _, v := range vars {
		env = append(env, v[0]+"="+v[1])
	}

	args := c.Args().Slice()
	path, err := lookPath(args[0], env)
	if err != nil {
		return &exitError{code: 127, err: fmt.Errorf("exec: %s: command not found", args[0])}
	}
	cmd := exec.Command(path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = p.Stdin, unchecked(p.Stdout), p.Stderr
	if err := cmd.Start(); err != nil {
		return &exitError{code: 126, err: fmt.Errorf("exec: %s: %w", args[0], err)}
	}
	// The child gets Ctrl-C from the terminal itself (same process group);
	// we wait for it rather than die first and orphan it. A SIGTERM was
	// sent to us alone (a supervisor, `timeout`, `kill`), and meant the
	// whole run: it is passed on. SIGINT is not, or a Ctrl-C would reach
	// the child twice.
	exited := make(chan struct{})
	defer close(exited)
	go func() {
		select {
		case <-c.Context.Done():
			var sig Interrupted
			if errors.As(context.Cause(c.Context), &sig) && sig.Signal == syscall.SIGTERM {
				cmd.Process.Signal(syscall.SIGTERM)
			}
		case <-exited:
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code := exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal()) // the shell's convention
		}
		return &exitError{code: code}
	}
	return err
}

// overridden says whether kv sets one of vars.
func overridden(kv string, vars [][2]string) bool {
	for _, v := range vars {
		if strings.HasPrefix(kv, v[0]+"=") {
			return true
		}
	}
	return false
}

// lookPath finds a command on the PATH of env, not of this process.
func lookPath(name string, env []string) (string, error) {
	if strings.Contains(name, string(os.PathSeparator)) {
		return exec.LookPath(name)
	}
	for _, kv := range env {
		if dirs, ok := strings.CutPrefix(kv, "PATH="); ok {
			for _, dir := range strings.Split(dirs, string(os.PathListSeparator)) {
				if dir == "" {
					dir = "."
				}
				if p, err := exec.LookPath(dir + string(os.PathSeparator) + name); err == nil {
					return p, nil
				}
			}
			return "", exec.ErrNotFound
		}
	}
	return exec.LookPath(name)
}

// exitError carries a child's exit status through; with err nil nothing is
// printed (the child has said what it had to say).
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }
