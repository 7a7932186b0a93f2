package app

import (
	"bytes"
	"strings"
	"syscall"
	"testing"

	"github.com/monitor-token/monitor-token/internal/broker"
	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/sdkgrant"
)

// Team names are the server's text: printed in the table, escape and OSC
// sequences and line breaks are shown escaped, never acted on or turned
// into rows of their own.
func TestTeamNamesAreEscaped(t *testing.T) {
	w := newWorld(t)
	const guid = "6b1e0c5a-2d7f-4c1e-9a55-0f2b3c4d5e6f"
	w.emu.AddInstance(emulator.Instance{GUID: guid, Region: "us-south", Teams: []emulator.Team{
		{ID: 1, Name: "plain", Default: true},
		{ID: 2, Name: "red\x1b[31m\x1b]0;owned\x07"},
		{ID: 3, Name: "fake\n99  admins  yes"},
	}})
	w.must(w.apiKey(), "login", "--endpoint", w.url, "--iam-endpoint", w.url, "--instance", guid, "--auth", "iam")
	r := w.must("", "teams")
	if strings.ContainsAny(r.stdout, "\x1b\x07\r") {
		t.Errorf("control characters reached stdout: %q", r.stdout)
	}
	rows := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	if len(rows) != 4 {
		t.Fatalf("%d rows for a header and 3 teams: %q", len(rows), r.stdout)
	}
	for _, want := range []string{`red\x1b[31m\x1b]0;owned\a`, `fake\n99  admins  yes`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the table does not show %s: %q", want, r.stdout)
		}
	}
}

// stdoutFull fails every write as /dev/full does.
type stdoutFull struct{}

func (stdoutFull) Write([]byte) (int, error) { return 0, syscall.ENOSPC }

// Output that could not be written is a failure, whatever the command:
// exit 1 and a line on stderr, never exit 0.
func TestAFailedWriteToStdoutFails(t *testing.T) {
	w := newWorld(t)
	w.must(w.apiKey(), w.loginArgs("default")...)
	for _, args := range [][]string{
		{"version"}, {"--help"}, {"get", "--help"}, {"help"}, {"get"}, {"get", "--format", "json"},
		{"status"}, {"completion", "bash"}, {"teams"},
	} {
		var stderr bytes.Buffer
		code := Run(t.Context(), Env{
			Args: append([]string{"monitor-token"}, args...), Stdin: strings.NewReader(""),
			Stdout: stdoutFull{}, Stderr: &stderr, Environ: w.environ(),
			OpenSecrets: func() broker.Secrets { return w.keyring },
			NewAPI: func(ua string) *monitorapi.Client {
				c := monitorapi.New(ua)
				c.Grants = sdkgrant.Grants{}
				return c
			},
		})
		const want = "monitor-token: could not write the output: no space left on device; check where stdout goes (a full disk, a closed pipe)\n"
		if code != ExitError || stderr.String() != want {
			t.Errorf("%v to a full disk: exit %d, stderr %q; want 1 and %q", args, code, stderr.String(), want)
		}
	}
}
