package app

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/config"
)

// logout removes a profile's secrets (--all: every item monitor-token
// wrote), and with --purge then its settings, so that nothing of it is
// left. The settings go only once the secrets are gone: a purge that
// failed halfway leaves a profile that logout can still find.
func (p *program) logout(c *cli.Context) error {
	all, purge := c.Bool("all"), c.Bool("purge")
	if all && c.IsSet("profile") {
		return usagef("logout: give --profile or --all, not both")
	}
	b, err := p.broker(false)
	if err != nil {
		return err
	}
	r := p.resolver(c)
	var path string
	if purge {
		// Before anything is removed: a config file that cannot be found
		// stops the purge with the secrets still in place.
		if path, err = r.ConfigFile(); err != nil {
			return err
		}
	}
	if all {
		if err := b.LogoutAll(c.Context); err != nil {
			return fmt.Errorf("logout --all: %w", err)
		}
		if !purge {
			fmt.Fprintln(p.Stderr, "Removed every monitor-token item from the keyring, and every cached token file; profile settings were kept (--purge removes them).")
			return nil
		}
		if err := config.Update(c.Context, path, func(f *config.File) error {
			f.Profiles, f.Default = map[string]config.Settings{}, ""
			return nil
		}); err != nil {
			return fmt.Errorf("logout --all --purge: the keyring items and token files were removed, the settings were not: %w", err)
		}
		fmt.Fprintf(p.Stderr, "Removed every monitor-token item from the keyring, every cached token file, and every profile from %s.\n", atomicfile.ShowPath(path))
		return nil
	}
	// The name only: a profile that is no longer in the config file (or
	// never was) may still have secrets to remove.
	name, _, err := r.Name()
	if err != nil {
		return err
	}
	if err := b.Logout(c.Context, name); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	if !purge {
		fmt.Fprintf(p.Stderr, "Removed the API key and cached token of profile %q (keyring and token file); its settings were kept (--purge removes them).\n", name)
		return nil
	}
	var had, wasDefault bool
	if err := config.Update(c.Context, path, func(f *config.File) error {
		_, had = f.Profiles[name]
		delete(f.Profiles, name)
		if wasDefault = f.Default == name; wasDefault {
			f.Default = ""
		}
		return nil
	}); err != nil {
		return fmt.Errorf("logout --purge: the API key and cached token of profile %q were removed, its settings were not: %w", name, err)
	}
	settings := ", and its settings from " + atomicfile.ShowPath(path)
	if !had {
		settings = "; it had no settings in " + atomicfile.ShowPath(path)
	}
	fmt.Fprintf(p.Stderr, "Removed the API key and cached token of profile %q (keyring and token file)%s.", name, settings)
	if wasDefault {
		fmt.Fprintf(p.Stderr, " Commands given no --profile now use %q.", config.BuiltinDefault)
	}
	fmt.Fprintln(p.Stderr)
	return nil
}
