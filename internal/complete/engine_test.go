package complete

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// choiceFlag is a string flag with a closed set of values, as the
// commands define theirs.
type choiceFlag struct {
	*cli.StringFlag
	choices []Candidate
}

func (f choiceFlag) Choices() []Candidate { return f.choices }

// sources is local state as a test sets it: two profiles (one with an
// endpoint a terminal would act on) and the kept teams of "default".
type sources struct{ teamsAskedFor []string }

func (*sources) Profiles() []Candidate {
	return []Candidate{{"default", "https://one.example"}, {"prod", "https://two.example\x1b[31m"}}
}

func (s *sources) Teams(_ context.Context, profile string) []Candidate {
	s.teamsAskedFor = append(s.teamsAskedFor, profile)
	if profile != "" && profile != "default" {
		return nil
	}
	return []Candidate{{"26055", "Ops\tOne (default)"}, {"26056", "Platform"}}
}

func testLine(src Sources) Line {
	return Line{
		Flags: []cli.Flag{&cli.BoolFlag{Name: "debug", Usage: "log on stderr"}},
		Commands: []*cli.Command{
			{Name: "fetch", Aliases: []string{"f"}, Usage: "Fetches it", Flags: []cli.Flag{
				&cli.StringFlag{Name: "profile", Usage: "the profile"},
				choiceFlag{&cli.StringFlag{Name: "format", Usage: "text or json"}, Values("text", "json")},
				choiceFlag{&cli.StringFlag{Name: "region", Aliases: []string{"r"}, Usage: "the region"}, []Candidate{{"eu-de", "https://eu-de.example"}, {"eu-gb", "https://eu-gb.example"}, {"us-south", "https://us-south.example"}}},
				&cli.StringFlag{Name: "team", Usage: "the team"},
				&cli.StringFlag{Name: "key-file", Usage: "where the key is", TakesFile: true},
				&cli.BoolFlag{Name: "force", Usage: "do it anyway"},
				&cli.StringFlag{Name: "note", Usage: "free text"},
			}},
			{Name: "use", Usage: "Picks a profile"},
			{Name: "run", Usage: "Runs a command", Flags: []cli.Flag{&cli.StringFlag{Name: "profile", Usage: "the profile"}}},
			{Name: "completion", Usage: "Prints a script"},
			{Name: "secret", Usage: "Answers a program", Hidden: true},
			{Name: "version", Usage: "Prints the version"},
		},
		Args: map[string]func() []Candidate{
			"use":        src.Profiles,
			"completion": ShellNames,
			"secret":     func() []Candidate { return Values("get", "erase") },
		},
	}
}

const (
	commandLines = "fetch\tFetches it\nuse\tPicks a profile\nrun\tRuns a command\ncompletion\tPrints a script\nversion\tPrints the version\n"
	fetchFlags   = "--profile\tthe profile\n--format\ttext or json\n--region\tthe region\n--team\tthe team\n" +
		"--key-file\twhere the key is\n--force\tdo it anyway\n--note\tfree text\n--help\tshow help\n"
	profileLines = "default\thttps://one.example\nprod\thttps://two.example\\x1b[31m\n"
	teamLines    = "26055\tOps\\tOne (default)\n26056\tPlatform\n"
)

