// Package config loads, validates and atomically saves monitor-token's settings file: named
// profiles of non-secret settings (endpoints, instance GUID, team). Secrets (API keys, tokens)
// never go in this file and this package never sees one.
//
// The file is JSON:
//
//	{
//	  "version": 1,
//	  "profiles": {
//	    "default": {
//	      "endpoint": "https://us-south.monitoring.cloud.ibm.com",
//	      "iam_endpoint": "https://iam.cloud.ibm.com",
//	      "instance_id": "0123abcd-4567-89ab-cdef-0123456789ab",
//	      "team_id": "26055",
//	      "region": "us-south"
//	    }
//	  }
//	}
//
// Unknown fields are ignored, so that a file written by a newer monitor-token still loads; a
// higher "version" is refused because it announces an incompatible change.
//
// A file that fails to load is never written by this package: Load returns a nil *File with the
// error, so there is nothing to Save, and callers must not Save a fresh File over a path whose
// Load failed, or a user's hand-edited file with one typo would be replaced.
package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/monitor-token/monitor-token/internal/endpoint"
)

// Version is the file format version this package reads and writes.
const Version = 1

// MaxSize is the largest config file Load accepts. A settings file is a few hundred bytes; a
// larger one is not a config file, and reading it whole could exhaust memory.
const MaxSize = 1 << 20

// EnvPath is the environment variable that overrides the config file location.
const EnvPath = "MONITOR_TOKEN_CONFIG"

// Profile holds the non-secret settings of one named profile.
type Profile struct {
	Endpoint    string `json:"endpoint"`          // Monitoring base URL, normalized (spec section 2)
	IAMEndpoint string `json:"iam_endpoint"`      // IAM base URL, normalized; "" = the caller's default (spec section 1)
	InstanceID  string `json:"instance_id"`       // instance GUID, lower-case (the IBMInstanceID header)
	TeamID      string `json:"team_id,omitempty"` // numeric string; "" = the user's default team (the SysdigTeamID header)
	Region      string `json:"region,omitempty"`  // informational only; the endpoint is what is used

	// Issue 5: where the IAM token comes from, what get hands out, and
	// where the token is cached. Empty means the laptop default.
	Auth           string `json:"auth,omitempty"`            // AuthToken ("") or AuthIAM (IAM_ONLY instances)
	Credential     string `json:"credential,omitempty"`      // CredentialAPIKey (""), CredentialTrustedProfile, CredentialVPC
	TrustedProfile string `json:"trusted_profile,omitempty"` // a trusted profile's name, or its ID ("Profile-...")
	CRTokenFile    string `json:"cr_token_file,omitempty"`   // compute-resource token file; "" = go-sdk-core's default paths
	MetadataURL    string `json:"metadata_url,omitempty"`    // VPC instance metadata service; "" = http://169.254.169.254
	Cache          string `json:"cache,omitempty"`           // CacheKeyring (""), CacheNone, CacheFile
}

// Values of the issue 5 settings.
const (
	AuthToken = ""    // hand out the team's Monitor API token
	AuthIAM   = "iam" // hand out IAM tokens, for instances set to IAM_ONLY

	CredentialAPIKey         = ""                // IBMCLOUD_API_KEY, the keyring, or the ibmcloud session
	CredentialTrustedProfile = "trusted-profile" // a compute-resource token (Kubernetes, Code Engine)
	CredentialVPC            = "vpc-instance"    // a VSI's instance identity

	CacheKeyring = ""     // the OS keyring; skipped with a warning when it cannot be reached
	CacheNone    = "none" // no cache: every get fetches
	CacheFile    = "file" // a 0600 file in the user cache directory (opt-in plain text)
)

// File is the whole settings file.
type File struct {
	Version  int                `json:"version"`
	Profiles map[string]Profile `json:"profiles"`
}

