package integration

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The release as `make dist` builds it (.goreleaser.yaml,
// docs/releasing.md), judged by the programs that consume it: krew
// (krew_test.go), dpkg, rpm and ruby.

// distVersion is the VERSION the tests build the release with, and
// distFileVersion how GoReleaser writes it in file names (no leading v).
const (
	distVersion     = "v0.1.0-test"
	distFileVersion = "0.1.0-test"
	// The Linux packages' version: semver's pre-release dash becomes the
	// tilde that sorts it before 0.1.0 in dpkg and rpm.
	distPackageVersion = "0.1.0~test"
)

// releaseBase is where the manifest and the formula say the archives are,
// without RELEASE_URL_BASE.
const releaseBase = "https://github.com/monitor-token/monitor-token/releases/download/" + distVersion + "/"

type distPlatform struct{ os, arch string }

var distPlatforms = []distPlatform{
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
	{"windows", "amd64"}, {"windows", "arm64"},
}

func (p distPlatform) ext() string {
	if p.os == "windows" {
		return ".zip"
	}
	return ".tar.gz"
}

// archive is the platform's archive for people; krewArchive the one the
// krew manifest installs (one binary, regular files only).
func (p distPlatform) archive() string {
	return "monitor-token_" + distFileVersion + "_" + p.os + "_" + p.arch + p.ext()
}

func (p distPlatform) krewArchive() string {
	return "monitor-token-krew_" + distFileVersion + "_" + p.os + "_" + p.arch + p.ext()
}

func (p distPlatform) sbom() string {
	return "monitor-token_" + distFileVersion + "_" + p.os + "_" + p.arch + ".buildinfo.txt"
}

func (p distPlatform) bin() string {
	if p.os == "windows" {
		return "monitor-token.exe"
	}
	return "monitor-token"
}

// distPackages are the Linux packages, by the architecture names of their
// formats.
var distPackages = []string{
	"monitor-token_" + distPackageVersion + "_amd64.deb",
	"monitor-token_" + distPackageVersion + "_arm64.deb",
	"monitor-token-" + distPackageVersion + "-1.x86_64.rpm",
	"monitor-token-" + distPackageVersion + "-1.aarch64.rpm",
}

// release is one `make dist` in a copy of the source tree.
type release struct {
	src, dist string
	took      time.Duration
	commit    time.Time // the source commit's time, every entry's time stamp
}

var (
	releaseOnce sync.Once
	theRelease  release
	releaseErr  error
)

// builtRelease runs `make dist` once per test binary, for every test that
// judges its output. It skips in -short mode, where nothing is built.
func builtRelease(t *testing.T) release {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the release for six platforms")
	}
	releaseOnce.Do(func() { theRelease, releaseErr = makeDist(filepath.Join(scratchDir, "release-a")) })
	if releaseErr != nil {
		t.Fatal(releaseErr)
	}
	return theRelease
}

// makeDist copies the source tree, as it is now, committed or not, into dir
// as a one-commit repository dated like the real HEAD, and runs `make dist`
// there, with the defaults it has outside `make test`. The copy keeps the
// test's output out of the working tree (GoReleaser writes ./dist and
// ./build) and gives GoReleaser the git facts it reads.
func makeDist(dir string) (release, error) {
	root, err := filepath.Abs("..")
	if err != nil {
		return release{}, err
	}
	when, err := exec.Command("git", "-C", root, "log", "-1", "--format=%cI").Output()
	if err != nil {
		return release{}, fmt.Errorf("git log in %s: %v", root, err)
	}
	date := strings.TrimSpace(string(when))
	commit, err := time.Parse(time.RFC3339, date)
	if err != nil {
		return release{}, err
	}
	if err := copySourceTree(root, dir); err != nil {
		return release{}, err
	}
	git := func(args ...string) error {
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=release test", "-c", "user.email=test@invalid", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Env = append(environ("GIT_DIR", "GIT_WORK_TREE"), "GIT_AUTHOR_DATE="+date, "GIT_COMMITTER_DATE="+date)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return nil
	}
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"commit", "-q", "-m", "release test"}} {
		if err := git(args...); err != nil {
			return release{}, err
		}
	}
	env := environ("RELEASE_URL_BASE", "VERSION", "MAKEFLAGS", "MFLAGS", "MAKELEVEL", "GOFLAGS")
	start := time.Now()
	out, err := command(dir, env, "make", "dist", "VERSION="+distVersion).CombinedOutput()
	if err != nil {
		return release{}, fmt.Errorf("make dist: %v\n%s", err, out)
	}
	return release{src: dir, dist: filepath.Join(dir, "dist"), took: time.Since(start), commit: commit}, nil
}

