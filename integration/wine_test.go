//go:build linux

package integration

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/shellword"
)

// TestWindowsUnderWine runs the windows/amd64 build, as the release ships
// it, under Wine: the scripts in testdata/wine call the .exe files (through
// small wrappers, so they read as a Windows user types them), whose secrets
// go to Wine's Credential Manager (go-keyring's wincred backend) and whose
// settings go to %APPDATA% and %LOCALAPPDATA% (docs/platforms.md, "Windows
// under Wine" says how the pieces are set up, and why each is needed).
func TestWindowsUnderWine(t *testing.T) {
	wine := requireWine(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "windows")
	buildWindows(t, bin)

	// One booted prefix for the run (wineboot takes seconds); each script
	// gets a copy, so its Credential Manager and AppData are its own.
	template := filepath.Join(dir, "prefix")
	wineRun(t, wine, template, "wineboot", "-i")
	dll := filepath.Join(template, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	buildBCryptPrimitives(t, filepath.Join(dir, "dll"), dll)

	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/wine",
		Setup:               wineSetup(wine, template, bin),
		Cmds:                commands,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Condition:           condition,
	})
}

// requireWine returns the path of wine64, or skips: scripts/deps/wine.sh
// sets MONITOR_TOKEN_REQUIRE_WINE=1 when it installed Wine and the MinGW
// binutils, which turns the skip into a failure.
func requireWine(t *testing.T) string {
	t.Helper()
	var missing []string
	wine, err := exec.LookPath("wine64")
	if err != nil {
		wine = "/usr/lib/wine/wine64" // Debian's wine64 package puts it here, off PATH
		if _, err := os.Stat(wine); err != nil {
			missing = append(missing, "wine64")
		}
	}
	for _, tool := range []string{"x86_64-w64-mingw32-as", "x86_64-w64-mingw32-ld"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		msg := fmt.Sprintf("no Wine to run the Windows build (missing %s; apt-get install wine64 binutils-mingw-w64-x86-64)", strings.Join(missing, ", "))
		if os.Getenv("MONITOR_TOKEN_REQUIRE_WINE") == "1" {
			t.Fatal(msg)
		}
		t.Skip("skipped: " + msg)
	}
	return wine
}

// windowsPersonalities are the names the Windows archive ships the binary
// under: copies, since making a symbolic link on Windows needs a privilege
// users do not have (docs/platforms.md, "Windows").
var windowsPersonalities = []string{"monitor-token.exe", "kubectl-monitor_token.exe", "kubectl_complete-monitor_token.exe", "git-credential-monitor-token.exe"}

