// Package printable escapes what a terminal would act on instead of
// showing, in text that came from outside the program (a team's name from
// the server, an environment variable, an error message quoting either):
// control characters (ESC starts the sequences that recolour, retitle or
// rewrite a terminal; CR and LF forge rows), format characters such as
// bidirectional overrides, and invalid UTF-8.
package printable

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// String is s with what a terminal would act on written as Go writes it in
// a quoted string (\x1b, \n, \u202e), so the text stays recognisable and
// each escaped character one visible token. A tab is escaped too: it
// separates the columns of tables and of completion answers.
func String(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || r == '\t' || !unicode.IsPrint(r) && r != ' ' {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				b.WriteString(`\x` + strconv.FormatUint(uint64(s[i]), 16))
				continue
			}
			b.WriteRune(r)
		case r == ' ' || r != '\t' && unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}
