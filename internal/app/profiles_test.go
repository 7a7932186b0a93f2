package app

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/store"
)

// threeProfiles logs in as "default", "prod" (the other team) and "ci" (cache
// none), with a token cached for default and prod only.
func (w *world) threeProfiles() {
	w.t.Helper()
	w.must(w.apiKey(), w.loginArgs("default")...)
	w.must(w.apiKey(), w.loginArgs("prod", "--team", fmt.Sprint(w.facts.OtherTeamID))...)
	w.must(w.apiKey(), w.loginArgs("ci", "--cache", "none", "--no-verify")...)
}

func (w *world) profilesJSON() []map[string]any {
	w.t.Helper()
	r := w.must("", "profiles", "--format", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		w.t.Fatalf("profiles --format json: %v: %s", err, r.stdout)
	}
	return rows
}

// defaultOf is the name of the row marked default, and why.
func defaultOf(rows []map[string]any) (string, any) {
	for _, r := range rows {
		if r["default"] == true {
			return r["name"].(string), r["default_from"]
		}
	}
	return "", nil
}

// Which profile is the default, and why, for each way of choosing one:
// profiles marks it, status names it, and get uses it.
func TestTheDefaultAndWhy(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(w *world)
		args      []string // status's extra flags
		want      string
		why       string // default_from in profiles, profile_from in status
		statusWhy string
		text      string // status's text
	}{
		{"nothing chosen", func(w *world) {}, nil, "default", "default", "", `^profile: +default \(the name "default": no --profile, MONITOR_TOKEN_PROFILE or ` + "`use`" + `\)$`},
		{"use", func(w *world) { w.must("", "use", "prod") }, nil, "prod", "use", "use", "^profile: +prod \\(set by `use`\\)$"},
		{"variable over use", func(w *world) {
			w.must("", "use", "prod")
			w.env["MONITOR_TOKEN_PROFILE"] = "ci"
		}, nil, "ci", "MONITOR_TOKEN_PROFILE", "MONITOR_TOKEN_PROFILE", `^profile: +ci \(from MONITOR_TOKEN_PROFILE\)$`},
		{"flag over both", func(w *world) {
			w.must("", "use", "prod")
			w.env["MONITOR_TOKEN_PROFILE"] = "ci"
		}, []string{"--profile", "default"}, "default", "MONITOR_TOKEN_PROFILE", "--profile", `^profile: +default \(from --profile\)$`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.threeProfiles()
			tt.setup(w)
			rows := w.profilesJSON()
			name, why := defaultOf(rows)
			wantRow := tt.want
			if tt.args != nil {
				wantRow = "ci" // profiles takes no --profile: the variable's
			}
			if name != wantRow || why != tt.why {
				t.Errorf("profiles marks %q (%v), want %q (%s)", name, why, wantRow, tt.why)
			}
			st := w.must("", append([]string{"status", "--format", "json"}, tt.args...)...)
			var m map[string]any
			if err := json.Unmarshal([]byte(st.stdout), &m); err != nil {
				t.Fatal(err)
			}
			if m["profile"] != tt.want || m["profile_from"] != tt.statusWhy {
				t.Errorf("status: profile %v from %v, want %q from %q", m["profile"], m["profile_from"], tt.want, tt.statusWhy)
			}
			text := w.must("", append([]string{"status"}, tt.args...)...).stdout
			if !matchLine(text, tt.text) {
				t.Errorf("status text lacks %s:\n%s", tt.text, text)
			}
			// get without --profile hands out the default's token.
			get := w.must("", append([]string{"get"}, tt.args...)...).stdout
			team := map[string]int{"default": w.facts.DefaultTeamID, "prod": w.facts.OtherTeamID, "ci": w.facts.DefaultTeamID}[tt.want]
			if get != w.emu.MonitorToken(w.facts.InstanceGUID, team)+"\n" {
				t.Errorf("get handed out another profile's token")
			}
		})
	}
}

