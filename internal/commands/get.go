package commands

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
)

// GetOptions is what `get` was asked.
type GetOptions struct {
	Flags   FlagValues // --profile, for the resolver
	Format  string     // one of tokenFormats
	Refresh bool       // fetch even when a token is cached
	Verify  bool       // check the cached token with the service first
}

func newGetCmd(f *Factory, run func(context.Context, GetOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o GetOptions) error { return runGet(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "get",
		Usage:     "Prints the Monitor API token (cached in the keyring, fetched when needed)",
		UsageText: f.Name + " get [--profile P] [--format token|header|json|env] [--refresh | --verify]",
		Flags: []cli.Flag{
			profileFlag(),
			choiceFlag("format", "token", "token, header (Authorization: Bearer ...), json or env (export lines)", tokenFormatNames()...),
			&cli.BoolFlag{Name: "refresh", Usage: "fetch a fresh token even when one is cached"},
			&cli.BoolFlag{Name: "verify", Usage: "check the cached token with the service; fetch a new one if it was reset"},
		},
		Action: func(c *cli.Context) error {
			format, err := choiceOf(c, "format")
			if err != nil {
				return err
			}
			if c.Bool("refresh") && c.Bool("verify") {
				return cmdutil.Usagef("get: give --refresh or --verify, not both")
			}
			return run(c.Context, GetOptions{Flags: flagValues(c, "profile"), Format: format, Refresh: c.Bool("refresh"), Verify: c.Bool("verify")})
		},
	}
}

func runGet(ctx context.Context, f *Factory, o GetOptions) error {
	prof, b, err := f.openProfile(o.Flags)
	if err != nil {
		return err
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
	return tokenFormatWriter(o.Format)(f.Stdout, newTokenOutput(prof, tok))
}
