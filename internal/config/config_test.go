package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

// The messages of the rules in check.go that tests compare whole.
const (
	msgNotGUID = "instance_id is not an instance GUID (expected 8-4-4-4-12 hex digits; `ibmcloud resource service-instance NAME --output json` shows it)"
	msgNoGUID  = "instance_id is missing (expected the instance GUID, 8-4-4-4-12 hex digits; `ibmcloud resource service-instance NAME --output json` shows it)"
	msgTeam    = "team_id is not a team id (expected a positive decimal number such as 26055, or none for the user's default team; `monitor-token teams` lists them)"
)

const guid = "0123abcd-4567-89ab-cdef-0123456789ab"

func sample() *File {
	return &File{Version: 1, Profiles: map[string]Settings{
		"default": {
			Endpoint:    "https://us-south.monitoring.cloud.ibm.com",
			IAMEndpoint: "https://iam.cloud.ibm.com",
			InstanceID:  guid,
			TeamID:      "26055",
			Region:      "us-south",
		},
		"test.local_1": {
			Endpoint:   "http://127.0.0.1:8080",
			InstanceID: "00000000-0000-0000-0000-000000000001",
		},
	}}
}

func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	want := sample()
	if err := want.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Load after Save = %+v, want %+v", got, want)
	}
	// Saving again gives byte-identical output (sorted keys, stable format).
	first, _ := os.ReadFile(path)
	if err := got.Save(path); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(path)
	if !bytes.Equal(first, second) {
		t.Fatalf("second save differs:\n%s\n%s", first, second)
	}
	if !bytes.HasSuffix(first, []byte("}\n")) || !bytes.Contains(first, []byte(`"version": 1`)) {
		t.Fatalf("unexpected file:\n%s", first)
	}
}

func TestSaveNormalizes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	f := &File{Profiles: map[string]Settings{"p": {
		Endpoint:    "https://EU-DE.monitoring.cloud.ibm.com/api/",
		IAMEndpoint: "https://iam.cloud.ibm.com/identity/token",
		InstanceID:  strings.ToUpper(guid),
	}}}
	before := *f
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*f, before) {
		t.Errorf("Save modified its receiver")
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{Endpoint: "https://eu-de.monitoring.cloud.ibm.com", IAMEndpoint: "https://iam.cloud.ibm.com", InstanceID: guid}
	if got.Version != 1 || got.Profiles["p"] != want {
		t.Errorf("Load = %+v, want version 1 and %+v", got, want)
	}
}

func TestSaveRejectsInvalid(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	original := []byte("original")
	if err := os.WriteFile(path, original, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		f       *File
		wantErr string
	}{
		{nil, "no config to save"},
		{&File{Version: 2}, "version 2 is not supported"},
		{&File{Profiles: map[string]Settings{"bad name": {}}}, `profile name "bad name" is not valid`},
		{&File{Profiles: map[string]Settings{"p": {Endpoint: "http://example.com", InstanceID: guid}}}, `profile "p": endpoint plain http is only allowed for loopback addresses`},
		{&File{Profiles: map[string]Settings{"p": {Endpoint: "https://example.com", InstanceID: "x"}}}, `profile "p": ` + msgNotGUID},
	}
	for _, tt := range tests {
		err := tt.f.Save(path)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "config not saved to "+path+": ") {
			t.Errorf("Save(%+v) error = %v, want one containing %q", tt.f, err, tt.wantErr)
		}
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, original) {
		t.Errorf("a failed Save changed the file to %q", got)
	}
	assertNoTempFiles(t, dir)
}

func TestSaveFailureLeavesNoTempFile(t *testing.T) {
	dir := t.TempDir()
	// The target is a non-empty directory: the final rename fails after the temporary file was
	// written, which must then be removed.
	path := filepath.Join(dir, "config.json")
	if err := os.MkdirAll(filepath.Join(path, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	err := sample().Save(path)
	if err == nil || !strings.HasPrefix(err.Error(), "config not saved to "+path+": ") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("Save over a directory: error = %v", err)
	}
	if !strings.Contains(err.Error(), ": cannot move the new file into place: ") {
		t.Errorf("Save over a directory: error = %v", err)
	}
	assertNoTempFiles(t, dir)
	if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
		t.Fatalf("the directory was replaced: %v %v", fi, err)
	}
}

func assertNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestSaveModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Unix permission bits")
	}
	base := t.TempDir()
	dir := filepath.Join(base, "a", "monitor-token")
	path := filepath.Join(dir, "config.json")
	// An existing file with loose permissions is replaced by a 0600 one.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := sample().Save(path); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path, 0o600)

	// Missing directories are created 0700.
	path2 := filepath.Join(base, "new", "sub", "config.json")
	if err := sample().Save(path2); err != nil {
		t.Fatal(err)
	}
	checkMode(t, path2, 0o600)
	checkMode(t, filepath.Join(base, "new", "sub"), fs.ModeDir|0o700)
	checkMode(t, filepath.Join(base, "new"), fs.ModeDir|0o700)
	assertNoTempFiles(t, dir)
	assertNoTempFiles(t, filepath.Dir(path2))
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (fs.ModeDir | fs.ModePerm); got != want {
		t.Errorf("mode of %s = %v, want %v", path, got, want)
	}
}

func TestSaveThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "config.json")
	if err := os.MkdirAll(filepath.Dir(real), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "config.json")
	if err := os.Symlink(real, link); err != nil {
		t.Skip("symlinks not available:", err)
	}
	if err := sample().Save(link); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("the symbolic link was replaced: %v %v", fi, err)
	}
	got, err := Load(real)
	if err != nil || !reflect.DeepEqual(got, sample()) {
		t.Fatalf("Load(target) = %+v, %v", got, err)
	}
}

func TestLoadMissing(t *testing.T) {
	for _, path := range []string{
		filepath.Join(t.TempDir(), "config.json"),
		filepath.Join(t.TempDir(), "no", "such", "dir", "config.json"),
	} {
		f, err := Load(path)
		if err != nil {
			t.Fatalf("Load(%s): %v", path, err)
		}
		want := &File{Version: 1, Profiles: map[string]Settings{}}
		if !reflect.DeepEqual(f, want) {
			t.Errorf("Load(%s) = %+v, want %+v", path, f, want)
		}
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Load created %s", path)
		}
	}
}

func TestLoadValid(t *testing.T) {
	tests := []struct {
		name string
		data string
		want *File
	}{
		{"empty object", `{}`, &File{Version: 1, Profiles: map[string]Settings{}}},
		{"null profiles", `{"version":1,"profiles":null}`, &File{Version: 1, Profiles: map[string]Settings{}}},
		{"unknown fields ignored", `{"version":1,"future":{"x":[1,2]},"profiles":{"p":{"endpoint":"https://host","instance_id":"` + guid + `","color":"blue"}}}`,
			&File{Version: 1, Profiles: map[string]Settings{"p": {Endpoint: "https://host", InstanceID: guid}}}},
		{"normalized on load", `  {"profiles":{"p":{"endpoint":"https://Host:443/api/","iam_endpoint":"http://localhost:1/identity/token","instance_id":"` + strings.ToUpper(guid) + `","team_id":"7","region":"xx-new"}}}`,
			&File{Version: 1, Profiles: map[string]Settings{"p": {Endpoint: "https://host", IAMEndpoint: "http://localhost:1", InstanceID: guid, TeamID: "7", Region: "xx-new"}}}},
	}
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "config.json")
		if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Load = %+v, want %+v", tt.name, got, tt.want)
		}
	}
}