// TestDistRefusesABadVersion: krew and the package names need semver with
// a leading v; make dist says so before it builds anything.
func TestDistRefusesABadVersion(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	env := environ("VERSION", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
	for _, c := range []struct {
		version string
		fromEnv bool
	}{{"banana", false}, {"1.2.3", false}, {"v1.2", false}, {"v01.2.3", false}, {"v1.2.3 x", false}, {"v1.2.3';touch x;'", false}, {"nope", true}} {
		cmd := command(root, env, "make", "-s", "dist", "VERSION="+c.version)
		if c.fromEnv {
			cmd = command(root, append(env, "VERSION="+c.version), "make", "-s", "dist")
		}
		out, err := cmd.CombinedOutput()
		want := "make dist: VERSION=" + c.version + " is not a semantic version with a leading v, such as v1.2.3 or v1.2.3-rc.1; give one, or leave VERSION out for a development snapshot\n"
		if err == nil || !strings.HasPrefix(string(out), want) {
			t.Errorf("make dist VERSION=%q (from the environment: %v): %v\n%s", c.version, c.fromEnv, err, out)
		}
	}
	if _, err := os.Lstat(filepath.Join(root, "x")); err == nil {
		t.Error("a VERSION ran a command")
	}
}

// copySourceTree copies the files git knows or would add (not those it
// ignores), with their modes.
func copySourceTree(root, dir string) error {
	out, err := exec.Command("git", "-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		return fmt.Errorf("git ls-files: %v", err)
	}
	for _, name := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
		info, err := os.Lstat(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted, not yet committed
		}
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		if info.Mode()&os.ModeSymlink != 0 {
			target, err := os.Readlink(filepath.Join(root, name))
			if err == nil {
				err = os.Symlink(target, dst)
			}
			if err != nil {
				return err
			}
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			return err
		}
		if err := os.WriteFile(dst, data, info.Mode().Perm()); err != nil {
			return err
		}
	}
	return nil
}

