package commands

import (
	"context"
	"io"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/helper"
	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/complete"
)

// CompletionOptions is what `completion` was asked.
type CompletionOptions struct {
	Shell complete.Shell
}

func newCompletionCmd(f *Factory, run func(context.Context, CompletionOptions) error) *cli.Command {
	if run == nil {
		run = func(ctx context.Context, o CompletionOptions) error { return runCompletion(ctx, f, o) }
	}
	names := shellNames()
	last := len(names) - 1
	either := strings.Join(names[:last], ", ") + " or " + names[last] // "bash, zsh or fish"
	return &cli.Command{
		Name:      "completion",
		Usage:     "Prints the shell completion script for " + either,
		UsageText: f.Name + " completion " + strings.Join(names, "|"),
		Before:    func(*cli.Context) error { return nil },
		Action: func(c *cli.Context) error {
			shell, ok := complete.ScriptFor(c.Args().First())
			if c.NArg() != 1 || !ok {
				return cmdutil.Usagef("completion: give %s: source <(%s completion bash), or %s completion fish | source", either, f.Name, f.Name)
			}
			return run(c.Context, CompletionOptions{Shell: shell})
		},
	}
}

// shellNames are the shells of internal/complete's table, in its order.
func shellNames() []string {
	var names []string
	for _, sh := range complete.Shells() {
		names = append(names, sh.Name)
	}
	return names
}

// runCompletion prints the script, which asks the program itself what fits
// (`monitor-token __complete WORD... CURRENT`, internal/complete), so
// completion always matches the binary that is installed.
func runCompletion(_ context.Context, f *Factory, o CompletionOptions) error {
	_, err := io.WriteString(f.Stdout, o.Shell.Script)
	return err
}

// CompletionLine is the command line as the completion engine sees it:
// the flags before a command, the commands, and what each command's
// positional argument may be.
func CompletionLine(f *Factory) complete.Line {
	return complete.Line{
		// The flags before a command, as completion describes them.
		Flags:    []cli.Flag{&cli.BoolFlag{Name: "debug", Usage: "log requests, responses and keyring calls on stderr"}},
		Commands: Commands(f),
		Args: map[string]func() []complete.Candidate{
			"use":            func() []complete.Candidate { return profileCandidates(f) },
			"completion":     complete.ShellNames,
			"git-credential": func() []complete.Candidate { return complete.Values(helper.Actions...) },
		},
	}
}

// Complete answers a completion request (complete.Request): the words
// after it, the last being completed. It reads only local state: a TAB
// never goes to the network, and never fails loudly.
func Complete(ctx context.Context, f *Factory, words []string) error {
	return complete.Answer(ctx, f.Stdout, CompletionLine(f), completionSources{f}, words)
}

// completionSources are the values completion finds in local state.
type completionSources struct{ f *Factory }

func (s completionSources) Profiles() []complete.Candidate { return profileCandidates(s.f) }

// Teams are the teams `teams` last listed for the profile the command line
// names, offered only while a token of that profile is cached: one read of
// its cache, no request.
func (s completionSources) Teams(ctx context.Context, name string) []complete.Candidate {
	flags := FlagValues{}
	if name != "" {
		flags["profile"] = name
	}
	prof, b, err := s.f.openProfile(flags)
	if err != nil {
		return nil
	}
	if cached, _, err := b.Cached(ctx, prof); err != nil || !cached {
		return nil
	}
	var out []complete.Candidate
	for _, t := range b.KeptTeams(ctx, prof) {
		desc := t.Name
		if t.Default {
			desc += " (default)"
		}
		out = append(out, complete.Candidate{Value: strconv.FormatInt(t.ID, 10), Desc: desc})
	}
	return out
}

// profileCandidates are the config file's profiles and the environment's,
// described by their endpoints. A config file that does not load offers
// nothing: the command itself will say what is wrong with it.
func profileCandidates(f *Factory) []complete.Candidate {
	all, _ := f.Resolver(nil).All()
	var out []complete.Candidate
	for _, prof := range all {
		out = append(out, complete.Candidate{Value: prof.Name, Desc: prof.Endpoint})
	}
	return out
}
