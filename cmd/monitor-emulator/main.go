// Command monitor-emulator serves the IBM Cloud IAM and Monitoring emulator
// (internal/emulator, seeded by NewDemo) over HTTPS on a loopback address, for `make demo` and
// shell tests of monitor-token.
//
//	monitor-emulator --cert-file /tmp/emu.pem --env-file /tmp/emu.env &
//	. /tmp/emu.env && SSL_CERT_FILE=/tmp/emu.pem monitor-token ...
//
// It writes a fresh self-signed certificate to --cert-file and, with --env-file, shell export
// lines naming the URL (IAM, Monitoring and the VPC metadata service alike), instances, teams
// and the demo trusted profile. The demo API key and compute-resource token go to 0600 files
// next to the env file (PATH.apikey, PATH.crtoken) and are never printed. It logs one line
// per request on stderr (method, path, status; never headers or bodies) and stops on SIGINT
// or SIGTERM.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/monitor-token/monitor-token/internal/atomicfile"
	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/shellword"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stderr)
	stop()
	os.Exit(code)
}

type options struct {
	addr, certFile, envFile string
}

// run serves until ctx is done; it returns the exit code (2 for usage errors).
func run(ctx context.Context, args []string, stderr io.Writer) int {
	logger := log.New(stderr, "monitor-emulator: ", log.LstdFlags)
	opts, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		logger.Print(err)
		return 2
	}
	if err := serve(ctx, opts, logger); err != nil {
		logger.Print(err)
		return 1
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("monitor-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "loopback `host:port` to listen on (127.0.0.1, ::1 or localhost; port 0 picks one)")
	fs.StringVar(&o.certFile, "cert-file", "", "`path` to write the PEM certificate to, for SSL_CERT_FILE (required)")
	fs.StringVar(&o.envFile, "env-file", "", "`path` to write shell export lines to; the API key goes to PATH.apikey and the compute-resource token to PATH.crtoken (0600)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if o.certFile == "" {
		return o, errors.New("--cert-file is required: clients need the certificate to trust the emulator")
	}
	host, port, err := loopbackAddr(o.addr)
	if err != nil {
		return o, err
	}
	o.addr = net.JoinHostPort(host, port)
	return o, nil
}

// loopbackAddr accepts only the addresses the certificate covers. The emulator hands out
// tokens for a well-known demo key to anyone who connects, so it must not be reachable from
// other machines; "localhost" is pinned to 127.0.0.1 rather than resolved.
func loopbackAddr(addr string) (host, port string, err error) {
	host, port, err = net.SplitHostPort(addr)
	if err != nil {
		return "", "", fmt.Errorf("--addr %q: %w", addr, err)
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return "", "", fmt.Errorf("--addr %q: bad port", addr)
	}
	switch host {
	case "127.0.0.1", "::1":
		return host, port, nil
	case "localhost":
		return "127.0.0.1", port, nil
	}
	return "", "", fmt.Errorf("--addr %q: only 127.0.0.1, ::1 or localhost are allowed (loopback only)", addr)
}

func serve(ctx context.Context, o options, logger *log.Logger) error {
	emu, facts := emulator.NewDemo()
	cert, certPEM, err := emulator.SelfSignedCert()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	baseURL := "https://" + ln.Addr().String()

	var cleanup []string
	defer func() {
		for _, p := range cleanup {
			_ = os.Remove(p)
		}
	}()
	if err := writeFile(o.certFile, certPEM, 0o644); err != nil {
		return err
	}
	if o.envFile != "" {
		written, err := writeEnv(o, baseURL, facts)
		cleanup = append(cleanup, written...)
		if err != nil {
			return err
		}
	}

	srv := &http.Server{
		Handler:           logRequests(emu, logger),
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          logger,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ServeTLS(ln, "", "") }()
	logger.Printf("listening on %s (certificate in %s)", baseURL, o.certFile)

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Print("stopping")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// writeEnv writes the API key and compute-resource token files, then the env file (last, so
// that a script waiting for the env file finds everything in place). It returns the paths
// written, for removal at exit: they describe a server that no longer exists once it stops.
func writeEnv(o options, baseURL string, facts emulator.DemoFacts) ([]string, error) {
	envPath, err := filepath.Abs(o.envFile)
	if err != nil {
		return nil, err
	}
	certPath, err := filepath.Abs(o.certFile)
	if err != nil {
		return nil, err
	}
	keyPath := envPath + ".apikey"
	// A trailing newline, as `echo KEY > file` leaves: IAM does not trim keys, clients must
	// (docs/protocol.md, "IAM API-key grant"), and the demo exercises that.
	if err := writeFile(keyPath, []byte(facts.APIKey+"\n"), 0o600); err != nil {
		return nil, err
	}
	crTokenPath := envPath + ".crtoken"
	// No trailing newline, like a projected service-account token: go-sdk-core's
	// ContainerAuthenticator sends the file's content as it is, and IAM compares it exactly.
	if err := writeFile(crTokenPath, []byte(facts.CRToken), 0o600); err != nil {
		return []string{keyPath}, err
	}
	vars := [][2]string{
		{"MONITOR_EMULATOR_URL", baseURL},
		{"MONITOR_EMULATOR_CERT_FILE", certPath},
		{"MONITOR_EMULATOR_INSTANCE", facts.InstanceGUID},
		{"MONITOR_EMULATOR_IAM_ONLY_INSTANCE", facts.IAMOnlyInstanceGUID},
		{"MONITOR_EMULATOR_TEAM", strconv.Itoa(facts.DefaultTeamID)},
		{"MONITOR_EMULATOR_OTHER_TEAM", strconv.Itoa(facts.OtherTeamID)},
		{"MONITOR_EMULATOR_CRN", facts.CRN},
		{"MONITOR_EMULATOR_APIKEY_FILE", keyPath},
		{"MONITOR_EMULATOR_CR_TOKEN_FILE", crTokenPath},
		{"MONITOR_EMULATOR_TRUSTED_PROFILE_ID", facts.TrustedProfileID},
		{"MONITOR_EMULATOR_TRUSTED_PROFILE_NAME", facts.TrustedProfileName},
	}
	var b strings.Builder
	for _, v := range vars {
		fmt.Fprintf(&b, "export %s=%s\n", v[0], shellword.Quote(v[1]))
	}
	if err := writeFile(envPath, []byte(b.String()), 0o644); err != nil {
		return []string{keyPath, crTokenPath}, err
	}
	return []string{keyPath, crTokenPath, envPath}, nil
}

// writeFile writes through atomicfile, so that a script polling for a file never reads half of
// it, and names the file in errors: atomicfile names only the directory, which the certificate,
// key and env files may share.
func writeFile(path string, data []byte, perm os.FileMode) error {
	if err := atomicfile.Write(path, data, perm); err != nil {
		return fmt.Errorf("%s not written: %w", path, err)
	}
	return nil
}

// logRequests logs method, escaped path and status of each request. Headers, query strings
// and bodies are left out: they carry API keys and tokens.
func logRequests(h http.Handler, logger *log.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &emulator.StatusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		// net/http has already refused methods that are not HTTP tokens, so r.Method is safe
		// to print; a status of 0 means the client went away before an answer (fault delay).
		logger.Printf("%s %s %d", r.Method, r.URL.EscapedPath(), sw.Status)
	})
}
