package commands

import (
	"errors"
	"testing"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
)

func TestNewExecCmd(t *testing.T) {
	checkParse(t, newExecCmd, []parseCase[ExecOptions]{
		{[]string{"--", "env"}, ExecOptions{Flags: FlagValues{}, Command: []string{"env"}}, ""},
		{[]string{"--profile", "ci", "--", "curl", "-s", "--profile", "x"}, ExecOptions{Flags: FlagValues{"profile": "ci"}, Command: []string{"curl", "-s", "--profile", "x"}}, ""},
		{[]string{"sh", "-c", "echo"}, ExecOptions{Flags: FlagValues{}, Command: []string{"sh", "-c", "echo"}}, ""},
		{nil, ExecOptions{}, "exec: give the command to run: monitor-token exec -- COMMAND [ARG...]"},
		{[]string{"--"}, ExecOptions{}, "exec: give the command to run: monitor-token exec -- COMMAND [ARG...]"},
	})
}

func TestRunExec(t *testing.T) {
	r := newTestRun(t)
	r.login("p", nil)
	r.env["SDC_TOKEN"] = "stale"
	for _, tt := range []struct {
		name                            string
		command                         []string
		wantStdout, wantStderr, wantErr string
		wantCode                        int
	}{
		{"the token in the variables", []string{"sh", "-c", `printf '%s %s %s\n' "$SYSDIG_MONITOR_URL" "$SYSDIG_MONITOR_API_TOKEN" "$SDC_TOKEN"`},
			"{URL} {TOKEN} {TOKEN}\n", "", "", 0},
		{"sdcclient's and sysdig-mcp-server's names", []string{"sh", "-c", `printf '%s %s %s %s\n' "$SDC_MONITOR_URL" "$SDC_MONITOR_TOKEN" "$SYSDIG_MCP_API_HOST" "$SYSDIG_MCP_API_TOKEN"`},
			"{URL} {TOKEN} {URL} {TOKEN}\n", "", "", 0},
		{"its exit status is ours", []string{"sh", "-c", "exit 7"}, "", "", "exit status 7", 7},
		{"not found", []string{"no-such-command-here"}, "", "", "exec: no-such-command-here: command not found", 127},
	} {
		err := runExec(t.Context(), r.factory(), ExecOptions{Flags: FlagValues{"profile": "p"}, Command: tt.command})
		r.check(tt.name, err, tt.wantStdout, tt.wantStderr, tt.wantErr)
		var exit *cmdutil.ExitError
		if code := 0; errors.As(err, &exit) {
			code = exit.Code
			if code != tt.wantCode {
				t.Errorf("%s: exit code %d, want %d", tt.name, code, tt.wantCode)
			}
		} else if tt.wantCode != 0 {
			t.Errorf("%s: no exit code, want %d", tt.name, tt.wantCode)
		}
	}
}
