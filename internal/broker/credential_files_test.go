package broker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/monitor-token/monitor-token/internal/config"
	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/profile"
)

// hangGuard is how long a test waits for a call that should return at once before it calls it a
// hang; not a speed requirement.
const hangGuard = 10 * time.Second

// crToken is shaped like a projected service-account token (a JWT).
const crToken = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bTp0In0.c2ln"

// TestMain puts go-sdk-core's default token files in a directory of the
// test's, with a token in the last one, as Code Engine would have it: the
// trusted-profile tests without a file of their own find it there.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "broker-cr")
	if err != nil {
		panic(err)
	}
	crTokenDefaults = []string{filepath.Join(dir, "vault-token"), filepath.Join(dir, "sa-token"), filepath.Join(dir, "token")}
	if err := os.WriteFile(crTokenDefaults[2], []byte(crToken), 0o600); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// crAPI is fakeAPI that records the compute-resource token file it is given, and which secrets
// the broker had registered by then.
type crAPI struct {
	fakeAPI
	files   []string
	secrets *[]string
	known   [][]string // a copy of *secrets at each exchange
}

func (c *crAPI) ExchangeCRToken(ctx context.Context, iamURL, file string, p monitorapi.TrustedProfile) (monitorapi.IAMToken, error) {
	c.files = append(c.files, file)
	c.known = append(c.known, slices.Clone(*c.secrets))
	return c.fakeAPI.ExchangeCRToken(ctx, iamURL, file, p)
}

func newCRBroker(t *testing.T) (*Broker, *crAPI) {
	b, _, _, _ := newBroker(t)
	var secrets []string
	api := &crAPI{secrets: &secrets}
	b.API = api
	b.OnSecret = func(s string) { secrets = append(secrets, s) }
	return b, api
}

// tokenPromptly runs b.Token in a goroutine and fails the test if it does not return.
func tokenPromptly(t *testing.T, b *Broker, p profile.Profile) (Token, error) {
	t.Helper()
	type result struct {
		tok Token
		err error
	}
	done := make(chan result, 1)
	go func() {
		tok, err := b.Token(context.Background(), p)
		done <- result{tok, err}
	}()
	select {
	case r := <-done:
		return r.tok, r.err
	case <-time.After(hangGuard):
		t.Fatalf("Token has not returned in %v", hangGuard)
		return Token{}, nil
	}
}

