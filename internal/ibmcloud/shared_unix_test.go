//go:build unix

package ibmcloud

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// cliSave does what the ibmcloud CLI does to change its config (the plugin SDK's
// bluemix/configuration/persistor.go: lockedWrite, then write): it takes gofrs/flock's lock on
// config.json itself, and writes the file in place with os.WriteFile, from the document it
// holds with edit applied. The CLI holds the document it loaded at start, so its write carries
// the tokens it read then.
func cliSave(t *testing.T, file string, doc map[string]json.RawMessage, edit map[string]string) {
	t.Helper()
	lock := flock.New(file)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := lock.TryLockContext(ctx, 100*time.Millisecond); err != nil {
		t.Errorf("the CLI's lock: %v", err)
		return
	}
	defer lock.Unlock()
	for k, v := range edit {
		doc[k] = json.RawMessage(v)
	}
	out, _ := json.MarshalIndent(doc, "", "  ")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Error(err)
	}
}

// cliLoad is the CLI's start: the document read under its lock.
func cliLoad(t *testing.T, file string) map[string]json.RawMessage {
	t.Helper()
	var doc map[string]json.RawMessage
	b, _ := os.ReadFile(file)
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// grantDuring is a refresh grant during which the CLI, started before the refresh read the
// file, saves its change: what a slow IAM leaves room for.
func grantDuring(t *testing.T, file string, cliDoc map[string]json.RawMessage, edit map[string]string, token string) Grant {
	g := &fakeGrant{token: token}
	return func(ctx context.Context, iamURL, refresh string) (Tokens, error) {
		cliSave(t, file, cliDoc, edit)
		return g.grant(ctx, iamURL, refresh)
	}
}

// The CLI's own changes during the refresh (`ibmcloud target -g`, or a login to another
// account) are never undone: the refresh changes only the two tokens, in the file as it is
// once IAM answered, and when the login itself changed it writes nothing and uses that login.
func TestRefreshBesideTheCLI(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	expired, fresh, otherLogin := jwt(now.Add(-time.Minute).Unix()), jwt(now.Add(time.Hour).Unix()), jwt(now.Add(2*time.Hour).Unix())
	for _, tt := range []struct {
		name string
		edit map[string]string
		// want
		written   bool   // the refreshed tokens are in the file
		token     string // the session Refresh returns
		keptMatch string // Session.NotWritten says so
	}{
		{"ibmcloud target -g", map[string]string{"ResourceGroup": `{"GUID":"rgB","Name":"rgB"}`},
			true, fresh, ""},
		{"ibmcloud login to another account", map[string]string{
			"Account":  `{"GUID":"other-account","Name":"Other","Owner":"o@example.com"}`,
			"IAMToken": `"Bearer ` + otherLogin + `"`, "IAMRefreshToken": `"OTHER_REFRESH"`},
			false, otherLogin, "the ibmcloud login changed while its session was refreshed (another login); that login is used"},
		{"ibmcloud target -r", map[string]string{"Region": `"eu-de"`},
			false, fresh, "the ibmcloud CLI's target changed while its session was refreshed (region us-south to eu-de)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := writeConfig(t, expired, 0o600)
			grant := grantDuring(t, file, cliLoad(t, file), tt.edit, fresh)
			s, err := Refresh(context.Background(), file, now, "", grant)
			if err != nil {
				t.Fatal(err)
			}
			if s.IAMToken != tt.token || !strings.Contains(s.NotWritten, tt.keptMatch) || (tt.keptMatch == "") != (s.NotWritten == "") {
				t.Errorf("Refresh = token %.20s..., NotWritten %q; want %.20s..., %q", s.IAMToken, s.NotWritten, tt.token, tt.keptMatch)
			}
			got := members(t, readFile(t, file))
			for k, v := range tt.edit {
				var b strings.Builder
				b.WriteString(compact(t, v))
				if got[k] != b.String() {
					t.Errorf("%s = %s after the refresh, want the CLI's %s", k, got[k], v)
				}
			}
			if written := got["IAMRefreshToken"] == `"NEW_REFRESH"`; written != tt.written {
				t.Errorf("refreshed tokens written: %v, want %v (IAMRefreshToken %s)", written, tt.written, got["IAMRefreshToken"])
			}
		})
	}
}

// A config.json with another name (a hard link, as a backup tool or a dotfile manager
// makes) stays one file: the CLI writes in place, and so does the refresh.
func TestRefreshKeepsAHardLink(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	file := writeConfig(t, jwt(now.Add(-time.Minute).Unix()), 0o600)
	other := filepath.Join(filepath.Dir(file), "config.json.linked")
	if err := os.Link(file, other); err != nil {
		t.Fatal(err)
	}
	g := &fakeGrant{token: jwt(now.Add(time.Hour).Unix())}
	if _, err := Refresh(context.Background(), file, now, "", g.grant); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(file)
	b, _ := os.Stat(other)
	if !os.SameFile(a, b) || a.Sys().(*syscall.Stat_t).Nlink != 2 {
		t.Fatalf("config.json and its hard link are two files now")
	}
	if got := members(t, readFile(t, other))["IAMRefreshToken"]; got != `"NEW_REFRESH"` {
		t.Fatalf("the link's IAMRefreshToken = %s", got)
	}
}

