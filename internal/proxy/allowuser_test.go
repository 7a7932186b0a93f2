package proxy

import "testing"

func TestLookupUser(t *testing.T) {
	if !PeerCheck {
		if _, err := LookupUser("root"); err == nil {
			t.Fatal("LookupUser on a system without the peer check: no error")
		}
		return
	}
	for _, tt := range []struct {
		in   string
		uid  uint32
		want string // the error, or "" for uid
	}{
		{"root", 0, ""},
		{"nobody", 65534, ""}, // Debian's, and most systems'
		{"0", 0, ""},
		{"65534", 65534, ""},
		{"123456", 123456, ""}, // a uid need not have a name
		{"4294967294", 4294967294, ""},
		{"4294967295", 0, "--allow-user 4294967295: not a uid (0 to 4294967294); give a user name or a numeric uid"},
		{"99999999999", 0, "--allow-user 99999999999: not a uid (0 to 4294967294); give a user name or a numeric uid"},
		{"grafana-not-installed", 0, "--allow-user grafana-not-installed: no such user on this system; give a user name or a numeric uid"},
		{"-1", 0, "--allow-user -1: no such user on this system; give a user name or a numeric uid"},
		{"", 0, "--allow-user: empty; give a user name or a numeric uid"},
	} {
		uid, err := LookupUser(tt.in)
		switch {
		case tt.want == "" && (err != nil || uid != tt.uid):
			t.Errorf("LookupUser(%q) = %d, %v; want %d", tt.in, uid, err, tt.uid)
		case tt.want != "" && (err == nil || err.Error() != tt.want):
			t.Errorf("LookupUser(%q) = %d, %v; want the error %q", tt.in, uid, err, tt.want)
		}
	}
}
