package commands

import (
	"io"
	"strings"
	"testing"
)

// urfave/cli shows a word in backquotes in a flag's usage as the flag's
// placeholder: no usage may have one, or help would read "--profile use".
func TestFlagUsagesHaveNoPlaceholder(t *testing.T) {
	for _, c := range Commands(&Factory{Name: "monitor-token", Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}) {
		for _, fl := range c.Flags {
			if u, ok := fl.(interface{ GetUsage() string }); ok && strings.Contains(u.GetUsage(), "`") {
				t.Errorf("%s --%s: usage %q has a backquote", c.Name, fl.Names()[0], u.GetUsage())
			}
		}
	}
}
