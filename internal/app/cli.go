package app

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/endpoint"
)

// runCLI builds the urfave/cli application and runs args through it.
func (p *program) runCLI(ctx context.Context, args []string) error {
	if len(args) > 1 && args[1] == completeRequest {
		return p.complete(ctx, args[2:])
	}
	var notFound error
	err := p.cliApp(&notFound).RunContext(ctx, args)
	if notFound != nil {
		return notFound
	}
	return err
}

// cliApp is the command line's definition. An unknown command is put in
// *notFound rather than returned: urfave/cli only calls CommandNotFound.
func (p *program) cliApp(notFound *error) *cli.App {
	return &cli.App{
		Name:      p.name,
		HelpName:  p.name,
		Usage:     "the IBM Cloud Monitoring API token, from the OS keyring, for any tool",
		UsageText: p.name + " [--debug] COMMAND [FLAGS]   (flags go after the command, before any argument)",
		Version:   Version(),
		Reader:    p.Stdin,
		Writer:    p.Stdout,
		ErrWriter: p.Stderr,
		// The app returns errors to Run, which prints them and picks the
		// exit code; urfave/cli must not call os.Exit (docs/urfave-cli.md,
		// "Exit handling").
		ExitErrHandler: func(*cli.Context, error) {},
		// Its default -v/--version flag would shadow `version`; one way is enough
		// (docs/urfave-cli.md, "The version flag").
		HideVersion:     true,
		HideHelpCommand: true, // helpCommand is added per run instead (helpflag.go)
		// Completion is the __complete request (complete.go), which knows
		// flag values; urfave/cli's own knows commands and flag names only.
		OnUsageError: p.onUsageError,
		// No flag declares EnvVars: urfave/cli would read them from the
		// process environment, not from Env. The variables are read by
		// newProgram and internal/profile, through Env.
		Flags: []cli.Flag{&cli.BoolFlag{
			Name:  "debug",
			Usage: "log requests, responses and keyring calls on stderr, secrets redacted (or MONITOR_TOKEN_DEBUG=1)",
		}, helpFlag{}},
		Before: func(c *cli.Context) error {
			p.debug = p.debug || c.Bool("debug")
			return nil
		},
		CommandNotFound: func(c *cli.Context, name string) {
			*notFound = usagef("unknown command %q; run `%s --help` for the list", name, p.name)
		},
		Commands: append(p.commands(), helpCommand()),
	}
}

func (p *program) onUsageError(c *cli.Context, err error, _ bool) error {
	cmd := p.name
	if c.Command != nil && c.Command.Name != "" {
		cmd += " " + c.Command.Name
	}
	return usagef("%s: %v; run `%s --help` for usage", strings.TrimPrefix(cmd, p.name+" "), err, cmd)
}

func profileFlag() cli.Flag {
	return &cli.StringFlag{
		Name:  "profile",
		Usage: "the profile to use (default: $MONITOR_TOKEN_PROFILE, else the one `use` chose, else \"default\")",
	}
}

