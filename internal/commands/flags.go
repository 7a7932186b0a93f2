package commands

import (
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/complete"
)

// FlagValues are the flags the user typed on a command, by name, as the
// profile resolver reads them (profile.Flags): a boolean flag that is on
// reads "true". Only the command line sets them: no flag declares EnvVars,
// which urfave/cli would read from the process's environment, not the
// run's. A map, so that the tables of flags to options are literals.
type FlagValues map[string]string

// Lookup is profile.Flags.
func (f FlagValues) Lookup(name string) (string, bool) {
	v, ok := f[name]
	return v, ok
}

// flagValues reads the flags called names that the user set on c's
// command. A boolean flag that is off counts as not given.
func flagValues(c *cli.Context, names ...string) FlagValues {
	out := FlagValues{}
	for _, name := range names {
		if !c.IsSet(name) {
			continue
		}
		switch v := c.Value(name).(type) {
		case bool:
			if v {
				out[name] = "true"
			}
		default:
			out[name] = c.String(name)
		}
	}
	return out
}

func profileFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  "profile",
		Usage: "the profile to use (default: $MONITOR_TOKEN_PROFILE, else the one the use command set, else \"default\")",
	}
}

// noArgs rejects positional arguments: every command takes flags only, and
// urfave/cli stops parsing flags at the first positional argument, so a
// stray word would silently swallow the flags after it (docs/urfave-cli.md,
// "Flags after arguments").
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return cmdutil.Usagef("%s: unexpected argument %q (flags go before arguments; this command takes none)", c.Command.Name, c.Args().First())
	}
	return nil
}

// ChoiceFlag is a string flag with a closed set of values: completion
// offers them (complete.ChoiceFlag), and choiceOf checks the value against
// them.
type ChoiceFlag struct {
	*cli.StringFlag
	choices []string
	// describe says what a value means, for completion; nil: nothing.
	describe func(string) string
}

// Choices are the values the flag takes, each with what it means.
func (f ChoiceFlag) Choices() []complete.Candidate {
	out := complete.Values(f.choices...)
	for i := range out {
		if f.describe != nil {
			out[i].Desc = f.describe(out[i].Value)
		}
	}
	return out
}

func choiceFlag(name, value, usage string, choices ...string) ChoiceFlag {
	return ChoiceFlag{StringFlag: &cli.StringFlag{Name: name, Value: value, Usage: usage}, choices: choices}
}

// textOrJSON is the --format of the commands that print a report.
func textOrJSON() ChoiceFlag { return choiceFlag("format", "text", "text or json", reportFormats...) }

// reportFormats are what a report's --format takes.
var reportFormats = []string{"text", "json"}

// choiceOf reads the choice flag called name and checks it against its
// choices.
func choiceOf(c *cli.Context, name string) (string, error) {
	v := c.String(name)
	var choices []string
	for _, fl := range c.Command.Flags {
		if cf, ok := fl.(ChoiceFlag); ok && cf.Name == name {
			choices = cf.choices
		}
	}
	if !slices.Contains(choices, v) {
		last := len(choices) - 1
		return "", cmdutil.Usagef("%s: unknown --%s %q; use %s or %s", c.Command.Name, name, v, strings.Join(choices[:last], ", "), choices[last])
	}
	return v, nil
}
