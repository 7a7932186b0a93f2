package proxy

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
)

func TestClientTokenFile(t *testing.T) {
	for _, tt := range []struct {
		name    string
		setup   func(t *testing.T, dir string) string // returns the path
		created bool
		token   string // "" = any created token
		wantErr string // with DIR for the directory
	}{
		{"missing: created", func(t *testing.T, dir string) string { return filepath.Join(dir, "tok") }, true, "", ""},
		{"missing in a missing directory: both created", func(t *testing.T, dir string) string { return filepath.Join(dir, "sub", "tok") }, true, "", ""},
		{"there: read, trimmed", func(t *testing.T, dir string) string {
			return write(t, filepath.Join(dir, "tok"), "0123456789abcdefXYZ\n", 0o600)
		}, false, "0123456789abcdefXYZ", ""},
		{"group-readable (shared with a service's group): read", func(t *testing.T, dir string) string {
			return write(t, filepath.Join(dir, "tok"), "0123456789abcdefXYZ", 0o640)
		}, false, "0123456789abcdefXYZ", ""},
		{"readable by every user", func(t *testing.T, dir string) string {
			return write(t, filepath.Join(dir, "tok"), "0123456789abcdefXYZ", 0o644)
		}, false, "", "the client token file DIR/tok is readable by every user (mode 0644); run chmod o-r DIR/tok"},
		{"too short", func(t *testing.T, dir string) string { return write(t, filepath.Join(dir, "tok"), "short\n", 0o600) }, false, "",
			"the client token file DIR/tok holds 5 characters; a client token has at least 16: remove the file and the proxy makes one"},
		{"a space inside", func(t *testing.T, dir string) string {
			return write(t, filepath.Join(dir, "tok"), "0123456789 abcdefXYZ", 0o600)
		}, false, "", "the client token file DIR/tok holds a character a header cannot carry (a space or a control character); remove the file and the proxy makes one"},
		{"writable by others", func(t *testing.T, dir string) string {
			return write(t, filepath.Join(dir, "tok"), "0123456789abcdefXYZ", 0o666)
		}, false, "",
			"the client token file DIR/tok is writable by group or others (mode 0666); run chmod go-w DIR/tok"},
		{"in a directory others can write", func(t *testing.T, dir string) string {
			open := filepath.Join(dir, "open")
			os.Mkdir(open, 0o777)
			os.Chmod(open, 0o777)
			return filepath.Join(open, "tok")
		}, false, "", "the directory DIR/open above the client token file is writable by group or others (mode 0777) without the sticky bit; run chmod go-w DIR/open, or give --client-token-file a file of yours on a path only you and root control"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tt.setup(t, dir)
			token, created, err := ClientTokenFile(t.Context(), path)
			got := ""
			if err != nil {
				got = strings.ReplaceAll(err.Error(), dir, "DIR")
			}
			if got != tt.wantErr {
				t.Fatalf("error %q, want %q", got, tt.wantErr)
			}
			if err != nil {
				return
			}
			if created != tt.created {
				t.Errorf("created %v, want %v", created, tt.created)
			}
			if tt.token != "" && token != tt.token {
				t.Errorf("token %q, want %q", token, tt.token)
			}
			if tt.created {
				if !regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`).MatchString(token) {
					t.Errorf("created token %q is not 32 bytes of base64url", token)
				}
				fi, err := os.Stat(path)
				if err != nil || fi.Mode().Perm() != 0o600 {
					t.Errorf("created file: %v, %v; want mode 0600", fi, err)
				}
				again, created, err := ClientTokenFile(t.Context(), path)
				if err != nil || created || again != token {
					t.Errorf("second read: %q, %v, %v; want the same token, not created", again, created, err)
				}
			}
		})
	}
}

func write(t *testing.T, path, content string, perm os.FileMode) string {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, perm)
	return path
}

// With a client token, a request must carry it; the service sees the
// profile's token, never the client's.
func TestClientToken(t *testing.T) {
	const client = "c1ient-token-0123456789"
	for _, tt := range []struct {
		name   string
		header string
		status int
	}{
		{"missing", "", 401},
		{"wrong", "Authorization: Bearer c1ient-token-0123456780\n", 401},
		{"a prefix of it", "Authorization: Bearer c1ient-token\n", 401},
		{"not a bearer", "Authorization: Basic " + client + "\n", 401},
		{"bearer in lower case (the scheme is case-insensitive)", "Authorization: bearer " + client + "\n", 200},
		{"twice", "Authorization: Bearer " + client + "\nAuthorization: Bearer " + client + "\n", 401},
		{"right", "Authorization: Bearer " + client + "\n", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t, monitorapi.Credentials{Bearer: "mon-1"})
			r.proxy.o.ClientToken = client
			resp, body := r.rawResponse(t, "GET /api/x HTTP/1.1\nHost: {addr}\n"+tt.header+"\n")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			seen := r.up.requests()
			if tt.status != 200 {
				if len(seen) != 0 || resp.Header.Get("WWW-Authenticate") != `Bearer realm="monitor-token proxy"` {
					t.Fatalf("refused, yet the service saw %d requests; WWW-Authenticate %q", len(seen), resp.Header.Get("WWW-Authenticate"))
				}
				return
			}
			if len(seen) != 1 || seen[0].header.Get("Authorization") != "Bearer mon-1" {
				t.Fatalf("the service saw %+v", seen)
			}
			for _, l := range r.logs {
				if strings.Contains(l, client) {
					t.Errorf("the log shows the client token: %q", l)
				}
			}
		})
	}
}
