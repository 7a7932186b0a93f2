package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/helper"
	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/shellword"
)

// gitCredentialMain is the git-credential-monitor-token personality: git
// runs it as `git-credential-monitor-token [--profile P] ACTION`.
func (p *program) gitCredentialMain(ctx context.Context, args []string) error {
	var pinned, action string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--profile" || a == "-profile":
			if i+1 == len(args) {
				return usagef("--profile needs a profile name")
			}
			i++
			pinned = args[i]
		case strings.HasPrefix(a, "--profile="):
			pinned = strings.TrimPrefix(a, "--profile=")
		case action == "":
			action = a
		default:
			return usagef("unexpected argument %q; usage: %s [--profile P] get|store|erase|capability", a, p.name)
		}
	}
	if action == "" {
		return usagef("usage: %s [--profile P] get|store|erase|capability (git runs this; see `monitor-token setup-git`)", p.name)
	}
	return p.gitCredential(ctx, pinned, action)
}

// gitCredential answers git through the helper package, with the resolved
// profiles as the token source and the same broker as get.
func (p *program) gitCredential(ctx context.Context, pinned, action string) error {
	b, err := p.broker(false)
	if err != nil {
		return err
	}
	return helper.Run(ctx, action, newContextReader(ctx, p.Stdin), p.Stdout, &gitSource{resolver: p.resolver(nil), b: b, pinned: pinned, warn: p.warn})
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
		strings.Join(names, ", "), protocol, host, "monitor-token")
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

// setupGit writes, or with --unset removes, the per-host git configuration
// that sends git to this binary for the profile's endpoint: an empty helper
// line first, so no other helper (a store or cache) also answers and saves
// the token, then this binary by absolute path (docs/integrations.md, "Git
// helper setup"; GitHub's CLI does the same in helper_config.go).
func (p *program) setupGit(c *cli.Context) error {
	prof, err := p.resolver(c).Profile()
	if err != nil {
		return err
	}
	name := prof.Name
	key := "credential." + prof.Endpoint + ".helper"
	// git (2.39 and still today, http.c init_curl_http_auth) sends no
	// credentials at all when the username is empty, and then erases the
	// token it never tried. The helper answers "username=" plus the token;
	// a configured username makes git send Basic <username>:<token>.
	userKey := "credential." + prof.Endpoint + ".username"
	for _, k := range []string{key, userKey} {
		if err := p.git("config", "--global", "--unset-all", k); err != nil && !isGitExit(err, 5) {
			return fmt.Errorf("setup-git: %w", err)
		}
	}
	if c.Bool("unset") {
		fmt.Fprintf(p.Stderr, "Removed the git credential helper for %s.\n", prof.Endpoint)
		return nil
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("setup-git: cannot tell where this binary is: %w", err)
	}
	helperCmd := shellword.Word(self) + " git-credential --profile " + name
	if shellword.Word(self) != self {
		// git runs an absolute-path helper through the shell, but only
		// recognises it by its leading "/": a quoted path needs the "!" form.
		helperCmd = "!" + helperCmd
	}
	for _, kv := range [][2]string{{key, ""}, {key, helperCmd}, {userKey, gitUsername}} {
		if err := p.git("config", "--global", "--add", kv[0], kv[1]); err != nil {
			return fmt.Errorf("setup-git: %w", err)
		}
	}
	fmt.Fprintf(p.Stderr, "git now asks monitor-token (profile %q) for %s. Probe: printf 'protocol=%s\\nhost=%s\\n' | git credential fill\n",
		name, prof.Endpoint, scheme(prof.Endpoint), hostOf(prof.Endpoint))
	return nil
}

// gitUsername is the user name setup-git configures for the profile's host;
// the Monitor token needs none, git needs one to send the token at all.
const gitUsername = "monitor-token"

func (p *program) git(args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Env = p.Environ
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			return fmt.Errorf("git %s: %w: %s", args[0], err, msg)
		}
		return fmt.Errorf("git %s: %w", args[0], err)
	}
	return nil
}

func isGitExit(err error, code int) bool {
	var exit *exec.ExitError
	return errors.As(err, &exit) && exit.ExitCode() == code
}

func scheme(endpoint string) string {
	u, _ := url.Parse(endpoint)
	return u.Scheme
}

func hostOf(endpoint string) string {
	u, _ := url.Parse(endpoint)
	return u.Host
}
