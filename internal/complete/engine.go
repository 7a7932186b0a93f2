package complete

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/printable"
)

// Request is the hidden first argument of a completion request:
// `monitor-token __complete WORD... CURRENT` prints what may stand for
// CURRENT after the WORDs. The shell scripts ask it, and so does kubectl
// through the kubectl_complete-monitor_token link, in cobra's format
// (docs/integrations.md, "kubectl plugin completion"): one candidate a
// line, "VALUE\tDESCRIPTION" or "VALUE", then ":DIRECTIVE".
const Request = "__complete"

// cobra's ShellCompDirective bits, as kubectl reads them
// (docs/integrations.md, "kubectl plugin completion").
const (
	directiveDefault    = 0 // the shell may fall back to file names
	directiveNoFileComp = 4 // no file names: the candidates are all there is
)

// Candidate is one value that may stand for the word being completed, and
// what it means ("" for nothing to say).
type Candidate struct{ Value, Desc string }

// Values are candidates with nothing to say of each, in the order given.
func Values(values ...string) []Candidate {
	out := make([]Candidate, len(values))
	for i, v := range values {
		out[i] = Candidate{Value: v}
	}
	return out
}

// ChoiceFlag is a flag with a closed set of values: completion offers
// Choices, each with what it means.
type ChoiceFlag interface {
	cli.Flag
	Choices() []Candidate
}

// Sources give the values that live in the machine's local state. They
// read only local state, never the network: a TAB must answer at once. A
// source that cannot read its state offers nothing: the command itself
// will say what is wrong.
type Sources interface {
	// Profiles are the values of a --profile flag: the profiles of the
	// config file and of the environment.
	Profiles() []Candidate
	// Teams are the values of a --team flag: the teams last listed for
	// the profile that profile names ("" when the command line names
	// none), offered only while a token of that profile is cached.
	Teams(ctx context.Context, profile string) []Candidate
}

// Line is the command line being completed, as the caller defines it.
type Line struct {
	// Flags are the flags that may come before the command; they take no
	// value. Their usage is the description offered.
	Flags []cli.Flag
	// Commands are offered in this order, the hidden ones never (they are
	// still completed after). urfave/cli's help command ("help", "h") is
	// not among them: the engine knows it (urfave/cli's help.go), and
	// completes its arguments as command names.
	Commands []*cli.Command
	// Args are, by command name, the values of a command's one positional
	// argument. A command with none here completes no argument.
	Args map[string]func() []Candidate
}

// Answer writes the answer to a completion request for words, the
// arguments after Request: the words before the one being completed, then
// that one. It never fails for what the words say; the error is w's.
//
// A flag's values come from, in this order: its choices (ChoiceFlag);
// src, for a flag called profile or team; the shell's file names, for a
// flag with TakesFile set. Any other flag's value is free: nothing is
// offered.
func Answer(ctx context.Context, w io.Writer, line Line, src Sources, words []string) error {
	if len(words) == 0 {
		words = []string{""}
	}
	cands, directive := line.candidates(ctx, src, words[:len(words)-1], words[len(words)-1])
	var b strings.Builder
	for _, c := range cands {
		b.WriteString(printable.String(c.Value))
		if c.Desc != "" {
			b.WriteString("\t" + printable.String(c.Desc))
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, ":%d\n", directive)
	_, err := io.WriteString(w, b.String())
	return err
}

// helpFlag is offered beside every list of flags: urfave/cli gives every
// app and command --help.
var helpFlag = Candidate{"--help", "show help"}

// candidates is what may stand for cur after the words before it.
func (l Line) candidates(ctx context.Context, src Sources, before []string, cur string) ([]Candidate, int) {
	var cmd *cli.Command
	rest := before
	for i, w := range before {
		if !strings.HasPrefix(w, "-") {
			cmd, rest = l.command(w), before[i+1:]
			if cmd == nil {
				return nil, directiveNoFileComp
			}
			break
		}
		if name, _, _ := splitFlag(w); findFlag(l.Flags, name) == nil {
			// The command's flags go after it (docs/urfave-cli.md, "Flags
			// after arguments"); before it this is a mistake.
			return nil, directiveNoFileComp
		}
	}
	if cmd == nil {
		if strings.HasPrefix(cur, "-") {
			return filter(append(flagNames(l.Flags, nil), helpFlag), cur), directiveNoFileComp
		}
		return filter(l.visibleCommands(), cur), directiveNoFileComp
	}

	// The command's words so far: which flags were given (with their
	// values), which arguments, and whether `--` ended the flags.
	given := map[string]string{}
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
			f := findFlag(cmd.Flags, name)
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
		return flagValues(ctx, src, pending, given, "", cur)
	case dashdash:
		return nil, directiveDefault // a command and its arguments, such as exec's
	case strings.HasPrefix(cur, "-"):
		if name, value, hasValue := splitFlag(cur); hasValue {
			if f := findFlag(cmd.Flags, name); f != nil && takesValue(f) {
				return flagValues(ctx, src, f, given, cur[:len(cur)-len(value)], value)
			}
			return nil, directiveNoFileComp
		}
		return filter(append(flagNames(cmd.Flags, given), helpFlag), cur), directiveNoFileComp
	}
	return l.argValues(cmd, args, cur), directiveNoFileComp
}