// profiles lists every profile with its settings and cache state, never a
// secret; the environment's profile takes the place of the file's.
func TestProfilesListsEveryProfile(t *testing.T) {
	w := newWorld(t)
	w.threeProfiles()
	rows := w.profilesJSON()
	var names []string
	for _, r := range rows {
		names = append(names, r["name"].(string))
		for _, k := range []string{"name", "default", "endpoint", "instance_id", "team_id", "credential", "cache", "token_cached"} {
			if _, ok := r[k]; !ok {
				t.Errorf("row %v lacks %q", r["name"], k)
			}
		}
	}
	if strings.Join(names, " ") != "ci default prod" {
		t.Fatalf("profiles lists %v", names)
	}
	byName := map[string]map[string]any{}
	for _, r := range rows {
		byName[r["name"].(string)] = r
	}
	if r := byName["prod"]; r["team_id"] != fmt.Sprint(w.facts.OtherTeamID) || r["token_cached"] != true || r["cache"] != "keyring" || r["endpoint"] != w.url ||
		r["instance_id"] != w.facts.InstanceGUID || r["credential"] != "api key in the keyring" {
		t.Errorf("prod = %v", r)
	}
	if r := byName["ci"]; r["token_cached"] != false || r["cache"] != "none" {
		t.Errorf("ci = %v", r)
	}
	text := w.must("", "profiles")
	for _, want := range []string{
		`^DEFAULT +NAME +ENDPOINT +INSTANCE +TEAM +CREDENTIAL +CACHE +TOKEN$`,
		`^\* \(default\) +default +` + w.url + ` +` + w.facts.InstanceGUID + ` +\(default\) +api key in the keyring +keyring +cached$`,
		`^ +prod +` + w.url + ` +` + w.facts.InstanceGUID + ` +` + fmt.Sprint(w.facts.OtherTeamID) + ` +api key in the keyring +keyring +cached$`,
		`^ +ci +.* +none +never cached$`,
	} {
		if !matchLine(text.stdout, want) {
			t.Errorf("profiles text lacks %s:\n%s", want, text.stdout)
		}
	}
	for _, out := range []string{text.stdout, w.must("", "profiles", "--format", "json").stdout} {
		if strings.Contains(out, w.facts.APIKey) || strings.Contains(out, w.token()) {
			t.Error("profiles printed a secret")
		}
	}

	// The environment's profile, by the name it resolves to.
	w.env["MONITOR_TOKEN_INSTANCE"] = w.facts.InstanceGUID
	w.env["MONITOR_TOKEN_ENDPOINT"] = w.url
	w.env["MONITOR_TOKEN_PROFILE"] = "prod"
	w.env["IBMCLOUD_API_KEY"] = w.facts.APIKey
	rows = w.profilesJSON()
	for _, r := range rows {
		if r["name"] == "prod" && (r["settings_from"] != "environment" || r["team_id"] != "" || r["credential"] != "IBMCLOUD_API_KEY" || r["default"] != true) {
			t.Errorf("the environment's prod = %v", r)
		}
	}
	if len(rows) != 3 {
		t.Errorf("%d rows, want 3 (the environment's prod in place of the file's)", len(rows))
	}
}

// An unreachable keyring: the token column says so, the command works, and
// one read found it out, not one per profile.
func TestProfilesWithTheKeyringDown(t *testing.T) {
	w := newWorld(t)
	w.threeProfiles()
	w.keyring.down = store.ErrNoSecretService
	w.keyring.reads = 0
	r := w.must("", "profiles", "--format", "json")
	var rows []map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		want := map[string]any{"ci": nil, "default": "keyring unavailable", "prod": "keyring unavailable"}[row["name"].(string)]
		if row["token_error"] != want || row["token_cached"] != false {
			t.Errorf("%v: token_cached %v, token_error %v; want false, %v", row["name"], row["token_cached"], row["token_error"], want)
		}
	}
	if w.keyring.reads != 1 {
		t.Errorf("%d keyring reads, want 1", w.keyring.reads)
	}
	if !strings.Contains(r.stderr, "warning: whether a token is cached is unknown") || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("stderr %q, want one warning", r.stderr)
	}
	text := w.must("", "profiles").stdout
	if !matchLine(text, `^\* \(default\) +default .* unknown \(keyring unavailable\)$`) {
		t.Errorf("text:\n%s", text)
	}
}

