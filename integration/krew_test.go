package integration

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The krew release whose validator and installer judge make dist's output.
// `go run pkg@version` fetches it through the module proxy the first time.
const krewModule = "sigs.k8s.io/krew"
const krewVersion = "v0.4.3"

// distVersion is the VERSION the test builds the release with.
const distVersion = "v0.1.0-test"

// releaseBase is make dist's default RELEASE_URL_BASE for distVersion, with a slash.
const releaseBase = "https://github.com/monitor-token/monitor-token/releases/download/" + distVersion + "/"

type distPlatform struct{ os, arch string }

var distPlatforms = []distPlatform{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"},
}

func (p distPlatform) archive() string {
	ext := ".tar.gz"
	if p.os == "windows" {
		ext = ".zip"
	}
	return "monitor-token_" + distVersion + "_" + p.os + "_" + p.arch + ext
}

func (p distPlatform) bin() string {
	if p.os == "windows" {
		return "monitor-token.exe"
	}
	return "monitor-token"
}

// TestDistAndKrew builds the release with `make dist` (once: five
// cross-builds), checks the archives and checksums, has krew's own validator
// judge the manifest, installs the plugin with krew from the manifest and the
// local archive, and runs it through kubectl. Corrupted manifests must be
// refused, so the checks are shown to be able to fail.
func TestDistAndKrew(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: builds five release archives and runs krew")
	}
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("skipped: kubectl is not on PATH; this test installs the plugin with krew and runs `kubectl monitor-token` (install kubectl to run it)")
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	dist := filepath.Join(tmp, "dist")

	// make dist, with the defaults it would have outside `make test`.
	env := environ("RELEASE_URL_BASE", "DIST", "VERSION", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
	start := time.Now()
	out, err := command(root, env, "make", "dist", "DIST="+dist, "VERSION="+distVersion).CombinedOutput()
	if err != nil {
		t.Fatalf("make dist: %v\n%s", err, out)
	}
	t.Logf("make dist took %s", time.Since(start).Round(time.Second))

	sums := checkChecksums(t, dist)
	license, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range distPlatforms {
		checkArchive(t, filepath.Join(dist, p.archive()), p.bin(), license)
	}
	manifest := filepath.Join(dist, "monitor-token.yaml")
	checkManifest(t, manifest, sums)

	// krew's validator: structure, semver, selectors, sha256 syntax.
	start = time.Now()
	out, err = goRun(tmp, nil, krewModule+"/cmd/validate-krew-manifest@"+krewVersion, "-manifest", manifest, "-skip-install")
	t.Logf("validate-krew-manifest (%s):\n%s", time.Since(start).Round(time.Second), out)
	if err != nil {
		t.Fatalf("validate-krew-manifest refused the manifest: %v", err)
	}
	// ... and it can refuse: an upper-case sha256 is not valid.
	badFormat := corrupt(t, manifest, filepath.Join(tmp, "bad-format"), func(sha string) string { return strings.ToUpper(sha) }, distPlatforms[0])
	out, err = goRun(tmp, nil, krewModule+"/cmd/validate-krew-manifest@"+krewVersion, "-manifest", badFormat, "-skip-install")
	if err == nil || !strings.Contains(string(out), "sha256") {
		t.Fatalf("validate-krew-manifest accepted an upper-case sha256 (err %v):\n%s", err, out)
	}
	t.Logf("validate-krew-manifest, upper-case sha256, refused as it should be: %s", lineWith(out, "sha256"))

	// krew-index's own check, without -skip-install: the validator downloads
	// every platform's archive from its uri (here a local server), installs
	// it with `kubectl krew` and requires a LICENSE among the files.
	srv := httptest.NewServer(http.FileServer(http.Dir(dist)))
	defer srv.Close()
	served := filepath.Join(tmp, "served", "monitor-token.yaml")
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.ReplaceAll(data, []byte("uri: "+releaseBase), []byte("uri: "+srv.URL+"/"))
	if err := os.MkdirAll(filepath.Dir(served), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(served, data, 0o644); err != nil {
		t.Fatal(err)
	}
	gobin := filepath.Join(tmp, "gobin")
	out, err = goCmd(tmp, []string{"GOBIN=" + gobin}, "install", krewModule+"/cmd/krew@"+krewVersion, krewModule+"/cmd/validate-krew-manifest@"+krewVersion)
	if err != nil {
		t.Fatalf("go install krew: %v\n%s", err, out)
	}
	if err := os.Rename(filepath.Join(gobin, "krew"), filepath.Join(gobin, "kubectl-krew")); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	venv := append(environ("PATH"), "PATH="+gobin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err = command(tmp, venv, filepath.Join(gobin, "validate-krew-manifest"), "-manifest", served).CombinedOutput()
	t.Logf("validate-krew-manifest with installs (%s):\n%s", time.Since(start).Round(time.Second), out)
	if err != nil {
		t.Fatalf("validate-krew-manifest refused the archives: %v", err)
	}

	// Install this machine's archive with krew, as `kubectl krew install
	// --manifest=... --archive=...` does.
	host := distPlatform{runtime.GOOS, runtime.GOARCH}
	if !slices.Contains(distPlatforms, host) {
		t.Skipf("skipped the install: make dist builds no archive for this machine (%s/%s)", host.os, host.arch)
	}
	archive := filepath.Join(dist, host.archive())
	krewRoot := filepath.Join(tmp, "krew")
	start = time.Now()
	out, err = goRun(tmp, krewEnv(krewRoot, host), krewModule+"/cmd/krew@"+krewVersion, "install", "--manifest="+manifest, "--archive="+archive)
	t.Logf("krew install (%s):\n%s", time.Since(start).Round(time.Second), out)
	if err != nil {
		t.Fatalf("krew install: %v", err)
	}
	link := filepath.Join(krewRoot, "bin", "kubectl-monitor_token")
	if _, err := os.Stat(link); err != nil {
		t.Fatalf("krew did not link the plugin: %v", err)
	}

	// kubectl finds it on PATH. Directories that already hold a
	// kubectl-monitor_token (a `make install`) are left out: kubectl would
	// warn that one shadows the other.
	path := []string{filepath.Join(krewRoot, "bin")}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Lstat(filepath.Join(dir, "kubectl-monitor_token")); err != nil {
			path = append(path, dir)
		}
	}
	kenv := append(environ("PATH"), "PATH="+strings.Join(path, string(os.PathListSeparator)))
	out, err = command(tmp, kenv, "kubectl", "plugin", "list").CombinedOutput()
	if err != nil || !strings.Contains(string(out), link) {
		t.Fatalf("kubectl plugin list does not list %s (err %v):\n%s", link, err, out)
	}
	var stderr bytes.Buffer
	cmd := command(tmp, kenv, "kubectl", "monitor-token", "version")
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil || strings.TrimSpace(string(out)) != distVersion {
		t.Fatalf("kubectl monitor-token version: %v\nstdout: %q (want %q)\nstderr: %s", err, out, distVersion, stderr.String())
	}

	// The archive's completion script, linked beside krew's plugin link
	// (krew links only bin), answers kubectl's completion request.
	scripts, err := filepath.Glob(filepath.Join(krewRoot, "store", "monitor-token", "*", completeScript))
	if err != nil || len(scripts) != 1 {
		t.Fatalf("krew's store holds %v (%v), want one %s", scripts, err, completeScript)
	}
	if err := os.Symlink(scripts[0], filepath.Join(krewRoot, "bin", completeScript)); err != nil {
		t.Fatal(err)
	}
	out, err = command(tmp, kenv, "kubectl", "__complete", "monitor-token", "get", "--pro").Output()
	if err != nil || string(out) != "--profile\t"+profileUsage+"\n:4\n" {
		t.Fatalf("kubectl __complete monitor-token get --pro through the archive's script: %v\n%q", err, out)
	}

	// A manifest whose sha256 does not match the archive is refused.
	badSum := corrupt(t, manifest, filepath.Join(tmp, "bad-sum"), func(sha string) string {
		flip := "1"
		if sha[0] == '1' {
			flip = "2"
		}
		return flip + sha[1:]
	}, host)
	badRoot := filepath.Join(tmp, "krew-bad")
	out, err = goRun(tmp, krewEnv(badRoot, host), krewModule+"/cmd/krew@"+krewVersion, "install", "--manifest="+badSum, "--archive="+archive)
	if err == nil || !strings.Contains(string(out), "checksum does not match") {
		t.Fatalf("krew installed from a manifest with a wrong sha256 (err %v):\n%s", err, out)
	}
	t.Logf("krew install, wrong sha256, refused as it should be: %s", lineWith(out, "checksum does not match"))
	if _, err := os.Lstat(filepath.Join(badRoot, "bin", "kubectl-monitor_token")); err == nil {
		t.Fatal("krew linked the plugin although its sha256 did not match")
	}
}

// lineWith is the first line of a command's output that contains substr.
func lineWith(out []byte, substr string) string {
	for _, line := range strings.Split(string(out), "\n") {
		if strings.Contains(line, substr) {
			return line
		}
	}
	return ""
}

// environ is the test's environment without the named variables.
func environ(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(drop, name) {
			env = append(env, kv)
		}
	}
	return env
}

