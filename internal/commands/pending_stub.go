package commands

import (
	"context"

	"github.com/urfave/cli/v2"
)

// TEMPORARY: replaced when internal/complete, internal/install and the
// proxy's Serve land.
func newProxyCmd(f *Factory, run func(context.Context, struct{}) error) *cli.Command {
	return &cli.Command{Name: "proxy"}
}
