package commands

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/config"
)

// LogoutOptions is what `logout` was asked.
type LogoutOptions struct {
	Flags FlagValues // --profile
	All   bool       // every profile, and any item monitor-token left
	Purge bool       // the settings too
}

func newLogoutCmd(f *Factory, run func(context.Context, LogoutOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o LogoutOptions) error { return runLogout(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "logout",
		Usage:     "Removes the profile's API key and cached token from the keyring (--purge: its settings too)",
		UsageText: f.Name + " logout [--profile P | --all] [--purge]",
		Flags: []cli.Flag{
			profileFlag(),
			&cli.BoolFlag{Name: "all", Usage: "every profile, and any item monitor-token left in the keyring"},
			&cli.BoolFlag{Name: "purge", Usage: "also remove the profile's settings from the config file (with --all: every profile's)"},
		},
		Action: func(c *cli.Context) error {
			if c.Bool("all") && c.IsSet("profile") {
				return cmdutil.Usagef("logout: give --profile or --all, not both")
			}
			return run(c.Context, LogoutOptions{Flags: flagValues(c, "profile"), All: c.Bool("all"), Purge: c.Bool("purge")})
		},
	}
}

// runLogout removes a profile's secrets (--all: every item monitor-token
// wrote), and with --purge then its settings, so that nothing of it is
// left. The settings go only once the secrets are gone: a purge that
// failed halfway leaves a profile that logout can still find.
func runLogout(ctx context.Context, f *Factory, o LogoutOptions) error {
	all, purge := o.All, o.Purge
	b, err := f.Broker(false)
	if err != nil {
		return err
	}
	r := f.Resolver(o.Flags)
	var path string
	if purge {
		// Before anything is removed: a config file that cannot be found
		// stops the purge with the secrets still in place.
		if path, err = r.ConfigFile(); err != nil {
			return err
		}
	}
	if all {
		if err := b.LogoutAll(ctx); err != nil {
			return fmt.Errorf("logout --all: %w", err)
		}
		if !purge {
			fmt.Fprintln(f.Stderr, "Removed every monitor-token item from the keyring, and every cached token file; profile settings were kept (--purge removes them).")
			return nil
		}
		if err := config.Update(ctx, path, func(file *config.File) error {
			file.Profiles, file.Default = map[string]config.Settings{}, ""
			return nil
		}); err != nil {
			return fmt.Errorf("logout --all --purge: the keyring items and token files were removed, the settings were not: %w", err)
		}
		fmt.Fprintf(f.Stderr, "Removed every monitor-token item from the keyring, every cached token file, and every profile from %s.\n", atomicfile.ShowPath(path))
		return nil
	}
	// The name only: a profile that is no longer in the config file (or
	// never was) may still have secrets to remove.
	name, _, err := r.Name()
	if err != nil {
		return err
	}
	if err := b.Logout(ctx, name); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if !purge {
		fmt.Fprintf(f.Stderr, "Removed the API key and cached token of profile %q (keyring and token file); its settings were kept (--purge removes them).\n", name)
		return nil
	}
	var had, wasDefault bool
	if err := config.Update(ctx, path, func(file *config.File) error {
		_, had = file.Profiles[name]
		delete(file.Profiles, name)
		if wasDefault = file.Default == name; wasDefault {
			file.Default = ""
		}
		return nil
	}); err != nil {
		return fmt.Errorf("logout --purge: the API key and cached token of profile %q were removed, its settings were not: %w", name, err)
	}
	settings := ", and its settings from " + atomicfile.ShowPath(path)
	if !had {
		settings = "; it had no settings in " + atomicfile.ShowPath(path)
	}
	fmt.Fprintf(f.Stderr, "Removed the API key and cached token of profile %q (keyring and token file)%s.", name, settings)
	if wasDefault {
		fmt.Fprintf(f.Stderr, " Commands given no --profile now use %q.", config.BuiltinDefault)
	}
	fmt.Fprintln(f.Stderr)
	return nil
}
