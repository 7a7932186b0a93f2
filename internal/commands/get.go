package commands

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
)

// GetOptions is what `get` was asked.
type GetOptions struct {
	Flags   FlagValues // --profile, for the resolver
	Format  string     // one of tokenFormats
	Refresh bool       // fetch even when a token is cached
	Verify  bool       // check the cached token with the service first
	// Output is --output: the file the token goes to, instead of stdout
	// (tokenfile.go), with FileMode.
	Output   string
	FileMode fs.FileMode
	// Watch is --watch: keep Output current until SIGINT or SIGTERM,
	// checking every CheckEvery (getwatch.go).
	Watch      bool
	CheckEvery time.Duration
}

// defaultCheckEvery is --check-every's default: a reset is seen within it,
// at one cheap request per check.
const defaultCheckEvery = 5 * time.Minute

func newGetCmd(f *Factory, run func(context.Context, GetOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o GetOptions) error { return runGet(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "get",
		Usage:     "Prints the Monitor API token (cached in the keyring, fetched when needed)",
		UsageText: f.Name + " get [--profile P] [--format token|header|json|env] [--refresh | --verify] [--output FILE [--file-mode 0600|0640] [--watch [--check-every 5m]]]",
		Flags: []cli.Flag{
			profileFlag(),
			choiceFlag("format", "token", "token, header (Authorization: Bearer ...), json or env (export lines)", tokenFormatNames()...),
			&cli.BoolFlag{Name: "refresh", Usage: "fetch a fresh token even when one is cached"},
			&cli.BoolFlag{Name: "verify", Usage: "check the cached token with the service; fetch a new one if it was reset"},
			&cli.StringFlag{Name: "output", TakesFile: true, Usage: "write the token to this file (replaced whole, never in place) instead of stdout"},
			choiceFlag("file-mode", "0600", "with --output: the file's mode, 0600, or 0640 for a reader in your group", "0600", "0640"),
			&cli.BoolFlag{Name: "watch", Usage: "with --output: keep the file current (a reset, an IAM token's end) until SIGINT or SIGTERM"},
			&cli.DurationFlag{Name: "check-every", Value: defaultCheckEvery, Usage: "with --watch: how often to check the token with the service (at least 1s)"},
		},
		Action: func(c *cli.Context) error {
			format, err := choiceOf(c, "format")
			if err != nil {
				return err
			}
			if c.Bool("refresh") && c.Bool("verify") {
				return cmdutil.Usagef("get: give --refresh or --verify, not both")
			}
			mode, err := choiceOf(c, "file-mode")
			if err != nil {
				return err
			}
			o := GetOptions{
				Flags: flagValues(c, "profile"), Format: format, Refresh: c.Bool("refresh"), Verify: c.Bool("verify"),
				Output: c.String("output"), FileMode: tokenFileModes[mode], Watch: c.Bool("watch"), CheckEvery: c.Duration("check-every"),
			}
			switch {
			case c.IsSet("output") && o.Output == "":
				return cmdutil.Usagef("get: --output is empty; give the file the token goes to")
			case o.Output == "-":
				return cmdutil.Usagef("get: --output - is not a file here; drop --output to print the token to stdout")
			case o.Output == "" && (c.IsSet("file-mode") || o.Watch || c.IsSet("check-every")):
				return cmdutil.Usagef("get: --file-mode, --watch and --check-every go with --output FILE")
			case c.IsSet("check-every") && !o.Watch:
				return cmdutil.Usagef("get: --check-every goes with --watch")
			case o.CheckEvery < time.Second:
				return cmdutil.Usagef("get: --check-every %s is shorter than 1s; give 1s or more (default 5m)", o.CheckEvery)
			}
			return run(c.Context, o)
		},
	}
}

func runGet(ctx context.Context, f *Factory, o GetOptions) error {
	prof, b, err := f.openProfile(o.Flags)
	if err != nil {
		return err
	}
	if o.Output != "" {
		// A place that cannot hold the file is refused before anything is
		// fetched: a sidecar restarting on it would pay a fetch each time.
		if _, err := tokenFilePath(o.Output); err != nil {
			return err
		}
	}
	var tok broker.Token
	switch {
	case o.Refresh:
		tok, err = b.Refresh(ctx, prof)
		if err == nil && tok.NotCached != nil {
			// The token is in hand and is what was asked for: a
			// credential helper must not fail because caching failed.
			f.Warn(tok.NotCached)
		}
	case o.Verify:
		tok, err = b.Verify(ctx, prof)
		if err == nil && tok.Replaced {
			kept := "and cached"
			if tok.CachedIn == "" {
				kept = "(not cached)"
			}
			fmt.Fprintf(f.Stderr, "The cached token was refused (reset in the UI?); a new one was fetched %s.\n", kept)
		}
	default:
		tok, err = b.Token(ctx, prof)
	}
	if err != nil {
		return err
	}
	if o.Output == "" {
		return tokenFormatWriter(o.Format)(f.Stdout, newTokenOutput(prof, tok))
	}
	if err := writeTokenFile(o, prof, tok); err != nil {
		return err
	}
	if !o.Watch {
		fmt.Fprintf(f.Stderr, "Wrote the token of profile %q to %s (mode %04o).\n", prof.Name, atomicfile.ShowPath(o.Output), o.FileMode)
		return nil
	}
	return watchTokenFile(ctx, f, b, prof, o, tok)
}
