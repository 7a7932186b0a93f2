package app

import "testing"

func TestPrintable(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Platform Team", "Platform Team"},
		{"Équipe données", "Équipe données"},
		{"red\x1b[31mteam", `red\x1b[31mteam`},
		{"title\x1b]0;owned\x07", `title\x1b]0;owned\a`},
		{"two\nrows", `two\nrows`},
		{"cr\rback", `cr\rback`},
		{"tab\tcell", `tab\tcell`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"nul\x00", `nul\x00`},
		{"", ""},
	} {
		if got := printable(tt.in); got != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
