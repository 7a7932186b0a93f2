package commands

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/proxy"
)

// ProxyOptions is what `proxy` was asked.
type ProxyOptions struct {
	Flags FlagValues     // --profile
	Addr  netip.AddrPort // --listen, checked by proxy.ListenAddress
	// AcceptHosts are Host values answered besides the listening
	// address's own (--accept-host).
	AcceptHosts []string
}

func newProxyCmd(f *Factory, run func(context.Context, ProxyOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o ProxyOptions) error { return runProxy(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "proxy",
		Usage:     "Serves the Monitoring API on localhost with the profile's credentials added, for tools that take only a URL",
		UsageText: f.Name + " proxy [--profile P] [--listen 127.0.0.1:PORT]",
		Flags: []cli.Flag{
			profileFlag(),
			&cli.StringFlag{Name: "listen", Value: proxy.DefaultListen, Usage: "loopback address and port to listen on (port 0 picks a free one)"},
			&cli.BoolFlag{Name: "allow-remote", Usage: "allow a --listen address other than loopback (anyone who reaches it acts with your token)"},
			&cli.StringSliceFlag{Name: "accept-host", Usage: "also answer requests whose Host header is this host:port (repeatable)"},
		},
		Before: func(c *cli.Context) error {
			if c.NArg() > 0 {
				return cmdutil.Usagef("proxy: unexpected argument %q; the address goes in --listen", c.Args().First())
			}
			return nil
		},
		Action: func(c *cli.Context) error {
			addr, err := proxy.ListenAddress(c.String("listen"), c.Bool("allow-remote"))
			if err != nil {
				return &cmdutil.UsageError{Msg: err.Error()}
			}
			return run(c.Context, ProxyOptions{Flags: flagValues(c, "profile"), Addr: addr, AcceptHosts: c.StringSlice("accept-host")})
		},
	}
}

// runProxy serves the profile's Monitoring API on a local port, adding the
// profile's credentials to every request (internal/proxy says who may use
// it, and why). It runs until SIGINT or SIGTERM, then lets the requests in
// flight finish for up to proxy.DrainWait and returns nil.
func runProxy(ctx context.Context, f *Factory, o ProxyOptions) error {
	prof, b, err := f.openProfile(o.Flags)
	if err != nil {
		return err
	}
	upstream, err := url.Parse(prof.Endpoint)
	if err != nil {
		return err // the resolver normalized it; cannot happen
	}
	transport, err := proxy.Transport(f.Getenv)
	if err != nil {
		return err
	}
	cutOff, err := proxy.Serve(ctx, proxy.ServeOptions{
		Addr:        o.Addr,
		Upstream:    upstream,
		Profile:     prof.Name,
		Source:      broker.NewHolder(b, prof),
		Transport:   transport,
		ExtraHosts:  o.AcceptHosts,
		AllowedUIDs: []uint32{uint32(os.Getuid())},
		Log:         f.Logf,
		Ready: func(addr net.Addr) {
			fmt.Fprintf(f.Stderr, "Proxying %s for profile %q on http://%s\n", prof.Endpoint, prof.Name, addr)
		},
		Warn: f.Warn,
		Now:  f.Now,
	})
	switch {
	case err != nil:
		return err
	case cutOff:
		fmt.Fprintf(f.Stderr, "Stopped; requests still running after %s were cut off.\n", proxy.DrainWait)
	default:
		fmt.Fprintln(f.Stderr, "Stopped.")
	}
	return nil
}
