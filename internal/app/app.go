// Package app is the monitor-token program: it reads the command line, picks
// the personality the binary was called as, runs the command and returns the
// exit code. It takes its streams and environment as parameters so tests run
// it in process; nothing here calls os.Exit.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/commands"
	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/ibmcloud"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/printable"
	"github.com/monitor-token/monitor-token/internal/profile"
	"github.com/monitor-token/monitor-token/internal/redact"
	"github.com/monitor-token/monitor-token/store"
)

// KeyringService is the service name of every keyring item monitor-token
// writes; `secret-tool search service monitor-token` lists them.
const KeyringService = "monitor-token"

// Exit codes.
const (
	ExitOK       = 0
	ExitError    = 1
	ExitUsage    = 2
	ExitCanceled = cmdutil.ExitCanceled // the shell's convention for SIGINT; see Interrupted
)

// Env is the program's view of its surroundings.
type Env struct {
	Args   []string // os.Args: Args[0] names the personality
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	// Environ is the environment as os.Environ gives it.
	Environ []string

	// OpenSecrets opens the keyring. Tests swap in store.NewMemory.
	OpenSecrets func() broker.Secrets
	// NewAPI builds the service client. main gives it go-sdk-core's IAM
	// grants (internal/sdkgrant), so that this package does not link
	// go-sdk-core; without NewAPI only the Monitoring calls work.
	NewAPI func(userAgent string) *monitorapi.Client
	// PluginJSON is plugin.json, the ibmcloud plugin metadata, embedded
	// by main.
	PluginJSON []byte
	// Now is the clock (the ibmcloud session's expiry); tests fix it.
	Now func() time.Time
	// Executable is the running program's path, for install-links and
	// setup-git; nil is os.Executable.
	Executable func() (string, error)
}