// mkfifo makes a named pipe with mkfifo(1), which keeps this file building
// where syscall has no Mkfifo.
func mkfifo(t *testing.T, path string) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no named pipes in the file system")
	}
	if out, err := exec.Command("mkfifo", path).CombinedOutput(); err != nil {
		t.Fatalf("mkfifo: %v %s", err, out)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestKeyFileSpecialFiles: IBMCLOUD_API_KEY=@FILE reads only a regular file; a named pipe, a
// device or a directory is refused at once with a message that names it.
func TestKeyFileSpecialFiles(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  string
	}{
		{"named pipe", func(t *testing.T, path string) { mkfifo(t, path) },
			"IBMCLOUD_API_KEY=@PATH: the key file is a named pipe, not a regular file; point it at a file that holds the key"},
		{"a pipe, through /proc's link to it (/dev/stdin fed by a pipe)", func(t *testing.T, path string) {
			if runtime.GOOS != "linux" {
				t.Skip("skipped: /proc/self/fd is Linux's")
			}
			r, w, err := os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close(); w.Close() })
			os.Symlink(fmt.Sprintf("/proc/self/fd/%d", r.Fd()), path)
		},
			"IBMCLOUD_API_KEY=@PATH: the key file is a pipe, not a regular file; point it at a file that holds the key"},
		{"device", func(t *testing.T, path string) { os.Symlink("/dev/zero", path) },
			"IBMCLOUD_API_KEY=@PATH: the key file is a device, not a regular file; point it at a file that holds the key"},
		{"directory", func(t *testing.T, path string) { os.Mkdir(path, 0o700) },
			"IBMCLOUD_API_KEY=@PATH: the key file is a directory, not a regular file; point it at a file that holds the key"},
		{"too large", func(t *testing.T, path string) { writeFile(t, path, bytes.Repeat([]byte("k"), 4<<10+1)) },
			"IBMCLOUD_API_KEY=@PATH: the file is larger than 4 KiB, not an API key"},
		{"at the limit: read, and parsed", func(t *testing.T, path string) { writeFile(t, path, bytes.Repeat([]byte("k"), 4<<10)) },
			"IBMCLOUD_API_KEY=@PATH: the API key is longer than any IBM Cloud API key; give only the key"},
		{"empty", func(t *testing.T, path string) { writeFile(t, path, []byte(" \n")) },
			"IBMCLOUD_API_KEY=@PATH: the file is empty"},
		{"missing", func(t *testing.T, path string) {},
			"IBMCLOUD_API_KEY=@PATH: cannot read the key file: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "key")
			tt.setup(t, path)
			b, api := newCRBroker(t)
			_, err := tokenPromptly(t, b, withEnvKey(target, "@"+path))
			if want := strings.ReplaceAll(tt.want, "PATH", path); err == nil || err.Error() != want {
				t.Fatalf("err\n got %v\nwant %s", err, want)
			}
			if api.exchanges != 0 {
				t.Errorf("%d exchanges; want none", api.exchanges)
			}
		})
	}
	// The key of a regular file (through a symbolic link) is used, trimmed.
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "real"), []byte(" key-9\n"))
	os.Symlink(filepath.Join(dir, "real"), filepath.Join(dir, "key"))
	b, _ := newCRBroker(t)
	tok, err := tokenPromptly(t, b, withEnvKey(target, "@"+filepath.Join(dir, "key")))
	if err != nil || tok.Value != "mon(iam(key-9),guid,7)" {
		t.Fatalf("Token = %+v, %v", tok, err)
	}
}

// podProfile is a trusted profile from the environment, with the given token file.
func podProfile(file string) profile.Profile {
	p := target
	p.From = profile.FromEnvironment
	p.Credential, p.TrustedProfile, p.CRTokenFile = config.CredentialTrustedProfile, "monitor-reader", file
	return p
}

const crHint = "; point MONITOR_TOKEN_CR_TOKEN_FILE at the token file (a projected service-account token)"

// TestCRTokenFile: the broker reads the compute-resource token file itself before go-sdk-core
// does: only a regular file of at most 64 KiB holding something shaped like a token gets as far
// as the exchange, and the token is registered as a secret before it.
func TestCRTokenFile(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, path string)
		want  string // "" means the exchange is made with the file
	}{
		{"a token", func(t *testing.T, path string) { writeFile(t, path, []byte(crToken)) }, ""},
		{"a token and a newline", func(t *testing.T, path string) { writeFile(t, path, []byte(crToken+"\n")) }, ""},
		{"symlink to a token", func(t *testing.T, path string) {
			writeFile(t, path+".real", []byte(crToken))
			os.Symlink(path+".real", path)
		}, ""},
		{"named pipe", func(t *testing.T, path string) { mkfifo(t, path) },
			"the compute-resource token file PATH is a named pipe, not a regular file" + crHint},
		{"/dev/zero", func(t *testing.T, path string) { os.Symlink("/dev/zero", path) },
			"the compute-resource token file PATH is a device, not a regular file" + crHint},
		{"directory", func(t *testing.T, path string) { os.Mkdir(path, 0o700) },
			"the compute-resource token file PATH is a directory, not a regular file" + crHint},
		{"64 KiB and one byte", func(t *testing.T, path string) { writeFile(t, path, bytes.Repeat([]byte("e"), 64<<10+1)) },
			"the compute-resource token file PATH is larger than 64 KiB" + crHint},
		{"empty", func(t *testing.T, path string) { writeFile(t, path, nil) },
			"the compute-resource token file PATH is empty" + crHint},
		{"blank", func(t *testing.T, path string) { writeFile(t, path, []byte(" \n\t")) },
			"the compute-resource token file PATH is empty" + crHint},
		{"words", func(t *testing.T, path string) { writeFile(t, path, []byte("not a token\n")) },
			"the compute-resource token file PATH does not hold a token (it has characters a token cannot have)" + crHint},
		{"binary", func(t *testing.T, path string) { writeFile(t, path, []byte("eyJ\x00\x01\xff")) },
			"the compute-resource token file PATH does not hold a token (it has characters a token cannot have)" + crHint},
		{"missing", func(t *testing.T, path string) {},
			"cannot read the compute-resource token file PATH: no such file or directory" + crHint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "token")
			tt.setup(t, path)
			b, api := newCRBroker(t)
			tok, err := tokenPromptly(t, b, podProfile(path))
			if tt.want == "" {
				if err != nil || tok.Value != "mon(iam(cr:monitor-reader),guid,7)" {
					t.Fatalf("Token = %+v, %v", tok, err)
				}
				if len(api.files) != 1 || api.files[0] != path {
					t.Fatalf("exchanged with files %q, want %q", api.files, path)
				}
				if !slices.Contains(api.known[0], crToken) {
					t.Errorf("the token was not registered as a secret before the exchange (secrets %q)", api.known[0])
				}
				return
			}
			if want := strings.ReplaceAll(tt.want, "PATH", path); err == nil || err.Error() != want {
				t.Fatalf("err\n got %v\nwant %s", err, want)
			}
			if len(api.files) != 0 {
				t.Errorf("exchanged with %q; want no exchange", api.files)
			}
		})
	}
}