func TestLoadInvalid(t *testing.T) {
	validProfile := `"endpoint":"https://host","instance_id":"` + guid + `"`
	tests := []struct {
		name    string
		data    string
		wantErr string // the part between "is not valid: " and "; fix or remove it"
	}{
		{"empty", ``, `it is empty (expected a JSON object)`},
		{"blank", " \n\t", `it is empty (expected a JSON object)`},
		{"truncated", `{"version":1,"profiles":{"p":{`, `JSON syntax error at line 1, column 30: unexpected end of JSON input`},
		{"truncated multi-line", "{\n  \"version\": 1,\n  \"prof", `JSON syntax error at line 3, column 7: unexpected end of JSON input`},
		{"syntax", "{\n  \"version\": 1,\n  x\n}", `JSON syntax error at line 3, column 3: invalid character 'x' looking for beginning of object key string`},
		{"trailing garbage", `{"version":1} {}`, `JSON syntax error at line 1, column 15: invalid character '{' after top-level value`},
		{"array", `[]`, `at line 1, column 1: expected a JSON object starting with {`},
		{"null", `null`, `at line 1, column 1: expected a JSON object starting with {`},
		{"string", "\n \"x\"", `at line 2, column 2: expected a JSON object starting with {`},
		{"NUL bytes", "{\"version\":1\x00}", `JSON syntax error at line 1, column 13: invalid character '\x00' after object key:value pair`},
		{"leading NUL", "\x00{}", `at line 1, column 1: expected a JSON object starting with {`},
		{"invalid UTF-8", "{\n\"profiles\":{\"p\xff\":{}}}", `invalid UTF-8 at line 2, column 15`},
		{"UTF-8 BOM", "\xef\xbb\xbf{}", `at line 1, column 1: expected a JSON object starting with {`},
		{"version wrong type", `{"version":"1"}`, `near line 1, column 14: version must be an integer, not a JSON string`},
		{"profiles wrong type", `{"profiles":[]}`, `at line 1, column 13: profiles must be an object, not a JSON array`},
		{"profile wrong type", `{"profiles":{"p":"x"}}`, `near line 1, column 20: profile "p" must be an object, not a JSON string`},
		{"team_id number", `{"profiles":{"p":{` + validProfile + `,"team_id":26055}}}`, `near line 1, column 112: profile "p": team_id must be a string, not a JSON number`},
		{"newer version", `{"version":2}`, `version 2 was written by a newer monitor-token; this one reads version 1`},
		{"negative version", `{"version":-1}`, `version -1 is not valid (expected 1)`},
		{"bad profile name", `{"profiles":{"-p":{` + validProfile + `}}}`, `profile name "-p" is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, ".", "_" and "-", starting with a letter or digit`},
		{"empty profile name", `{"profiles":{"":{` + validProfile + `}}}`, `profile name "" is not valid: use 1 to 64 characters from A-Z, a-z, 0-9, ".", "_" and "-", starting with a letter or digit`},
		{"missing endpoint", `{"profiles":{"p":{"instance_id":"` + guid + `"}}}`, `profile "p": endpoint is missing (expected the Monitoring URL, e.g. https://us-south.monitoring.cloud.ibm.com)`},
		{"http endpoint", `{"profiles":{"p":{"endpoint":"http://10.0.0.1","instance_id":"` + guid + `"}}}`, `profile "p": endpoint plain http is only allowed for loopback addresses; use https://`},
		{"endpoint path", `{"profiles":{"p":{"endpoint":"https://h/api/token","instance_id":"` + guid + `"}}}`, `profile "p": endpoint has path "/api/token"; expected https://<host>, optionally followed by /api`},
		{"iam http", `{"profiles":{"p":{` + validProfile + `,"iam_endpoint":"http://iam.cloud.ibm.com"}}}`, `profile "p": iam_endpoint plain http is only allowed for loopback addresses; use https://`},
		{"missing instance", `{"profiles":{"p":{"endpoint":"https://host"}}}`, `profile "p": ` + msgNoGUID},
		{"bad instance", `{"profiles":{"p":{"endpoint":"https://host","instance_id":"SECRETKEY"}}}`, `profile "p": ` + msgNotGUID},
		{"escaped NUL in instance", `{"profiles":{"p":{"endpoint":"https://host","instance_id":"\u0000"}}}`, `profile "p": ` + msgNotGUID},
		{"team_id not numeric", `{"profiles":{"p":{` + validProfile + `,"team_id":"SECRETKEY"}}}`, `profile "p": ` + msgTeam},
		{"team_id zero", `{"profiles":{"p":{` + validProfile + `,"team_id":"0"}}}`, `profile "p": ` + msgTeam},
		{"team_id too big", `{"profiles":{"p":{` + validProfile + `,"team_id":"99999999999999999999"}}}`, `profile "p": ` + msgTeam},
		{"duplicate profile", `{"profiles":{"p":{` + validProfile + `},` + "\n" + `"p":{` + validProfile + `}}}`, `at line 2, column 5: profile "p" appears twice`},
		{"duplicate profiles key", `{"profiles":{},"Profiles":{}}`, `near line 1, column 25: key "Profiles" appears twice (keys are not case-sensitive)`},
		{"bad profile after null profiles", `{"profiles":null,"x":1,"profiles":{"p":{}}}`, `near line 1, column 33: key "profiles" appears twice (keys are not case-sensitive)`},
		{"profiles number", `{"profiles":12}`, `at line 1, column 13: profiles must be an object, not a JSON number`},
		{"Version key folded", `{"Version":"x"}`, `near line 1, column 14: version must be an integer, not a JSON string`},
		{"version float", `{"version":1.5}`, `near line 1, column 14: version must be an integer, not a JSON number 1.5`},
		{"bad region", `{"profiles":{"p":{` + validProfile + `,"region":"US South"}}}`, `profile "p": region is not valid (expected a region id such as us-south)`},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		if err := os.WriteFile(path, []byte(tt.data), 0o600); err != nil {
			t.Fatal(err)
		}
		f, err := Load(path)
		checkParseError(t, tt.name, path, f, err, tt.wantErr)
		if strings.Contains(err.Error(), "SECRETKEY") {
			t.Errorf("%s: the error repeats a field value: %v", tt.name, err)
		}
		if got, _ := os.ReadFile(path); string(got) != tt.data {
			t.Errorf("%s: the file was changed", tt.name)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Errorf("%s: Load created files: %v", tt.name, entries)
		}
	}
}

