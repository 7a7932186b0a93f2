package config

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const profileJSON = `{"endpoint":"https://us-south.monitoring.cloud.ibm.com","instance_id":"` + guid + `"}`

// The file's "default" member: what Load reads, and the one rule it meets
// (a valid name that is one of the file's profiles), as literal files.
func TestLoadDefault(t *testing.T) {
	tests := []struct {
		name, file string
		want       string // File.Default
		err        string // part of the error; "" = loads
	}{
		{"absent", `{"profiles":{"a":` + profileJSON + `}}`, "", ""},
		{"names a profile", `{"default":"a","profiles":{"a":` + profileJSON + `}}`, "a", ""},
		{"after profiles", `{"profiles":{"a":` + profileJSON + `},"default":"a"}`, "a", ""},
		{"key case", `{"Default":"a","profiles":{"a":` + profileJSON + `}}`, "a", ""},
		{"empty string", `{"default":"","profiles":{"a":` + profileJSON + `}}`, "", ""},
		{"null", `{"default":null,"profiles":{"a":` + profileJSON + `}}`, "", ""},
		{"the name default", `{"default":"default","profiles":{"default":` + profileJSON + `}}`, "", ""},
		{"no such profile", `{"default":"b","profiles":{"a":` + profileJSON + `}}`,
			"", `"default" names profile "b", which is not in "profiles"; fix or remove it`},
		{"bad name", `{"default":"a b","profiles":{"a":` + profileJSON + `}}`, "", `"default": profile name "a b" is not valid`},
		{"not a string", `{"default":3,"profiles":{"a":` + profileJSON + `}}`, "", "near line 1, column 12: default must be a string, not a JSON number"},
		{"twice", `{"default":"a","DEFAULT":"a","profiles":{"a":` + profileJSON + `}}`, "", `key "DEFAULT" appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.json")
			if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			f, err := Load(path)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("Load: %v", err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("Load error = %v, want one containing %q", err, tt.err)
			case tt.err == "" && f.Default != tt.want:
				t.Errorf("Default = %q, want %q", f.Default, tt.want)
			}
		})
	}
}

// Save writes the default and refuses one that names no profile, so
// removing a profile without moving the default cannot be saved.
func TestSaveDefault(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	f := sample()
	f.Default = "test.local_1"
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), `"default": "test.local_1"`) {
		t.Errorf("saved file lacks the default:\n%s", data)
	}
	got, err := Load(path)
	if err != nil || got.Default != "test.local_1" {
		t.Fatalf("Load = %+v, %v", got, err)
	}
	err = Update(context.Background(), path, func(f *File) error {
		delete(f.Profiles, "test.local_1")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), `"default" names profile "test.local_1", which is not in "profiles"`) {
		t.Errorf("saving a default without its profile: %v", err)
	}
	if after, _ := os.ReadFile(path); string(after) != string(data) {
		t.Errorf("the refused save changed the file")
	}
	// "default" is the built-in name: stored as no default at all.
	f.Default = "default"
	if err := f.Save(path); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); strings.Contains(string(data), `"default": "default"`) {
		t.Errorf("the built-in name was stored:\n%s", data)
	}
}
