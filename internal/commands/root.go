package commands

import (
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
)

// NewApp is the command line's definition for one run. An unknown command
// is put in *notFound rather than returned: urfave/cli only calls
// CommandNotFound.
func NewApp(f *Factory, notFound *error) *cli.App {
	return &cli.App{
		Name:      f.Name,
		HelpName:  f.Name,
		Usage:     "the IBM Cloud Monitoring API token, from the OS keyring, for any tool",
		UsageText: f.Name + " [--debug] COMMAND [FLAGS]   (flags go after the command, before any argument)",
		Version:   cmdutil.Version(),
		Reader:    f.Stdin,
		Writer:    f.Stdout,
		ErrWriter: f.Stderr,
		// The app returns errors to app.Run, which prints them and picks
		// the exit code; urfave/cli must not call os.Exit
		// (docs/urfave-cli.md, "Exit handling").
		ExitErrHandler: func(*cli.Context, error) {},
		// Its default -v/--version flag would shadow `version`; one way is
		// enough (docs/urfave-cli.md, "The version flag").
		HideVersion:     true,
		HideHelpCommand: true, // cmdutil.HelpCommand is added per run instead
		OnUsageError:    onUsageError(f),
		// No flag declares EnvVars: urfave/cli would read them from the
		// process environment, not from the run's.
		Flags: []cli.Flag{&cli.BoolFlag{
			Name:  "debug",
			Usage: "log requests, responses and keyring calls on stderr, secrets redacted (or MONITOR_TOKEN_DEBUG=1)",
		}, cmdutil.HelpFlag},
		Before: func(c *cli.Context) error {
			if c.Bool("debug") && f.EnableDebug != nil {
				f.EnableDebug()
			}
			return nil
		},
		CommandNotFound: func(c *cli.Context, name string) {
			*notFound = cmdutil.Usagef("unknown command %q; run `%s --help` for the list", name, f.Name)
		},
		Commands: append(Commands(f), cmdutil.HelpCommand()),
	}
}

// Commands are the commands, in the order help lists them, each run
// through the Factory.
func Commands(f *Factory) []*cli.Command {
	cmds := []*cli.Command{
		newLoginCmd(f, nil),
		newGetCmd(f, nil),
		newRefreshCmd(f, nil),
		newStatusCmd(f, nil),
		newLogoutCmd(f, nil),
		newProfilesCmd(f, nil),
		newUseCmd(f, nil),
		newTeamsCmd(f, nil),
		newExecCmd(f, nil),
		newProxyCmd(f, nil),
		newGitCredentialCmd(f, nil),
		newSetupGitCmd(f, nil),
		newCompletionCmd(f, nil),
		newInstallLinksCmd(f, nil),
		newVersionCmd(f),
	}
	for _, c := range cmds {
		withDefaults(f, c)
	}
	return cmds
}

// withDefaults gives a command what every command has: the usage-error
// message, no help subcommand (see cmdutil.HelpCommand), and, unless it
// takes arguments, the refusal of any.
func withDefaults(f *Factory, c *cli.Command) *cli.Command {
	c.OnUsageError = onUsageError(f)
	c.HideHelpCommand = true
	if c.Before == nil {
		c.Before = noArgs
	}
	return c
}

func onUsageError(f *Factory) cli.OnUsageErrorFunc {
	return func(c *cli.Context, err error, _ bool) error {
		// At the top, urfave/cli gives the program's own name as the
		// command's: the program is named once.
		if c.Command == nil || c.Command.Name == "" || c.Command.Name == f.Name {
			return cmdutil.Usagef("%v; run `%s --help` for usage", err, f.Name)
		}
		return cmdutil.Usagef("%s: %v; run `%s %s --help` for usage", c.Command.Name, err, f.Name, c.Command.Name)
	}
}

// CommandLine is the command line's definition as `monitor-token` runs
// it, for what is generated from it at release time: the man page
// (cmd/release-files, built without urfave_cli_no_docs so that the
// released binary keeps that saving: docs/urfave-cli.md, "Build tag
// urfave_cli_no_docs"). It is not for running.
func CommandLine() *cli.App {
	var notFound error
	return NewApp(&Factory{Name: "monitor-token", Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}, &notFound)
}
