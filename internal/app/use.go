package app

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// use stores NAME as the profile of commands given no --profile, in the
// config file under its lock. profile.Resolver.Name is what reads it back;
// --profile and MONITOR_TOKEN_PROFILE still win there.
func (p *program) use(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("use: give one profile name: %s use NAME (`%s profiles` lists them)", p.name, p.name)
	}
	name := c.Args().First()
	if err := config.ValidProfileName(name); err != nil {
		return usagef("use: %v", err)
	}
	r := p.resolver(nil)
	path, err := r.ConfigFile()
	if err != nil {
		return err
	}
	err = config.Update(c.Context, path, func(f *config.File) error {
		if _, ok := f.Profiles[name]; !ok {
			return fmt.Errorf("use: no profile %q in %s; nothing was changed (`%s profiles` lists them, `%s login --profile %s ...` makes one)",
				name, atomicfile.ShowPath(path), p.name, p.name, name)
		}
		f.Default = name
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(p.Stderr, "Commands given no --profile now use profile %q.\n", name)
	// Say what still wins over it in this shell, rather than let the user
	// find out from the next command.
	if v := p.getenv(profile.VarProfile); v != "" && v != name {
		fmt.Fprintf(p.Stderr, "%s: note: %s=%s is set, and wins over it in this environment.\n", p.name, profile.VarProfile, printable(v))
	} else if p.getenv(profile.VarInstance) != "" {
		fmt.Fprintf(p.Stderr, "%s: note: %s is set: commands use the profile in the environment, whatever the default.\n", p.name, profile.VarInstance)
	}
	return nil
}
