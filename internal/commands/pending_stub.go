package commands

import (
	"context"

	"github.com/urfave/cli/v2"
)

// TEMPORARY: replaced when internal/complete, internal/install and the
// proxy's Serve land.
func newCompletionCmd(f *Factory, run func(context.Context, struct{}) error) *cli.Command {
	return &cli.Command{Name: "completion"}
}
func newInstallLinksCmd(f *Factory, run func(context.Context, struct{}) error) *cli.Command {
	return &cli.Command{Name: "install-links"}
}
func newProxyCmd(f *Factory, run func(context.Context, struct{}) error) *cli.Command {
	return &cli.Command{Name: "proxy"}
}

var gitActions = []string{"get", "store", "erase", "capability"}

func authWord(a string) string {
	if a == "iam" {
		return "iam"
	}
	return "token"
}

func cacheWord(c string) string {
	if c == "" {
		return "keyring"
	}
	return c
}
