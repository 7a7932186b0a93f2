package commands

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
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
	// ClientTokenFile is --client-token-file: callers must send the
	// token it holds. With AllowRemote and no file, the proxy keeps one
	// beside the config file.
	ClientTokenFile string
	// AllowRemote is --allow-remote: Addr may be other than loopback.
	AllowRemote bool
	// BodyTimeout is --body-timeout: how long a request body may take
	// to arrive.
	BodyTimeout time.Duration
	// AllowUsers are the uids of --allow-user: local users admitted
	// besides the one running the proxy.
	AllowUsers []uint32
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
			&cli.StringFlag{Name: "client-token-file", TakesFile: true, Usage: "require every request to carry Authorization: Bearer and the token in this file (created, 0600, when missing)"},
			&cli.StringSliceFlag{Name: "allow-user", Usage: "also admit this local user's connections (a name or a uid; repeatable), such as the grafana user of a packaged Grafana"},
			&cli.DurationFlag{Name: "body-timeout", Value: proxy.DefaultBodyTimeout, Usage: "how long a request body may take to arrive; a slower one is cut off with 408"},
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
			if c.IsSet("client-token-file") && c.String("client-token-file") == "" {
				return cmdutil.Usagef("proxy: --client-token-file is empty; give the path of the client token file (it is created when missing)")
			}
			if c.Duration("body-timeout") <= 0 {
				return cmdutil.Usagef("proxy: --body-timeout %s is not a positive duration; give one such as 30s or 2m", c.Duration("body-timeout"))
			}
			var allow []uint32
			for _, u := range c.StringSlice("allow-user") {
				uid, err := proxy.LookupUser(u)
				if err != nil {
					return &cmdutil.UsageError{Msg: "proxy: " + err.Error()}
				}
				allow = append(allow, uid)
			}
			return run(c.Context, ProxyOptions{
				Flags: flagValues(c, "profile"), Addr: addr, AcceptHosts: c.StringSlice("accept-host"),
				ClientTokenFile: c.String("client-token-file"), AllowRemote: c.Bool("allow-remote"),
				BodyTimeout: c.Duration("body-timeout"), AllowUsers: allow,
			})
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
	clientToken, err := proxyClientToken(ctx, f, o, prof.ConfigFile, prof.Name)
	if err != nil {
		return err
	}
	// The request log: one line a request, batched into few writes.
	requestLog := proxy.NewLogWriter(f.Stderr)
	logf := func(format string, a ...any) {
		requestLog.WriteLine(f.Name + ": " + f.Scrub(fmt.Sprintf(format, a...)))
	}
	cutOff, err := proxy.Serve(ctx, proxy.ServeOptions{
		Addr:        o.Addr,
		Upstream:    upstream,
		Profile:     prof.Name,
		Source:      broker.NewHolder(b, prof),
		Transport:   transport,
		ExtraHosts:  o.AcceptHosts,
		ClientToken: clientToken,
		AllowRemote: o.AllowRemote,
		BodyTimeout: o.BodyTimeout,
		AllowedUIDs: append([]uint32{uint32(os.Getuid())}, o.AllowUsers...),
		Log:         logf,
		Ready: func(addr net.Addr) {
			fmt.Fprintf(f.Stderr, "Proxying %s for profile %q on http://%s\n", prof.Endpoint, prof.Name, addr)
		},
		Warn: f.Warn,
		Now:  f.Now,
	})
	requestLog.Close()
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

// proxyClientToken is the client token callers must send, or "" for none.
// Past loopback the peer check cannot tell who connects, so --allow-remote
// always has one: without --client-token-file, in a file beside the config
// file. Its path is said on stderr; its value never is.
func proxyClientToken(ctx context.Context, f *Factory, o ProxyOptions, configFile, profileName string) (string, error) {
	path := o.ClientTokenFile
	if path == "" && o.AllowRemote {
		if configFile == "" {
			return "", cmdutil.Usagef("proxy: --allow-remote needs a client token, and there is no config directory to keep one in; give --client-token-file PATH")
		}
		path = filepath.Join(filepath.Dir(configFile), "proxy-"+profileName+".client-token")
	}
	if path == "" {
		return "", nil
	}
	token, created, err := proxy.ClientTokenFile(ctx, path)
	if err != nil {
		return "", fmt.Errorf("proxy: %w", err)
	}
	f.Remember(token)
	verb := "Callers must send"
	if created {
		verb = "Created a client token; callers must send"
	}
	fmt.Fprintf(f.Stderr, "%s Authorization: Bearer <the content of %s>\n", verb, atomicfile.ShowPath(path))
	return token, nil
}
