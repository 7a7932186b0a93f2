// Package helper speaks git's credential-helper protocol for a token source. It knows nothing of keyrings or IBM: the app gives it a Source.
//
// The protocol is the one of git's Documentation/gitcredentials.adoc
// ("CUSTOM HELPERS") and git-credential.adoc ("INPUT/OUTPUT FORMAT",
// "CAPABILITY INPUT/OUTPUT FORMAT"); the rules this package follows are in
// docs/integrations.md, from "Git helper setup" to "Git versions".
package helper

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

const (
	// maxLine is the longest line accepted, without its "\n".
	// git-credential.adoc: "A line, including the trailing newline, may not
	// exceed 65535 bytes"; we accept one byte more (65535 plus the "\n"),
	// since git itself reads lines of any length and a request one byte
	// over the documented size is still unambiguous.
	maxLine = 65535
	// maxInput caps the whole request. git sends a few hundred bytes
	// (wwwauth[] headers are the largest part); anything near this size is
	// not git.
	maxInput = 1 << 20
)

// ErrQuit is returned by ParseRequest when the input holds quit=1 (or any
// other true value of git's boolean syntax).
var ErrQuit = errors.New("the credential request says quit")

// ParseError is a refused request. Reason never quotes a value from the
// input (a value may be a password or a token).
type ParseError struct {
	Line   int    // 1-based number of the offending line
	Reason string // what is wrong with it
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("credential request line %d: %s", e.Line, e.Reason)
}

// Request is one request from git, parsed from stdin.
type Request struct {
	Protocol, Host, Path, Username, Password string
	Authtype, Credential                     string
	Capabilities                             []string // the capability[] values
	WWWAuth                                  []string // wwwauth[]
}

// HasCapability reports whether git announced capability[]=name.
func (r Request) HasCapability(name string) bool {
	for _, c := range r.Capabilities {
		if c == name {
			return true
		}
	}
	return false
}

// knownKeys are the keys of docs/integrations.md, "Git request format".
// Only these are named in error messages: an unknown key is arbitrary
// input, and a line without '=' may be a pasted secret.
var knownKeys = map[string]bool{
	"protocol": true, "host": true, "path": true, "username": true,
	"password": true, "password_expiry_utc": true, "oauth_refresh_token": true,
	"url": true, "wwwauth[]": true, "capability[]": true, "authtype": true,
	"credential": true, "ephemeral": true, "state[]": true, "continue": true,
	"quit": true,
}

// ParseRequest reads key=value lines until a blank line or EOF (git 2.39 sends no blank line).
// Limits and refusals: a line longer than 65535 bytes, a NUL or CR byte, a line without '=', invalid UTF-8 in a value,
// more than 1 MiB of input, or a repeated non-[] key -> an error (typed: *ParseError with Line int and Reason string; the message never quotes a password/credential value).
// Unknown keys are ignored. Keys ending in [] repeat. "quit=1" (or true) -> ErrQuit.
//
// Details: an empty value of a [] key (capability[]=) clears the list, as
// git-credential.adoc specifies, so a parsed list never holds "". quit takes
// git's booleans (true/yes/on/1 or any non-zero integer; false/no/off/0/
// empty), and parsing stops at a true one. The url key is not expanded into
// protocol/host (git reads it but never sends it to a helper). ParseRequest
// may read past the blank line (it buffers); it never reads more than
// 1 MiB + 1 byte.
func ParseRequest(r io.Reader) (Request, error) {
	var req Request
	// The LimitReader bounds what is ever read from r. Lines are put
	// together from the bufio.Reader's chunks, and a line is given up on
	// as soon as it passes maxLine+1 bytes (its "\n" included).
	br := bufio.NewReader(io.LimitReader(r, maxInput+1))
	seen := make(map[string]bool)
	total := 0
	var line []byte
	for lineNo := 1; ; lineNo++ {
		var err error
		line = line[:0]
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			line = append(line, chunk...)
			if err != bufio.ErrBufferFull || len(line) > maxLine+1 {
				break
			}
		}
		total += len(line)
		if total > maxInput {
			return Request{}, &ParseError{lineNo, "request larger than 1 MiB"}
		}
		if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
			return Request{}, fmt.Errorf("reading the git credential request: %w", err)
		}
		line = bytes.TrimSuffix(line, []byte("\n"))
		if len(line) == 0 {
			// A blank line ends the request; so does EOF (git 2.39).
			return req, nil
		}
		if len(line) > maxLine {
			return Request{}, &ParseError{lineNo, fmt.Sprintf("line longer than %d bytes", maxLine)}
		}
		if bytes.IndexByte(line, 0) >= 0 {
			return Request{}, &ParseError{lineNo, "NUL byte"}
		}
		if bytes.IndexByte(line, '\r') >= 0 {
			// git writes "\n" only, and since 2.40.4 refuses to write a
			// value with a CR (credential.c credential_write_item,
			// CVE-2024-52006): a CR here is a CRLF-converting pipe or
			// an attempt to make a CR-splitting reader see two lines.
			return Request{}, &ParseError{lineNo, "carriage return (CRLF line ending?)"}
		}
		k, v, ok := bytes.Cut(line, []byte("="))
		if !ok {
			return Request{}, &ParseError{lineNo, "no '=' in the line"}
		}
		key, value := string(k), string(v)
		name := "a key"
		if knownKeys[key] {
			name = "key " + strconv.Quote(key)
		}
		if !utf8.ValidString(value) {
			return Request{}, &ParseError{lineNo, "invalid UTF-8 in the value of " + name}
		}
		if !strings.HasSuffix(key, "[]") {
			if seen[key] {
				return Request{}, &ParseError{lineNo, "repeated " + name}
			}
			seen[key] = true
		}
		switch key {
		case "protocol":
			req.Protocol = value
		case "host":
			req.Host = value
		case "path":
			req.Path = value
		case "username":
			req.Username = value
		case "password":
			req.Password = value
		case "authtype":
			req.Authtype = value
		case "credential":
			req.Credential = value
		case "capability[]":
			req.Capabilities = appendOrReset(req.Capabilities, value)
		case "wwwauth[]":
			req.WWWAuth = appendOrReset(req.WWWAuth, value)
		case "quit":
			quit, ok := parseBool(value)
			if !ok {
				return Request{}, &ParseError{lineNo, "quit is not a boolean"}
			}
			if quit {
				return req, ErrQuit
			}
		}
		// Other keys: ignored, as git does (credential.c
		// credential_read: "this future-proofs us").
		if err == io.EOF {
			return req, nil
		}
	}
}

