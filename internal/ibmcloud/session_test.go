package ibmcloud

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// jwt is a token shaped like IAM's, with the given exp claim.
func jwt(exp int64) string {
	payload := base64.RawURLEncoding.EncodeToString([]byte(`{"iam_id":"IBMid-1","exp":` + strconv.FormatInt(exp, 10) + `}`))
	return "eyJhbGciOiJSUzI1NiJ9." + payload + ".c2ln"
}

func TestReadSession(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	valid, soon, expired := jwt(now.Add(time.Hour).Unix()), jwt(now.Add(30*time.Second).Unix()), jwt(now.Add(-time.Hour).Unix())
	tests := []struct {
		name, content, token, err string
		noSession                 bool
	}{
		{"bearer prefix", `{"IAMToken":"Bearer ` + valid + `","IAMEndpoint":"https://iam.cloud.ibm.com","Region":"us-south","Account":{"GUID":"acc"}}`, valid, "", false},
		{"bare token", `{"IAMToken":"` + valid + `"}`, valid, "", false},
		{"opaque token has no expiry", `{"IAMToken":"Bearer opaque"}`, "opaque", "", false},
		{"not logged in", `{"IAMToken":""}`, "", "not logged in (run `ibmcloud login`)", true},
		{"expired", `{"IAMToken":"Bearer ` + expired + `"}`, "", "the ibmcloud login expired at 2026-11-29T07:00:00Z (run `ibmcloud login` again)", true},
		{"expires within a minute", `{"IAMToken":"Bearer ` + soon + `"}`, "", "expired", true},
		{"not JSON", `{"IAMToken":`, "", "is not valid JSON; run `ibmcloud login` again", false},
		{"CR LF and ESC in the token", `{"IAMToken":"Bearer abc\r\nX-Evil: injected\u001b[31m"}`, "", "is not a token (a control character, a space or too long); run `ibmcloud login` again", false},
		{"a space inside", `{"IAMToken":"Bearer abc def"}`, "", "is not a token", false},
		{"non-ASCII", `{"IAMToken":"Bearer abc\u00e9"}`, "", "is not a token", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "config.json")
			os.WriteFile(file, []byte(tt.content), 0o600)
			s, err := ReadSession(context.Background(), file, now)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || errors.Is(err, ErrNoSession) != tt.noSession {
					t.Fatalf("err = %v, want %q (ErrNoSession %v)", err, tt.err, tt.noSession)
				}
				if strings.Contains(err.Error(), "eyJ") {
					t.Fatalf("the error quotes the token: %v", err)
				}
				return
			}
			if err != nil || s.IAMToken != tt.token {
				t.Fatalf("ReadSession = %+v, %v; want token %q", s, err, tt.token)
			}
		})
	}
	if _, err := ReadSession(context.Background(), filepath.Join(t.TempDir(), "nope.json"), now); !errors.Is(err, ErrNoSession) {
		t.Fatalf("missing file: err = %v, want ErrNoSession", err)
	}
}

func TestConfigFile(t *testing.T) {
	home := t.TempDir()
	env := func(vars map[string]string) func(string) string { return func(k string) string { return vars[k] } }
	if got := ConfigFile(env(map[string]string{"HOME": home})); got != filepath.Join(home, ".bluemix", "config.json") {
		t.Errorf("nothing there: %s, want ~/.bluemix/config.json", got)
	}
	os.MkdirAll(filepath.Join(home, ".ibmcloud"), 0o700)
	os.WriteFile(filepath.Join(home, ".ibmcloud", "config.json"), []byte("{}"), 0o600)
	if got := ConfigFile(env(map[string]string{"HOME": home})); got != filepath.Join(home, ".ibmcloud", "config.json") {
		t.Errorf("~/.ibmcloud exists: %s", got)
	}
	custom := t.TempDir()
	os.MkdirAll(filepath.Join(custom, ".bluemix"), 0o700)
	os.WriteFile(filepath.Join(custom, ".bluemix", "config.json"), []byte("{}"), 0o600)
	if got := ConfigFile(env(map[string]string{"HOME": home, "IBMCLOUD_CONFIG_HOME": custom})); got != filepath.Join(custom, ".bluemix", "config.json") {
		t.Errorf("IBMCLOUD_CONFIG_HOME with .bluemix: %s", got)
	}
	os.WriteFile(filepath.Join(custom, "config.json"), []byte("{}"), 0o600)
	if got := ConfigFile(env(map[string]string{"HOME": home, "IBMCLOUD_CONFIG_HOME": custom})); got != filepath.Join(custom, "config.json") {
		t.Errorf("IBMCLOUD_CONFIG_HOME/config.json: %s", got)
	}
}

// TestReadSessionCanceled: a cancelled run reads nothing and says so.
func TestReadSessionCanceled(t *testing.T) {
	file := filepath.Join(t.TempDir(), "config.json")
	os.WriteFile(file, []byte(`{"IAMToken":"Bearer opaque"}`), 0o600)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if s, err := ReadSession(ctx, file, time.Now()); !errors.Is(err, context.Canceled) || s.IAMToken != "" {
		t.Fatalf("ReadSession = %+v, %v; want context.Canceled", s, err)
	}
}
