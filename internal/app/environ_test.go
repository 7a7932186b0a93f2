package app

import "testing"

// The run's getenv matches names as the system does: exactly on Unix,
// regardless of case on Windows, where the system spells %AppData% APPDATA.
func TestGetenvMatchesNamesAsTheSystemDoes(t *testing.T) {
	for _, tt := range []struct {
		goos    string
		environ []string
		name    string
		want    string
	}{
		{"windows", []string{`APPDATA=C:\users\u\AppData\Roaming`}, "AppData", `C:\users\u\AppData\Roaming`},
		{"windows", []string{`LOCALAPPDATA=C:\users\u\AppData\Local`}, "LocalAppData", `C:\users\u\AppData\Local`},
		{"windows", []string{`Path=C:\windows`}, "PATH", `C:\windows`},
		{"windows", []string{"monitor_token_profile=prod"}, "MONITOR_TOKEN_PROFILE", "prod"},
		{"windows", []string{"HTTPS_PROXY=a", "https_proxy=b"}, "HTTPS_PROXY", "b"},
		{"windows", []string{`=C:=C:\work`}, "=C:", `C:\work`},
		{"windows", []string{`=C:=C:\work`}, "", ""},
		{"windows", []string{"X=a=b"}, "x", "a=b"},
		{"linux", []string{"APPDATA=/a"}, "AppData", ""},
		{"linux", []string{"APPDATA=/a"}, "APPDATA", "/a"},
		{"linux", []string{"https_proxy=b", "HTTPS_PROXY=a"}, "https_proxy", "b"},
		{"linux", []string{"https_proxy=b", "HTTPS_PROXY=a"}, "HTTPS_PROXY", "a"},
		{"linux", []string{"X=1", "X=2"}, "X", "2"},
		{"linux", []string{"X=a=b"}, "X", "a=b"},
		{"linux", []string{"NOEQUALS"}, "NOEQUALS", ""},
		{"darwin", []string{"Home=/Users/u"}, "HOME", ""},
	} {
		if got := getenvOf(tt.goos, tt.environ)(tt.name); got != tt.want {
			t.Errorf("getenvOf(%s, %q)(%q) = %q, want %q", tt.goos, tt.environ, tt.name, got, tt.want)
		}
	}
}
