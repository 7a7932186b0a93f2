package printable

import "testing"

func TestString(t *testing.T) {
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
		{"a real U+FFFD \ufffd stays", "a real U+FFFD \ufffd stays"},
		{"nul\x00", `nul\x00`},
		{"", ""},
	} {
		if got := String(tt.in); got != tt.want {
			t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
