package app

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
	"github.com/urfave/cli/v2"

	"github.com/monitor-token/monitor-token/internal/cmdutil"
	"github.com/monitor-token/monitor-token/internal/commands"
	"github.com/monitor-token/monitor-token/internal/ibmcloud"
)

func readPluginJSON(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile("../../plugin.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSendMetadataDecodesIntoTheSDKType is the install handshake as the
// ibmcloud CLI does it: JSON-decode stdout into the SDK's own type, here with
// unknown fields disallowed, then the metadata rules of docs/integrations.md,
// "ibmcloud plugin".
func TestSendMetadataDecodesIntoTheSDKType(t *testing.T) {
	var stdout, stderr bytes.Buffer
	defer cmdutil.SetVersion("v1.4.2-3-gabcdef")()
	code := Run(t.Context(), Env{
		Args: []string{"/tmp/download-1234/monitor-token", "SendMetadata"}, Stdout: &stdout, Stderr: &stderr,
		PluginJSON: readPluginJSON(t),
	})
	if code != 0 || stderr.Len() != 0 {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
	out := stdout.Bytes()
	if bytes.ContainsAny(out, "\n\r") {
		t.Fatal("the metadata must be one line with no trailing newline")
	}
	var md plugin.PluginMetadata
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&md); err != nil {
		t.Fatalf("does not decode into plugin.PluginMetadata: %v", err)
	}
	if dec.More() {
		t.Fatal("more than one JSON value on stdout")
	}
	if md.Version != (plugin.VersionType{Major: 1, Minor: 4, Build: 2}) {
		t.Errorf("Version = %+v, want the build's 1.4.2", md.Version)
	}
	if md.Name != "monitor-token" || md.Name != strings.ToLower(md.Name) {
		t.Errorf("Name = %q", md.Name)
	}
	if md.SDKVersion != (plugin.VersionType{Major: 1, Minor: 5, Build: 0}) {
		t.Errorf("SDKVersion = %+v, want 1.5.0 (the wire format copied)", md.SDKVersion)
	}
	min := md.MinCliVersion
	if min.Major < 2 {
		t.Errorf("MinCliVersion = %+v, want at least 2.0.0", min)
	}
	if len(md.Namespaces) != 1 || md.Namespaces[0].Name != "monitor-token" {
		t.Fatalf("Namespaces = %+v, want exactly monitor-token (never monitoring: IBM's own plugin owns it)", md.Namespaces)
	}
	checkSentence(t, "namespace", md.Namespaces[0].Description)
	if len(md.Commands) == 0 {
		t.Fatal("no commands")
	}
	caps := regexp.MustCompile(`^[A-Z][A-Z0-9_]*(\.\.\.)?$`)
	for _, c := range md.Commands {
		if c.Namespace != "monitor-token" || c.Name != strings.ToLower(c.Name) {
			t.Errorf("command %q: namespace %q", c.Name, c.Namespace)
		}
		checkSentence(t, "command "+c.Name, c.Description)
		if !strings.HasPrefix(c.Usage, "ibmcloud monitor-token "+c.Name) {
			t.Errorf("command %q: Usage %q does not start with the command line", c.Name, c.Usage)
		}
		if strings.Contains(c.Usage, "[arguments...]") {
			t.Errorf("command %q: Usage has the [arguments...] placeholder", c.Name)
		}
		// Positional arguments and flag values in CAPS (the SDK's metadata
		// linter): every word of the usage that is not the command line or
		// a flag must be upper case.
		for _, w := range strings.FieldsFunc(c.Usage[len("ibmcloud monitor-token "+c.Name):], func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune("[]()|<", r)
		}) {
			if strings.HasPrefix(w, "-") {
				continue
			}
			if !caps.MatchString(w) {
				t.Errorf("command %q: %q in Usage is not in CAPS", c.Name, w)
			}
		}
		for _, f := range c.Flags {
			checkSentence(t, "flag "+c.Name+" --"+f.Name, f.Description)
		}
	}
}

func checkSentence(t *testing.T, what, s string) {
	t.Helper()
	if s == "" || !unicode.IsUpper([]rune(s)[0]) || !strings.HasSuffix(s, ".") || strings.Contains(s, "\n") {
		t.Errorf("%s: description %q is not a short sentence starting with a capital", what, s)
	}
}

// TestPluginJSONMatchesTheCommands keeps plugin.json, the one source of the
// metadata, in step with the commands the binary really has: same commands,
// same flags, a value where the flag takes one.
func TestPluginJSONMatchesTheCommands(t *testing.T) {
	md, err := ibmcloud.ParseMetadata(readPluginJSON(t))
	if err != nil {
		t.Fatal(err)
	}
	cmds := commands.Commands(&commands.Factory{Name: "monitor-token"})
	var want, got []string
	for _, c := range cmds {
		want = append(want, c.Name)
	}
	for _, c := range md.Commands {
		got = append(got, c.Name)
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Fatalf("plugin.json commands %v, binary commands %v", got, want)
	}
	for _, c := range cmds {
		i := slices.IndexFunc(md.Commands, func(m ibmcloud.Command) bool { return m.Name == c.Name })
		meta := md.Commands[i]
		flags := map[string]bool{}
		for _, f := range c.Flags {
			_, isBool := f.(*cli.BoolFlag)
			flags[f.Names()[0]] = !isBool
		}
		metaFlags := map[string]bool{}
		for _, f := range meta.Flags {
			metaFlags[f.Name] = f.HasValue
		}
		if len(flags) != len(metaFlags) {
			t.Errorf("%s: binary flags %v, plugin.json flags %v", c.Name, flags, metaFlags)
		}
		for name, hasValue := range flags {
			if mv, ok := metaFlags[name]; !ok || mv != hasValue {
				t.Errorf("%s --%s: in plugin.json %v (HasValue %v), want HasValue %v", c.Name, name, ok, mv, hasValue)
			}
		}
		if meta.Hidden != c.Hidden {
			t.Errorf("%s: Hidden %v in plugin.json, %v in the binary", c.Name, meta.Hidden, c.Hidden)
		}
	}
}

func TestParseVersion(t *testing.T) {
	tests := map[string]ibmcloud.VersionType{
		"v1.2.3":            {Major: 1, Minor: 2, Build: 3},
		"1.2.3":             {Major: 1, Minor: 2, Build: 3},
		"v0.1.0-rc.1+meta":  {Major: 0, Minor: 1, Build: 0},
		"v2.10.7-4-gabcdef": {Major: 2, Minor: 10, Build: 7},
		"devel":             {},
		"abcdef1":           {},
		"v1.2":              {},
		"v1.-2.3":           {},
	}
	for in, want := range tests {
		if got := ibmcloud.ParseVersion(in); got != want {
			t.Errorf("ParseVersion(%q) = %+v, want %+v", in, got, want)
		}
	}
}