func command(dir string, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = env
	return cmd
}

// goRun runs `go run pkg@version` in dir, outside this module, so that it
// neither reads nor changes go.mod.
func goRun(dir string, extra []string, args ...string) ([]byte, error) {
	return goCmd(dir, extra, "run", args...)
}

// goCmd runs `go SUBCOMMAND pkg@version ...` the same way.
func goCmd(dir string, extra []string, sub string, args ...string) ([]byte, error) {
	env := append(environ("GOFLAGS", "GOWORK"), "GOFLAGS=-mod=mod", "GOWORK=off")
	env = append(env, extra...)
	return command(dir, env, "go", append([]string{sub}, args...)...).CombinedOutput()
}

func krewEnv(root string, p distPlatform) []string {
	return []string{"KREW_ROOT=" + root, "KREW_OS=" + p.os, "KREW_ARCH=" + p.arch, "KREW_NO_UPGRADE_CHECK=1"}
}

// checkChecksums checks that checksums.txt lists every archive, once, with
// its sha256, and returns them by file name.
func checkChecksums(t *testing.T, dist string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok || len(sum) != 64 || strings.ToLower(sum) != sum {
			t.Fatalf("checksums.txt: not sha256sum format: %q", line)
		}
		if _, dup := sums[name]; dup {
			t.Fatalf("checksums.txt lists %s twice", name)
		}
		sums[name] = sum
	}
	if len(sums) != len(distPlatforms) {
		t.Errorf("checksums.txt lists %d files, want the %d archives:\n%s", len(sums), len(distPlatforms), data)
	}
	for _, p := range distPlatforms {
		name := p.archive()
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		if got := hex.EncodeToString(h[:]); sums[name] != got {
			t.Errorf("checksums.txt: %s has %q, the file's sha256 is %s", name, sums[name], got)
		}
	}
	return sums
}