// TestCRTokenFileHint: the message says which setting gave the file.
func TestCRTokenFileHint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing")
	for from, hint := range map[string]string{
		profile.FromEnvironment: "point MONITOR_TOKEN_CR_TOKEN_FILE at",
		profile.FromFlags:       "point --cr-token-file at",
		profile.FromFile:        "point cr_token_file in the config file at",
	} {
		p := podProfile(path)
		p.From = from
		b, _ := newCRBroker(t)
		if _, err := tokenPromptly(t, b, p); err == nil || !strings.Contains(err.Error(), hint) {
			t.Errorf("from %s: err = %v, want %q", from, err, hint)
		}
	}
}

// TestCRTokenDefaults: with no file configured, the first of go-sdk-core's
// default files that exists is checked and passed on; one that exists but
// is unusable is reported, not passed over.
func TestCRTokenDefaults(t *testing.T) {
	saved := crTokenDefaults
	defer func() { crTokenDefaults = saved }()
	tests := []struct {
		name  string
		setup func(t *testing.T, paths []string)
		file  int    // the default the exchange is made with
		want  string // "" means the exchange is made
	}{
		{"only the third", func(t *testing.T, paths []string) { writeFile(t, paths[2], []byte(crToken)) }, 2, ""},
		{"the second and third", func(t *testing.T, paths []string) {
			writeFile(t, paths[1], []byte(crToken))
			writeFile(t, paths[2], []byte("other"))
		}, 1, ""},
		{"the first and third", func(t *testing.T, paths []string) {
			writeFile(t, paths[0], []byte(crToken))
			writeFile(t, paths[2], []byte("other"))
		}, 0, ""},
		{"none", func(t *testing.T, paths []string) {},
			0, "no compute-resource token file: none of D/1, D/2, D/3 exists" + crHint},
		{"the first is a named pipe", func(t *testing.T, paths []string) {
			mkfifo(t, paths[0])
			writeFile(t, paths[1], []byte(crToken))
		}, 0, "the compute-resource token file D/1 is a named pipe, not a regular file" + crHint},
		{"the first is empty", func(t *testing.T, paths []string) {
			writeFile(t, paths[0], nil)
			writeFile(t, paths[1], []byte(crToken))
		}, 0, "the compute-resource token file D/1 is empty" + crHint},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			crTokenDefaults = []string{filepath.Join(dir, "1"), filepath.Join(dir, "2"), filepath.Join(dir, "3")}
			tt.setup(t, crTokenDefaults)
			b, api := newCRBroker(t)
			_, err := tokenPromptly(t, b, podProfile(""))
			if tt.want == "" {
				if err != nil || len(api.files) != 1 || api.files[0] != crTokenDefaults[tt.file] {
					t.Fatalf("err %v, exchanged with %q; want %s", err, api.files, crTokenDefaults[tt.file])
				}
				return
			}
			if want := strings.ReplaceAll(tt.want, "D/", dir+string(filepath.Separator)); err == nil || err.Error() != want {
				t.Fatalf("err\n got %v\nwant %s", err, want)
			}
			if len(api.files) != 0 {
				t.Errorf("exchanged with %q; want no exchange", api.files)
			}
		})
	}
}

