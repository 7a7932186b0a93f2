package integration

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The Linux packages `make dist` builds with nfpm (.goreleaser.yaml): what
// they install, checked by the package managers themselves.

// packageFiles is what each format installs: the same programs, links,
// completions and man page, with the zsh completion and the licence where
// each family of distributions looks for them (Debian's zsh reads
// vendor-completions, Fedora's site-functions; Debian wants the licence as
// doc/PACKAGE/copyright, RPM as a %license file).
var packageFiles = map[string][]string{
	"deb": {
		"/usr/bin/git-credential-monitor-token",
		"/usr/bin/kubectl-monitor_token",
		"/usr/bin/kubectl_complete-monitor_token",
		"/usr/bin/monitor-token",
		"/usr/share/bash-completion/completions/monitor-token",
		"/usr/share/doc/monitor-token/copyright",
		"/usr/share/fish/vendor_completions.d/monitor-token.fish",
		"/usr/share/man/man1/monitor-token.1.gz",
		"/usr/share/zsh/vendor-completions/_monitor-token",
	},
	"rpm": {
		"/usr/bin/git-credential-monitor-token",
		"/usr/bin/kubectl-monitor_token",
		"/usr/bin/kubectl_complete-monitor_token",
		"/usr/bin/monitor-token",
		"/usr/share/bash-completion/completions/monitor-token",
		"/usr/share/fish/vendor_completions.d/monitor-token.fish",
		"/usr/share/licenses/monitor-token/LICENSE",
		"/usr/share/man/man1/monitor-token.1.gz",
		"/usr/share/zsh/site-functions/_monitor-token",
	},
}

// TestDebInstallsAndRemovesCleanly installs the host's .deb with dpkg, runs
// the three personalities from /usr/bin as their callers do, checks the
// completions and man page, and removes it again: nothing may be left.
func TestDebInstallsAndRemovesCleanly(t *testing.T) {
	rel := builtRelease(t)
	if _, err := exec.LookPath("dpkg"); err != nil {
		t.Skip("skipped: no dpkg on this machine (not Debian-based)")
	}
	if os.Getuid() != 0 {
		t.Skip("skipped: installing a .deb with dpkg -i needs root (make test runs as root in CI)")
	}
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "monitor-token").Output(); err == nil && strings.Contains(string(out), "installed") {
		t.Skipf("skipped: a monitor-token package is already installed (%s); this test would replace it", out)
	}
	arch, err := exec.Command("dpkg", "--print-architecture").Output()
	if err != nil {
		t.Fatal(err)
	}
	deb := filepath.Join(rel.dist, "monitor-token_"+distPackageVersion+"_"+strings.TrimSpace(string(arch))+".deb")
	for field, want := range map[string]string{
		"Package": "monitor-token", "Version": distPackageVersion, "Depends": "",
		"Recommends": "gnome-keyring | keepassxc | libkf5wallet-bin",
	} {
		out, err := exec.Command("dpkg-deb", "-f", deb, field).Output()
		if err != nil {
			t.Fatalf("dpkg-deb -f %s %s: %v", deb, field, err)
		}
		if got := strings.TrimSpace(string(out)); got != want {
			t.Errorf("the .deb's %s is %q, want %q", field, got, want)
		}
	}

	env := append(environ("DEBIAN_FRONTEND"), "DEBIAN_FRONTEND=noninteractive")
	t.Cleanup(func() { _ = command("/", env, "dpkg", "--purge", "monitor-token").Run() })
	if out, err := command("/", env, "dpkg", "-i", deb).CombinedOutput(); err != nil {
		t.Fatalf("dpkg -i %s: %v\n%s", deb, err, out)
	}
	listed, err := exec.Command("dpkg", "-L", "monitor-token").Output()
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, path := range strings.Split(strings.TrimSpace(string(listed)), "\n") {
		if info, err := os.Lstat(path); err == nil && !info.IsDir() {
			files = append(files, path)
		}
	}
	slices.Sort(files)
	if !slices.Equal(files, packageFiles["deb"]) {
		t.Errorf("dpkg installed\n%q\nwant\n%q", files, packageFiles["deb"])
	}
	for _, link := range []string{"kubectl-monitor_token", "kubectl_complete-monitor_token", "git-credential-monitor-token"} {
		if target, err := os.Readlink("/usr/bin/" + link); err != nil || target != "monitor-token" {
			t.Errorf("/usr/bin/%s: link to %q (%v), want monitor-token", link, target, err)
		}
	}

	// From /usr/bin alone, as a fresh login shell finds them; HOME is
	// empty, so no user's configuration plays a part.
	home := t.TempDir()
	run := []string{"PATH=/usr/bin:/bin", "HOME=" + home, "LC_ALL=C"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"monitor-token", "version"}, distVersion + "\n"},
		{[]string{"kubectl", "monitor-token", "version"}, distVersion + "\n"},
		{[]string{"git", "credential-monitor-token", "capability"}, "version 0\ncapability authtype\n"},
	} {
		var stderr bytes.Buffer
		cmd := command(home, run, c.args[0], c.args[1:]...)
		cmd.Stdin = strings.NewReader("")
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil || string(out) != c.want {
			t.Errorf("%s: %v\nstdout %q, want %q\nstderr: %s", strings.Join(c.args, " "), err, out, c.want, stderr.String())
		}
	}
	// The completions are what the installed binary prints, and the man
	// page is the release's.
	for shell, path := range map[string]string{
		"bash": "/usr/share/bash-completion/completions/monitor-token",
		"zsh":  "/usr/share/zsh/vendor-completions/_monitor-token",
		"fish": "/usr/share/fish/vendor_completions.d/monitor-token.fish",
	} {
		want, err := command(home, run, "monitor-token", "completion", shell).Output()
		got, rerr := os.ReadFile(path)
		if err != nil || rerr != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is not `monitor-token completion %s` (%v, %v)", path, shell, err, rerr)
		}
	}
	page := gunzip(t, "/usr/share/man/man1/monitor-token.1.gz")
	if want, err := os.ReadFile(filepath.Join(rel.src, "build", "release", "monitor-token.1")); err != nil || !bytes.Equal(page, want) {
		t.Errorf("the installed man page is not the release's monitor-token.1 (%v)", err)
	}

	if out, err := command("/", env, "dpkg", "-r", "monitor-token").CombinedOutput(); err != nil {
		t.Fatalf("dpkg -r: %v\n%s", err, out)
	}
	for _, path := range packageFiles["deb"] {
		if _, err := os.Lstat(path); err == nil {
			t.Errorf("dpkg -r left %s behind", path)
		}
	}
	for _, dir := range []string{"/usr/share/doc/monitor-token", "/usr/share/licenses/monitor-token"} {
		if _, err := os.Lstat(dir); err == nil {
			t.Errorf("dpkg -r left the directory %s behind", dir)
		}
	}
	// No configuration files either: the package is gone, not merely
	// deinstalled ("deinstall ok config-files").
	if out, err := exec.Command("dpkg-query", "-W", "-f=${Status}", "monitor-token").CombinedOutput(); err == nil && !strings.Contains(string(out), "not-installed") {
		t.Errorf("after dpkg -r, dpkg-query says %q", out)
	}
}

