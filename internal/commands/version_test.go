package commands

import (
	"testing"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
)

func TestVersionCmd(t *testing.T) {
	defer cmdutil.SetVersion("v1.2.3")()
	for _, tt := range []struct {
		args                []string
		wantStdout, wantErr string
	}{
		{nil, "v1.2.3\n", ""},
		{[]string{"now"}, "", `version: unexpected argument "now" (flags go before arguments; this command takes none)`},
	} {
		r := newTestRun(t)
		var notFound error
		err := NewApp(r.factory(), &notFound).RunContext(t.Context(), append([]string{"monitor-token", "version"}, tt.args...))
		r.check("version", err, tt.wantStdout, "", tt.wantErr)
	}
}

func TestNewCompletionCmd(t *testing.T) {
	for _, tt := range []struct {
		args               []string
		wantShell, wantErr string
	}{
		{[]string{"bash"}, "bash", ""},
		{[]string{"fish"}, "fish", ""},
		{[]string{"powershell"}, "", "completion: give bash, zsh or fish: source <(monitor-token completion bash), or monitor-token completion fish | source"},
		{nil, "", "completion: give bash, zsh or fish: source <(monitor-token completion bash), or monitor-token completion fish | source"},
		{[]string{"bash", "zsh"}, "", "completion: give bash, zsh or fish: source <(monitor-token completion bash), or monitor-token completion fish | source"},
	} {
		got, err := parse(t, newCompletionCmd, tt.args...)
		if errText(err) != tt.wantErr || got.Shell.Name != tt.wantShell {
			t.Errorf("completion %q: shell %q, error %q; want %q, %q", tt.args, got.Shell.Name, errText(err), tt.wantShell, tt.wantErr)
		}
	}
}