// Run runs the program and returns its exit code.
func Run(ctx context.Context, env Env) int {
	if env.OpenSecrets == nil {
		env.OpenSecrets = func() broker.Secrets { return store.New(KeyringService) }
	}
	if env.NewAPI == nil {
		env.NewAPI = monitorapi.New
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Executable == nil {
		env.Executable = os.Executable
	}
	if env.Stdout == nil {
		env.Stdout = io.Discard
	}
	if env.Stderr == nil {
		env.Stderr = io.Discard
	}
	stdout := &checkedWriter{w: env.Stdout}
	env.Stdout = stdout
	// Every line on stderr is written whole: a running proxy logs from
	// many goroutines. A child (exec) gets the stream itself.
	rawStderr := env.Stderr
	env.Stderr = &lockedWriter{w: env.Stderr}
	p := newProgram(env)
	p.rawStderr = rawStderr
	err := p.run(ctx)
	if werr := stdout.failure(); werr != nil && (err == nil || errors.Is(err, stdout.err)) {
		// The command may have returned the write's error itself, or not
		// seen it (the help printer): either way it is said once, the
		// same way.
		err = werr
	}
	if err == nil {
		return ExitOK
	}
	var exit *cmdutil.ExitError
	if errors.As(err, &exit) {
		if exit.Err != nil {
			p.printError(exit.Err)
		}
		return exit.Code
	}
	p.printError(err)
	var usage *cmdutil.UsageError
	switch {
	case errors.As(err, &usage), profile.IsUsage(err):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		var sig Interrupted
		if errors.As(context.Cause(ctx), &sig) {
			return sig.ExitCode()
		}
		return ExitCanceled
	default:
		return ExitError
	}
}

// program is one run: the environment plus what the run learns (the secrets
// it handled, so no error message can carry them).
type program struct {
	Env
	name   string // how the user invoked us, for usage lines
	getenv func(string) string
	// seen are the secrets this run has handled (API key, tokens of
	// every kind): every message, debug line and warning is redacted with
	// them, and so are the service client's, before any truncation.
	seen *redact.Set
	// underIBMCloud: run by `ibmcloud monitor-token ...`, so the CLI's
	// login session is a credential source.
	underIBMCloud bool
	// debug: --debug or MONITOR_TOKEN_DEBUG; requests, responses and
	// keyring calls are logged on stderr, secrets redacted.
	debug bool
	// rawStderr is Env.Stderr as given, for a child process.
	rawStderr io.Writer
	// debugValueOK: MONITOR_TOKEN_DEBUG is unset or a value config.OnOff knows;
	// otherwise run warns once.
	debugValueOK bool
}

func newProgram(env Env) *program {
	p := &program{Env: env, getenv: getenvOf(runtime.GOOS, env.Environ), seen: &redact.Set{}}
	p.name = "monitor-token"
	p.debug, p.debugValueOK = config.OnOff(p.getenv("MONITOR_TOKEN_DEBUG"))
	return p
}

// run picks the personality in the order docs/integrations.md,
// "Personality detection", gives: the
// ibmcloud install handshake whatever the binary is called, then the name it
// was called by (git-credential-*, kubectl-*), then the ibmcloud
// environment, then the plain command line.
func (p *program) run(ctx context.Context) error {
	args := p.Args
	if len(args) == 0 {
		args = []string{"monitor-token"}
	}
	if len(args) == 2 && args[1] == "SendMetadata" {
		return p.sendMetadata()
	}
	// The name the binary was called by starts every message: shown
	// escaped, as everything else the user did not type as text.
	base := printable.String(baseName(args[0]))
	if strings.HasPrefix(base, "git-credential-") {
		p.name = base
		p.warnDebugValue()
		return commands.GitCredentialMain(ctx, p.factory(), args[1:])
	}
	if plugin, ok := strings.CutPrefix(base, "kubectl_complete-"); ok {
		// kubectl asks kubectl_complete-<plugin> for the plugin's
		// completion, with the words after the plugin's name
		// (docs/integrations.md, "kubectl plugin completion").
		p.name = "kubectl " + strings.ReplaceAll(plugin, "_", "-")
		return commands.Complete(ctx, p.factory(), args[1:])
	}
	switch {
	case strings.HasPrefix(base, "kubectl-"):
		// kubectl-monitor_token answers `kubectl monitor-token`: the
		// underscore stands for a dash inside the plugin's name.
		p.name = "kubectl " + strings.ReplaceAll(strings.TrimPrefix(base, "kubectl-"), "_", "-")
	case p.getenv("IBMCLOUD_PLUGIN_NAMESPACE") != "" || p.getenv("BLUEMIX_PLUGIN_NAMESPACE") != "":
		// ibmcloud runs `<binary> get ...`: the first argument is the
		// command, never the namespace.
		p.name = "ibmcloud monitor-token"
		p.underIBMCloud = true
	}
	p.warnDebugValue()
	return p.runCLI(ctx, args)
}

// hintName is the command a hint tells the user to run: the name the user
// typed, except under git, which runs the helper personality: its name is
// no command line of ours.
func (p *program) hintName() string {
	if strings.HasPrefix(p.name, "git-credential-") {
		return "monitor-token"
	}
	return p.name
}

// warnDebugValue says, once the personality's name is known, that
// MONITOR_TOKEN_DEBUG holds a value that is neither on nor off.
func (p *program) warnDebugValue() {
	if !p.debugValueOK {
		p.warn(fmt.Errorf("MONITOR_TOKEN_DEBUG=%q is neither on (1, true, yes, on) nor off (0, false, no, off); debug output stays off", p.getenv("MONITOR_TOKEN_DEBUG")))
	}
}

// sendMetadata answers the ibmcloud install handshake: the metadata on
// stdout and nothing else.
func (p *program) sendMetadata() error {
	out, err := ibmcloud.RenderMetadata(p.PluginJSON, cmdutil.Version())
	if err != nil {
		return err
	}
	_, err = p.Stdout.Write(out)
	return err
}

// remember marks a value as secret for this run: printError scrubs it.
func (p *program) remember(secret string) { p.seen.Add(secret) }

// printError writes err as one line on stderr, prefixed with the program's
// name, with every secret this run has seen replaced. The callers' messages
// never include secrets; this is the second fence.
func (p *program) printError(err error) {
	msg := err.Error()
	if errors.Is(err, context.Canceled) && !errors.Is(err, broker.ErrNotRestored) {
		msg = "interrupted; nothing was changed"
	}
	fmt.Fprintf(p.Stderr, "%s: %s\n", p.name, p.scrub(msg))
}

// scrub makes msg one line with every secret this run has handled
// replaced, and any control character left in it (from a value a message
// echoes) escaped: a terminal shows it and never acts on it.
func (p *program) scrub(msg string) string {
	return printable.String(strings.ReplaceAll(p.seen.Redact(msg), "\n", " "))
}

// debugf writes a --debug line on stderr, scrubbed like an error.
func (p *program) debugf(format string, a ...any) {
	if p.debug {
		fmt.Fprintf(p.Stderr, "%s: debug: %s\n", p.name, p.scrub(fmt.Sprintf(format, a...)))
	}
}

// baseName is the personality key of argv[0]: the base name, lower-cased,
// without ".exe" (docs/integrations.md, "Personality detection": never
// os.Executable, which resolves links).
func baseName(arg0 string) string {
	b := strings.ToLower(filepath.Base(arg0))
	return strings.TrimSuffix(b, ".exe")
}
