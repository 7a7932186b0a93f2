package integration

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/monitor-token/monitor-token/internal/emulator"
	"github.com/monitor-token/monitor-token/internal/testkeyring"
)

var commands = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"emu":              cmdEmu,
	"keyring":          cmdKeyring,
	"noleak":           cmdNoLeak,
	"mode":             cmdMode,
	"argv-clean":       cmdArgvClean,
	"ibmcloud-session": cmdIBMCloudSession,
	"ibmcloud-config":  cmdIBMCloudConfig,
	"type-at":          cmdTypeAt,
	"ctrl-c-at":        cmdCtrlCAt,
	"shared-tmp":       cmdSharedTmp,
	"free-port":        cmdFreePort,
	"await-listen":     cmdAwaitListen,
	"peak-rss":         cmdPeakRSS,
	"netns":            cmdNetns,
	"await-file":       cmdAwaitFile,
	"remote-write":     cmdRemoteWrite,
	"ibmcloud-cli":     cmdIBMCloudCLI,
}

// routes are the short names scripts use for the emulator's routes.
var routes = map[string]string{
	"iam":          emulator.RouteIAMToken,
	"token":        emulator.RouteMonitorToken,
	"teams":        emulator.RouteTeams,
	"me":           emulator.RouteUsersMe,
	"query":        emulator.RouteQuery,
	"query-post":   emulator.RouteQueryPost,
	"vpc-identity": emulator.RouteVPCIdentityToken,
	"vpc-iam":      emulator.RouteVPCIAMToken,
	"remote-write": emulator.RouteRemoteWrite,
}

func route(ts *testscript.TestScript, name string) string {
	r, ok := routes[name]
	if !ok {
		ts.Fatalf("unknown route %q (iam, token, teams, me, query, query-post, vpc-identity, vpc-iam, remote-write)", name)
	}
	return r
}

