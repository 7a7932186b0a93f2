package commands

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os/exec"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/shellword"
)

// SetupGitOptions is what `setup-git` was asked.
type SetupGitOptions struct {
	Flags FlagValues // --profile
	Unset bool       // remove the configuration instead
}

func newSetupGitCmd(f *Factory, run func(context.Context, SetupGitOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o SetupGitOptions) error { return runSetupGit(ctx, f, o) }
	}
	return &cli.Command{
		Name:      "setup-git",
		Usage:     "Configures git to ask monitor-token for the profile's host",
		UsageText: f.Name + " setup-git [--profile P] [--unset]",
		Flags: []cli.Flag{
			profileFlag(),
			&cli.BoolFlag{Name: "unset", Usage: "remove the configuration instead"},
		},
		Action: func(c *cli.Context) error {
			return run(c.Context, SetupGitOptions{Flags: flagValues(c, "profile"), Unset: c.Bool("unset")})
		},
	}
}

// runSetupGit writes, or with --unset removes, the per-host git configuration
// that sends git to this binary for the profile's endpoint: an empty helper
// line first, so no other helper (a store or cache) also answers and saves
// the token, then this binary by absolute path (docs/integrations.md, "Git
// helper setup"; GitHub's CLI does the same in helper_config.go).
func runSetupGit(_ context.Context, f *Factory, o SetupGitOptions) error {
	prof, err := f.Resolver(o.Flags).Profile()
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
		if err := git(f.Environ, "config", "--global", "--unset-all", k); err != nil && !isGitExit(err, 5) {
			return fmt.Errorf("setup-git: %w", err)
		}
	}
	if o.Unset {
		fmt.Fprintf(f.Stderr, "Removed the git credential helper for %s.\n", prof.Endpoint)
		return nil
	}
	self, err := f.Executable()
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
		if err := git(f.Environ, "config", "--global", "--add", kv[0], kv[1]); err != nil {
			return fmt.Errorf("setup-git: %w", err)
		}
	}
	fmt.Fprintf(f.Stderr, "git now asks monitor-token (profile %q) for %s. Probe: printf 'protocol=%s\\nhost=%s\\n' | git credential fill\n",
		name, prof.Endpoint, scheme(prof.Endpoint), hostOf(prof.Endpoint))
	return nil
}

// gitUsername is the user name setup-git configures for the profile's host;
// the Monitor token needs none, git needs one to send the token at all.
const gitUsername = "monitor-token"

// git runs git with the run's environment. It is not killed when the run
// is interrupted: setup-git's calls are short, and one cut off between the
// empty helper line and ours would leave the host with no helper at all.
func git(environ []string, args ...string) error {
	cmd := exec.Command("git", args...)
	cmd.Env = environ
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
