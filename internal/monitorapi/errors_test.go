package monitorapi

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/monitor-token/monitor-token/internal/redact"
)

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name, body, code, message string
		reasons                   []string
	}{
		{"IAM", `{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found.","context":{"requestId":"abc"}}`,
			"BXNIM0415E", "Provided API key could not be found.", nil},
		{"IAM_ONLY", `{"errors":[{"reason":"Not enough privileges to complete the action","message":"Access is denied"}]}`,
			"", "Access is denied: Not enough privileges to complete the action", []string{"Not enough privileges to complete the action"}},
		{"message", `{"message":"Bad credentials"}`, "", "Bad credentials", nil},
		{"error string", `{"error":"Unauthorized"}`, "", "Unauthorized", nil},
		{"error object", `{"error":{"message":"nope"}}`, "", "nope", nil},
		{"error and message", `{"error":"Unauthorized","message":"Token expired"}`, "", "Token expired", nil},
		{"type details", `{"type":"bad_request","message":"invalid","details":["team is required",{"message":"x"}]}`,
			"", "invalid; team is required; x", nil},
		{"plain text", "Unauthorized\n", "", "Unauthorized", nil},
		{"html", "<html>\n<body>502 Bad Gateway</body>\n</html>", "", "<html> <body>502 Bad Gateway</body> </html>", nil},
		{"empty", "", "", "", nil},
		{"whitespace", " \n\t", "", "", nil},
		{"json array", `[1,2]`, "", "[1,2]", nil},
		{"control bytes", "bad\x00\r\nthing\xff", "", "bad thing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, msg, reasons := parseErrorBody(nil, []byte(tt.body))
			if code != tt.code || msg != tt.message {
				t.Errorf("parseErrorBody(%q) = %q, %q; want %q, %q", tt.body, code, msg, tt.code, tt.message)
			}
			if strings.Join(reasons, "|") != strings.Join(tt.reasons, "|") {
				t.Errorf("reasons = %q, want %q", reasons, tt.reasons)
			}
		})
	}
}

func TestCleanCutsLongText(t *testing.T) {
	got := clean(nil, strings.Repeat("é", 500), maxMessage)
	if !strings.HasSuffix(got, "...") || len(got) > maxMessage+8 || !utf8.ValidString(got) {
		t.Errorf("clean(500 runes) = %q (len %d)", got, len(got))
	}
	if again := clean(nil, got, maxMessage); again != got {
		t.Errorf("clean is not idempotent: %q, then %q", got, again)
	}
}

// TestClean: redact, then fold, then cut, literal input to literal output.
func TestClean(t *testing.T) {
	var set redact.Set
	set.Add("SECRET-0123456789")
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"plain", 20, "plain"},
		{"  two\r\n\tlines \x00 here ", 40, "two lines here"},
		{"bad\xffbyte", 20, "bad byte"},
		// The secret straddles the cut: redacted first, so none of it is left.
		{"0123456789 SECRET-0123456789 tail", 16, "0123456789 [reda..."},
		{"key=SECRET-0123456789\n", 40, "key=[redacted]"},
		{"exactly twenty chars", 20, "exactly twenty chars"},
		{"twenty-three chars long", 20, "twenty-three chars long"},
		{"twenty-four chars long!!", 20, "twenty-four chars lo..."},
	}
	for _, tt := range tests {
		if got := clean(&set, tt.in, tt.limit); got != tt.want {
			t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.limit, got, tt.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"", 0, false},
		{"3", 3 * time.Second, true},
		{"0", 0, true},
		{"-1", 0, false},
		{"soon", 0, false},
		{"Sun, 29 Nov 2026 12:00:05 GMT", 5 * time.Second, true},
		{"Sun, 29 Nov 2026 11:00:00 GMT", 0, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// FuzzParseErrorBody: whatever a server sends, the message is one printable
// line of bounded length and the parser does not panic.
func FuzzParseErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"errorCode":"BXNIM0415E","errorMessage":"Provided API key could not be found."}`,
		`{"errors":[{"reason":"Not enough privileges to complete the action","message":"Access is denied"}]}`,
		`{"type":"x","message":"y","details":[1,"z",{"message":"w"}]}`,
		`{"error":{"message":"nope"}}`,
		"plain\r\ntext\x00",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		code, msg, _ := parseErrorBody(nil, body)
		for _, s := range []string{code, msg} {
			if strings.ContainsAny(s, "\r\n\x00") || !utf8.ValidString(s) || len(s) > maxMessage+8 {
				t.Fatalf("not one short printable line: %q", s)
			}
		}
	})
}
