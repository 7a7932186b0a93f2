package commands

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/helper"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/ctxio"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// GitCredentialOptions is what git asked the helper.
type GitCredentialOptions struct {
	Pinned string // --profile: answer only with this profile
	Action string // get, store, erase or capability (helper.Actions)
}

// newGitCredentialCmd is `monitor-token git-credential`, the form
// setup-git configures: git runs it, so it is hidden from help.
func newGitCredentialCmd(f *Factory, run func(context.Context, GitCredentialOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o GitCredentialOptions) error { return runGitCredential(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "git-credential",
		Hidden:    true, // git runs it; setup-git configures it
		Usage:     "Answers git as a credential helper (" + actionList(", ") + ")",
		UsageText: f.Name + " git-credential [--profile P] ACTION",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "profile", Usage: "answer only with this profile"},
		},
		Before: func(*cli.Context) error { return nil },
		Action: func(c *cli.Context) error {
			if c.NArg() != 1 {
				return cmdutil.Usagef("git-credential: give one ACTION (%s)", actionList(" or "))
			}
			return run(c.Context, GitCredentialOptions{Pinned: c.String("profile"), Action: c.Args().First()})
		},
	}
}

// GitCredentialMain is the git-credential-monitor-token personality: git
// runs it as `git-credential-monitor-token [--profile P] ACTION`, with no
// command word, so urfave/cli does not parse it.
func GitCredentialMain(ctx context.Context, f *Factory, args []string) error {
	o, err := gitCredentialArgs(f.Name, f.program(), args)
	if err != nil {
		return err
	}
	return runGitCredential(ctx, f, o)
}

// gitCredentialArgs parses the personality's arguments.
func gitCredentialArgs(name, program string, args []string) (GitCredentialOptions, error) {
	var o GitCredentialOptions
	usage := name + " [--profile P] " + strings.Join(helper.Actions, "|")
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--profile" || a == "-profile":
			if i+1 == len(args) {
				return o, cmdutil.Usagef("--profile needs a profile name")
			}
			i++
			o.Pinned = args[i]
		case strings.HasPrefix(a, "--profile="):
			o.Pinned = strings.TrimPrefix(a, "--profile=")
		case o.Action == "":
			o.Action = a
		default:
			return o, cmdutil.Usagef("unexpected argument %q; usage: %s", a, usage)
		}
	}
	if o.Action == "" {
		return o, cmdutil.Usagef("usage: %s (git runs this; see `%s setup-git`)", usage, program)
	}
	return o, nil
}

// actionList names the helper's actions, the last joined by last.
func actionList(last string) string {
	n := len(helper.Actions)
	return strings.Join(helper.Actions[:n-1], ", ") + last + helper.Actions[n-1]
}

// runGitCredential answers git through the helper package, with the
// resolved profiles as the token source and the same broker as get.
func runGitCredential(ctx context.Context, f *Factory, o GitCredentialOptions) error {
	b, err := f.Broker(false)
	if err != nil {
		return err
	}
	return helper.Run(ctx, o.Action, ctxio.Reader(ctx, f.Stdin), f.Stdout,
		&gitSource{resolver: f.Resolver(nil), b: b, pinned: o.Pinned, warn: f.Warn, program: f.program()})
}

// gitSource serves the hosts of the profiles, and only those: the request's
// protocol and host (with its port) must equal the profile endpoint's scheme
// and host exactly, so a token never goes to a host it was not configured
// for (docs/integrations.md, "Git get answer").
type gitSource struct {
	resolver profile.Resolver
	b        *broker.Broker
	pinned   string
	warn     func(error)
	program  string // for the hint to pin a profile
}

// profileFor finds the profile serving protocol://host among the config
// file's and the environment's. Profiles are resolved only here, so `store`
// and unknown actions never read the config file.
func (s *gitSource) profileFor(protocol, host string) (profile.Profile, bool, error) {
	var candidates []profile.Profile
	if s.pinned != "" {
		p, err := s.resolver.Named(s.pinned, "--profile")
		if err != nil {
			return profile.Profile{}, false, err
		}
		candidates = []profile.Profile{p}
	} else {
		all, err := s.resolver.All()
		if err != nil && len(all) == 0 {
			return profile.Profile{}, false, err
		}
		if err != nil {
			// The environment's profile alone; the file's profiles are
			// unknown, so say why they were not considered.
			s.warn(err)
		}
		candidates = all
	}
	var serving []profile.Profile
	for _, p := range candidates {
		if u, err := url.Parse(p.Endpoint); err == nil && u.Scheme == protocol && u.Host == host {
			serving = append(serving, p)
		}
	}
	switch len(serving) {
	case 0:
		return profile.Profile{}, false, nil
	case 1:
		return serving[0], true, nil
	}
	// Several profiles (other instances or teams) on one host: the one
	// MONITOR_TOKEN_PROFILE names, or "default", else the user must pin.
	want, _, err := s.resolver.Name()
	if err != nil {
		return profile.Profile{}, false, err
	}
	var names []string
	for _, p := range serving {
		if p.Name == want {
			return p, true, nil
		}
		names = append(names, p.Name)
	}
	return profile.Profile{}, false, fmt.Errorf("profiles %s all serve %s://%s; pin one in the helper: `%s setup-git --profile NAME`",
		strings.Join(names, ", "), protocol, host, s.program)
}

func (s *gitSource) Token(ctx context.Context, protocol, host string) (string, bool, error) {
	p, ok, err := s.profileFor(protocol, host)
	if err != nil || !ok {
		return "", false, err
	}
	tok, err := s.b.Token(ctx, p)
	if err != nil {
		return "", false, err
	}
	return tok.Value, true, nil
}

func (s *gitSource) Forget(ctx context.Context, protocol, host, rejected string) error {
	p, ok, err := s.profileFor(protocol, host)
	if err != nil || !ok {
		return err
	}
	return s.b.Forget(ctx, p, rejected)
}
