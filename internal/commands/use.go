package commands

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/printable"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// UseOptions is what `use` was asked.
type UseOptions struct {
	Name string // the profile that becomes the default
}

func newUseCmd(f *Factory, run func(context.Context, UseOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o UseOptions) error { return runUse(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "use",
		Usage:     "Makes NAME the profile of commands given no --profile (--profile and $MONITOR_TOKEN_PROFILE still win)",
		UsageText: f.Name + " use NAME",
		Before:    func(*cli.Context) error { return nil },
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cmdutil.Usagef("use: give one profile name: %s use NAME (`%s profiles` lists them)", f.Name, f.Name)
			}
			name := c.Args().First()
			if err := config.ValidProfileName(name); err != nil {
				return cmdutil.Usagef("use: %v", err)
			}
			return run(c.Context, UseOptions{Name: name})
		},
	}
}

// runUse stores the name as the profile of commands given no --profile, in
// the config file under its lock. profile.Resolver.Name is what reads it
// back; --profile and MONITOR_TOKEN_PROFILE still win there.
func runUse(ctx context.Context, f *Factory, o UseOptions) error {
	path, err := f.Resolver(nil).ConfigFile()
	if err != nil {
		return err
	}
	err = config.Update(ctx, path, func(file *config.File) error {
		if _, ok := file.Profiles[o.Name]; !ok {
			return fmt.Errorf("use: no profile %q in %s; nothing was changed (`%s profiles` lists them, `%s login --profile %s ...` makes one)",
				o.Name, atomicfile.ShowPath(path), f.Name, f.Name, o.Name)
		}
		file.Default = o.Name
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(f.Stderr, "Commands given no --profile now use profile %q.\n", o.Name)
	// Say what still wins over it in this shell, rather than let the user
	// find out from the next command.
	if v := f.Getenv(profile.VarProfile); v != "" && v != o.Name {
		f.notef("%s=%s is set, and wins over it in this environment.", profile.VarProfile, printable.String(v))
	} else if f.Getenv(profile.VarInstance) != "" {
		f.notef("%s is set: commands use the profile in the environment, whatever the default.", profile.VarInstance)
	}
	return nil
}
