package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNewInstallLinksCmd(t *testing.T) {
	checkParse(t, newInstallLinksCmd, []parseCase[InstallLinksOptions]{
		{nil, InstallLinksOptions{}, ""},
		{[]string{"--dir", "/opt/bin", "--force"}, InstallLinksOptions{Dir: "/opt/bin", Force: true}, ""},
		{[]string{"--remove"}, InstallLinksOptions{Remove: true}, ""},
		{[]string{"--force", "--remove"}, InstallLinksOptions{}, "install-links: --remove leaves what is not ours alone, whatever --force says; give one of them"},
		{[]string{"--dir", ""}, InstallLinksOptions{}, "install-links: --dir is empty; give a directory, or leave --dir out for the executable's own"},
		{[]string{"extra"}, InstallLinksOptions{}, `install-links: unexpected argument "extra" (flags go before arguments; this command takes none)`},
	})
}

// The run gives internal/install the Factory's executable and every shell
// of internal/complete's table; the package's own tests cover the rest.
func TestRunInstallLinks(t *testing.T) {
	r := newTestRun(t)
	root := t.TempDir()
	bin := filepath.Join(root, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(bin, "monitor-token")
	if err := os.WriteFile(exe, []byte("binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	f := r.factory()
	f.Executable = func() (string, error) { return exe, nil }
	for _, tt := range []struct {
		name       string
		opts       InstallLinksOptions
		wantStderr string
	}{
		{"install", InstallLinksOptions{GOOS: "linux"},
			"linked ROOT/bin/kubectl-monitor_token -> monitor-token\n" +
				"linked ROOT/bin/kubectl_complete-monitor_token -> monitor-token\n" +
				"linked ROOT/bin/git-credential-monitor-token -> monitor-token\n" +
				"wrote ROOT/share/bash-completion/completions/monitor-token\n" +
				"wrote ROOT/share/zsh/site-functions/_monitor-token\n" +
				"wrote ROOT/share/fish/vendor_completions.d/monitor-token.fish\n" +
				"zsh: add fpath+=(ROOT/share/zsh/site-functions) to ~/.zshrc before compinit\n"},
		{"remove", InstallLinksOptions{GOOS: "linux", Remove: true},
			"removed ROOT/bin/kubectl-monitor_token\n" +
				"removed ROOT/bin/kubectl_complete-monitor_token\n" +
				"removed ROOT/bin/git-credential-monitor-token\n" +
				"removed ROOT/share/bash-completion/completions/monitor-token\n" +
				"removed ROOT/share/zsh/site-functions/_monitor-token\n" +
				"removed ROOT/share/fish/vendor_completions.d/monitor-token.fish\n"},
	} {
		r.stderr.Reset()
		err := runInstallLinks(t.Context(), f, tt.opts)
		r.check(tt.name, err, "", strings.ReplaceAll(tt.wantStderr, "ROOT", root), "")
	}
}
