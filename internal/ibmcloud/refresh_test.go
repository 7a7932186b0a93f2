package ibmcloud

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cliConfig is a config.json as the CLI writes it, with fields monitor-token does not know,
// values the SDK's types hold (a time, a duration in nanoseconds, nested objects, a list) and
// some that a careless rewrite would change (a number written with an exponent, "<&>" that
// encoding/json escapes by default, a key unknown to every SDK version).
const cliConfig = `{
  "APIEndpoint": "https://cloud.ibm.com",
  "IsPrivate": false,
  "IsAccessFromVPC": false,
  "IAMEndpoint": "https://iam.cloud.ibm.com",
  "IAMPrivateEndpoint": "https://private.iam.cloud.ibm.com",
  "IAMPrivateVPCEndpoint": "https://private.us-south.iam.cloud.ibm.com",
  "IAMToken": "Bearer OLD_ACCESS",
  "IAMRefreshToken": "OLD_REFRESH",
  "Account": {"GUID": "14c80f74b900ea9f369857fe250214ed", "Name": "R&D <lab>", "Owner": "x@example.com"},
  "Region": "us-south",
  "LoginAt": "2026-11-29T07:00:00.123456789+01:00",
  "PluginRepos": [{"Name": "IBM Cloud", "URL": "https://plugins.cloud.ibm.com"}],
  "UpdateCheckInterval": 86400000000000,
  "MessageOfTheDayTime": 1.7e9,
  "LastSessionUpdateTime": 1764399600,
  "FallbackIAMTokens": {"IAMToken": "", "IAMRefreshToken": ""},
  "SomeFutureField": {"nested": [1, 2.50, null, true]}
}`

type grantCall struct{ url, refresh string }

// fakeGrant answers every refresh with new tokens and records the calls.
type fakeGrant struct {
	mu    sync.Mutex
	calls []grantCall
	n     atomic.Int32
	token string // the access token it hands out
	err   error
}

func (g *fakeGrant) grant(ctx context.Context, iamURL, refresh string) (Tokens, error) {
	g.mu.Lock()
	g.calls = append(g.calls, grantCall{iamURL, refresh})
	g.mu.Unlock()
	g.n.Add(1)
	time.Sleep(10 * time.Millisecond) // a refresh takes a while: concurrent callers meet
	if g.err != nil {
		return Tokens{}, g.err
	}
	return Tokens{AccessToken: g.token, RefreshToken: "NEW_REFRESH", TokenType: "Bearer"}, nil
}

// writeConfig writes cliConfig with the access token given (which may be expired) in a
// private directory of the test's, and returns its path.
func writeConfig(t *testing.T, access string, mode os.FileMode, edit ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), ".bluemix")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "config.json")
	doc := strings.Replace(cliConfig, "OLD_ACCESS", access, 1)
	for i := 0; i+1 < len(edit); i += 2 {
		doc = strings.Replace(doc, edit[i], edit[i+1], 1)
	}
	if err := os.WriteFile(file, []byte(doc), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, mode); err != nil {
		t.Fatal(err)
	}
	return file
}

// members decodes a JSON object into its members, each compacted.
func members(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("not a JSON object: %v\n%s", err, data)
	}
	out := map[string]string{}
	for k, v := range doc {
		var b bytes.Buffer
		if err := json.Compact(&b, v); err != nil {
			t.Fatal(err)
		}
		out[k] = b.String()
	}
	return out
}

func TestRefreshWritesBothTokensAndKeepsTheRest(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	expired, fresh := jwt(now.Add(-time.Minute).Unix()), jwt(now.Add(time.Hour).Unix())
	file := writeConfig(t, expired, 0o640)
	before, _ := os.ReadFile(file)

	s, err := ReadSession(context.Background(), file, now)
	if err != nil || !s.NeedsRefresh || s.RefreshToken != "OLD_REFRESH" {
		t.Fatalf("ReadSession = %+v, %v; want a session that needs a refresh", s, err)
	}
	g := &fakeGrant{token: fresh}
	s, err = Refresh(context.Background(), file, now, "", g.grant)
	if err != nil {
		t.Fatal(err)
	}
	if s.IAMToken != fresh || s.NeedsRefresh || s.RefreshToken != "NEW_REFRESH" {
		t.Fatalf("Refresh = %+v", s)
	}
	if len(g.calls) != 1 || g.calls[0] != (grantCall{"https://iam.cloud.ibm.com", "OLD_REFRESH"}) {
		t.Fatalf("grant calls = %+v, want one at the session's IAMEndpoint with its refresh token", g.calls)
	}
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	old, got := members(t, before), members(t, after)
	if got["IAMToken"] != `"Bearer `+fresh+`"` || got["IAMRefreshToken"] != `"NEW_REFRESH"` {
		t.Errorf("tokens written: IAMToken %s IAMRefreshToken %s", got["IAMToken"], got["IAMRefreshToken"])
	}
	delete(old, "IAMToken")
	delete(old, "IAMRefreshToken")
	delete(got, "IAMToken")
	delete(got, "IAMRefreshToken")
	if len(got) != len(old) {
		t.Errorf("members %d, want %d", len(got), len(old))
	}
	for k, v := range old {
		if got[k] != v {
			t.Errorf("%s = %s, want %s as it was", k, got[k], v)
		}
	}
	if !bytes.Contains(after, []byte(`"R&D <lab>"`)) || !bytes.Contains(after, []byte(`1.7e9`)) {
		t.Errorf("values were re-encoded:\n%s", after)
	}
	fi, _ := os.Stat(file)
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %04o, want 0640 as it was", fi.Mode().Perm())
	}
	// The next read is a plain valid session: no second refresh.
	if s, err := ReadSession(context.Background(), file, now); err != nil || s.NeedsRefresh || s.IAMToken != fresh {
		t.Errorf("after the refresh: %+v, %v", s, err)
	}
	if _, err := os.Stat(file + ".lock"); err != nil {
		t.Errorf("no lock beside the file: %v", err)
	}
}

