package profile

import (
	"os"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/config"
)

// The default that `use` stores decides only when neither --profile nor
// MONITOR_TOKEN_PROFILE does, and never for a profile in the environment;
// Name and Profile agree on it.
func TestNameWithStoredDefault(t *testing.T) {
	work := config.Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid}
	tests := []struct {
		name       string
		env        map[string]string
		flags      flags
		want, from string
	}{
		{"the stored default", nil, nil, "work", NameFromUse},
		{"the variable wins", map[string]string{"MONITOR_TOKEN_PROFILE": "home"}, nil, "home", "MONITOR_TOKEN_PROFILE"},
		{"the flag wins", map[string]string{"MONITOR_TOKEN_PROFILE": "home"}, flags{"profile": "default"}, "default", "--profile"},
		{"an empty variable is unset", map[string]string{"MONITOR_TOKEN_PROFILE": ""}, nil, "work", NameFromUse},
		{"the environment's profile", map[string]string{"MONITOR_TOKEN_INSTANCE": guid, "MONITOR_TOKEN_REGION": "us-south"}, nil, "default", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := resolver(t, tt.env, tt.flags)
			if err := config.Update(t.Context(), r.Getenv("MONITOR_TOKEN_CONFIG"), func(f *config.File) error {
				f.Profiles["work"], f.Profiles["home"], f.Profiles["default"] = work, work, work
				f.Default = "work"
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			name, from, err := r.Name()
			if err != nil || name != tt.want || from != tt.from {
				t.Errorf("Name = %q, %q, %v; want %q, %q", name, from, err, tt.want, tt.from)
			}
			p, err := r.Profile()
			if err != nil || p.Name != tt.want || p.NameFrom != tt.from {
				t.Errorf("Profile = %q from %q, %v; want %q from %q", p.Name, p.NameFrom, err, tt.want, tt.from)
			}
		})
	}
}

// Without a flag or the variable the name needs the config file, and a
// broken one is said; the environment's profile never reads it.
func TestNameReadsTheFileOnlyWhenItMust(t *testing.T) {
	r := resolver(t, nil, nil)
	if err := os.WriteFile(r.Getenv("MONITOR_TOKEN_CONFIG"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Name(); err == nil || !strings.Contains(err.Error(), "is not valid") {
		t.Errorf("Name with a broken file = %v", err)
	}
	r = resolver(t, map[string]string{"MONITOR_TOKEN_CONFIG": r.Getenv("MONITOR_TOKEN_CONFIG"), "MONITOR_TOKEN_PROFILE": "x"}, nil)
	if name, _, err := r.Name(); err != nil || name != "x" {
		t.Errorf("Name with the variable and a broken file = %q, %v", name, err)
	}
	r = resolver(t, map[string]string{"MONITOR_TOKEN_CONFIG": r.Getenv("MONITOR_TOKEN_CONFIG"), "MONITOR_TOKEN_INSTANCE": guid}, nil)
	if name, _, err := r.Name(); err != nil || name != "default" {
		t.Errorf("Name in the environment with a broken file = %q, %v", name, err)
	}
}