func checkParseError(t *testing.T, name, path string, f *File, err error, wantErr string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: Load = %+v, want an error", name, f)
	}
	if f != nil {
		t.Errorf("%s: Load returned a File along with the error", name)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Path != path {
		t.Errorf("%s: error %T %v is not a *ParseError for %s", name, err, err, path)
	}
	want := "config file " + showPath(path) + " is not valid: " + wantErr + "; fix or remove it (it was left untouched)"
	if msg := err.Error(); msg != want {
		t.Errorf("%s: error\n got %s\nwant %s", name, msg, want)
	}
	if strings.ContainsAny(err.Error(), "\n\r") {
		t.Errorf("%s: error is not one line: %q", name, err)
	}
}

func TestLoadTooLarge(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.json")
	// A valid JSON object padded with spaces to 2 MiB: rejected on size alone.
	data := append([]byte("{"), bytes.Repeat([]byte(" "), 2<<20)...)
	data = append(data, '}')
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	checkParseError(t, "2 MiB", path, f, err, "it is 2097154 bytes, larger than the 1048576 bytes limit")
	if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
		t.Error("the file was changed")
	}
	// Exactly the limit is accepted.
	if err := os.WriteFile(path, append(data[:MaxSize-1:MaxSize-1], '}'), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err != nil {
		t.Errorf("a file of exactly MaxSize bytes: %v", err)
	}
}

func TestLoadNotRegular(t *testing.T) {
	dir := t.TempDir()
	f, err := Load(dir)
	checkParseError(t, "directory", dir, f, err, "it is a directory, not a regular file")
	f, err = Load("")
	checkParseError(t, "empty path", "", f, err, "no config file path was given")
}

func TestLoadUnreadable(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs Unix permissions and a non-root user")
	}
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte("{}"), 0o000); err != nil {
		t.Fatal(err)
	}
	f, err := Load(path)
	checkParseError(t, "unreadable", path, f, err, "cannot read it: permission denied")
	if !errors.Is(err, fs.ErrPermission) {
		t.Errorf("errors.Is(%v, fs.ErrPermission) = false", err)
	}
}

