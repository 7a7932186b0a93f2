package cmdutil

import (
	"flag"

	"github.com/urfave/cli/v2"
)

// urfave/cli applies one package-level help flag, cli.HelpFlag, to every
// app and command it parses, and its BoolFlag.Apply writes into that shared
// value. Two runs in one process (the in-process tests, and any program
// that embeds app.Run) then race. helpFlag is a help flag with no state:
// Apply only defines the flag on the run's own flag set, which is all
// urfave/cli's checkHelp needs (it reads the value back by name).
type helpFlag struct{}

func init() { cli.HelpFlag = helpFlag{} }

var helpNames = []string{"help", "h"}

func (helpFlag) Apply(set *flag.FlagSet) error {
	for _, name := range helpNames {
		set.Bool(name, false, "show help")
	}
	return nil
}

func (helpFlag) Names() []string { return helpNames }
func (helpFlag) IsSet() bool     { return false }
func (helpFlag) String() string  { return "--help, -h\tshow help" }

func (helpFlag) IsVisible() bool { return true }

// HelpCommand stands in for urfave/cli's own help command, a package-level
// value whose subcommands it writes into on every run (the same race).
// This one is built per run.
func HelpCommand() *cli.Command {
	return &cli.Command{
		Name:      "help",
		Aliases:   []string{"h"},
		Usage:     "Shows a list of commands or help for one command",
		ArgsUsage: "[COMMAND]",
		Before:    func(*cli.Context) error { return nil },
		// No help subcommand of its own: that would be urfave's shared one.
		HideHelpCommand: true,
		Action: func(c *cli.Context) error {
			if name := c.Args().First(); name != "" {
				return cli.ShowCommandHelp(c, name)
			}
			return cli.ShowAppHelp(c)
		},
	}
}

// HelpFlag is the stateless help flag, for an app's or a command's Flags.
var HelpFlag cli.Flag = helpFlag{}