// checkArchive checks an archive holds LICENSE, README.md, (tar.gz) the completion script and the binary, in
// that order, with the owners, modes and times of a reproducible build.
func checkArchive(t *testing.T, path, bin string, license []byte) {
	t.Helper()
	type entry struct {
		name  string
		mode  os.FileMode
		mtime time.Time
		data  []byte
	}
	var entries []entry
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.OpenReader(path)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatalf("%s: %s: %v", path, f.Name, err)
			}
			if len(f.Extra) != 0 {
				t.Errorf("%s: %s has extra fields (zip -X leaves none)", path, f.Name)
			}
			entries = append(entries, entry{f.Name, f.Mode(), f.Modified, data})
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if gz.Name != "" || !gz.ModTime.IsZero() {
			t.Errorf("%s: gzip header has name %q, time %v (want none: gzip -n)", path, gz.Name, gz.ModTime)
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatalf("%s: %s: %v", path, h.Name, err)
			}
			if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" {
				t.Errorf("%s: %s owned by %d/%d (%q/%q), want 0/0 numeric", path, h.Name, h.Uid, h.Gid, h.Uname, h.Gname)
			}
			entries = append(entries, entry{h.Name, h.FileInfo().Mode(), h.ModTime, data})
		}
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.name)
	}
	// Windows: the other personalities as copies of the binary, sorted as
	// the archive holds them (symbolic links need a privilege there).
	want := []string{"LICENSE", "README.md", "git-credential-monitor-token.exe", "kubectl-monitor_token.exe", "kubectl_complete-monitor_token.exe", bin}
	if !strings.HasSuffix(path, ".zip") {
		// kubectl's completion program for the plugin (a script: krew
		// unpacks regular files only).
		want = []string{"LICENSE", "README.md", completeScript, bin}
	}
	if !slices.Equal(names, want) {
		t.Fatalf("%s holds %q, want %q", path, names, want)
	}
	var binData []byte
	for _, e := range entries {
		if e.name == bin {
			binData = e.data
		}
	}
	for _, e := range entries {
		want := os.FileMode(0o644)
		if e.name == bin || e.name == completeScript || strings.HasSuffix(e.name, ".exe") {
			want = 0o755
		}
		if strings.HasSuffix(e.name, ".exe") && !bytes.Equal(e.data, binData) {
			t.Errorf("%s: %s is not a copy of %s", path, e.name, bin)
		}
		if e.name == completeScript && !bytes.HasPrefix(e.data, []byte("#!/bin/sh\n")) {
			t.Errorf("%s: %s is not a shell script: %q", path, e.name, e.data)
		}
		if e.mode != want {
			t.Errorf("%s: %s has mode %v, want %v", path, e.name, e.mode, want)
		}
		if !e.mtime.Equal(entries[0].mtime) {
			t.Errorf("%s: %s has time %v, %s has %v: want one fixed time", path, e.name, e.mtime, entries[0].name, entries[0].mtime)
		}
	}
	if !bytes.Equal(entries[0].data, license) {
		t.Errorf("%s: LICENSE differs from the repository's", path)
	}
	if last := entries[len(entries)-1]; len(last.data) < 1<<20 {
		t.Errorf("%s: %s is only %d bytes", path, bin, len(last.data))
	}
}

