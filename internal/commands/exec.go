package commands

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
)

// ExecOptions is what `exec` was asked.
type ExecOptions struct {
	Flags   FlagValues // --profile
	Command []string   // the command and its arguments
}

func newExecCmd(f *Factory, run func(context.Context, ExecOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o ExecOptions) error { return runExec(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "exec",
		Usage:     "Runs a command with the token in SYSDIG_MONITOR_API_TOKEN, SDC_TOKEN and friends",
		UsageText: f.Name + " exec [--profile P] -- COMMAND [ARG...]",
		Flags:     []cli.Flag{profileFlag()},
		Before:    func(*cli.Context) error { return nil },
		Action: func(c *cli.Context) error {
			if c.NArg() == 0 {
				return cmdutil.Usagef("exec: give the command to run: %s exec -- COMMAND [ARG...]", f.Name)
			}
			return run(c.Context, ExecOptions{Flags: flagValues(c, "profile"), Command: c.Args().Slice()})
		},
	}
}

// runExec runs a command with the token in its environment, under the
// names existing tools read (docs/protocol.md, "Environment variables of
// other tools"). The token goes only into the child's environment, never
// onto a command line; stdin, stdout and stderr are the child's, and its
// exit status is ours.
func runExec(ctx context.Context, f *Factory, o ExecOptions) error {
	prof, b, err := f.openProfile(o.Flags)
	if err != nil {
		return err
	}
	tok, err := b.Token(ctx, prof)
	if err != nil {
		return err
	}
	vars := envVars(newTokenOutput(prof, tok))
	env := make([]string, 0, len(f.Environ)+len(vars))
	for _, kv := range f.Environ {
		if !overridden(kv, vars) {
			env = append(env, kv)
		}
	}
	for _, v := range vars {
		env = append(env, v[0]+"="+v[1])
	}

	args := o.Command
	path, err := lookPath(args[0], env)
	if err != nil {
		return &cmdutil.ExitError{Code: 127, Err: fmt.Errorf("exec: %s: command not found", args[0])}
	}
	cmd := exec.Command(path, args[1:]...)
	cmd.Args[0] = args[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = f.Stdin, f.ChildStdout, f.ChildStderr
	if err := cmd.Start(); err != nil {
		return &cmdutil.ExitError{Code: 126, Err: fmt.Errorf("exec: %s: %w", args[0], err)}
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
		case <-ctx.Done():
			var sig cmdutil.Interrupted
			if errors.As(context.Cause(ctx), &sig) && sig.Signal == syscall.SIGTERM {
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
		return &cmdutil.ExitError{Code: code}
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
