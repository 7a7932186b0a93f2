package app

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/endpoint"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// completeRequest is the hidden first argument of a completion request:
// `monitor-token __complete WORD... CURRENT` prints what may stand for
// CURRENT after the WORDs. The shell scripts of `completion` ask it, and so
// does kubectl through the kubectl_complete-monitor_token link, in cobra's
// format (docs/integrations.md, "kubectl plugin completion"): one candidate
// a line, "VALUE\tDESCRIPTION" or "VALUE", then ":DIRECTIVE".
const completeRequest = "__complete"

// cobra's ShellCompDirective bits, as kubectl reads them
// (docs/integrations.md, "kubectl plugin completion").
const (
	directiveDefault    = 0 // the shell may fall back to file names
	directiveNoFileComp = 4 // no file names: the candidates are all there is
)

type candidate struct{ value, desc string }

// complete answers a completion request. It reads only local state (the
// config file; for --team, one cache read and the kept team list): a TAB
// never goes to the network, and never fails loudly.
func (p *program) complete(ctx context.Context, words []string) error {
	if len(words) == 0 {
		words = []string{""}
	}
	cands, directive := p.candidates(ctx, words[:len(words)-1], words[len(words)-1])
	var b strings.Builder
	for _, c := range cands {
		b.WriteString(printable(c.value))
		if c.desc != "" {
			b.WriteString("\t" + printable(c.desc))
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, ":%d\n", directive)
	_, err := fmt.Fprint(p.Stdout, b.String())
	return err
}

// candidates is what may stand for cur after the words before it.
func (p *program) candidates(ctx context.Context, before []string, cur string) ([]candidate, int) {
	cmds := p.commands()
	var cmd *cli.Command
	rest := before
	for i, w := range before {
		if !strings.HasPrefix(w, "-") {
			cmd, rest = findCommand(cmds, w), before[i+1:]
			if cmd == nil {
				return nil, directiveNoFileComp
			}
			break
		}
		if name, _, _ := splitFlag(w); name != "debug" {
			// The command's flags go after it (docs/urfave-cli.md, "Flags
			// after arguments"); before it this is a mistake.
			return nil, directiveNoFileComp
		}
	}
	if cmd == nil {
		if strings.HasPrefix(cur, "-") {
			return filter([]candidate{{"--debug", "log requests, responses and keyring calls on stderr"}, {"--help", "show help"}}, cur), directiveNoFileComp
		}
		var all []candidate
		for _, c := range cmds {
			if !c.Hidden {
				all = append(all, candidate{c.Name, c.Usage})
			}
		}
		return filter(all, cur), directiveNoFileComp
	}

	// The command's words so far: which flags were given (with their
	// values), which arguments, and whether `--` ended the flags.
	given := completionFlags{}
	var args []string
	var pending cli.Flag
	dashdash := false
	for _, w := range rest {
		switch name, value, hasValue := splitFlag(w); {
		case pending != nil:
			given[pending.Names()[0]] = w
			pending = nil
		case !dashdash && w == "--":
			dashdash = true
		case dashdash || name == "":
			args = append(args, w)
		default:
			f := findFlag(cmd, name)
			if f == nil {
				continue
			}
			given[f.Names()[0]] = value
			if takesValue(f) && !hasValue {
				pending = f
			}
		}
	}
	switch {
	case pending != nil:
		return p.flagValues(ctx, cmd, pending, given, "", cur)
	case dashdash:
		return nil, directiveDefault // exec's command and its arguments
	case strings.HasPrefix(cur, "-"):
		if name, value, hasValue := splitFlag(cur); hasValue {
			if f := findFlag(cmd, name); f != nil && takesValue(f) {
				return p.flagValues(ctx, cmd, f, given, cur[:len(cur)-len(value)], value)
			}
			return nil, directiveNoFileComp
		}
		var all []candidate
		for _, f := range cmd.Flags {
			if _, done := given[f.Names()[0]]; !done {
				all = append(all, candidate{"--" + f.Names()[0], flagUsage(f)})
			}
		}
		all = append(all, candidate{"--help", "show help"})
		return filter(all, cur), directiveNoFileComp
	}
	return p.argValues(cmd, args, cur), directiveNoFileComp
}

// argValues are the candidates for a command's next argument.
func (p *program) argValues(cmd *cli.Command, args []string, cur string) []candidate {
	if len(args) > 0 && cmd.Name != "help" {
		return nil
	}
	var all []candidate
	switch cmd.Name {
	case "use":
		all = p.profileNames()
	case "completion":
		for _, sh := range completionShells {
			all = append(all, candidate{sh, ""})
		}
	case "git-credential":
		for _, a := range []string{"get", "store", "erase", "capability"} {
			all = append(all, candidate{a, ""})
		}
	case "help":
		for _, c := range p.commands() {
			if !c.Hidden {
				all = append(all, candidate{c.Name, c.Usage})
			}
		}
	}
	return filter(all, cur)
}

// flagValues are the candidates for the value of f, with prefix (the
// "--flag=" of a value typed in the same word) in front of each.
func (p *program) flagValues(ctx context.Context, cmd *cli.Command, f cli.Flag, given completionFlags, prefix, cur string) ([]candidate, int) {
	name := f.Names()[0]
	var all []candidate
	switch choices := choicesOf(cmd, name); {
	case choices != nil:
		for _, c := range choices {
			desc := ""
			if name == "region" {
				desc, _ = endpoint.MonitoringURL(c, false)
			}
			all = append(all, candidate{c, desc})
		}
	case name == "profile":
		all = p.profileNames()
	case name == "team":
		all = p.teamIDs(ctx, given)
	case name == "cr-token-file", name == "dir":
		return nil, directiveDefault // file names
	}
	out := filter(all, cur)
	for i := range out {
		out[i].value = prefix + out[i].value
	}
	return out, directiveNoFileComp
}

// profileNames are the config file's profiles and the environment's,
// described by their endpoints. A config file that does not load offers
// nothing: the command itself will say what is wrong with it.
func (p *program) profileNames() []candidate {
	all, _ := p.resolver(nil).All()
	var out []candidate
	for _, prof := range all {
		out = append(out, candidate{prof.Name, prof.Endpoint})
	}
	return out
}

// teamIDs are the teams `teams` last listed for the profile the command
// line names, offered only while a token of that profile is cached: one
// read of its cache, no request.
func (p *program) teamIDs(ctx context.Context, given completionFlags) []candidate {
	prof, err := profile.Resolver{Getenv: p.getenv, Flags: given, Program: p.name}.Profile()
	if err != nil {
		return nil
	}
	b, err := p.broker(false)
	if err != nil {
		return nil
	}
	if cached, _, err := b.Cached(ctx, prof); err != nil || !cached {
		return nil
	}
	var out []candidate
	for _, t := range b.KeptTeams(ctx, prof) {
		desc := t.Name
		if t.Default {
			desc += " (default)"
		}
		out = append(out, candidate{strconv.FormatInt(t.ID, 10), desc})
	}
	return out
}

// completionFlags are the flags on the command line being completed, for
// the profile resolver: only --profile matters to it here.
type completionFlags map[string]string

func (f completionFlags) Lookup(name string) (string, bool) {
	if name != "profile" {
		return "", false
	}
	v, ok := f[name]
	return v, ok && v != ""
}

var completionShells = []string{"bash", "zsh", "fish"}

func findCommand(cmds []*cli.Command, name string) *cli.Command {
	if name == "help" || name == "h" {
		return helpCommand()
	}
	for _, c := range cmds {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	return nil
}

func findFlag(cmd *cli.Command, name string) cli.Flag {
	for _, f := range cmd.Flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// splitFlag reads a word as Go's flag package does: "-name", "--name" or
// "--name=value". name is "" for a word that is no flag.
func splitFlag(w string) (name, value string, hasValue bool) {
	if len(w) < 2 || w[0] != '-' || w == "--" {
		return "", "", false
	}
	name = strings.TrimPrefix(strings.TrimPrefix(w, "-"), "-")
	name, value, hasValue = strings.Cut(name, "=")
	return name, value, hasValue
}

func takesValue(f cli.Flag) bool {
	tv, ok := f.(interface{ TakesValue() bool })
	return ok && tv.TakesValue()
}

func flagUsage(f cli.Flag) string {
	if u, ok := f.(interface{ GetUsage() string }); ok {
		return u.GetUsage()
	}
	return ""
}

// filter keeps the candidates that start with prefix, in their order.
func filter(all []candidate, prefix string) []candidate {
	var out []candidate
	for _, c := range all {
		if strings.HasPrefix(c.value, prefix) {
			out = append(out, c)
		}
	}
	return out
}