// TestConcurrentRefreshesCallIAMOnce: of two processes that find the session expired at once,
// one refreshes; the other waits for the lock, reads the file again, and uses what the first
// wrote. Neither write is lost, and the file is whole.
func TestConcurrentRefreshesCallIAMOnce(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	fresh := jwt(now.Add(time.Hour).Unix())
	file := writeConfig(t, jwt(now.Add(-time.Minute).Unix()), 0o600)
	g := &fakeGrant{token: fresh}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := Refresh(context.Background(), file, now, "", g.grant)
			if err == nil && s.IAMToken != fresh {
				err = errors.New("wrong token " + s.IAMToken)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := g.n.Load(); n != 1 {
		t.Fatalf("IAM was called %d times, want 1", n)
	}
}

func TestRefreshEndpoint(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		edit     []string
		override string
		want     string
	}{
		{"public", nil, "", "https://iam.cloud.ibm.com"},
		{"private", []string{`"IsPrivate": false`, `"IsPrivate": true`}, "", "https://private.iam.cloud.ibm.com"},
		{"private from a VPC", []string{`"IsPrivate": false`, `"IsPrivate": true`, `"IsAccessFromVPC": false`, `"IsAccessFromVPC": true`}, "", "https://private.us-south.iam.cloud.ibm.com"},
		{"IAM_ENDPOINT wins", nil, "https://iam.test.cloud.ibm.com/", "https://iam.test.cloud.ibm.com"},
		{"a trailing /identity/token is dropped", []string{`"https://iam.cloud.ibm.com"`, `"https://iam.cloud.ibm.com/identity/token"`}, "", "https://iam.cloud.ibm.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := writeConfig(t, jwt(now.Add(-time.Minute).Unix()), 0o600, tt.edit...)
			g := &fakeGrant{token: jwt(now.Add(time.Hour).Unix())}
			if _, err := Refresh(context.Background(), file, now, tt.override, g.grant); err != nil {
				t.Fatal(err)
			}
			if len(g.calls) != 1 || g.calls[0].url != tt.want {
				t.Fatalf("calls %+v, want one at %s", g.calls, tt.want)
			}
		})
	}
}