func (p *program) commands() []*cli.Command {
	cmds := []*cli.Command{
		{
			Name:  "login",
			Usage: "Stores an IBM Cloud API key (read from stdin or a prompt) and the instance to fetch the token for",
			UsageText: p.name + " login [--profile P] (--region R [--private] | --endpoint URL) --instance GUID|CRN [--team ID | --team-name NAME] [--iam-endpoint URL]\n" +
				"   [--trusted-profile NAME|ID [--cr-token-file PATH] | --vpc-instance [--trusted-profile NAME|ID]] [--auth token|iam] [--cache keyring|none|file] [--no-verify] < API_KEY_FILE",
			Flags: []cli.Flag{
				profileFlag(),
				choiceFlag("region", "", "Monitoring region: "+strings.Join(endpoint.Regions, ", "), endpoint.Regions...),
				&cli.BoolFlag{Name: "private", Usage: "use the private (VPC) Monitoring and IAM endpoints"},
				&cli.StringFlag{Name: "endpoint", Usage: "Monitoring endpoint URL, instead of --region"},
				&cli.StringFlag{Name: "instance", Usage: "the Monitoring instance: its GUID or its CRN"},
				&cli.StringFlag{Name: "team", Usage: "numeric team id (default: the user's default team)"},
				&cli.StringFlag{Name: "team-name", Usage: "the team's name, looked up in /api/teams, instead of --team"},
				&cli.StringFlag{Name: "iam-endpoint", Usage: "IAM endpoint URL (default: $IBMCLOUD_IAM_API_ENDPOINT, else IBM's public or private one)"},
				&cli.BoolFlag{Name: "no-verify", Usage: "store without fetching the token first"},
				&cli.StringFlag{Name: "trusted-profile", Usage: "use a trusted profile (name or Profile-ID) instead of an API key"},
				&cli.StringFlag{Name: "cr-token-file", Usage: "with --trusted-profile: the compute-resource token file (default: go-sdk-core's paths)"},
				&cli.BoolFlag{Name: "vpc-instance", Usage: "use this VSI's instance identity (with --trusted-profile to pick the profile)"},
				&cli.StringFlag{Name: "metadata-endpoint", Usage: "with --vpc-instance: the metadata service URL (default http://169.254.169.254)"},
				choiceFlag("auth", "", "token (the Monitor API token) or iam (IAM tokens, for IAM_ONLY instances)", config.AuthWords...),
				choiceFlag("cache", "", "where to cache the token: keyring (default), none, or file (plain text, opt-in)", config.CacheWords...),
			},
			Action: p.login,
		},
		{
			Name:      "get",
			Usage:     "Prints the Monitor API token (cached in the keyring, fetched when needed)",
			UsageText: p.name + " get [--profile P] [--format token|header|json|env] [--refresh | --verify]",
			Flags: []cli.Flag{
				profileFlag(),
				choiceFlag("format", "token", "token, header (Authorization: Bearer ...), json or env (export lines)", "token", "header", "json", "env"),
				&cli.BoolFlag{Name: "refresh", Usage: "fetch a fresh token even when one is cached"},
				&cli.BoolFlag{Name: "verify", Usage: "check the cached token with the service; fetch a new one if it was reset"},
			},
			Action: p.get,
		},
		{
			Name:      "refresh",
			Usage:     "Fetches the current token (after a reset) and replaces the cached one",
			UsageText: p.name + " refresh [--profile P]",
			Flags:     []cli.Flag{profileFlag()},
			Action:    p.refresh,
		},
		{
			Name:      "status",
			Usage:     "Shows the profile's endpoint, instance, team, API key source and cache state",
			UsageText: p.name + " status [--profile P] [--format text|json] [--verify]",
			Flags: []cli.Flag{
				profileFlag(),
				textOrJSON(),
				&cli.BoolFlag{Name: "verify", Usage: "check the cached token with the service; fetch a new one if it was reset"},
			},
			Action: p.status,
		},
		{
			Name:      "logout",
			Usage:     "Removes the profile's API key and cached token from the keyring (--purge: its settings too)",
			UsageText: p.name + " logout [--profile P | --all] [--purge]",
			Flags: []cli.Flag{
				profileFlag(),
				&cli.BoolFlag{Name: "all", Usage: "every profile, and any item monitor-token left in the keyring"},
				&cli.BoolFlag{Name: "purge", Usage: "also remove the profile's settings from the config file (with --all: every profile's)"},
			},
			Action: p.logout,
		},
		{
			Name:      "profiles",
			Usage:     "Lists the profiles, the default marked, with endpoint, instance, team, credential and cache",
			UsageText: p.name + " profiles [--format text|json]",
			Flags:     []cli.Flag{textOrJSON()},
			Action:    p.profiles,
		},
		{
			Name:      "use",
			Usage:     "Makes NAME the profile of commands given no --profile (--profile and $MONITOR_TOKEN_PROFILE still win)",
			UsageText: p.name + " use NAME",
			Before:    func(*cli.Context) error { return nil },
			Action:    p.use,
		},
		{
			Name:      "teams",
			Usage:     "Lists the instance's teams (id, name, default), to pick --team",
			UsageText: p.name + " teams [--profile P] [--format text|json]",
			Flags: []cli.Flag{
				profileFlag(),
				textOrJSON(),
			},
			Action: p.teams,
		},
		{
			Name:      "exec",
			Usage:     "Runs a command with the token in SYSDIG_MONITOR_API_TOKEN, SDC_TOKEN and friends",
			UsageText: p.name + " exec [--profile P] -- COMMAND [ARG...]",
			Flags:     []cli.Flag{profileFlag()},
			Before:    func(*cli.Context) error { return nil },
			Action:    p.exec,
		},
		{
			Name:      "proxy",
			Usage:     "Serves the Monitoring API on localhost with the profile's credentials added, for tools that take only a URL",
			UsageText: p.name + " proxy [--profile P] [--listen 127.0.0.1:PORT]",
			Flags: []cli.Flag{
				profileFlag(),
				&cli.StringFlag{Name: "listen", Value: DefaultProxyListen, Usage: "loopback address and port to listen on (port 0 picks a free one)"},
				&cli.BoolFlag{Name: "allow-remote", Usage: "allow a --listen address other than loopback (anyone who reaches it acts with your token)"},
				&cli.StringSliceFlag{Name: "accept-host", Usage: "also answer requests whose Host header is this host:port (repeatable)"},
			},
			Action: p.proxyCmd,
		},
		{
			Name:      "git-credential",
			Hidden:    true, // git runs it; setup-git configures it
			Usage:     "Answers git as a credential helper (get, store, erase, capability)",
			UsageText: p.name + " git-credential [--profile P] ACTION",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "profile", Usage: "answer only with this profile"},
			},
			Before: func(*cli.Context) error { return nil },
			Action: func(c *cli.Context) error {
				if c.NArg() != 1 {
					return usagef("git-credential: give one ACTION (get, store, erase or capability)")
				}
				return p.gitCredential(c.Context, c.String("profile"), c.Args().First())
			},
		},
		{
			Name:      "setup-git",
			Usage:     "Configures git to ask monitor-token for the profile's host",
			UsageText: p.name + " setup-git [--profile P] [--unset]",
			Flags: []cli.Flag{
				profileFlag(),
				&cli.BoolFlag{Name: "unset", Usage: "remove the configuration instead"},
			},
			Action: p.setupGit,
		},
		{
			Name:      "completion",
			Usage:     "Prints the shell completion script for bash, zsh or fish",
			UsageText: p.name + " completion bash|zsh|fish",
			Before:    func(*cli.Context) error { return nil },
			Action:    p.completion,
		},
		{
			Name:      "install-links",
			Usage:     "Links kubectl-monitor_token and friends to this binary, and installs the completion scripts (after go install)",
			UsageText: p.name + " install-links [--dir DIR] [--force] [--remove]",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "dir", Usage: "where the links go (default: the executable's directory); completion goes under DIR/../share"},
				&cli.BoolFlag{Name: "force", Usage: "replace files and links in the way that are not monitor-token's"},
				&cli.BoolFlag{Name: "remove", Usage: "remove what install-links installs, where it is monitor-token's"},
			},
			Action: p.installLinks,
		},
		{
			Name:      "version",
			Usage:     "Prints the version",
			UsageText: p.name + " version",
			Action: func(c *cli.Context) error {
				if err := noArgs(c); err != nil {
					return err
				}
				fmt.Fprintln(p.Stdout, Version())
				return nil
			},
		},
	}
	for _, c := range cmds {
		c.OnUsageError = p.onUsageError
		c.HideHelpCommand = true // see helpCommand
		if c.Before == nil {
			c.Before = noArgs
		}
	}
	return cmds
}

