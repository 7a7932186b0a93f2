// Package commands is monitor-token's command line: one file per command,
// each with an options struct, a constructor that only parses the command's
// flags into it, and a run function that only behaves, given a Factory (the
// shape of aws-vault's cli/ and gh's pkg/cmd: docs/architecture.md,
// "Commands"). internal/app builds the Factory for a run and hands the
// command line to NewApp; nothing here imports internal/app.
package commands

import (
	"fmt"
	"io"
	"time"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// Factory is what a command may use of the run: its streams, its name, its
// environment, its clock, the executable's path, and the profile resolver
// and broker built for it. Commands reach nothing else of the process.
type Factory struct {
	// Name is how the user invoked us ("monitor-token", "kubectl
	// monitor-token", "ibmcloud monitor-token", "git-credential-..."):
	// it starts every message and usage line.
	Name string
	// Program is the command a hint tells the user to run ("run `PROGRAM
	// login`"): Name, except where Name is no command line of ours (git's
	// helper personality); "" is Name.
	Program string

	Stdin  io.Reader
	Stdout io.Writer
	// ChildStdout is the stream under Stdout, for a child process (exec):
	// the terminal or file itself, so that the child sees a terminal as
	// one and reports its own write failures.
	ChildStdout io.Writer
	Stderr      io.Writer
	// ChildStderr is the stream under Stderr (which serializes the
	// run's own lines), for a child process, as ChildStdout.
	ChildStderr io.Writer

	// Getenv reads the run's environment (never the process's: tests
	// inject it); Environ is that environment as os.Environ gives it,
	// for a child process.
	Getenv  func(string) string
	Environ []string
	Now     func() time.Time
	// After is the timer long-running commands wait on (time.After); a
	// test gives it a clock of its own, to run a watch's hour at once.
	// nil: time.After.
	After func(time.Duration) <-chan time.Time
	// Executable is the running program's path (os.Executable).
	Executable func() (string, error)

	// Broker builds the run's broker. interactive: a person waits (login),
	// so keyring calls get the long deadline (docs/keyring.md,
	// "Deadlines").
	Broker func(interactive bool) (*broker.Broker, error)
	// Warn writes "NAME: warning: ..." on stderr, scrubbed of secrets.
	Warn func(error)
	// Scrub makes text one line, with every secret the run has handled
	// replaced and control characters escaped, as every message is: for
	// lines a command writes itself (a running proxy's log).
	Scrub func(string) string
	// Debugf writes a --debug line, scrubbed; nothing without --debug.
	Debugf func(format string, a ...any)
	// Remember marks a value as secret for the rest of the run: no
	// message, warning or debug line shows it.
	Remember func(secret string)
	// EnableDebug is called for --debug.
	EnableDebug func()
}

// Resolver resolves profiles from flags (nil: none) and the run's
// environment.
func (f *Factory) Resolver(flags profile.Flags) profile.Resolver {
	return profile.Resolver{Getenv: f.Getenv, Flags: flags, Program: f.program()}
}

// program is the command hints name.
func (f *Factory) program() string {
	if f.Program != "" {
		return f.Program
	}
	return f.Name
}

// openProfile resolves the profile the flags name and builds the broker,
// with the keyring deadline for calls made on behalf of another program.
func (f *Factory) openProfile(flags profile.Flags) (profile.Profile, *broker.Broker, error) {
	prof, err := f.Resolver(flags).Profile()
	if err != nil {
		return profile.Profile{}, nil, err
	}
	b, err := f.Broker(false)
	if err != nil {
		return profile.Profile{}, nil, err
	}
	return prof, b, nil
}

// notef writes "NAME: note: ..." on stderr.
func (f *Factory) notef(format string, a ...any) {
	fmt.Fprintf(f.Stderr, "%s: note: %s\n", f.Name, fmt.Sprintf(format, a...))
}

// after is f.After, or time.After when it is not set.
func (f *Factory) after(d time.Duration) <-chan time.Time {
	if f.After == nil {
		return time.After(d)
	}
	return f.After(d)
}