// appendOrReset implements git-credential.adoc: "An empty multi-valued
// attribute (key[]=\n) acts to clear any previous entries".
func appendOrReset(list []string, value string) []string {
	if value == "" {
		return nil
	}
	return append(list, value)
}

// parseBool follows git_parse_maybe_bool (parse.c), which git_config_bool
// applies to quit, except that unit suffixes (1k) are not accepted.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "", "false", "no", "off":
		return false, true
	case "true", "yes", "on":
		return true, true
	}
	n, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return false, false
	}
	return n != 0, true
}

// Source is the token side.
type Source interface {
	// Token returns the token for a request (protocol and host as git sent them; host includes :port when the URL has one).
	// ok=false: this source does not serve that host; the helper then prints nothing and succeeds.
	Token(ctx context.Context, protocol, host string) (token string, ok bool, err error)
	// Forget drops the cached token for protocol://host if, and only if, it equals rejected.
	Forget(ctx context.Context, protocol, host, rejected string) error
}

// The actions git runs a helper with (gitcredentials.adoc, "CUSTOM HELPERS"; capability is
// git-credential.adoc's "CAPABILITY INPUT/OUTPUT FORMAT"), exported as docker-credential-helpers'
// credentials package exports its Action* names, for usage text and completion.
const (
	ActionGet        = "get"
	ActionStore      = "store"
	ActionErase      = "erase"
	ActionCapability = "capability"
)

// Actions are the actions Run knows, in the order git's documentation gives them (usage text and
// completion list them so: "get|store|erase|capability").
var Actions = []string{ActionGet, ActionStore, ActionErase, ActionCapability}