// buildWindows builds monitor-token.exe as the release does, its
// personality copies, and trustroot.exe, into dir.
func buildWindows(t *testing.T, dir string) {
	t.Helper()
	goBuild := func(out, pkg string) {
		cmd := exec.Command("go", "build", "-tags", "urfave_cli_no_docs", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s for windows: %v\n%s", pkg, err, b)
		}
	}
	goBuild(filepath.Join(dir, "monitor-token.exe"), "..")
	goBuild(filepath.Join(dir, "trustroot.exe"), "../internal/testwine/trustroot")
	exe, err := os.ReadFile(filepath.Join(dir, "monitor-token.exe"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range windowsPersonalities[1:] {
		if err := os.WriteFile(filepath.Join(dir, name), exe, 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// buildBCryptPrimitives makes the DLL the Go runtime needs on Windows and
// Wine 8 lacks: bcryptprimitives.dll with one export, ProcessPrng (Go's
// source of random bytes since Go 1.22), forwarded to advapi32's
// SystemFunction036 (RtlGenRandom), which has the same signature. The DLL
// holds no code: an empty object and a module-definition file are all the
// MinGW linker needs (docs/platforms.md, "Windows under Wine").
func buildBCryptPrimitives(t *testing.T, work, dst string) {
	t.Helper()
	if err := os.MkdirAll(work, 0o755); err != nil {
		t.Fatal(err)
	}
	def := filepath.Join(work, "bcryptprimitives.def")
	if err := os.WriteFile(def, []byte("LIBRARY bcryptprimitives.dll\nEXPORTS\nProcessPrng = advapi32.SystemFunction036\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	obj := filepath.Join(work, "empty.o")
	as := exec.Command("x86_64-w64-mingw32-as", "-o", obj)
	as.Stdin = strings.NewReader("")
	if b, err := as.CombinedOutput(); err != nil {
		t.Fatalf("x86_64-w64-mingw32-as: %v\n%s", err, b)
	}
	if b, err := exec.Command("x86_64-w64-mingw32-ld", "--dll", "-e", "0", "-o", dst, obj, def).CombinedOutput(); err != nil {
		t.Fatalf("x86_64-w64-mingw32-ld: %v\n%s", err, b)
	}
}

// wineEnv is the environment of a Wine process in prefix: quiet (Wine's
// fixme lines would fill stderr), and without a display or Wine's menu
// and mono/gecko installers.
func wineEnv(prefix string) []string {
	return append(os.Environ(), "WINEPREFIX="+prefix, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=;winemenubuilder.exe=d", "DISPLAY=")
}

func wineRun(t *testing.T, wine, prefix string, args ...string) {
	t.Helper()
	cmd := exec.Command(wine, args...)
	cmd.Env = wineEnv(prefix)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("wine %s: %v\n%s", strings.Join(args, " "), err, b)
	}
	t.Cleanup(func() { stopWineserver(prefix) })
}

// stopWineserver ends the prefix's wineserver, which would otherwise
// outlive the test by its few seconds of linger.
func stopWineserver(prefix string) {
	cmd := exec.Command(wineserver(), "-k")
	cmd.Env = wineEnv(prefix)
	cmd.Run()
}

// wineserver is on PATH in Debian's packages, else beside wine64.
func wineserver() string {
	if p, err := exec.LookPath("wineserver"); err == nil {
		return p
	}
	return "/usr/lib/wine/wineserver"
}

// wineSetup gives every script a copy of the booted prefix, its own
// emulator on https://localhost:PORT with its certificate in Wine's root
// store, and a PATH whose monitor-token.exe (and the other personalities)
// run the Windows build under Wine.
func wineSetup(wine, template, bin string) func(env *testscript.Env) error {
	return func(env *testscript.Env) error {
		prefix := filepath.Join(env.WorkDir, ".wine")
		if b, err := exec.Command("cp", "-a", template, prefix).CombinedOutput(); err != nil {
			return fmt.Errorf("copy the Wine prefix: %v: %s", err, b)
		}
		env.Defer(func() { stopWineserver(prefix) })

		emu, facts := emulator.NewDemo()
		cert, certPEM, err := emulator.SelfSignedCert()
		if err != nil {
			return err
		}
		srv := httptest.NewUnstartedServer(emu)
		srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
		srv.StartTLS()
		env.Defer(srv.Close)
		certFile := filepath.Join(env.WorkDir, "emulator.pem")
		if err := os.WriteFile(certFile, certPEM, 0o644); err != nil {
			return err
		}
		trust := exec.Command(wine, filepath.Join(bin, "trustroot.exe"), winPath(certFile))
		trust.Env = wineEnv(prefix)
		if b, err := trust.CombinedOutput(); err != nil {
			return fmt.Errorf("trustroot: %v: %s", err, b)
		}

		// The wrappers: what runs is the .exe, under its own name.
		wrappers := filepath.Join(env.WorkDir, ".bin")
		if err := os.MkdirAll(wrappers, 0o755); err != nil {
			return err
		}
		wrap := func(name, exe string) error {
			script := fmt.Sprintf("#!/bin/sh\nexec %s %s \"$@\"\n", shellword.Word(wine), shellword.Word(filepath.Join(bin, exe)))
			return os.WriteFile(filepath.Join(wrappers, name), []byte(script), 0o755)
		}
		for _, exe := range windowsPersonalities {
			// monitor-token.exe for the scripts; the plain names for git
			// and kubectl, which look their helpers up by those.
			if err := wrap(exe, exe); err != nil {
				return err
			}
			if err := wrap(strings.TrimSuffix(exe, ".exe"), exe); err != nil {
				return err
			}
		}

		keyFile := filepath.Join(env.WorkDir, "apikey")
		if err := os.WriteFile(keyFile, []byte(facts.APIKey+"\n"), 0o600); err != nil {
			return err
		}
		pool := x509.NewCertPool()
		pool.AddCert(cert.Leaf)
		client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
		url := "https://localhost:" + port
		env.Values[worldKey{}] = &world{emu: emu, facts: facts, url: url, client: client}
		for k, v := range map[string]string{
			"PATH":             wrappers + string(os.PathListSeparator) + os.Getenv("PATH"),
			"WINEPREFIX":       prefix,
			"WINEDEBUG":        "-all",
			"WINEDLLOVERRIDES": "mscoree,mshtml=;winemenubuilder.exe=d",
			"DISPLAY":          "",
			// What the Linux side sets must not matter to the Windows build:
			// Go ignores SSL_CERT_FILE there, and the settings come from
			// %APPDATA%, never from HOME or XDG_*.
			"SSL_CERT_FILE":       filepath.Join(env.WorkDir, "no-such-ca.pem"),
			"XDG_CONFIG_HOME":     filepath.Join(env.WorkDir, "xdg-config"),
			"XDG_CACHE_HOME":      filepath.Join(env.WorkDir, "xdg-cache"),
			"EMU":                 url,
			"EMU_HOST":            "localhost:" + port,
			"INSTANCE":            facts.InstanceGUID,
			"APIKEY":              facts.APIKey,
			"TEAM":                fmt.Sprint(facts.DefaultTeamID),
			"OTHER_TEAM":          fmt.Sprint(facts.OtherTeamID),
			"APPDATA_DIR":         filepath.Join(prefix, "drive_c", "users", wineUser(), "AppData"),
			"GIT_TERMINAL_PROMPT": "0",
			"GIT_CONFIG_NOSYSTEM": "1",
		} {
			env.Setenv(k, v)
		}
		return nil
	}
}

// winPath is the Windows name of a Unix path under Wine: drive Z: is the
// root of the Unix file system.
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// wineUser is the Windows user Wine runs as: the Unix user's name.
func wineUser() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return os.Getenv("USER")
}
