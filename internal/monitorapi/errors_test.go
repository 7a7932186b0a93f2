package monitorapi

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
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
			code, msg, reasons := parseErrorBody([]byte(tt.body))
			if code != tt.code || msg != tt.message {
				t.Errorf("parseErrorBody(%q) = %q, %q; want %q, %q", tt.body, code, msg, tt.code, tt.message)
			}
			if strings.Join(reasons, "|") != strings.Join(tt.reasons, "|") {
				t.Errorf("reasons = %q, want %q", reasons, tt.reasons)
			}
		})
	}
}

func TestScrubCutsLongText(t *testing.T) {
	got := Scrub(strings.Repeat("é", 500))
	if !strings.HasSuffix(got, "...") || len(got) > maxMessage+8 || !utf8.ValidString(got) {
		t.Errorf("Scrub(500 runes) = %q (len %d)", got, len(got))
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
		code, msg, _ := parseErrorBody(body)
		for _, s := range []string{code, msg} {
			if strings.ContainsAny(s, "\r\n\x00") || !utf8.ValidString(s) || len(s) > maxMessage+8 {
				t.Fatalf("not one short printable line: %q", s)
			}
		}
	})
}
