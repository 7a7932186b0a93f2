package integration

import (
	"bytes"
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

	"sigs.k8s.io/yaml"
)

// The krew release whose validator and installer judge make dist's output.
// `go run pkg@version` fetches it through the module proxy the first time.
const krewModule = "sigs.k8s.io/krew"
const krewVersion = "v0.4.3"

// TestKrew has krew's own validator judge the manifest `make dist` wrote,
// installs the plugin with krew from the manifest and this machine's krew
// archive, and runs it through kubectl. Corrupted manifests must be
// refused, so the checks are shown to be able to fail.
func TestKrew(t *testing.T) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("skipped: kubectl is not on PATH; this test installs the plugin with krew and runs `kubectl monitor-token` (install kubectl to run it)")
	}
	rel := builtRelease(t)
	tmp := t.TempDir()
	dist := rel.dist
	sums := checkChecksums(t, dist)
	manifest := filepath.Join(dist, "krew", "monitor-token.yaml")
	checkManifest(t, manifest, sums)

	// krew's validator: structure, semver, selectors, sha256 syntax.
	start := time.Now()
	out, err := goRun(tmp, nil, krewModule+"/cmd/validate-krew-manifest@"+krewVersion, "-manifest", manifest, "-skip-install")
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
	archive := filepath.Join(dist, host.krewArchive())
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

// profileUsage is --profile's description, as completion shows it.
const profileUsage = "the profile to use (default: $MONITOR_TOKEN_PROFILE, else the one the use command set, else \"default\")"

// completeScript is the program kubectl runs for `kubectl monitor-token <TAB>`.
const completeScript = "kubectl_complete-monitor_token"

// manifestPlatform is one spec.platforms entry, reduced to what the tests
// compare.
type manifestPlatform struct{ os, arch, uri, sha256, bin string }

// krewManifest is the part of krew's Plugin resource the tests read
// (krew's validator checks the whole).
type krewManifest struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string `json:"version"`
		Homepage         string `json:"homepage"`
		ShortDescription string `json:"shortDescription"`
		Description      string `json:"description"`
		Caveats          string `json:"caveats"`
		Platforms        []struct {
			URI      string `json:"uri"`
			Sha256   string `json:"sha256"`
			Bin      string `json:"bin"`
			Selector struct {
				MatchLabels map[string]string `json:"matchLabels"`
			} `json:"selector"`
		} `json:"platforms"`
	} `json:"spec"`
}

// readManifest reads the manifest's fields by name, and its platforms.
func readManifest(t *testing.T, path string) (fields map[string]string, platforms []manifestPlatform) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var m krewManifest
	if err := yaml.UnmarshalStrict(data, &m); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	fields = map[string]string{
		"apiVersion": m.APIVersion, "kind": m.Kind, "name": m.Metadata.Name,
		"version": m.Spec.Version, "homepage": m.Spec.Homepage,
		"shortDescription": m.Spec.ShortDescription, "description": m.Spec.Description, "caveats": m.Spec.Caveats,
	}
	for _, p := range m.Spec.Platforms {
		platforms = append(platforms, manifestPlatform{p.Selector.MatchLabels["os"], p.Selector.MatchLabels["arch"], p.URI, p.Sha256, p.Bin})
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
	var want []manifestPlatform
	for _, p := range distPlatforms {
		want = append(want, manifestPlatform{p.os, p.arch, releaseBase + p.krewArchive(), sums[p.krewArchive()], p.bin()})
	}
	order := func(a, b manifestPlatform) int { return strings.Compare(a.os+a.arch, b.os+b.arch) }
	slices.SortFunc(platforms, order)
	slices.SortFunc(want, order)
	if !slices.Equal(platforms, want) {
		t.Errorf("manifest platforms:\n got %+v\nwant %+v", platforms, want)
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
