package commands

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
)

// newVersionCmd prints the build's version: it has no options.
func newVersionCmd(f *Factory) *cli.Command {
	return &cli.Command{
		Name:      "version",
		Usage:     "Prints the version",
		UsageText: f.Name + " version",
		Action: func(c *cli.Context) error {
			_, err := fmt.Fprintln(f.Stdout, cmdutil.Version())
			return err
		},
	}
}
