package app

import (
	"context"

	"github.com/monitor-token/monitor-token/internal/commands"
	"github.com/monitor-token/monitor-token/internal/complete"
)

// runCLI runs args through the command line (internal/commands), or
// answers a completion request.
func (p *program) runCLI(ctx context.Context, args []string) error {
	if len(args) > 1 && args[1] == complete.Request {
		return commands.Complete(ctx, p.factory(), args[2:])
	}
	var notFound error
	err := commands.NewApp(p.factory(), &notFound).RunContext(ctx, args)
	if notFound != nil {
		return notFound
	}
	return err
}

// factory is what the commands get of this run: its streams, name,
// environment, clock and executable, and the broker wiring.go builds.
func (p *program) factory() *commands.Factory {
	return &commands.Factory{
		Name:        p.name,
		Program:     p.hintName(),
		Stdin:       p.Stdin,
		Stdout:      p.Stdout,
		ChildStdout: unchecked(p.Stdout),
		Stderr:      p.Stderr,
		ChildStderr: p.rawStderr,
		Getenv:      p.getenv,
		Environ:     p.Environ,
		Now:         p.Now,
		Executable:  p.Executable,
		Broker:      p.broker,
		Warn:        p.warn,
		Scrub:       p.scrub,
		Debugf:      p.debugf,
		Remember:    p.remember,
		EnableDebug: func() { p.debug = true },
	}
}