// cmdEmu inspects and steers the script's emulator:
//
//	emu count ROUTE N               the route got exactly N requests
//	emu requests N                  the request log holds exactly N requests, of any route
//	emu await ROUTE N               wait until the route has had N requests
//	emu reset-counts
//	emu token VAR [TEAM]            sets $VAR to the current Monitor token (default team)
//	emu reset-token [TEAM]          resets it, as the UI's Reset Token does
//	emu fault ROUTE STATUS [RETRY_AFTER] [TIMES]
//	emu slow ROUTE DURATION
//	emu body ROUTE STATUS BODY      answer once with a literal body ("" for empty)
//	emu iam-only on|off
//	emu iam-lifetime DURATION       expires_in of the IAM tokens issued from now on
//	emu expire-iam                  every IAM token issued so far expires now
//	emu invalidate-refresh revoked|expired  end the CLI logins' refresh tokens issued so far
//	emu header ROUTE NAME VALUE     the last request on ROUTE carried NAME: VALUE ("" = absent)
func cmdEmu(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! emu")
	}
	if len(args) == 0 {
		ts.Fatalf("usage: emu SUBCOMMAND ...")
	}
	w := worldOf(ts)
	team := func(i int) int {
		if len(args) > i {
			n, err := strconv.Atoi(args[i])
			ts.Check(err)
			return n
		}
		return w.facts.DefaultTeamID
	}
	switch args[0] {
	case "count":
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		if got := w.emu.Count(route(ts, args[1])); got != want {
			ts.Fatalf("%s: %d requests, want %d", args[1], got, want)
		}
	case "requests":
		// Any route, so that a request sent where no route name looks
		// (a refused path, an odd method) is still seen.
		want, err := strconv.Atoi(args[1])
		ts.Check(err)
		if got := w.emu.Requests(); len(got) != want {
			var seen []string
			for _, r := range got {
				seen = append(seen, r.Method+" "+r.Path)
			}
			ts.Fatalf("%d requests (%s), want %d", len(got), strings.Join(seen, ", "), want)
		}
	case "await":
		// Wait (up to 10s) until the route has had N requests: a
		// background command has reached the emulator.
		want, err := strconv.Atoi(args[2])
		ts.Check(err)
		deadline := time.Now().Add(10 * time.Second)
		for w.emu.Count(route(ts, args[1])) < want {
			if time.Now().After(deadline) {
				ts.Fatalf("%s: %d requests after 10s, want %d", args[1], w.emu.Count(route(ts, args[1])), want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	case "reset-counts":
		w.emu.ResetCounts()
	case "token":
		ts.Setenv(args[1], w.emu.MonitorToken(w.facts.InstanceGUID, team(2)))
	case "reset-token":
		w.emu.ResetMonitorToken(w.facts.InstanceGUID, team(1))
	case "fault":
		status, err := strconv.Atoi(args[2])
		ts.Check(err)
		f := emulator.Fault{Status: status}
		if len(args) > 3 {
			f.RetryAfter = args[3]
		}
		if len(args) > 4 {
			f.Times, err = strconv.Atoi(args[4])
			ts.Check(err)
		}
		w.emu.InjectFault(route(ts, args[1]), f)
	case "slow":
		d, err := time.ParseDuration(args[2])
		ts.Check(err)
		w.emu.InjectFault(route(ts, args[1]), emulator.Fault{Delay: d})
	case "body":
		status, err := strconv.Atoi(args[2])
		ts.Check(err)
		f := emulator.Fault{Status: status, Body: args[3]}
		if args[3] == "" {
			f.Empty = true
		}
		w.emu.InjectFault(route(ts, args[1]), f)
	case "iam-only":
		w.emu.SetIAMOnly(w.facts.InstanceGUID, args[1] == "on")
	case "invalidate-refresh":
		how := map[string]emulator.RefreshInvalidation{"revoked": emulator.RefreshRevoked, "expired": emulator.RefreshExpired}
		h, ok := how[args[1]]
		if !ok {
			ts.Fatalf("usage: emu invalidate-refresh revoked|expired")
		}
		w.emu.InvalidateRefreshTokens(h)
	case "expire-iam":
		w.emu.ExpireIAMTokens()
	case "iam-lifetime":
		d, err := time.ParseDuration(args[1])
		ts.Check(err)
		w.emu.SetIAMTokenLifetime(d)
	case "header":
		var last *emulator.Request
		for _, r := range w.emu.Requests() {
			if r.Method+" "+r.Path == route(ts, args[1]) {
				last = &r
			}
		}
		if last == nil {
			ts.Fatalf("no request on %s", args[1])
		}
		if got := last.Header.Get(args[2]); got != args[3] {
			ts.Fatalf("%s header %s = %q, want %q", args[1], args[2], got, args[3])
		}
	default:
		ts.Fatalf("unknown emu subcommand %q", args[0])
	}
}

// cmdKeyring replaces the script's keyring session, to reproduce how
// keyrings fail (docs/keyring.md, "Failure modes" and "Reproducing failures"):
//
//	keyring locked       a new bus over the same HOME; the daemon runs, the keyring stays locked
//	keyring noprovider   a bus on which no Secret Service can start
//	keyring nobus        no session bus at all
//	keyring hang         a Secret Service that takes every call and never answers
//	keyring unlocked     back to a working, unlocked keyring over the same HOME
//	keyring prompting    an empty stand-in, locked, whose unlock prompts complete after 8 s
//	keyring dismissing   an empty stand-in, locked, whose unlock prompts complete as dismissed
func cmdKeyring(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: keyring locked|noprovider|nobus|hang|unlocked|prompting|dismissing")
	}
	w := worldOf(ts)
	w.session.Stop()
	modes := map[string]testkeyring.Mode{"locked": testkeyring.Locked, "noprovider": testkeyring.NoProvider,
		"unlocked": testkeyring.Unlocked, "hang": testkeyring.Hanging,
		"prompting": testkeyring.Prompting, "dismissing": testkeyring.Dismissing}
	if args[0] == "nobus" {
		ts.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
		return
	}
	mode, ok := modes[args[0]]
	if !ok {
		ts.Fatalf("unknown keyring mode %q", args[0])
	}
	s, err := testkeyring.StartProvider(w.home, w.session.Provider, mode)
	ts.Check(err)
	ts.Defer(s.Stop)
	w.session = s
	ts.Setenv("DBUS_SESSION_BUS_ADDRESS", s.Address)
}

// cmdNoLeak fails if any secret the emulator knows (the API key, every
// Monitor token, every bearer it was sent) appears in the last command's
// stdout or stderr, or in any file under the script's work directory other
// than the API key files the script pipes in and the keyring's own files
// (which are encrypted).
//
//	noleak [stdout]      with "stdout", the last stdout may hold the current token (get prints it)
func cmdNoLeak(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! noleak")
	}
	allowStdout := len(args) == 1 && args[0] == "stdout"
	w := worldOf(ts)
	secrets := knownSecrets(w)
	check := func(where, content string) {
		for _, s := range secrets {
			if s != "" && strings.Contains(content, s) {
				ts.Fatalf("a secret (%.6s...) appears in %s", s, where)
			}
		}
	}
	if !allowStdout {
		check("stdout", ts.ReadFile("stdout"))
	}
	check("stderr", ts.ReadFile("stderr"))
	root := ts.Getenv("WORK")
	keyringDir := filepath.Join(w.home, ".local", "share", "keyrings")
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		// Skipped: the key files the script pipes in, the keyring's own
		// (encrypted) files, and the ibmcloud CLI's config, which holds
		// the CLI's own IAM token by design.
		if strings.HasPrefix(path, ts.Getenv("APIKEY_FILE")) || path == ts.Getenv("CR_TOKEN_FILE") || strings.HasPrefix(path, keyringDir+string(os.PathSeparator)) ||
			strings.HasPrefix(path, filepath.Join(w.home, ".bluemix")+string(os.PathSeparator)) {
			return nil
		}
		if d.Type()&fs.ModeType != 0 {
			return nil // sockets and the like
		}
		b, err := os.ReadFile(path)
		if err == nil {
			check(path, string(b))
		}
		return nil
	})
	ts.Check(err)
}