// Run performs one action (Actions: "get", "store", "erase", "capability"; anything else = ignored) reading the request from in
// and writing the protocol answer to out. It returns an error only for the caller to print on stderr; when it returns an
// error it has written NOTHING to out (git parses stdout even on a non-zero exit). store and unknown actions read and
// discard stdin and do nothing. get: Source.Token; not served -> nothing; with capability[]=authtype on input, answer
// "capability[]=authtype\nauthtype=Bearer\ncredential=<token>\nephemeral=1\n"; without it "username=\npassword=<token>\n"
// (the username line echoes the request's username when git sent one; see FormatAnswer).
// erase: the rejected secret is Password, or Credential when authtype was used; Forget only when non-empty.
// capability: "version 0\ncapability authtype\n", without reading stdin.
//
// A request without protocol or host is served by no one: get prints
// nothing and erase forgets nothing, without asking the Source. A request
// that fails to parse (including quit, as ErrQuit) is returned as an error
// by get and erase, and ignored by store and unknown actions. The one case
// where something may reach out with an error is a failing out.Write itself.
func Run(ctx context.Context, action string, in io.Reader, out io.Writer, src Source) error {
	switch action {
	case ActionGet:
		req, err := ParseRequest(in)
		if err != nil {
			return fmt.Errorf("git credential get: %w", err)
		}
		if req.Protocol == "" || req.Host == "" {
			return nil
		}
		token, ok, err := src.Token(ctx, req.Protocol, req.Host)
		if err != nil {
			return fmt.Errorf("git credential get for %s://%s: %w", req.Protocol, req.Host, err)
		}
		if !ok {
			// Not ours: silence lets git ask the next helper or the
			// user (docs/integrations.md, "Git get answer").
			return nil
		}
		if err := FormatAnswer(out, req, token); err != nil {
			return fmt.Errorf("git credential get for %s://%s: %w", req.Protocol, req.Host, err)
		}
		return nil
	case ActionErase:
		req, err := ParseRequest(in)
		if err != nil {
			return fmt.Errorf("git credential erase: %w", err)
		}
		// git erases with exactly what get answered (credential.c
		// credential_write): credential= when it used authtype,
		// password= otherwise.
		rejected := req.Password
		if req.Authtype != "" {
			rejected = req.Credential
		}
		if rejected == "" || req.Protocol == "" || req.Host == "" {
			return nil
		}
		if err := src.Forget(ctx, req.Protocol, req.Host, rejected); err != nil {
			return fmt.Errorf("git credential erase for %s://%s: %w", req.Protocol, req.Host, err)
		}
		return nil
	case ActionCapability:
		// git-credential.adoc "CAPABILITY INPUT/OUTPUT FORMAT"; the
		// same lines as git credential-cache's announce_capabilities
		// (credential.c credential_announce_capabilities). Nothing is
		// sent on stdin for this action, so it is not read: reading
		// would hang a caller that keeps stdin open.
		return writeLines(out, []string{"version 0", "capability authtype"})
	default:
		// ActionStore: our answers are generated, there is nothing to save
		// (cli/cli gitcredential). Unknown actions: gitcredentials.adoc
		// "it should silently ignore the request". The request is still
		// read so the writer does not meet a closed pipe.
		_, _ = ParseRequest(in)
		return nil
	}
}

// FormatAnswer writes the answer to a get request for token: the bearer
// form when req has capability[]=authtype, else username and password. The
// username echoes req.Username (empty when git sent none): git takes every
// attribute a helper prints as the new value (gitcredentials.adoc), so
// printing "username=" would erase a username the user configured.
//
// Over HTTP, git (2.39 and still today, http.c init_curl_http_auth) sends
// no password at all when the username is empty, and after the 401 asks
// for an erase of the token it never sent. An empty username is fine for
// `git credential fill` callers; for git's own HTTP transport without the
// authtype capability, the user needs a username configured
// (credential.<url>.username), which this answer then keeps.
//
// Nothing is written when token is empty or holds a newline, NUL or CR.
func FormatAnswer(w io.Writer, req Request, token string) error {
	if token == "" {
		return errors.New("the token source returned an empty token")
	}
	var lines []string
	if req.HasCapability("authtype") {
		// capability[] first (git-credential.adoc: "A capability[]
		// directive must precede any value depending on it"). The echo
		// matters: `git credential fill` passes authtype and credential
		// on to its caller only when the helper announced the
		// capability (credential.c credential_has_capability,
		// CREDENTIAL_OP_RESPONSE). ephemeral=1: other helpers must not
		// store the token.
		lines = []string{
			"capability[]=authtype",
			"authtype=Bearer",
			"credential=" + token,
			"ephemeral=1",
		}
	} else {
		lines = []string{
			"username=" + req.Username,
			"password=" + token,
		}
	}
	return writeLines(w, lines)
}

// writeLines is the one place that writes to git: it checks every line,
// then writes them all in one Write, so a refused value leaves w untouched.
// git dies on a value with "\n" (credential.c credential_write_item) and,
// with credential.protectProtocol, with "\r"; NUL cannot be sent at all.
func writeLines(w io.Writer, lines []string) error {
	var b bytes.Buffer
	for _, line := range lines {
		if strings.ContainsAny(line, "\n\r\x00") {
			key, _, _ := strings.Cut(line, "=")
			if !knownKeys[key] {
				key = "a line"
			}
			return fmt.Errorf("refusing to write %s: the value holds a newline, carriage return or NUL", key)
		}
		b.WriteString(line)
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}