// While the CLI holds its lock (it is writing), the refresh neither reads nor writes: it
// waits, so neither sees half of the other's file.
func TestRefreshWaitsForTheCLIsLock(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	file := writeConfig(t, jwt(now.Add(-time.Minute).Unix()), 0o600)
	lock := flock.New(file)
	if ok, err := lock.TryLock(); !ok || err != nil {
		t.Fatal(err)
	}
	before := readFile(t, file)
	done := make(chan error, 1)
	g := &fakeGrant{token: jwt(now.Add(time.Hour).Unix())}
	go func() {
		_, err := Refresh(context.Background(), file, now, "", g.grant)
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // room to go wrong; the assertion is on order, not time
	if g.n.Load() != 0 || string(readFile(t, file)) != string(before) {
		t.Fatal("the refresh read the file or wrote it while the CLI held its lock")
	}
	lock.Unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := members(t, readFile(t, file))["IAMRefreshToken"]; got != `"NEW_REFRESH"` {
		t.Fatalf("IAMRefreshToken = %s after the CLI let go", got)
	}
}

// A session that needs no refresh is held to the same rule as one that does: the file says
// where its token goes, and one that another user can change is not used.
func TestReadSessionTrust(t *testing.T) {
	now := time.Date(2026, 11, 29, 8, 0, 0, 0, time.UTC)
	valid := jwt(now.Add(time.Hour).Unix())
	for _, tt := range []struct {
		name  string
		setup func(file string)
		root  bool
		want  string
	}{
		{"writable by others", func(file string) { os.Chmod(file, 0o666) }, false,
			"the ibmcloud CLI's config FILE is writable by group or others (mode 0666); run chmod go-w FILE"},
		{"another user's", func(file string) { os.Chown(file, 65534, 65534) }, true,
			"the ibmcloud CLI's config FILE belongs to another user (uid 65534); remove it, or point IBMCLOUD_CONFIG_HOME at a directory of yours on a path only you and root control"},
		{"another user's, who holds its lock: refused at once, not after the wait", func(file string) {
			os.Chown(file, 65534, 65534)
			lock := flock.New(file)
			lock.Lock()
			t.Cleanup(func() { lock.Unlock() })
		}, true,
			"the ibmcloud CLI's config FILE belongs to another user (uid 65534); remove it, or point IBMCLOUD_CONFIG_HOME at a directory of yours on a path only you and root control"},
		{"in a directory others can write", func(file string) { os.Chmod(filepath.Dir(file), 0o777) }, false,
			"the directory DIR above the ibmcloud CLI's config is writable by group or others (mode 0777) without the sticky bit; run chmod go-w DIR, or point IBMCLOUD_CONFIG_HOME at a directory of yours on a path only you and root control"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() != 0 {
				t.Skip("skipped: chown to another user needs root")
			}
			file := writeConfig(t, valid, 0o600)
			tt.setup(file)
			t.Cleanup(func() { os.Chmod(filepath.Dir(file), 0o700) })
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := ReadSession(ctx, file, now)
			want := strings.NewReplacer("FILE", file, "DIR", filepath.Dir(file)).Replace(tt.want)
			if err == nil || err.Error() != want {
				t.Fatalf("err\n got %v\nwant %s", err, want)
			}
		})
	}
}

func readFile(t *testing.T, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func compact(t *testing.T, v string) string {
	t.Helper()
	var doc json.RawMessage
	if err := json.Unmarshal([]byte(v), &doc); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(doc)
	return string(b)
}

// fileAtTruncate is a config file that records what it holds when the
// truncation comes: what a reader (or the CLI after a crash) would find if
// the process died between the write and the truncation.
type fileAtTruncate struct {
	*os.File
	seen []byte
}

func (f *fileAtTruncate) Truncate(size int64) error {
	f.seen, _ = os.ReadFile(f.Name())
	return f.File.Truncate(size)
}

// The file is a whole JSON document at every moment of a write in place,
// even when the new content is shorter than the old: the CLI takes a
// config it cannot parse for none, and writes an empty one over it.
func TestWriteInPlaceIsWholeAtEveryMoment(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, old, out string }{
		{"shorter", `{"IAMToken": "Bearer ` + strings.Repeat("x", 200) + `", "Region": "us-south"}`, `{"IAMToken": "Bearer y", "Region": "us-south"}`},
		{"longer", `{"IAMToken": "Bearer y"}`, `{"IAMToken": "Bearer ` + strings.Repeat("x", 200) + `"}`},
	} {
		path := filepath.Join(dir, tt.name+".json")
		os.WriteFile(path, []byte(tt.old), 0o600)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		w := &fileAtTruncate{File: f}
		if err := writeInPlace(w, []byte(tt.old), []byte(tt.out)); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if !json.Valid(w.seen) {
			t.Errorf("%s: between the write and the truncation the file is not JSON: %q", tt.name, w.seen)
		}
		if got := string(readFile(t, path)); got != tt.out {
			t.Errorf("%s: file %q, want %q", tt.name, got, tt.out)
		}
	}
}
