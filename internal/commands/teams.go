package commands

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/printable"
)

// TeamsOptions is what `teams` was asked.
type TeamsOptions struct {
	Flags  FlagValues // --profile
	Format string     // text or json
}

func newTeamsCmd(f *Factory, run func(context.Context, TeamsOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o TeamsOptions) error { return runTeams(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "teams",
		Usage:     "Lists the instance's teams (id, name, default), to pick --team",
		UsageText: f.Name + " teams [--profile P] [--format text|json]",
		Flags:     []cli.Flag{profileFlag(), textOrJSON()},
		Action: func(c *cli.Context) error {
			format, err := choiceOf(c, "format")
			if err != nil {
				return err
			}
			return run(c.Context, TeamsOptions{Flags: flagValues(c, "profile"), Format: format})
		},
	}
}

// runTeams lists the instance's teams with the profile's credential, so a
// user can pick --team (or use --team-name at login).
func runTeams(ctx context.Context, f *Factory, o TeamsOptions) error {
	prof, b, err := f.openProfile(o.Flags)
	if err != nil {
		return err
	}
	teams, err := b.Teams(ctx, prof)
	if err != nil {
		return err
	}
	// Kept for `--team <TAB>` (broker.TeamsItem), to offer them without a
	// request. A convenience for completion: a failure is said on --debug
	// only.
	if err := b.KeepTeams(ctx, prof, teams); err != nil {
		f.Debugf("the team list of profile %q was not kept for completion: %v", prof.Name, err)
	}
	if o.Format == "json" {
		return writeIndentedJSON(f.Stdout, map[string]any{"teams": teams})
	}
	tw := tabwriter.NewWriter(f.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDEFAULT")
	for _, t := range teams {
		def := ""
		if t.Default {
			def = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", t.ID, printable.String(t.Name), def)
	}
	return tw.Flush()
}
