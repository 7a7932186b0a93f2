package redact

import (
	"strings"
	"sync"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"none registered", nil, "nothing to hide", "nothing to hide"},
		{"one", []string{"APIKEY-0123456789"}, "key APIKEY-0123456789 is unknown", "key [redacted] is unknown"},
		{"every occurrence", []string{"tok-abcdefgh"}, "tok-abcdefgh,tok-abcdefgh", "[redacted],[redacted]"},
		{"short values ignored", []string{"1", "Bearer", "seven77"}, "HTTP 1 Bearer seven77", "HTTP 1 Bearer seven77"},
		{"exactly MinLen kept", []string{"eight888"}, "x eight888 y", "x [redacted] y"},
		{"secret containing another is replaced whole", []string{"defghijk", "abcdefghijkl"},
			"x abcdefghijkl y defghijk z", "x [redacted] y [redacted] z"},
		{"same, registered the other way round", []string{"abcdefghijkl", "defghijk"},
			"x abcdefghijkl y", "x [redacted] y"},
		{"overlapping secrets leave no tail", []string{"abcdefgh12", "12345678xx"},
			"<abcdefgh12345678xx>", "<[redacted]>"},
		{"overlapping occurrences of one secret", []string{"abababab"}, "ababababab!", "[redacted]!"},
		{"adjacent secrets fold into one", []string{"first-secret", "second-secret"},
			"first-secretsecond-secret", "[redacted]"},
		{"trailing newline registered trimmed too", []string{"eyJ.cr.token.value\n"},
			"echo: eyJ.cr.token.value.", "echo: [redacted]."},
		{"case matters", []string{"CaseSecret99"}, "casesecret99", "casesecret99"},
		{"empty text", []string{"whatever-long"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Set
			s.Add(tt.secrets...)
			if got := s.Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestNilSetRedactsNothing(t *testing.T) {
	var s *Set
	s.Add("would-be-secret")
	if got := s.Redact("would-be-secret"); got != "would-be-secret" {
		t.Errorf("nil set Redact = %q", got)
	}
	if s.Len() != 0 {
		t.Errorf("nil set Len = %d", s.Len())
	}
}

func TestAddDeduplicates(t *testing.T) {
	var s Set
	s.Add("dup-secret-1", "dup-secret-1", "other-secret-22", "dup-secret-1")
	if s.Len() != 2 {
		t.Errorf("Len = %d, want 2", s.Len())
	}
}

// TestConcurrentUse: Add and Redact from many goroutines (run with -race).
func TestConcurrentUse(t *testing.T) {
	var s Set
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			secret := "concurrent-secret-" + strings.Repeat("x", i)
			s.Add(secret)
			if got := s.Redact("<" + secret + ">"); got != "<[redacted]>" {
				t.Errorf("Redact = %q", got)
			}
		}()
	}
	wg.Wait()
}