// Requests as literal words and answers, in cobra's format: candidates,
// then ":DIRECTIVE" (4: no file names; 0: the shell may offer them).
func TestAnswer(t *testing.T) {
	tests := []struct {
		name  string
		words []string
		want  string
		teams []string // the profiles Teams was asked for
	}{
		// Before the command.
		{"no words at all", nil, commandLines + ":4\n", nil},
		{"every visible command, in order", []string{""}, commandLines + ":4\n", nil},
		{"commands by prefix", []string{"f"}, "fetch\tFetches it\n:4\n", nil},
		{"hidden commands are not offered", []string{"sec"}, ":4\n", nil},
		{"the help command is not offered", []string{"h"}, ":4\n", nil},
		{"global flags", []string{"-"}, "--debug\tlog on stderr\n--help\tshow help\n:4\n", nil},
		{"global flags by prefix", []string{"--d"}, "--debug\tlog on stderr\n:4\n", nil},
		{"after a global flag", []string{"--debug", "v"}, "version\tPrints the version\n:4\n", nil},
		{"after a global flag, single dash, with a value", []string{"-debug=1", "v"}, "version\tPrints the version\n:4\n", nil},
		{"a command's flag before the command", []string{"--profile", ""}, ":4\n", nil},
		{"--help before the command", []string{"--help", ""}, ":4\n", nil},
		{"-- before the command", []string{"--", ""}, ":4\n", nil},
		{"an unknown command", []string{"frobnicate", ""}, ":4\n", nil},
		{"an unknown command's flags", []string{"frobnicate", "--"}, ":4\n", nil},

		// A command's flags.
		{"every flag, then --help", []string{"fetch", "--"}, fetchFlags + ":4\n", nil},
		{"flags by prefix", []string{"fetch", "--f"}, "--format\ttext or json\n--force\tdo it anyway\n:4\n", nil},
		{"a command by its alias", []string{"f", "--fo"}, "--format\ttext or json\n--force\tdo it anyway\n:4\n", nil},
		{"a flag given is not offered again", []string{"fetch", "--format", "json", "--force", "--f"}, ":4\n", nil},
		{"a flag given by its alias is not offered again", []string{"fetch", "-r", "eu-de", "--r"}, ":4\n", nil},
		{"--help", []string{"fetch", "--he"}, "--help\tshow help\n:4\n", nil},
		{"a hidden command is completed", []string{"secret", "--"}, "--help\tshow help\n:4\n", nil},

		// A flag's value.
		{"choices", []string{"fetch", "--format", ""}, "text\njson\n:4\n", nil},
		{"choices by prefix", []string{"fetch", "--format", "j"}, "json\n:4\n", nil},
		{"single dash", []string{"fetch", "-format", "t"}, "text\n:4\n", nil},
		{"choices with what they mean", []string{"fetch", "--region", "eu-"}, "eu-de\thttps://eu-de.example\neu-gb\thttps://eu-gb.example\n:4\n", nil},
		{"a flag by its alias", []string{"fetch", "-r", "us"}, "us-south\thttps://us-south.example\n:4\n", nil},
		{"a value in the flag's word", []string{"fetch", "--format=j"}, "--format=json\n:4\n", nil},
		{"a value in the flag's word, single dash", []string{"fetch", "-format="}, "-format=text\n-format=json\n:4\n", nil},
		{"a value for a flag that takes none", []string{"fetch", "--force=t"}, ":4\n", nil},
		{"a value for an unknown flag", []string{"fetch", "--nosuch=x"}, ":4\n", nil},
		{"profiles, escaped", []string{"fetch", "--profile", ""}, profileLines + ":4\n", nil},
		{"profiles by prefix", []string{"fetch", "--profile", "p"}, "prod\thttps://two.example\\x1b[31m\n:4\n", nil},
		{"teams, escaped", []string{"fetch", "--team", ""}, teamLines + ":4\n", []string{""}},
		{"teams of the named profile", []string{"fetch", "--profile", "prod", "--team", ""}, ":4\n", []string{"prod"}},
		{"teams of a profile named in the flag's word", []string{"fetch", "--profile=default", "--team=2605"}, "--team=26055\tOps\\tOne (default)\n--team=26056\tPlatform\n:4\n", []string{"default"}},
		{"teams of an empty --profile", []string{"fetch", "--profile=", "--team", "26056"}, "26056\tPlatform\n:4\n", []string{""}},
		{"file names", []string{"fetch", "--key-file", ""}, ":0\n", nil},
		{"file names in the flag's word", []string{"fetch", "--key-file=./"}, ":0\n", nil},
		{"a free value offers nothing", []string{"fetch", "--note", ""}, ":4\n", nil},
		{"a pending flag takes a word like a flag", []string{"fetch", "--note", "--force", "--f"}, "--format\ttext or json\n--force\tdo it anyway\n:4\n", nil},
		{"a pending flag takes --", []string{"run", "--profile", "--", ""}, ":4\n", nil},

		// Positional arguments.
		{"a command with no argument values", []string{"fetch", ""}, ":4\n", nil},
		{"an unknown flag is no argument", []string{"use", "--nosuch", "p"}, "prod\thttps://two.example\\x1b[31m\n:4\n", nil},
		{"an argument", []string{"use", "p"}, "prod\thttps://two.example\\x1b[31m\n:4\n", nil},
		{"only the first argument", []string{"use", "prod", ""}, ":4\n", nil},
		{"a hidden command's argument", []string{"secret", "e"}, "erase\n:4\n", nil},
		{"shells from the table", []string{"completion", ""}, "bash\nzsh\nfish\n:4\n", nil},
		{"after --, the shell's own completion", []string{"run", "--", ""}, ":0\n", nil},
		{"after --, flags are the command's", []string{"run", "--", "curl", "--pro"}, ":0\n", nil},
		{"help's argument", []string{"help", ""}, commandLines + ":4\n", nil},
		{"help by its alias", []string{"h", "v"}, "version\tPrints the version\n:4\n", nil},
		{"help takes any number", []string{"help", "use", "u"}, "use\tPicks a profile\n:4\n", nil},
		{"help's flags", []string{"help", "-"}, "--help\tshow help\n:4\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := &sources{}
			var out strings.Builder
			if err := Answer(t.Context(), &out, testLine(src), src, tt.words); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("%q:\ngot  %q\nwant %q", tt.words, out.String(), tt.want)
			}
			if !slices.Equal(src.teamsAskedFor, tt.teams) {
				t.Errorf("%q: Teams asked for %q, want %q", tt.words, src.teamsAskedFor, tt.teams)
			}
		})
	}
}

// The only error is the writer's.
func TestAnswerReturnsTheWritersError(t *testing.T) {
	src := &sources{}
	err := Answer(t.Context(), failingWriter{}, testLine(src), src, []string{"fetch", ""})
	if !errors.Is(err, errClosed) {
		t.Errorf("got %v, want %v", err, errClosed)
	}
}

var errClosed = errors.New("closed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errClosed }