// TestRefreshRefusals: nothing is sent and nothing is written when the file cannot be
// trusted or names no usable endpoint, and IAM's refusal leaves the file as it was.
func TestRefreshRefusals(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	expired := jwt(now.Add(-time.Minute).Unix())
	ended := errors.New("could not refresh the ibmcloud login session at https://iam.cloud.ibm.com: HTTP 400 BXNIM0407E; run `ibmcloud login` again")
	tests := []struct {
		name  string
		setup func(t *testing.T) string
		gerr  error
		want  string // FILE and DIR stand for the paths
	}{
		{"directory writable by others", func(t *testing.T) string {
			file := writeConfig(t, expired, 0o600)
			os.Chmod(filepath.Dir(file), 0o777)
			t.Cleanup(func() { os.Chmod(filepath.Dir(file), 0o700) })
			return file
		}, nil, "the ibmcloud login session is not refreshed: the directory DIR above the ibmcloud CLI's config is writable by group or others (mode 0777) without the sticky bit; run chmod go-w DIR, or point IBMCLOUD_CONFIG_HOME at a directory of yours on a path only you and root control"},
		{"file writable by others", func(t *testing.T) string { return writeConfig(t, expired, 0o666) }, nil,
			"the ibmcloud login session is not refreshed: the ibmcloud CLI's config FILE is writable by group or others (mode 0666); run chmod go-w FILE"},
		{"no IAM endpoint", func(t *testing.T) string {
			return writeConfig(t, expired, 0o600, `"IAMEndpoint": "https://iam.cloud.ibm.com"`, `"IAMEndpoint": ""`)
		}, nil, "no usable ibmcloud login session: the ibmcloud CLI's config FILE names no IAM endpoint to refresh the login at (run `ibmcloud login` again)"},
		{"plain http", func(t *testing.T) string {
			return writeConfig(t, expired, 0o600, `"IAMEndpoint": "https://iam.cloud.ibm.com"`, `"IAMEndpoint": "http://iam.cloud.ibm.com"`)
		}, nil, "ibmcloud config FILE: "},
		{"IAM refuses", func(t *testing.T) string { return writeConfig(t, expired, 0o600) }, ended, ended.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := tt.setup(t)
			before, _ := os.ReadFile(file)
			g := &fakeGrant{token: jwt(now.Add(time.Hour).Unix()), err: tt.gerr}
			_, err := Refresh(context.Background(), file, now, "", g.grant)
			want := strings.NewReplacer("FILE", file, "DIR", filepath.Dir(file)).Replace(tt.want)
			if err == nil || !strings.HasPrefix(err.Error(), want) {
				t.Fatalf("err\n got %v\nwant %s", err, want)
			}
			if strings.Contains(err.Error(), "OLD_REFRESH") || strings.Contains(err.Error(), "MONITOR_TOKEN_CONFIG") {
				t.Errorf("message: %v", err)
			}
			if tt.gerr == nil && len(g.calls) != 0 {
				t.Errorf("IAM was called: %+v", g.calls)
			}
			if after, _ := os.ReadFile(file); !bytes.Equal(before, after) {
				t.Errorf("the file changed")
			}
		})
	}
}

func TestReadSessionRefreshable(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	expired, valid := jwt(now.Add(-time.Hour).Unix()), jwt(now.Add(time.Hour).Unix())
	tests := []struct {
		name, content string
		refresh       bool
		err           string
	}{
		{"expired with a refresh token", `{"IAMToken":"Bearer ` + expired + `","IAMRefreshToken":"R"}`, true, ""},
		{"no access token, a refresh token", `{"IAMToken":"","IAMRefreshToken":"R"}`, true, ""},
		{"valid: no refresh", `{"IAMToken":"Bearer ` + valid + `","IAMRefreshToken":"R"}`, false, ""},
		{"expired, empty refresh token", `{"IAMToken":"Bearer ` + expired + `","IAMRefreshToken":""}`, false, "the ibmcloud login expired at 2026-11-29T07:00:00Z (run `ibmcloud login` again)"},
		{"refresh token with a newline", `{"IAMToken":"Bearer ` + expired + `","IAMRefreshToken":"R\nX"}`, false,
			"the ibmcloud CLI's refresh token in FILE is not a token (a control character, a space or too long); run `ibmcloud login` again"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "config.json")
			os.WriteFile(file, []byte(tt.content), 0o600)
			s, err := ReadSession(context.Background(), file, now)
			if tt.err != "" {
				if want := strings.ReplaceAll(tt.err, "FILE", file); err == nil || !strings.HasSuffix(err.Error(), want) {
					t.Fatalf("err = %v, want %s", err, want)
				}
				return
			}
			if err != nil || s.NeedsRefresh != tt.refresh {
				t.Fatalf("ReadSession = %+v, %v; want NeedsRefresh %v", s, err, tt.refresh)
			}
		})
	}
}

// FuzzReplaceTokens: whatever JSON object the CLI's file holds, the rewrite is a JSON object
// with the two tokens set and every other member as it was.
func FuzzReplaceTokens(f *testing.F) {
	f.Add([]byte(cliConfig))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"IAMToken":1,"a":"<&>","b":1e400}`))
	f.Add([]byte(`{"a":1,"a":2}`))
	f.Add([]byte(`{"\u0041":"\ud800"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := replaceTokens(data, "Bearer A", "R")
		var in map[string]json.RawMessage
		if json.Unmarshal(data, &in) != nil || in == nil {
			if err == nil {
				t.Fatalf("rewrote what is not a JSON object: %q", data)
			}
			return
		}
		if err != nil {
			t.Fatalf("refused a JSON object: %v", err)
		}
		got := members(t, out)
		if got["IAMToken"] != `"Bearer A"` || got["IAMRefreshToken"] != `"R"` {
			t.Fatalf("tokens: %s %s", got["IAMToken"], got["IAMRefreshToken"])
		}
		for k, v := range in {
			if k == "IAMToken" || k == "IAMRefreshToken" {
				continue
			}
			var b bytes.Buffer
			json.Compact(&b, v)
			if got[k] != b.String() {
				t.Fatalf("%q = %s, want %s", k, got[k], b.String())
			}
		}
	})
}