// profileUsage is --profile's description, as completion shows it.
const profileUsage = "the profile to use (default: $MONITOR_TOKEN_PROFILE, else the one `use` chose, else \"default\")"

// completeScript is the program kubectl runs for `kubectl monitor-token <TAB>`.
const completeScript = "kubectl_complete-monitor_token"

// manifestPlatform is one spec.platforms entry, as make dist writes it.
type manifestPlatform struct{ os, arch, uri, sha256, bin string }

// readManifest reads the fields of the krew manifest this test checks. It
// knows only the layout make dist writes (krew's validator checks the YAML).
func readManifest(t *testing.T, path string) (fields map[string]string, platforms []manifestPlatform) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fields = map[string]string{}
	sc := bufio.NewScanner(f)
	inPlatforms := false
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if line == "  platforms:" {
			inPlatforms = true
			continue
		}
		if !inPlatforms {
			if k, v, ok := strings.Cut(trimmed, ": "); ok && !strings.HasPrefix(line, "    ") {
				fields[k] = v
			}
			continue
		}
		if strings.HasPrefix(trimmed, "- selector:") {
			platforms = append(platforms, manifestPlatform{})
			continue
		}
		k, v, ok := strings.Cut(trimmed, ": ")
		if !ok || len(platforms) == 0 {
			continue
		}
		p := &platforms[len(platforms)-1]
		switch k {
		case "os":
			p.os = v
		case "arch":
			p.arch = v
		case "uri":
			p.uri = v
		case "sha256":
			p.sha256 = v
		case "bin":
			p.bin = v
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return fields, platforms
}

// checkManifest checks what krew's validator cannot know: the manifest names
// this release's archives, URLs and checksums.
func checkManifest(t *testing.T, path string, sums map[string]string) {
	t.Helper()
	fields, platforms := readManifest(t, path)
	for k, want := range map[string]string{
		"apiVersion": "krew.googlecontainertools.github.com/v1alpha2",
		"kind":       "Plugin",
		"name":       "monitor-token",
		"version":    distVersion,
		"homepage":   "https://github.com/monitor-token/monitor-token",
	} {
		if fields[k] != want {
			t.Errorf("manifest: %s is %q, want %q", k, fields[k], want)
		}
	}
	for _, k := range []string{"shortDescription", "description", "caveats"} {
		if fields[k] == "" {
			t.Errorf("manifest: no %s", k)
		}
	}
	if len(platforms) != len(distPlatforms) {
		t.Fatalf("manifest has %d platforms, want %d: %+v", len(platforms), len(distPlatforms), platforms)
	}
	base := releaseBase
	for i, p := range distPlatforms {
		want := manifestPlatform{p.os, p.arch, base + p.archive(), sums[p.archive()], p.bin()}
		if platforms[i] != want {
			t.Errorf("manifest platform %d:\n got %+v\nwant %+v", i, platforms[i], want)
		}
	}
}

// corrupt writes a copy of the manifest to dir/monitor-token.yaml (krew wants
// the file named after the plugin) with platform p's sha256 changed by bad.
func corrupt(t *testing.T, manifest, dir string, bad func(string) string, p distPlatform) string {
	t.Helper()
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	_, platforms := readManifest(t, manifest)
	var sha string
	for _, mp := range platforms {
		if mp.os == p.os && mp.arch == p.arch {
			sha = mp.sha256
		}
	}
	if sha == "" || bytes.Count(data, []byte(sha)) != 1 {
		t.Fatalf("manifest: no unique sha256 for %s/%s", p.os, p.arch)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "monitor-token.yaml")
	if err := os.WriteFile(path, bytes.Replace(data, []byte(sha), []byte(bad(sha)), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
