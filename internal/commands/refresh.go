package commands

import (
	"context"
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// RefreshOptions is what `refresh` was asked.
type RefreshOptions struct {
	Flags FlagValues // --profile
}

func newRefreshCmd(f *Factory, run func(context.Context, RefreshOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o RefreshOptions) error { return runRefresh(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "refresh",
		Usage:     "Fetches the current token (after a reset) and replaces the cached one",
		UsageText: f.Name + " refresh [--profile P]",
		Flags:     []cli.Flag{profileFlag()},
		Action: func(c *cli.Context) error {
			return run(c.Context, RefreshOptions{Flags: flagValues(c, "profile")})
		},
	}
}

// runRefresh replaces the cached token with the current one. A new token
// that could not be cached is a failure: the cache would go on serving the
// token that was reset.
func runRefresh(ctx context.Context, f *Factory, o RefreshOptions) error {
	prof, b, err := f.openProfile(o.Flags)
	if err != nil {
		return err
	}
	tok, err := b.Refresh(ctx, prof)
	switch {
	case err != nil && (trustedpath.Refused(err) || prof.Cache == config.CacheNone):
		// A refused cache holds no token of ours, and cache=none none at
		// all: nothing was kept.
		return fmt.Errorf("refresh failed: %w", err)
	case err != nil:
		return fmt.Errorf("refresh failed, the cached token was kept: %w", err)
	case tok.NotCached != nil:
		return fmt.Errorf("refresh failed: %w", tok.NotCached)
	case tok.CachedIn == "":
		fmt.Fprintf(f.Stderr, "Fetched the current token of profile %q; it is not cached (cache=none), so every get fetches it.\n", prof.Name)
	default:
		fmt.Fprintf(f.Stderr, "The cached token of profile %q was replaced with the current one, in %s.\n", prof.Name, tok.CachedIn)
	}
	return nil
}
