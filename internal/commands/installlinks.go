package commands

import (
	"context"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/complete"
	"github.com/monitor-token/monitor-token/internal/install"
)

// InstallLinksOptions is what `install-links` was asked.
type InstallLinksOptions struct {
	Dir    string // where the links go; "" = the executable's directory
	Force  bool   // replace what is in the way and not ours
	Remove bool   // take away what is ours instead
	// GOOS is the system to act for ("": this one); tests set the other.
	GOOS string
}

func newInstallLinksCmd(f *Factory, run func(context.Context, InstallLinksOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o InstallLinksOptions) error { return runInstallLinks(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "install-links",
		Usage:     "Links kubectl-monitor_token and friends to this binary, and installs the completion scripts (after go install)",
		UsageText: f.Name + " install-links [--dir DIR] [--force] [--remove]",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "dir", TakesFile: true, Usage: "where the links go (default: the executable's directory); completion goes under DIR/../share"},
			&cli.BoolFlag{Name: "force", Usage: "replace files and links in the way that are not monitor-token's"},
			&cli.BoolFlag{Name: "remove", Usage: "remove what install-links installs, where it is monitor-token's"},
		},
		Action: func(c *cli.Context) error {
			if c.IsSet("dir") && c.String("dir") == "" {
				return cmdutil.Usagef("install-links: --dir is empty; give a directory, or leave --dir out for the executable's own")
			}
			if c.Bool("force") && c.Bool("remove") {
				return cmdutil.Usagef("install-links: --remove leaves what is not ours alone, whatever --force says; give one of them")
			}
			return run(c.Context, InstallLinksOptions{Dir: c.String("dir"), Force: c.Bool("force"), Remove: c.Bool("remove")})
		},
	}
}

// runInstallLinks puts beside the binary what `make install` does: the
// personality links and the completion scripts (internal/install), and
// reports each on stderr.
func runInstallLinks(_ context.Context, f *Factory, o InstallLinksOptions) error {
	exe, err := install.ResolveExecutable(f.Executable)
	if err != nil {
		return err
	}
	var completions []install.Completion
	for _, sh := range complete.Shells() {
		completions = append(completions, install.Completion{Shell: sh.Name, Path: sh.Path, Script: sh.Script})
	}
	lines, err := install.Links(install.Options{
		GOOS: o.GOOS, Exe: exe, Dir: o.Dir, Force: o.Force, Remove: o.Remove, Completions: completions,
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(f.Stderr, strings.Join(lines, ""))
	return err
}
