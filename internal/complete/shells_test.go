package complete

import (
	"strings"
	"testing"
)

// Every shell has its script and the path its loader reads, in the order
// completion offers them; each script asks __complete, not urfave/cli's
// flag-name-only --generate-bash-completion, and names the program its
// file is loaded for.
func TestShells(t *testing.T) {
	want := []struct{ name, path, firstLine string }{
		{"bash", "bash-completion/completions/monitor-token", "# bash completion for monitor-token; load with:"},
		// zsh autoloads a file on $fpath only when its first line is #compdef.
		{"zsh", "zsh/site-functions/_monitor-token", "#compdef monitor-token"},
		{"fish", "fish/vendor_completions.d/monitor-token.fish", "# fish completion for monitor-token; load with:"},
	}
	got := Shells()
	if len(got) != len(want) {
		t.Fatalf("%d shells, want %d", len(got), len(want))
	}
	for i, w := range want {
		sh := got[i]
		if sh.Name != w.name || sh.Path != w.path {
			t.Errorf("shell %d: %s at %s, want %s at %s", i, sh.Name, sh.Path, w.name, w.path)
		}
		if first, _, _ := strings.Cut(sh.Script, "\n"); first != w.firstLine {
			t.Errorf("%s: first line %q, want %q", sh.Name, first, w.firstLine)
		}
		if !strings.Contains(sh.Script, " __complete ") || strings.Contains(sh.Script, "generate-bash-completion") {
			t.Errorf("%s: the script does not ask %s:\n%s", sh.Name, Request, sh.Script)
		}
		if byName, ok := ScriptFor(w.name); !ok || byName != sh {
			t.Errorf("ScriptFor(%q) = %+v, %v; want %+v", w.name, byName, ok, sh)
		}
		if c := ShellNames()[i]; c != (Candidate{Value: w.name}) {
			t.Errorf("ShellNames()[%d] = %+v, want %s", i, c, w.name)
		}
	}
	if _, ok := ScriptFor("powershell"); ok {
		t.Error("ScriptFor(powershell) found a script")
	}
	// Shells is a copy: a caller cannot change the table.
	got[0].Script = ""
	if sh, _ := ScriptFor("bash"); sh.Script == "" {
		t.Error("changing Shells' result changed the table")
	}
}