// cmdMode checks a file's permission bits: mode 0600 FILE.
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mode PERM FILE")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	ts.Check(err)
	fi, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	got := fi.Mode().Perm()
	if (uint64(got) == want) == neg {
		ts.Fatalf("%s has mode %04o, want %s%04o", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// cmdArgvClean waits until a process whose command line holds every given
// word is running (so the check is not vacuous), then fails if any
// process's command line on this machine holds a secret the emulator knows.
// Secrets on a command line are visible to every user through ps.
//
//	argv-clean WORD...
func cmdArgvClean(ts *testscript.TestScript, neg bool, words []string) {
	if neg || len(words) == 0 {
		ts.Fatalf("usage: argv-clean WORD...")
	}
	secrets := knownSecrets(worldOf(ts))
	deadline := time.Now().Add(10 * time.Second)
	for {
		found := false
		cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
		for _, f := range cmdlines {
			b, err := os.ReadFile(f)
			if err != nil {
				continue // the process ended meanwhile
			}
			args := strings.Split(strings.TrimRight(string(b), "\x00"), "\x00")
			if containsAll(args, words) {
				found = true
			}
			for _, s := range secrets {
				if s != "" && strings.Contains(string(b), s) {
					ts.Fatalf("a secret (%.6s...) is on the command line of %s: %q", s, f, args[0])
				}
			}
		}
		if found {
			return
		}
		if time.Now().After(deadline) {
			ts.Fatalf("no running process with %q in its command line", words)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func containsAll(args, words []string) bool {
	for _, w := range words {
		ok := false
		for _, a := range args {
			if a == w || filepath.Base(a) == w {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// knownSecrets is every secret the script's emulator knows of: the API key,
// the current Monitor tokens, and every bearer token and API key it was sent.
func knownSecrets(w *world) []string {
	secrets := []string{w.facts.APIKey, w.facts.CRToken}
	for _, team := range []int{w.facts.DefaultTeamID, w.facts.OtherTeamID} {
		secrets = append(secrets, w.emu.MonitorToken(w.facts.InstanceGUID, team))
	}
	for _, r := range w.emu.Requests() {
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && b != "" {
			secrets = append(secrets, b)
		}
		for _, field := range []string{"apikey", "cr_token", "refresh_token"} {
			if k := r.Form.Get(field); k != "" {
				secrets = append(secrets, k)
			}
		}
	}
	return secrets
}

// cmdIBMCloudSession writes the ibmcloud CLI's config.json, as `ibmcloud
// login` leaves it, under $HOME/.bluemix (docs/integrations.md, "ibmcloud session"):
//
//	ibmcloud-session valid     an IAM token the emulator issued just now
//	ibmcloud-session expired   a token whose exp claim is an hour ago
//	ibmcloud-session none      no config file
//	ibmcloud-session refreshable valid|expired FILE
//	                           the emulator's CLI login (an access token and a refresh token),
//	                           its access token expired or not, in the document of FILE (the
//	                           CLI's other fields); IAMEndpoint is set to the emulator
func cmdIBMCloudSession(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: ibmcloud-session valid|expired|none|refreshable")
	}
	w := worldOf(ts)
	file := filepath.Join(w.home, ".bluemix", "config.json")
	var token string
	switch args[0] {
	case "none":
		os.Remove(file)
		return
	case "refreshable":
		if len(args) != 3 {
			ts.Fatalf("usage: ibmcloud-session refreshable valid|expired FILE")
		}
		writeRefreshableSession(ts, w, file, args[1] == "expired", ts.MkAbs(args[2]))
		return
	case "valid":
		form := url.Values{"grant_type": {"urn:ibm:params:oauth:grant-type:apikey"}, "apikey": {w.facts.APIKey}}
		req, err := http.NewRequest("POST", w.url+"/identity/token", strings.NewReader(form.Encode()))
		ts.Check(err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		resp, err := w.client.Do(req)
		ts.Check(err)
		defer resp.Body.Close()
		var body struct {
			AccessToken string `json:"access_token"`
		}
		ts.Check(json.NewDecoder(resp.Body).Decode(&body))
		if body.AccessToken == "" {
			ts.Fatalf("the emulator issued no IAM token (HTTP %d)", resp.StatusCode)
		}
		token = body.AccessToken
	case "expired":
		token = expiredSessionToken()
	default:
		ts.Fatalf("unknown session %q", args[0])
	}
	doc, _ := json.Marshal(map[string]any{
		"IAMToken": "Bearer " + token, "IAMEndpoint": w.url, "Region": "us-south",
		"Account": map[string]string{"GUID": "14c80f74b900ea9f369857fe250214ed"},
	})
	ts.Check(os.MkdirAll(filepath.Dir(file), 0o700))
	ts.Check(os.WriteFile(file, doc, 0o600))
}

// expiredSessionToken is a token shaped like IAM's whose exp claim is an hour ago.
func expiredSessionToken() string {
	claims, _ := json.Marshal(map[string]any{"exp": time.Now().Add(-time.Hour).Unix(), "iam_id": "IBMid-test"})
	return "eyJhbGciOiJub25lIn0." + base64.RawURLEncoding.EncodeToString(claims) + ".c2ln"
}

func writeRefreshableSession(ts *testscript.TestScript, w *world, file string, expired bool, golden string) {
	access, refresh, ok := w.emu.LoginCLI(w.facts.APIKey)
	if !ok {
		ts.Fatalf("the emulator refused the CLI login")
	}
	if expired {
		access = expiredSessionToken()
	}
	var doc map[string]json.RawMessage
	ts.Check(json.Unmarshal([]byte(ts.ReadFile(golden)), &doc))
	set := func(name, v string) {
		b, _ := json.Marshal(v)
		doc[name] = b
	}
	set("IAMToken", "Bearer "+access)
	set("IAMRefreshToken", refresh)
	set("IAMEndpoint", w.url)
	// As the CLI writes it: indented, and without encoding/json's HTML escaping, so the
	// golden file's "R&D <lab>" is there as written.
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	ts.Check(enc.Encode(doc))
	ts.Check(os.MkdirAll(filepath.Dir(file), 0o700))
	ts.Check(os.WriteFile(file, out.Bytes(), 0o600))
	w.sessionTokens = [2]string{"Bearer " + access, refresh}
}

// cmdIBMCloudConfig checks the CLI's config.json after monitor-token ran: valid JSON, every
// member but the two tokens (and IAMEndpoint, which ibmcloud-session set to the emulator)
// exactly as in the golden FILE, and the tokens refreshed or kept:
//
//	ibmcloud-config refreshed|kept FILE
func cmdIBMCloudConfig(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 || (args[0] != "refreshed" && args[0] != "kept") {
		ts.Fatalf("usage: ibmcloud-config refreshed|kept FILE")
	}
	w := worldOf(ts)
	members := func(name, data string) map[string]string {
		var doc map[string]json.RawMessage
		if err := json.Unmarshal([]byte(data), &doc); err != nil {
			ts.Fatalf("%s is not a JSON object: %v", name, err)
		}
		out := map[string]string{}
		for k, v := range doc {
			var b bytes.Buffer
			ts.Check(json.Compact(&b, v))
			out[k] = b.String()
		}
		return out
	}
	got := members("config.json", ts.ReadFile(filepath.Join(w.home, ".bluemix", "config.json")))
	want := members(args[1], ts.ReadFile(args[1]))
	var tokens [2]string
	for i, name := range []string{"IAMToken", "IAMRefreshToken"} {
		ts.Check(json.Unmarshal([]byte(got[name]), &tokens[i]))
		delete(got, name)
		delete(want, name)
	}
	delete(got, "IAMEndpoint")
	delete(want, "IAMEndpoint")
	if !reflect.DeepEqual(got, want) {
		ts.Fatalf("the CLI's other fields changed:\n got %v\nwant %v", got, want)
	}
	switch {
	case args[0] == "kept" && tokens != w.sessionTokens:
		ts.Fatalf("the tokens changed")
	case args[0] == "refreshed" && (tokens[0] == w.sessionTokens[0] || tokens[1] == w.sessionTokens[1]):
		ts.Fatalf("the tokens were not both replaced")
	case args[0] == "refreshed" && (!strings.HasPrefix(tokens[0], "Bearer eyJ") || !strings.HasPrefix(tokens[1], "eyJ")):
		ts.Fatalf("the new tokens are not stored as the CLI stores them")
	}
}

// cmdSharedTmp makes a directory like /tmp: world-writable and sticky,
// owned by root, reachable by every user (the script's $WORK is not), and
// sets $VAR to it. It is removed when the script ends.
//
//	shared-tmp VAR
func cmdSharedTmp(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: shared-tmp VAR")
	}
	dir, err := os.MkdirTemp("", "monitor-token-shared-")
	ts.Check(err)
	ts.Defer(func() { os.RemoveAll(dir) })
	ts.Check(os.Chmod(dir, 0o777|fs.ModeSticky))
	ts.Setenv(args[0], dir)
}

// cmdIBMCloudCLI plays an ibmcloud command that changes the CLI's config
// while monitor-token may be refreshing it, writing as the CLI's plugin SDK
// does (bluemix/configuration/persistor.go): gofrs/flock's lock on
// config.json itself, then os.WriteFile in place, of the document the
// command loaded when it started:
//
//	ibmcloud-cli start               load the config, as the command's start does
//	ibmcloud-cli set NAME JSON       set a member of what was loaded, and save it
//	ibmcloud-cli login-other         save a login to another account (new account and tokens)
//	ibmcloud-cli has NAME JSON       the file's member NAME is JSON now
//	ibmcloud-cli tokens refreshed|cli|kept  the file's tokens are new ones, the CLI's login's, or the session's
func cmdIBMCloudCLI(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 1 {
		ts.Fatalf("usage: ibmcloud-cli start|set|login-other|has|tokens ...")
	}
	w := worldOf(ts)
	file := filepath.Join(w.home, ".bluemix", "config.json")
	read := func() map[string]json.RawMessage {
		var doc map[string]json.RawMessage
		ts.Check(json.Unmarshal([]byte(ts.ReadFile(file)), &doc))
		return doc
	}
	save := func(edit map[string]string) {
		lock := flock.New(file)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := lock.TryLockContext(ctx, 100*time.Millisecond)
		ts.Check(err)
		defer lock.Unlock()
		for k, v := range edit {
			w.cliDoc[k] = json.RawMessage(v)
		}
		out, err := json.MarshalIndent(w.cliDoc, "", "  ")
		ts.Check(err)
		ts.Check(os.WriteFile(file, out, 0o600))
	}
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	switch {
	case args[0] == "start" && len(args) == 1:
		w.cliDoc = read()
	case args[0] == "set" && len(args) == 3:
		save(map[string]string{args[1]: args[2]})
	case args[0] == "login-other" && len(args) == 1:
		access, refresh, ok := w.emu.LoginCLI(w.facts.APIKey)
		if !ok {
			ts.Fatalf("the emulator refused the CLI login")
		}
		w.cliLogin = [2]string{"Bearer " + access, refresh}
		save(map[string]string{
			"Account":  `{"GUID":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","Name":"Other","Owner":"other@example.com"}`,
			"IAMToken": str(w.cliLogin[0]), "IAMRefreshToken": str(w.cliLogin[1]),
		})
	case args[0] == "has" && len(args) == 3:
		var want bytes.Buffer
		ts.Check(json.Compact(&want, []byte(args[2])))
		var got bytes.Buffer
		ts.Check(json.Compact(&got, read()[args[1]]))
		if got.String() != want.String() {
			ts.Fatalf("%s is %s, want %s", args[1], got.String(), want.String())
		}
	case args[0] == "tokens" && len(args) == 2:
		doc := read()
		var got [2]string
		ts.Check(json.Unmarshal(doc["IAMToken"], &got[0]))
		ts.Check(json.Unmarshal(doc["IAMRefreshToken"], &got[1]))
		switch args[1] {
		case "kept":
			if got != w.sessionTokens {
				ts.Fatalf("the session's tokens were replaced")
			}
		case "cli":
			if got != w.cliLogin {
				ts.Fatalf("the CLI's login was overwritten")
			}
		case "refreshed":
			if got[0] == w.sessionTokens[0] || got[1] == w.sessionTokens[1] || got == w.cliLogin || !strings.HasPrefix(got[0], "Bearer eyJ") {
				ts.Fatalf("the tokens were not both refreshed")
			}
		default:
			ts.Fatalf("usage: ibmcloud-cli tokens refreshed|cli|kept")
		}
	default:
		ts.Fatalf("usage: ibmcloud-cli start|set NAME JSON|login-other|has NAME JSON|tokens refreshed|cli|kept")
	}
}