// TestDistArchives checks what every archive holds, with one owner, mode
// and time per entry, and that checksums.txt covers every file.
func TestDistArchives(t *testing.T) {
	rel := builtRelease(t)
	t.Logf("make dist took %s", rel.took.Round(time.Second))
	sums := checkChecksums(t, rel.dist)
	root, _ := filepath.Abs("..")
	license, err := os.ReadFile(filepath.Join(root, "LICENSE"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range distPlatforms {
		for _, name := range []string{p.archive(), p.krewArchive()} {
			if sums[name] == "" {
				t.Errorf("checksums.txt does not list %s", name)
			}
		}
		entries := readArchive(t, filepath.Join(rel.dist, p.archive()))
		checkEntries(t, p.archive(), entries, rel.commit, license)
		want := []string{"LICENSE", "README.md", "completions/_monitor-token", "completions/monitor-token", "completions/monitor-token.fish"}
		if p.os == "windows" {
			// The other personalities as copies: a symbolic link there
			// needs a privilege users lack.
			want = append(want, "git-credential-monitor-token.exe", "kubectl-monitor_token.exe", "kubectl_complete-monitor_token.exe", "monitor-token.exe")
		} else {
			want = append(want, "git-credential-monitor-token", "kubectl-monitor_token", "kubectl_complete-monitor_token", "monitor-token", "monitor-token.1")
		}
		if got := entryNames(entries); !slices.Equal(got, want) {
			t.Errorf("%s holds %q, want %q", p.archive(), got, want)
		}
		bin := entries[p.bin()]
		for _, personality := range []string{"kubectl-monitor_token", "kubectl_complete-monitor_token", "git-credential-monitor-token"} {
			if p.os == "windows" {
				if e := entries[personality+".exe"]; !bytes.Equal(e.data, bin.data) {
					t.Errorf("%s: %s.exe is not a copy of %s", p.archive(), personality, p.bin())
				}
			} else if e := entries[personality]; e.mode&os.ModeSymlink == 0 || e.link != "monitor-token" {
				t.Errorf("%s: %s is %v %q, want a link to monitor-token", p.archive(), personality, e.mode.Type(), e.link)
			}
		}

		krew := readArchive(t, filepath.Join(rel.dist, p.krewArchive()))
		checkEntries(t, p.krewArchive(), krew, rel.commit, license)
		want = []string{"LICENSE", "monitor-token.exe"}
		if p.os != "windows" {
			want = []string{"LICENSE", completeScript, "monitor-token"}
		}
		if got := entryNames(krew); !slices.Equal(got, want) {
			t.Errorf("%s holds %q, want %q", p.krewArchive(), got, want)
		}
		if !bytes.Equal(krew[p.bin()].data, bin.data) {
			t.Errorf("%s and %s hold different binaries", p.krewArchive(), p.archive())
		}
		if p.os != "windows" && !bytes.HasPrefix(krew[completeScript].data, []byte("#!/bin/sh\n")) {
			t.Errorf("%s: %s is not a shell script", p.krewArchive(), completeScript)
		}

		// The SBOM is the module list stamped into this very binary.
		sbom, err := os.ReadFile(filepath.Join(rel.dist, p.sbom()))
		if err != nil {
			t.Errorf("no SBOM: %v", err)
		} else if !bytes.Contains(sbom, []byte("\tpath\tgithub.com/monitor-token/monitor-token\n")) || !bytes.Contains(sbom, []byte("\tdep\tgithub.com/zalando/go-keyring\t")) {
			t.Errorf("%s is not `go version -m` of the binary:\n%s", p.sbom(), sbom)
		}
		if sums[p.sbom()] == "" {
			t.Errorf("checksums.txt does not list %s", p.sbom())
		}
	}
	for _, name := range distPackages {
		if sums[name] == "" {
			t.Errorf("checksums.txt does not list %s", name)
		}
	}
}

// TestDistIsReproducible builds the release a second time, from a copy at
// another path, and wants the same bytes in every file checksums.txt lists.
func TestDistIsReproducible(t *testing.T) {
	first := builtRelease(t)
	second, err := makeDist(filepath.Join(scratchDir, "release-b"))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("the second make dist took %s", second.took.Round(time.Second))
	a, err := os.ReadFile(filepath.Join(first.dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(second.dist, "checksums.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two builds of the same source differ:\n%s\n--- and ---\n%s", a, b)
	}
	for _, name := range []string{"krew/monitor-token.yaml", "homebrew/monitor-token.rb"} {
		x, _ := os.ReadFile(filepath.Join(first.dist, name))
		y, _ := os.ReadFile(filepath.Join(second.dist, name))
		if len(x) == 0 || !bytes.Equal(x, y) {
			t.Errorf("%s differs between two builds (or is empty)", name)
		}
	}
}

// checkChecksums checks that checksums.txt is in sha256sum format, lists
// each file once, and that each sum is the file's, and returns them by name.
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
		b, err := os.ReadFile(filepath.Join(dist, name))
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(b)
		if got := hex.EncodeToString(h[:]); sum != got {
			t.Errorf("checksums.txt: %s has %s, the file's sha256 is %s", name, sum, got)
		}
		sums[name] = sum
	}
	if want := 3*len(distPlatforms) + len(distPackages); len(sums) != want {
		t.Errorf("checksums.txt lists %d files, want %d (archives, krew archives, SBOMs, packages):\n%s", len(sums), want, data)
	}
	return sums
}

type archiveEntry struct {
	mode     os.FileMode
	mtime    time.Time
	uid, gid int
	owners   string // tar's user and group names, "user/group"
	link     string
	data     []byte
}

// readArchive reads a .zip or .tar.gz whole, by entry name.
func readArchive(t *testing.T, path string) map[string]archiveEntry {
	t.Helper()
	entries := map[string]archiveEntry{}
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
			entries[f.Name] = archiveEntry{mode: f.Mode(), mtime: f.Modified, data: data}
		}
		return entries
	}
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
		t.Errorf("%s: the gzip header has name %q, time %v: it would differ between builds", path, gz.Name, gz.ModTime)
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
		entries[h.Name] = archiveEntry{mode: h.FileInfo().Mode(), mtime: h.ModTime, uid: h.Uid, gid: h.Gid, owners: h.Uname + "/" + h.Gname, link: h.Linkname, data: data}
	}
	return entries
}