func TestParseErrorQuotesOddPaths(t *testing.T) {
	e := &ParseError{Path: "/tmp/a\nb/config.json", Err: errors.New("x")}
	if got, want := e.Error(), `config file "/tmp/a\nb/config.json" is not valid: x; fix or remove it (it was left untouched)`; got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestDefaultPath(t *testing.T) {
	tests := []struct {
		goos    string
		env     map[string]string
		want    string
		wantErr string
	}{
		{"linux", map[string]string{"MONITOR_TOKEN_CONFIG": "/etc/mt.json", "XDG_CONFIG_HOME": "/x", "HOME": "/home/u"}, "/etc/mt.json", ""},
		{"linux", map[string]string{"MONITOR_TOKEN_CONFIG": "rel/mt.json"}, "rel/mt.json", ""},
		{"linux", map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"}, "/xdg/monitor-token/config.json", ""},
		{"linux", map[string]string{"XDG_CONFIG_HOME": "/xdg/", "HOME": "/home/u"}, "/xdg/monitor-token/config.json", ""},
		{"linux", map[string]string{"HOME": "/home/u"}, "/home/u/.config/monitor-token/config.json", ""},
		{"linux", map[string]string{"XDG_CONFIG_HOME": "relative", "HOME": "/home/u"}, "/home/u/.config/monitor-token/config.json", ""},
		{"freebsd", map[string]string{"HOME": "/home/u"}, "/home/u/.config/monitor-token/config.json", ""},
		{"linux", map[string]string{}, "", "neither $XDG_CONFIG_HOME nor $HOME is set to an absolute path; set MONITOR_TOKEN_CONFIG"},
		{"linux", map[string]string{"HOME": "home"}, "", "neither $XDG_CONFIG_HOME nor $HOME"},
		{"darwin", map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/Users/u"}, "/Users/u/Library/Application Support/monitor-token/config.json", ""},
		{"darwin", map[string]string{"MONITOR_TOKEN_CONFIG": "/c.json", "HOME": "/Users/u"}, "/c.json", ""},
		{"darwin", map[string]string{}, "", "$HOME is not set"},
		{"windows", map[string]string{"APPDATA": `C:\Users\u\AppData\Roaming`, "HOME": "/home/u"}, filepath.Join(`C:\Users\u\AppData\Roaming`, "monitor-token", "config.json"), ""},
		{"windows", map[string]string{"HOME": "/home/u"}, "", "%APPDATA% is not set"},
		{"plan9", map[string]string{"home": "/usr/u"}, "/usr/u/lib/monitor-token/config.json", ""},
	}
	for _, tt := range tests {
		got, err := defaultPath(tt.goos, func(k string) string { return tt.env[k] })
		if tt.wantErr == "" {
			if err != nil || got != tt.want {
				t.Errorf("defaultPath(%s, %v) = %q, %v; want %q", tt.goos, tt.env, got, err, tt.want)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || got != "" {
			t.Errorf("defaultPath(%s, %v) = %q, %v; want error containing %q", tt.goos, tt.env, got, err, tt.wantErr)
		}
	}
	// The exported function uses the running system's rules.
	if got, err := DefaultPath(func(k string) string { return map[string]string{EnvPath: "/a/b.json"}[k] }); err != nil || got != "/a/b.json" {
		t.Errorf("DefaultPath = %q, %v", got, err)
	}
}

func TestValidProfileName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
	}{
		{"default", true},
		{"a", true},
		{"0", true},
		{"Prod-EU_de.2", true},
		{"a.", true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"-a", false},
		{".a", false},
		{"_a", false},
		{"..", false},
		{"a b", false},
		{"a/b", false},
		{`a\b`, false},
		{"a:b", false},
		{"é", false},
		{"a\x00", false},
		{"a\n", false},
	}
	for _, tt := range tests {
		err := ValidProfileName(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ValidProfileName(%q) = %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, "use 1 to 64 characters from A-Z, a-z, 0-9, \".\", \"_\" and \"-\", starting with a letter or digit") || strings.Contains(msg, "\n") {
				t.Errorf("ValidProfileName(%q) error does not state the rule on one line: %q", tt.name, msg)
			}
		}
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(`{"version":1,"profiles":{"default":{"endpoint":"https://us-south.monitoring.cloud.ibm.com/api","iam_endpoint":"https://iam.cloud.ibm.com","instance_id":"` + guid + `","team_id":"26055","region":"us-south"}}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"version":1,"profiles":{"p":{"endpoint":"http://[::1]:8080/","instance_id":"` + guid + `"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			var pe *ParseError
			if got != nil || !errors.As(err, &pe) || strings.ContainsAny(err.Error(), "\n\r") {
				t.Fatalf("Load(%q) = %v, %v: want nil and a one-line *ParseError", data, got, err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, data) {
				t.Fatalf("Load(%q) changed the file", data)
			}
			return
		}
		if err := got.Validate(); err != nil {
			t.Fatalf("Load(%q) returned a File that does not validate: %v", data, err)
		}
		path2 := filepath.Join(dir, "again.json")
		if err := got.Save(path2); err != nil {
			t.Fatalf("Load(%q) succeeded but Save failed: %v", data, err)
		}
		again, err := Load(path2)
		if err != nil {
			t.Fatalf("Load(%q) succeeded, Save+Load failed: %v", data, err)
		}
		if !reflect.DeepEqual(again, got) {
			t.Fatalf("Load(%q) = %+v, after Save+Load %+v", data, got, again)
		}
	})
}
