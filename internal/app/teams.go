package app

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/urfave/cli/v2"
)

// teams lists the instance's teams with the profile's credential, so a
// user can pick --team (or use --team-name at login).
func (p *program) teams(c *cli.Context) error {
	format, err := formatOf(c)
	if err != nil {
		return err
	}
	prof, b, err := p.openProfile(c)
	if err != nil {
		return err
	}
	teams, err := b.Teams(c.Context, prof)
	if err != nil {
		return err
	}
	p.saveTeamList(c.Context, b, prof, teams) // for `--team <TAB>` (teamlist.go)
	if format == "json" {
		enc := json.NewEncoder(p.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"teams": teams})
	}
	tw := tabwriter.NewWriter(p.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tNAME\tDEFAULT")
	for _, t := range teams {
		def := ""
		if t.Default {
			def = "yes"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\n", t.ID, printable(t.Name), def)
	}
	return tw.Flush()
}