// TestRpmFileList checks both .rpm files with rpm itself: the file list,
// the links, the version, and dependencies (none but rpmlib's own) and
// recommendations.
func TestRpmFileList(t *testing.T) {
	rel := builtRelease(t)
	if _, err := exec.LookPath("rpm"); err != nil {
		requireRelease(t, "rpm is not installed (apt-get install rpm), so the .rpm packages go unchecked")
	}
	for _, arch := range []string{"x86_64", "aarch64"} {
		pkg := filepath.Join(rel.dist, "monitor-token-"+distPackageVersion+"-1."+arch+".rpm")
		query := func(args ...string) string {
			t.Helper()
			out, err := exec.Command("rpm", append([]string{"-qp", "--nosignature", "--nodigest"}, append(args, pkg)...)...).Output()
			if err != nil {
				t.Fatalf("rpm -qp %s %s: %v", strings.Join(args, " "), pkg, err)
			}
			return strings.TrimSpace(string(out))
		}
		if got := strings.Split(query("-l"), "\n"); !slices.Equal(got, packageFiles["rpm"]) {
			t.Errorf("%s: rpm -qpl lists\n%q\nwant\n%q", arch, got, packageFiles["rpm"])
		}
		// BUILDHOST: fixed, or the package would differ between machines.
		if got, want := query("--qf", "%{NAME} %{VERSION}-%{RELEASE} %{ARCH} %{LICENSE} %{BUILDHOST}"), "monitor-token "+distPackageVersion+"-1 "+arch+" Apache-2.0 monitor-token"; got != want {
			t.Errorf("%s: %q, want %q", arch, got, want)
		}
		for _, line := range strings.Split(query("--requires"), "\n") {
			if line != "" && !strings.HasPrefix(line, "rpmlib(") {
				t.Errorf("%s requires %q: the package must depend on nothing", arch, line)
			}
		}
		if got, want := query("--recommends"), "(gnome-keyring or keepassxc or kf5-kwallet)"; got != want {
			t.Errorf("%s recommends %q, want %q", arch, got, want)
		}
		links := query("--qf", `[%{FILENAMES} -> %{FILELINKTOS}\n]`)
		for _, link := range []string{"kubectl-monitor_token", "kubectl_complete-monitor_token", "git-credential-monitor-token"} {
			if !strings.Contains(links, "/usr/bin/"+link+" -> monitor-token\n") && !strings.HasSuffix(links, "/usr/bin/"+link+" -> monitor-token") {
				t.Errorf("%s: /usr/bin/%s is not a link to monitor-token:\n%s", arch, link, links)
			}
		}
	}
}

func gunzip(t *testing.T, path string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