func entryNames(entries map[string]archiveEntry) []string {
	var names []string
	for name := range entries {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// checkEntries checks what a reproducible archive must hold: root's
// entries, the commit's time, 0755 for programs and 0644 for the rest, and
// the repository's LICENSE.
func checkEntries(t *testing.T, archive string, entries map[string]archiveEntry, commit time.Time, license []byte) {
	t.Helper()
	for name, e := range entries {
		if !e.mtime.Equal(commit) {
			t.Errorf("%s: %s has time %v, want the commit's, %v", archive, name, e.mtime.UTC(), commit.UTC())
		}
		if e.uid != 0 || e.gid != 0 || (e.owners != "" && e.owners != "root/root") {
			t.Errorf("%s: %s is owned by %d/%d (%s), want root", archive, name, e.uid, e.gid, e.owners)
		}
		if e.mode&os.ModeSymlink != 0 {
			continue
		}
		want := os.FileMode(0o644)
		if name == "monitor-token" || name == completeScript || strings.HasSuffix(name, ".exe") {
			want = 0o755
		}
		if e.mode != want {
			t.Errorf("%s: %s has mode %v, want %v", archive, name, e.mode, want)
		}
	}
	if !bytes.Equal(entries["LICENSE"].data, license) {
		t.Errorf("%s: LICENSE differs from the repository's", archive)
	}
}

// TestHomebrewFormula checks the formula with Ruby's parser, and what it
// says against the release: each macOS and Linux archive with its sha256,
// install lines for files the archives hold, and a test that runs the
// binary.
func TestHomebrewFormula(t *testing.T) {
	rel := builtRelease(t)
	formula := filepath.Join(rel.dist, "homebrew", "monitor-token.rb")
	data, err := os.ReadFile(formula)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("ruby"); err != nil {
		requireRelease(t, "ruby is not installed (apt-get install ruby), so the formula's syntax goes unchecked")
	} else if out, err := exec.Command("ruby", "-c", formula).CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "Syntax OK" {
		t.Errorf("ruby -c %s: %v\n%s", formula, err, out)
	}
	sums := checkChecksums(t, rel.dist)
	text := string(data)
	for _, want := range []string{
		"class MonitorToken < Formula\n",
		`  version "` + distFileVersion + `"` + "\n",
		`  license "Apache-2.0"` + "\n",
		`    assert_equal "v#{version}", shell_output("#{bin}/monitor-token version").strip` + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("the formula lacks %q", want)
		}
	}
	urls := regexp.MustCompile(`(?m)^\s*url "([^"]+)"\n\s*sha256 "([0-9a-f]{64})"$`).FindAllStringSubmatch(text, -1)
	var got []string
	for _, m := range urls {
		name, ok := strings.CutPrefix(m[1], releaseBase)
		if !ok {
			t.Errorf("the formula downloads %s, not from %s", m[1], releaseBase)
		}
		if sums[name] != m[2] {
			t.Errorf("the formula has sha256 %s for %s, checksums.txt %s", m[2], name, sums[name])
		}
		got = append(got, name)
	}
	var want []string
	for _, p := range distPlatforms {
		if p.os != "windows" {
			want = append(want, p.archive())
		}
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("the formula downloads %q, want %q", got, want)
	}
	// Every file an install line names is in the archives, and every
	// personality and completion is installed.
	entries := readArchive(t, filepath.Join(rel.dist, distPlatform{"darwin", "arm64"}.archive()))
	installs := regexp.MustCompile(`(?m)^\s*(\w+)\.(install|install_symlink) "([^"]+)"(?: => "([^"]+)")?$`).FindAllStringSubmatch(text, -1)
	installed := map[string]bool{}
	for _, m := range installs {
		if _, ok := entries[m[3]]; !ok {
			t.Errorf("the formula installs %s, which the archive does not hold", m[3])
		}
		target := m[3]
		if m[4] != "" {
			target = m[4]
		}
		installed[m[1]+"/"+target] = true
	}
	for _, want := range []string{"bin/monitor-token", "bin/kubectl-monitor_token", "bin/kubectl_complete-monitor_token", "bin/git-credential-monitor-token", "bash_completion/completions/monitor-token", "zsh_completion/completions/_monitor-token", "fish_completion/completions/monitor-token.fish", "man1/monitor-token.1"} {
		if !installed[want] {
			t.Errorf("the formula does not install %s (it installs %v)", want, installed)
		}
	}
}

// requireRelease skips, saying why, unless `make test` installed what the
// release checks need (scripts/deps/release.sh), where it fails instead.
func requireRelease(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("MONITOR_TOKEN_REQUIRE_RELEASE") == "1" {
		t.Fatal(why)
	}
	t.Skip("skipped: " + why)
}