// noArgs rejects positional arguments: every command takes flags only, and
// urfave/cli stops parsing flags at the first positional argument, so a
// stray word would silently swallow the flags after it (docs/urfave-cli.md,
// "Flags after arguments").
func noArgs(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("%s: unexpected argument %q (flags go before arguments; this command takes none)", c.Command.Name, c.Args().First())
	}
	return nil
}

// choiceStringFlag is a string flag with a closed set of values: completion
// offers them (complete.go), and formatOf checks --format against them.
type choiceStringFlag struct {
	*cli.StringFlag
	choices []string
}

func choiceFlag(name, value, usage string, choices ...string) cli.Flag {
	return choiceStringFlag{StringFlag: &cli.StringFlag{Name: name, Value: value, Usage: usage}, choices: choices}
}

func textOrJSON() cli.Flag { return choiceFlag("format", "text", "text or json", "text", "json") }

// choicesOf are the values of the command's flag called name, if it has a
// closed set.
func choicesOf(cmd *cli.Command, name string) []string {
	for _, f := range cmd.Flags {
		if cf, ok := f.(choiceStringFlag); ok && cf.Name == name {
			return cf.choices
		}
	}
	return nil
}

// formatOf reads --format and checks it against the command's choices.
func formatOf(c *cli.Context) (string, error) {
	format := c.String("format")
	choices := choicesOf(c.Command, "format")
	if !slices.Contains(choices, format) {
		last := len(choices) - 1
		return "", usagef("%s: unknown --format %q; use %s or %s", c.Command.Name, format, strings.Join(choices[:last], ", "), choices[last])
	}
	return format, nil
}