// ParseError reports a config file that could not be read or is not valid. The file was left
// untouched.
type ParseError struct {
	Path string
	Err  error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("config file %s is not valid: %v; fix or remove it (it was left untouched)", showPath(e.Path), e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// showPath returns p as is, or quoted when it holds characters that would break a one-line
// message.
func showPath(p string) string {
	if q := strconv.Quote(p); p == "" || q[1:len(q)-1] != p || strings.ContainsAny(p, " \"") {
		return q
	}
	return p
}

// DefaultPath returns where the config file lives: $MONITOR_TOKEN_CONFIG when set (used as given),
// else <user config dir>/monitor-token/config.json. The user config dir follows os.UserConfigDir
// but is computed from getenv, so tests can inject the environment:
//   - Linux and other Unix: $XDG_CONFIG_HOME if it is an absolute path (the XDG spec says to
//     ignore relative ones), else $HOME/.config; $HOME must then be absolute.
//   - macOS and iOS: $HOME/Library/Application Support.
//   - Windows: %AppData%.
//   - Plan 9: $home/lib.
func DefaultPath(getenv func(string) string) (string, error) {
	return defaultPath(runtime.GOOS, getenv)
}

func defaultPath(goos string, getenv func(string) string) (string, error) {
	if p := getenv(EnvPath); p != "" {
		return p, nil
	}
	var dir string
	switch goos {
	case "windows":
		dir = getenv("AppData")
		if dir == "" {
			return "", errors.New("cannot find the config directory: %AppData% is not set; set " + EnvPath + " to the config file path")
		}
	case "darwin", "ios":
		home := getenv("HOME")
		if !filepath.IsAbs(home) {
			return "", errors.New("cannot find the config directory: $HOME is not set to an absolute path; set " + EnvPath + " to the config file path")
		}
		dir = filepath.Join(home, "Library", "Application Support")
	case "plan9":
		home := getenv("home")
		if home == "" {
			return "", errors.New("cannot find the config directory: $home is not set; set " + EnvPath + " to the config file path")
		}
		dir = filepath.Join(home, "lib")
	default:
		dir = getenv("XDG_CONFIG_HOME")
		if !filepath.IsAbs(dir) {
			home := getenv("HOME")
			if !filepath.IsAbs(home) {
				return "", errors.New("cannot find the config directory: neither $XDG_CONFIG_HOME nor $HOME is set to an absolute path; set " + EnvPath + " to the config file path")
			}
			dir = filepath.Join(home, ".config")
		}
	}
	return filepath.Join(dir, "monitor-token", "config.json"), nil
}

// ValidProfileName checks a profile name against ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$: names end up
// in command lines, keyring entries and cache file names, so they are kept to safe characters.
func ValidProfileName(name string) error {
	ok := name != "" && len(name) <= 64 && isAlnum(name[0])
	for i := 1; ok && i < len(name); i++ {
		c := name[i]
		ok = isAlnum(c) || c == '.' || c == '_' || c == '-'
	}
	if ok {
		return nil
	}
	shown := name
	if len(shown) > 80 {
		shown = shown[:80] + "..."
	}
	return fmt.Errorf("profile name %q is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, \".\", \"_\" and \"-\", starting with a letter or digit", shown)
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Load reads the config file at path.
//
// A missing file gives an empty File (Version 1, no profiles) and no error: a first run has no
// config. Anything else that goes wrong (unreadable, not a regular file, larger than MaxSize,
// invalid UTF-8, malformed JSON, wrong types, a newer version, an invalid profile name or profile)
// gives a nil *File and a *ParseError naming the file; JSON errors carry the line and column.
// Field values are not repeated in messages (only an invalid profile name, or the offending part
// of an endpoint such as its scheme or path), so a secret pasted into the wrong field does not end
// up in a log.
//
// Endpoints and the instance GUID are returned normalized (see Profile), so a hand-edited
// "https://host/api" loads as "https://host". Load never writes.
func Load(path string) (*File, error) {
	fail := func(err error) (*File, error) { return nil, &ParseError{Path: path, Err: err} }
	if path == "" {
		return fail(errors.New("no config file path was given"))
	}

	// Stat before opening: opening a FIFO or a device could block or read forever.
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &File{Version: Version, Profiles: map[string]Profile{}}, nil
	}
	if err != nil {
		return fail(fmt.Errorf("cannot read it: %w", pathErrReason(err)))
	}
	if !fi.Mode().IsRegular() {
		return fail(fmt.Errorf("it is %s, not a regular file", describeType(fi.Mode())))
	}
	if fi.Size() > MaxSize {
		return fail(fmt.Errorf("it is %d bytes, larger than the %d bytes limit", fi.Size(), MaxSize))
	}
	fh, err := os.Open(path)
	if err != nil {
		return fail(fmt.Errorf("cannot read it: %w", pathErrReason(err)))
	}
	defer fh.Close()
	// Read at most MaxSize+1 bytes: the file may have grown since the Stat.
	data, err := io.ReadAll(io.LimitReader(fh, MaxSize+1))
	if err != nil {
		return fail(fmt.Errorf("cannot read it: %w", pathErrReason(err)))
	}
	if len(data) > MaxSize {
		return fail(fmt.Errorf("it is larger than the %d bytes limit", MaxSize))
	}
	f, err := parse(data)
	if err != nil {
		return fail(err)
	}
	return f, nil
}

// describeType names the kind of a file that is not a regular file.
func describeType(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

// pathErrReason drops the path that *fs.PathError repeats: ParseError already names the file.
func pathErrReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// parse decodes and validates the file contents.
func parse(data []byte) (*File, error) {
	if !utf8.Valid(data) {
		// encoding/json would silently turn invalid UTF-8 in strings into U+FFFD.
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		line, col := position(data, off+1)
		return nil, fmt.Errorf("invalid UTF-8 at line %d, column %d", line, col)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errors.New("it is empty (expected a JSON object)")
	}
	if trimmed[0] != '{' {
		// Checked by hand because json.Unmarshal accepts "null" into a struct without complaint.
		line, col := position(data, len(data)-len(trimmed)+1)
		return nil, fmt.Errorf("at line %d, column %d: expected a JSON object starting with {", line, col)
	}
	// First pass: syntax only. json.Unmarshal checks the syntax of the whole input before
	// decoding, so its errors carry offsets into the file; an empty struct decodes nothing.
	if err := json.Unmarshal(data, &struct{}{}); err != nil {
		return nil, jsonError(data, 0, "", err)
	}
	// Second pass: walk the document, decoding each part on its own so that errors name the
	// profile and point at the right place, and duplicate names are caught (json.Unmarshal would
	// silently keep the last one).
	f := &File{Profiles: map[string]Profile{}}
	err := walk(data, func(start int, raw []byte) error {
		if err := json.Unmarshal(raw, &f.Version); err != nil {
			return jsonError(data, start, "version", err)
		}
		switch {
		case f.Version < 0:
			return fmt.Errorf("version %d is not valid (expected %d)", f.Version, Version)
		case f.Version > Version:
			return fmt.Errorf("version %d was written by a newer monitor-token; this one reads version %d", f.Version, Version)
		}
		return nil
	}, func(name string, start int, raw []byte) error {
		if _, dup := f.Profiles[name]; dup {
			line, col := position(data, start+1)
			return fmt.Errorf("at line %d, column %d: profile %q appears twice", line, col, name)
		}
		if err := ValidProfileName(name); err != nil {
			return err
		}
		var p Profile
		if err := json.Unmarshal(raw, &p); err != nil {
			return jsonError(data, start, fmt.Sprintf("profile %q", name), err)
		}
		np, err := checkProfile(name, p)
		if err != nil {
			return err
		}
		f.Profiles[name] = np
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f.Version == 0 {
		f.Version = Version // a hand-written file may omit it
	}
	return f, nil
}

// walk goes through data, a syntactically valid JSON object, and calls version with the value of
// its "version" member and profile with each member of its "profiles" object. Values come with
// their offset in data. Keys are matched case-insensitively, as encoding/json matches struct
// fields; a key given twice is an error. Other members are skipped.
func walk(data []byte, version func(start int, raw []byte) error, profile func(name string, start int, raw []byte) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		keyEnd := int(dec.InputOffset())
		start := valueStart(data, keyEnd)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		var known string
		switch {
		case strings.EqualFold(key, "version"):
			known = "version"
		case strings.EqualFold(key, "profiles"):
			known = "profiles"
		default:
			continue
		}
		if seen[known] {
			line, col := position(data, keyEnd)
			return fmt.Errorf("near line %d, column %d: key %q appears twice (keys are not case-sensitive)", line, col, key)
		}
		seen[known] = true
		if known == "version" {
			err = version(start, raw)
		} else {
			err = walkProfiles(data, start, raw, profile)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// walkProfiles calls fn for each member of raw, the value of "profiles" found at offset start in
// data.
func walkProfiles(data []byte, start int, raw []byte, fn func(name string, start int, raw []byte) error) error {
	switch raw[0] {
	case 'n':
		return nil // null: no profiles
	case '{':
	default:
		line, col := position(data, start+1)
		return fmt.Errorf("at line %d, column %d: profiles must be an object, not a JSON %s", line, col, kindOf(raw[0]))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		vstart := valueStart(raw, int(dec.InputOffset()))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		if err := fn(name, start+vstart, value); err != nil {
			return err
		}
	}
	return nil
}

// kindOf names the kind of JSON value that starts with byte c.
func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// valueStart returns the offset of the first byte of the value that follows an object key ending
// at off: past white space, the colon and white space.
func valueStart(data []byte, off int) int {
	for off < len(data) && (data[off] == ' ' || data[off] == '\t' || data[off] == '\r' || data[off] == '\n' || data[off] == ':') {
		off++
	}
	return off
}

// jsonError rewrites an encoding/json error as one line with a position and without Go type
// names. base is the offset in data of the bytes that were decoded, what names them ("version",
// `profile "p"`; "" for the whole file).
func jsonError(data []byte, base int, what string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(data, base+int(se.Offset))
		return fmt.Errorf("JSON syntax error at line %d, column %d: %s", line, col, se.Error())
	case errors.As(err, &te):
		line, col := position(data, base+int(te.Offset))
		switch {
		case what == "" && te.Field == "":
			what = "the value"
		case what == "":
			what = te.Field
		case te.Field != "":
			what += ": " + te.Field
		}
		return fmt.Errorf("near line %d, column %d: %s must be %s, not a JSON %s", line, col, what, jsonKind(te), te.Value)
	}
	return fmt.Errorf("JSON error: %w", err)
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(te *json.UnmarshalTypeError) string {
	if te.Type == nil {
		return "another type"
	}
	switch te.Type.Kind().String() {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "map", "struct":
		return "an object"
	}
	return "a " + te.Type.String()
}

// position turns a byte offset as reported by encoding/json (the number of bytes read when the
// error was found, so the offending byte is at offset-1) into a 1-based line and column.
func position(data []byte, offset int) (line, col int) {
	if offset > len(data) {
		offset = len(data)
	}
	if offset < 1 {
		return 1, 1
	}
	before := data[:offset-1]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = offset - bytes.LastIndexByte(before, '\n') - 1
	return line, col
}

// checkProfile validates one profile and returns it normalized.
// CheckProfile validates and normalizes one profile, as Load and Save do;
// for profiles that come from somewhere else (the environment, issue 5).
func CheckProfile(name string, p Profile) (Profile, error) { return checkProfile(name, p) }

func checkProfile(name string, p Profile) (Profile, error) {
	if err := ValidProfileName(name); err != nil {
		return p, err
	}
	bad := func(format string, args ...any) (Profile, error) {
		return p, fmt.Errorf("profile %q: "+format, append([]any{name}, args...)...)
	}
	if p.Endpoint == "" {
		return bad("endpoint is missing (expected the Monitoring URL, e.g. https://us-south.monitoring.cloud.ibm.com)")
	}
	ep, err := endpoint.NormalizeMonitoring(p.Endpoint)
	if err != nil {
		return bad("endpoint %s", endpointReason(err))
	}
	p.Endpoint = ep
	if p.IAMEndpoint != "" {
		iam, err := endpoint.NormalizeIAM(p.IAMEndpoint)
		if err != nil {
			return bad("iam_endpoint %s", endpointReason(err))
		}
		p.IAMEndpoint = iam
	}
	// The values below are not repeated in messages: a secret pasted into the wrong field must not
	// reach a terminal log.
	if !endpoint.IsGUID(p.InstanceID) {
		if p.InstanceID == "" {
			return bad("instance_id is missing (expected the instance GUID, 8-4-4-4-12 hex digits)")
		}
		return bad("instance_id is not a GUID (expected 8-4-4-4-12 hex digits)")
	}
	p.InstanceID = strings.ToLower(p.InstanceID)
	if p.TeamID != "" && !validTeamID(p.TeamID) {
		return bad("team_id is not valid (expected a positive decimal number as a string, e.g. \"26055\", or no team_id for the default team)")
	}
	if p.Region != "" && !validRegionID(p.Region) {
		return bad("region is not valid (expected a region id such as us-south)")
	}
	return checkIssue5(p, bad)
}

// checkIssue5 validates where the credential comes from and how the token
// is cached and handed out.
func checkIssue5(p Profile, bad func(string, ...any) (Profile, error)) (Profile, error) {
	switch p.Auth {
	case AuthToken, AuthIAM:
	default:
		return bad("auth is not valid (expected \"iam\", or no auth for the Monitor API token)")
	}
	switch p.Credential {
	case CredentialAPIKey:
		if p.TrustedProfile != "" || p.CRTokenFile != "" || p.MetadataURL != "" {
			return bad("trusted_profile, cr_token_file and metadata_url go with a credential of trusted-profile or vpc-instance")
		}
	case CredentialTrustedProfile:
		if p.TrustedProfile == "" {
			return bad("credential trusted-profile needs trusted_profile (its name or ID)")
		}
		if p.MetadataURL != "" {
			return bad("metadata_url goes with credential vpc-instance")
		}
		if p.CRTokenFile != "" && !filepath.IsAbs(p.CRTokenFile) {
			return bad("cr_token_file must be an absolute path")
		}
	case CredentialVPC:
		if p.CRTokenFile != "" {
			return bad("cr_token_file goes with credential trusted-profile")
		}
		if p.MetadataURL != "" {
			u, err := endpoint.NormalizeMetadata(p.MetadataURL)
			if err != nil {
				return bad("metadata_url %s", endpointReason(err))
			}
			p.MetadataURL = u
		}
	default:
		return bad("credential is not valid (expected trusted-profile, vpc-instance, or no credential for an API key)")
	}
	if strings.ContainsAny(p.TrustedProfile, "\x00\r\n\"") || len(p.TrustedProfile) > 256 {
		return bad("trusted_profile is not a profile name or ID")
	}
	switch p.Cache {
	case CacheKeyring, CacheNone, CacheFile:
	default:
		return bad("cache is not valid (expected none, file, or no cache for the keyring)")
	}
	return p, nil
}

// endpointReason returns the reason of an endpoint error. The rejected value is in the file, so
// it is not repeated.
func endpointReason(err error) string {
	var e *endpoint.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return "is not valid"
}

// validTeamID accepts a positive decimal number that fits in an int64, without sign or leading
// zeros, as the SysdigTeamID header takes it (spec section 2).
func validTeamID(s string) bool {
	if s == "" || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}

// validRegionID accepts the shape of a region id rather than the list in internal/endpoint: the
// field is informational, and a region added after this build must not make the file unreadable.
func validRegionID(s string) bool {
	if len(s) > 32 || s == "" || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// Validate checks f as Load would check a file, without changing it.
func (f *File) Validate() error {
	_, err := f.normalized()
	return err
}

// normalized returns a validated copy of f with normalized profiles and the current version.
func (f *File) normalized() (*File, error) {
	if f == nil {
		return nil, errors.New("no config to save")
	}
	if f.Version < 0 || f.Version > Version {
		return nil, fmt.Errorf("version %d is not supported (expected %d)", f.Version, Version)
	}
	out := &File{Version: Version, Profiles: make(map[string]Profile, len(f.Profiles))}
	for name, p := range f.Profiles {
		np, err := checkProfile(name, p)
		if err != nil {
			return nil, err
		}
		out.Profiles[name] = np
	}
	return out, nil
}

// Save validates f and writes it to path, replacing any existing file atomically. f itself is not
// modified; what is written is the normalized form Load would return.
//
// Why each step: the data goes to a temporary file in the same directory (rename is only atomic
// within one file system), created 0600 so no other user can read even the temporary copy; it is
// fsynced before the rename so that after a crash the name points either at the old content or at
// the complete new content, never at a torn or empty file; the directory is fsynced after the
// rename so that the rename itself survives a crash. Missing directories are created 0700;
// existing ones are left as they are. If path is a symbolic link, the file it points to is
// replaced and the link kept (dotfile managers link config files).
//
// Two processes saving at once cannot tear the file, but the last rename wins. Callers must not
// Save after a failed Load of the same path (see the package documentation).
func (f *File) Save(path string) error {
	nf, err := f.normalized()
	if err != nil {
		return fmt.Errorf("config not saved to %s: %w", showPath(path), err)
	}
	data, err := json.MarshalIndent(nf, "", "  ")
	if err != nil {
		return fmt.Errorf("config not saved to %s: %w", showPath(path), err)
	}
	data = append(data, '\n')
	if len(data) > MaxSize {
		return fmt.Errorf("config not saved to %s: it would be %d bytes, larger than the %d bytes limit", showPath(path), len(data), MaxSize)
	}
	target, err := resolveLink(path)
	if err != nil {
		return fmt.Errorf("config not saved to %s: %w", showPath(path), err)
	}
	if err := writeAtomic(target, data); err != nil {
		return fmt.Errorf("config not saved to %s: %w", showPath(path), err)
	}
	return nil
}

// resolveLink returns the file a symbolic link at path points to, or path itself.
func resolveLink(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	target, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("it is a symbolic link that cannot be followed: %w", pathErrReason(err))
	}
	return target, nil
}

// writeAtomic writes data to path through a temporary file and a rename (see Save). Its errors
// name the step that failed and the OS reason once (os errors would repeat the temporary path).
func writeAtomic(path string, data []byte) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		where := dir
		var pe *fs.PathError
		if errors.As(err, &pe) {
			where = pe.Path
		}
		return fmt.Errorf("cannot create directory %s: %w", showPath(where), pathErrReason(err))
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("cannot create a file in %s: %w", showPath(dir), pathErrReason(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600, subject to the umask; make it exact.
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("cannot set permissions of a file in %s: %w", showPath(dir), pathErrReason(err))
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write a file in %s: %w", showPath(dir), pathErrReason(err))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("cannot flush a file in %s to disk: %w", showPath(dir), pathErrReason(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write a file in %s: %w", showPath(dir), pathErrReason(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		var le *os.LinkError
		if errors.As(err, &le) {
			err = le.Err
		}
		return fmt.Errorf("cannot move the new file into place: %w", err)
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename in dir durable. It is best effort: the new file is already in place, and
// some systems (Windows, some network and FUSE file systems) cannot fsync a directory, which must
// not turn a completed save into a reported failure.
func syncDir(dir string) {
	if runtime.GOOS == "windows" {
		return
	}
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	d.Sync()
	d.Close()
}