// use: what it refuses changes nothing, and says so in one line.
func TestUseRefusals(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"use"}, ExitUsage, "monitor-token: use: give one profile name: monitor-token use NAME (`monitor-token profiles` lists them)\n"},
		{[]string{"use", "a", "b"}, ExitUsage, "monitor-token: use: give one profile name: monitor-token use NAME (`monitor-token profiles` lists them)\n"},
		{[]string{"use", "a/b"}, ExitUsage, `monitor-token: use: profile name "a/b" is not valid`},
		{[]string{"use", "staging"}, ExitError, `monitor-token: use: no profile "staging" in `},
	}
	for _, tt := range tests {
		w := newWorld(t)
		w.threeProfiles()
		w.must("", "use", "prod")
		before, _ := os.ReadFile(w.configPath())
		r := w.run("", tt.args...)
		if r.code != tt.code || !strings.HasPrefix(r.stderr, tt.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", tt.args, r.code, r.stderr, tt.code, tt.want)
		}
		if after, _ := os.ReadFile(w.configPath()); string(after) != string(before) {
			t.Errorf("%v changed the config file", tt.args)
		}
	}
	// With no config file at all.
	w := newWorld(t)
	r := w.run("", "use", "prod")
	if r.code != ExitError || exists(w.configPath()) {
		t.Errorf("use without a config file: exit %d, file written %v", r.code, exists(w.configPath()))
	}
	// Said, when the variable will still win.
	w = newWorld(t)
	w.threeProfiles()
	w.env["MONITOR_TOKEN_PROFILE"] = "ci"
	r = w.must("", "use", "prod")
	if !strings.Contains(r.stderr, "note: MONITOR_TOKEN_PROFILE=ci is set, and wins over it in this environment.") {
		t.Errorf("use with the variable set said %q", r.stderr)
	}
}

// logout --purge: the settings follow the secrets, and the default moves
// back to "default" when it was the purged profile.
func TestLogoutPurge(t *testing.T) {
	tests := []struct {
		name      string
		use       string
		args      []string
		left      string // profiles left in the file
		dflt      string // profiles' default afterwards
		keyItems  []string
		stderrHas string
	}{
		{"the default", "prod", []string{"logout", "--purge"}, "ci default", "default", []string{"prod/api-key", "prod/monitor-token"},
			`Removed the API key and cached token of profile "prod" (keyring and token file), and its settings from `},
		{"another", "prod", []string{"logout", "--purge", "--profile", "ci"}, "default prod", "prod", []string{"ci/api-key"}, "and its settings from "},
		{"all", "prod", []string{"logout", "--all", "--purge"}, "", "", []string{"default/api-key", "prod/api-key", "ci/api-key"}, "and every profile from "},
		{"kept without --purge", "prod", []string{"logout"}, "ci default prod", "prod", []string{"prod/api-key"}, "its settings were kept (--purge removes them)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWorld(t)
			w.threeProfiles()
			w.must("", "use", tt.use)
			r := w.must("", tt.args...)
			if !strings.Contains(r.stderr, tt.stderrHas) {
				t.Errorf("stderr %q, want %q", r.stderr, tt.stderrHas)
			}
			var left []string
			for _, row := range w.profilesJSON() {
				left = append(left, row["name"].(string))
			}
			if strings.Join(left, " ") != tt.left {
				t.Errorf("left %v, want %q", left, tt.left)
			}
			if name, _ := defaultOf(w.profilesJSON()); name != tt.dflt && tt.left != "" {
				t.Errorf("default %q, want %q", name, tt.dflt)
			}
			for _, item := range tt.keyItems {
				if w.keyringHas(item) {
					t.Errorf("%s is still in the keyring", item)
				}
			}
		})
	}
	// A purge whose secrets could not be removed keeps the settings.
	w := newWorld(t)
	w.threeProfiles()
	w.keyring.down = store.ErrLocked
	r := w.run("", "logout", "--purge", "--profile", "prod")
	w.keyring.down = nil
	if r.code == 0 || len(w.profilesInConfig()) != 3 {
		t.Errorf("purge with a locked keyring: exit %d, %d profiles left; want a failure and all 3", r.code, len(w.profilesInConfig()))
	}
}

// matchLine says whether some line of text matches the regular expression.
func matchLine(text, re string) bool {
	return regexp.MustCompile("(?m)" + re).MatchString(text)
}
