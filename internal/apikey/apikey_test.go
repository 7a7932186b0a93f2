package apikey

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

const key = "AbCdEf0123456789_-AbCdEf0123456789_-AbCdEf01"

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, want, err string
	}{
		{"bare", key, key, ""},
		{"echo's newline", key + "\n", key, ""},
		{"CRLF", key + "\r\n", key, ""},
		{"surrounding blanks", "  \t" + key + " \n\n", key, ""},
		{"byte-order mark", "\uFEFF" + key + "\r\n", key, ""},
		{"the CLI's key file", "{\n\t\"name\": \"monitor-token\",\n\t\"description\": \"\",\n\t\"createdAt\": \"2026-11-29T08:00+0000\",\n\t\"apikey\": \"" + key + "\"\n}\n", key, ""},
		{"a newer CLI's key file, CRLF", "{\r\n  \"id\": \"ApiKey-1\",\r\n  \"crn\": \"crn:v1:bluemix:public:iam-identity::a/acc::apikey:ApiKey-1\",\r\n  \"name\": \"mt\",\r\n  \"created_at\": \"2026-11-29T08:00Z\",\r\n  \"locked\": false,\r\n  \"apikey\": \"" + key + "\"\r\n}\r\n", key, ""},
		{"key with blanks inside the document", `{"apikey":" ` + key + ` "}`, key, ""},
		{"empty", "", "", "no API key: the input is empty"},
		{"only blanks", " \r\n\t", "", "no API key: the input is empty"},
		{"a space inside", "abc def", "", "the API key contains spaces, line breaks or non-ASCII characters"},
		{"two lines", key + "\n" + key, "", "the API key contains spaces, line breaks or non-ASCII characters"},
		{"non-ASCII", "clé-" + key, "", "the API key contains spaces, line breaks or non-ASCII characters"},
		{"no apikey field", `{"name":"x","apiKey":"` + key + `"}`, "", `the JSON document has no "apikey" field`},
		{"apikey a number", `{"apikey": 12345}`, "", `the JSON document's "apikey" is a number, not a string`},
		{"apikey null", `{"apikey": null}`, "", `the JSON document's "apikey" is null, not a string`},
		{"apikey an object", `{"apikey": {"value":"` + key + `"}}`, "", `the JSON document's "apikey" is an object, not a string`},
		{"apikey empty", `{"apikey": ""}`, "", `the JSON document's "apikey" is empty`},
		{"broken JSON", `{"apikey": "` + key, "", `the input starts with "{" but is not valid JSON`},
		{"an array", `[{"apikey":"` + key + `"}]`, "", "the input is JSON, but not the object"},
		{"a quoted key", `"` + key + `"`, "", "the input is JSON, but not the object"},
		{"too long", strings.Repeat("k", maxKey+1), "", "longer than any IBM Cloud API key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if tt.err == "" {
				if err != nil || got != tt.want {
					t.Fatalf("Parse = %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) || got != "" {
				t.Fatalf("Parse = %q, %v; want the error %q", got, err, tt.err)
			}
			if strings.Contains(err.Error(), key[:12]) {
				t.Fatalf("the error quotes the key: %v", err)
			}
		})
	}
	if _, err := Parse(nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("Parse(nil) = %v, want ErrEmpty", err)
	}
}

// FuzzParse: whatever the input, Parse returns a key that is 1 to maxKey
// bytes of printable ASCII without spaces, or one of its own errors, which
// never hold any of the input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{key, key + "\r\n", `{"apikey":"` + key + `"}`, `{"apikey":1}`, `{`, "\uFEFF{}", " "} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		got, err := Parse(in)
		if err != nil {
			var e *Error
			if got != "" || !errors.As(err, &e) && !errors.Is(err, ErrEmpty) {
				t.Fatalf("Parse = %q, %v (%T)", got, err, err)
			}
			return
		}
		if got == "" || len(got) > maxKey {
			t.Fatalf("key of %d bytes", len(got))
		}
		for i := 0; i < len(got); i++ {
			if got[i] < 0x21 || got[i] > 0x7e {
				t.Fatalf("key %q has byte %#x", got, got[i])
			}
		}
	})
}

// TestReadInput: input up to MaxInput is read whole, one byte more is
// ErrTooLarge, and a reader's own error comes back as it is.
func TestReadInput(t *testing.T) {
	errBroken := errors.New("broken pipe")
	tests := []struct {
		name string
		r    io.Reader
		n    int
		err  error
	}{
		{"empty", strings.NewReader(""), 0, nil},
		{"a key", strings.NewReader(key + "\n"), len(key) + 1, nil},
		{"4 KiB", strings.NewReader(strings.Repeat("k", 4096)), 4096, nil},
		{"4 KiB and a byte", strings.NewReader(strings.Repeat("k", 4097)), 0, ErrTooLarge},
		{"a megabyte", strings.NewReader(strings.Repeat("k", 1<<20)), 0, ErrTooLarge},
		{"reader fails", io.MultiReader(strings.NewReader(key), iotest.ErrReader(errBroken)), 0, errBroken},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := ReadInput(tt.r)
			if len(b) != tt.n || err != tt.err {
				t.Errorf("ReadInput = %d bytes, %v; want %d bytes, %v", len(b), err, tt.n, tt.err)
			}
		})
	}
	if MaxInput != 4096 || MaxInputText != "4 KiB" {
		t.Errorf("MaxInput %d is said as %q; they must agree", MaxInput, MaxInputText)
	}
}
