package proxy

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/monitor-token/monitor-token/internal/monitorapi"
	"github.com/monitor-token/monitor-token/internal/regularfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// A client token is a second key to the proxy, for callers the peer check
// cannot tell apart (another machine, with --allow-remote) or that the user
// wants to name explicitly: every request must carry it as
// `Authorization: Bearer <client token>`, and the proxy replaces it with
// the profile's credentials, so the service never sees it. It lives in a
// file, never on a command line, so that it is in no process listing or
// shell history; the file is held to the config file's rule (trustedpath),
// since whoever can change it decides who gets in.

// clientTokenBytes is the randomness of a created token: 256 bits.
const clientTokenBytes = 32

// maxClientTokenFile bounds the read of a client token file.
const maxClientTokenFile = 4 << 10

var clientTokenPlace = trustedpath.SettingsFile{
	Name: "the client token file",
	Move: "give --client-token-file a file of yours on a path only you and root control",
}

// ClientTokenFile reads the client token in the file at path, or, when
// there is no file, creates one: 32 random bytes, base64url, mode 0600.
// created says which. The token is a secret: callers register it for
// scrubbing and never print it.
func ClientTokenFile(ctx context.Context, path string) (token string, created bool, err error) {
	real, dirExists, err := clientTokenPlace.Resolve(path)
	if err != nil {
		return "", false, err
	}
	if !dirExists {
		if err := clientTokenPlace.EnsureDir(filepath.Dir(real)); err != nil {
			return "", false, err
		}
	}
	token, err = readClientToken(ctx, real)
	if !errors.Is(err, fs.ErrNotExist) {
		return token, false, err
	}
	token, err = createClientToken(real)
	if errors.Is(err, fs.ErrExist) {
		// Another proxy made it meanwhile: its token is the one.
		token, err = readClientToken(ctx, real)
		return token, false, err
	}
	return token, err == nil, err
}

func readClientToken(ctx context.Context, real string) (string, error) {
	f, err := clientTokenPlace.Open(real)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// Whoever can read it gets in: a group may share it (a service's
	// group), every local user may not.
	if fi, err := f.Stat(); err == nil && fi.Mode().Perm()&0o004 != 0 {
		return "", fmt.Errorf("the client token file %s is readable by every user (mode %04o); run chmod o-r %s", real, fi.Mode().Perm(), real)
	}
	b, err := regularfile.ReadOpened(ctx, f, real, maxClientTokenFile)
	if err != nil {
		return "", fmt.Errorf("the client token file %s: %w", real, err)
	}
	token := strings.TrimSpace(string(b))
	// Long enough not to be guessed, and what a bearer token may look
	// like (monitorapi.ValidToken, the one rule for tokens from any
	// source): it goes in a header.
	if len(token) < 16 {
		return "", fmt.Errorf("the client token file %s holds %d characters; a client token has at least 16: remove the file and the proxy makes one", real, len(token))
	}
	if !monitorapi.ValidToken(token) {
		return "", fmt.Errorf("the client token file %s holds a character a header cannot carry (a space or a control character); remove the file and the proxy makes one", real)
	}
	return token, nil
}

func createClientToken(real string) (string, error) {
	b := make([]byte, clientTokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	f, err := os.OpenFile(real, os.O_WRONLY|os.O_CREATE|os.O_EXCL|regularfile.NoFollow, 0o600)
	if err != nil {
		return "", err
	}
	_, err = f.WriteString(token + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(real)
		return "", fmt.Errorf("cannot write the client token file %s: %w", real, err)
	}
	return token, nil
}

// clientTokenRefusal is why r does not carry the client token, or "".
// The comparison takes the same time however much of the token matches.
func (p *Proxy) clientTokenRefusal(r *http.Request) string {
	if p.o.ClientToken == "" {
		return ""
	}
	got := r.Header.Values("Authorization")
	if len(got) == 1 {
		// The scheme is case-insensitive (RFC 9110, section 11.1).
		scheme, token, _ := strings.Cut(got[0], " ")
		if strings.EqualFold(scheme, "Bearer") && subtle.ConstantTimeCompare([]byte(token), []byte(p.o.ClientToken)) == 1 {
			return ""
		}
	}
	if len(got) == 0 {
		return "the request carries no client token: send Authorization: Bearer and the content of the proxy's client token file"
	}
	return "the request's Authorization is not the proxy's client token"
}