// argValues are the candidates for a command's next argument.
func (l Line) argValues(cmd *cli.Command, args []string, cur string) []Candidate {
	var all []Candidate
	switch values := l.Args[cmd.Name]; {
	case cmd.Name == helpName:
		all = l.visibleCommands() // `help` takes any number
	case len(args) > 0:
		return nil
	case values != nil:
		all = values()
	}
	return filter(all, cur)
}

// flagValues are the candidates for the value of f, with prefix (the
// "--flag=" of a value typed in the same word) in front of each.
func flagValues(ctx context.Context, src Sources, f cli.Flag, given map[string]string, prefix, cur string) ([]Candidate, int) {
	var all []Candidate
	switch choices, ok := f.(ChoiceFlag); {
	case ok:
		all = choices.Choices()
	case f.Names()[0] == "profile":
		all = src.Profiles()
	case f.Names()[0] == "team":
		all = src.Teams(ctx, given["profile"])
	case takesFile(f):
		return nil, directiveDefault
	}
	out := filter(all, cur)
	for i := range out {
		out[i].Value = prefix + out[i].Value
	}
	return out, directiveNoFileComp
}

// The names of urfave/cli's help command (its help.go).
const (
	helpName  = "help"
	helpAlias = "h"
)

// command is the command called name, or nil.
func (l Line) command(name string) *cli.Command {
	if name == helpName || name == helpAlias {
		return &cli.Command{Name: helpName, Aliases: []string{helpAlias}}
	}
	for _, c := range l.Commands {
		if c.Name == name || slices.Contains(c.Aliases, name) {
			return c
		}
	}
	return nil
}

func (l Line) visibleCommands() []Candidate {
	var out []Candidate
	for _, c := range l.Commands {
		if !c.Hidden {
			out = append(out, Candidate{c.Name, c.Usage})
		}
	}
	return out
}

// flagNames are the flags as "--NAME" candidates, but those given.
func flagNames(flags []cli.Flag, given map[string]string) []Candidate {
	var out []Candidate
	for _, f := range flags {
		if _, done := given[f.Names()[0]]; !done {
			out = append(out, Candidate{"--" + f.Names()[0], flagUsage(f)})
		}
	}
	return out
}

func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
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

// takesFile reads urfave/cli's TakesFile, a field of the flag types that
// have it rather than a method (as its fish.go reads it).
func takesFile(f cli.Flag) bool {
	switch f := f.(type) {
	case *cli.StringFlag:
		return f.TakesFile
	case *cli.StringSliceFlag:
		return f.TakesFile
	case *cli.PathFlag:
		return f.TakesFile
	case *cli.GenericFlag:
		return f.TakesFile
	}
	return false
}

func flagUsage(f cli.Flag) string {
	if u, ok := f.(interface{ GetUsage() string }); ok {
		return u.GetUsage()
	}
	return ""
}

// filter keeps the candidates that start with prefix, in their order.
func filter(all []Candidate, prefix string) []Candidate {
	var out []Candidate
	for _, c := range all {
		if strings.HasPrefix(c.Value, prefix) {
			out = append(out, c)
		}
	}
	return out
}
