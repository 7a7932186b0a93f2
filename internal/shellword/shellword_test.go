package shellword

import "testing"

func TestQuoteAndWord(t *testing.T) {
	for _, c := range []struct{ in, quote, word string }{
		{"/usr/bin/monitor-token", `'/usr/bin/monitor-token'`, `/usr/bin/monitor-token`},
		{"", `''`, `''`},
		{"a b", `'a b'`, `'a b'`},
		{"it's", `'it'\''s'`, `'it'\''s'`},
		{"$HOME/x", `'$HOME/x'`, `'$HOME/x'`},
		{"a\nb", "'a\nb'", "'a\nb'"},
		{"-x", `'-x'`, `-x`},
	} {
		if got := Quote(c.in); got != c.quote {
			t.Errorf("Quote(%q) = %s, want %s", c.in, got, c.quote)
		}
		if got := Word(c.in); got != c.word {
			t.Errorf("Word(%q) = %s, want %s", c.in, got, c.word)
		}
	}
}