// TestKeyFileCanceled: a cancelled run does not read the key file.
func TestKeyFileCanceled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "key")
	writeFile(t, path, []byte("key-9"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	b, _ := newCRBroker(t)
	if _, err := b.CredentialSource(ctx, withEnvKey(target, "@"+path)); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestKeyFileTrust: whoever can change a key file picks the account its user acts as, so
// IBMCLOUD_API_KEY=@FILE holds the file and its way to OpenSSH's rule for ~/.ssh, as the config
// file is held (internal/trustedpath): the file and every directory above it belong to the user or
// root, and no one else can write them, unless a directory is sticky. A read-only file of root's
// (a Kubernetes Secret volume) passes.
func TestKeyFileTrust(t *testing.T) {
	const move = "keep the key in a file of yours, on a path only you and root control"
	tests := []struct {
		name  string
		setup func(t *testing.T, dir, path string)
		root  bool // needs root (chown)
		want  string
	}{
		{"writable by others", func(t *testing.T, dir, path string) { os.Chmod(path, 0o666) }, false,
			"IBMCLOUD_API_KEY=@PATH: the key file PATH is writable by group or others (mode 0666); run chmod go-w PATH"},
		{"writable by the group", func(t *testing.T, dir, path string) { os.Chmod(path, 0o620) }, false,
			"IBMCLOUD_API_KEY=@PATH: the key file PATH is writable by group or others (mode 0620); run chmod go-w PATH"},
		{"in a directory others can write", func(t *testing.T, dir, path string) { os.Chmod(dir, 0o777) }, false,
			"IBMCLOUD_API_KEY=@PATH: the directory DIR above the key file is writable by group or others (mode 0777) without the sticky bit; run chmod go-w DIR, or " + move},
		{"another user's", func(t *testing.T, dir, path string) { os.Chown(path, 65534, 65534) }, true,
			"IBMCLOUD_API_KEY=@PATH: the key file PATH belongs to another user (uid 65534); remove it, or " + move},
		{"through another user's link", func(t *testing.T, dir, path string) {
			os.Rename(path, path+".real")
			os.Symlink(path+".real", path)
			os.Lchown(path, 65534, 65534)
		}, true,
			"IBMCLOUD_API_KEY=@PATH: the link PATH on the key file's path belongs to another user (uid 65534); " + move},
		{"read-only, in a sticky directory others can write", func(t *testing.T, dir, path string) {
			os.Chmod(path, 0o444)
			os.Chmod(dir, 0o777|os.ModeSticky)
		}, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.root && os.Geteuid() != 0 {
				t.Skip("skipped: chown to another user needs root")
			}
			dir := filepath.Join(t.TempDir(), "keys")
			os.Mkdir(dir, 0o700)
			path := filepath.Join(dir, "key")
			writeFile(t, path, []byte("key-9\n"))
			tt.setup(t, dir, path)
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
			b, api := newCRBroker(t)
			tok, err := tokenPromptly(t, b, withEnvKey(target, "@"+path))
			if tt.want == "" {
				if err != nil || tok.Value != "mon(iam(key-9),guid,7)" {
					t.Fatalf("Token = %+v, %v", tok, err)
				}
				return
			}
			if want := strings.NewReplacer("PATH", path, "DIR", dir).Replace(tt.want); err == nil || err.Error() != want {
				t.Fatalf("err\n got %v\nwant %s", err, want)
			}
			if api.exchanges != 0 {
				t.Errorf("%d exchanges; want none", api.exchanges)
			}
		})
	}
}
