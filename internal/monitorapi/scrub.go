package monitorapi

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/monitor-token/monitor-token/internal/redact"
)

// maxMessage keeps a server's message to a readable length in a one-line
// error; maxCode does the same for an error code (IAM's are 10 characters).
const (
	maxMessage = 200
	maxCode    = 40
)

// clean is the one path by which outside text (a server's body, an error
// of the transport or of go-sdk-core) reaches a message or a --debug line:
// every secret the run has handled is replaced first, then the text is
// folded to one printable line, then cut to limit bytes. Cutting before
// redacting would leave the start of a secret that the cut made
// unrecognisable, and folding first could join a secret to its neighbours.
func clean(secrets *redact.Set, s string, limit int) string {
	return cut(fold(secrets.Redact(s)), limit)
}

// fold turns text into one printable line: control characters, invalid
// UTF-8 and every kind of space become one space, and the ends are
// trimmed. Server text may be anything (a proxy page, a stack trace).
func fold(s string) string {
	var b strings.Builder
	space := false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				r = ' '
			}
		}
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
			continue
		}
		space = false
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// cut shortens s to limit bytes, never inside a character, and marks the
// cut with "...". What it returns is at most limit+3 bytes, and text that
// short is left alone, so cutting twice changes nothing.
func cut(s string, limit int) string {
	if len(s) <= limit+len("...") {
		return s
	}
	n := limit
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n]) + "..."
}
