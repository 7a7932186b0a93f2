// Package apikey reads an IBM Cloud API key the ways people hand one over:
// the bare key, as echo or an editor leaves it (a trailing newline, CRLF, a
// byte-order mark), or the JSON document that `ibmcloud iam api-key-create
// NAME --file FILE` writes, whose "apikey" field is the key (docs/protocol.md,
// "API key files"). IBM's CLI takes that file as it is (`ibmcloud login
// --apikey @FILE`), and so does monitor-token: login's stdin and
// IBMCLOUD_API_KEY=@FILE both go through Parse, and are read up to MaxInput.
//
// No error quotes the input: it is, or holds, the key.
package apikey

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
)

// MaxInput bounds what is read to find a key, wherever it comes from
// (login's stdin, an IBMCLOUD_API_KEY=@FILE): a key is 44 characters and
// the CLI's key file a few hundred bytes, so more input than this is the
// wrong file, not a key. Messages say it as MaxInputText.
const MaxInput = 4 << 10

// MaxInputText is MaxInput in the words messages use.
const MaxInputText = "4 KiB"

// ErrTooLarge: the input holds more than MaxInput bytes.
var ErrTooLarge = errors.New("the input is larger than " + MaxInputText + ", which is not an API key")

// ReadInput reads r to its end, at most MaxInput bytes: more is
// ErrTooLarge, and nothing of it is returned. An error of r is returned as
// it is, for the caller to say where the input came from.
func ReadInput(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxInput+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxInput {
		return nil, ErrTooLarge
	}
	return b, nil
}

// ErrEmpty: there is nothing but white space. Callers decide what that
// means (under ibmcloud, login falls back to the CLI's session).
var ErrEmpty = errors.New("no API key: the input is empty")

// Error is a reason the input is not a key, in words a user acts on; it is
// completed by the caller with where the input came from.
type Error struct{ reason string }

func (e *Error) Error() string { return e.reason }

var (
	errBadChars   = &Error{"the API key contains spaces, line breaks or non-ASCII characters; give only the key, or the JSON file `ibmcloud iam api-key-create` wrote"}
	errNoField    = &Error{`the JSON document has no "apikey" field; give the file ` + "`ibmcloud iam api-key-create NAME --file FILE`" + ` wrote, or only the key`}
	errNotJSON    = &Error{`the input starts with "{" but is not valid JSON; give the file ` + "`ibmcloud iam api-key-create NAME --file FILE`" + ` wrote, as it was written, or only the key`}
	errTooLong    = &Error{"the API key is longer than any IBM Cloud API key; give only the key"}
	errNotKeyFile = &Error{"the input is JSON, but not the object `ibmcloud iam api-key-create NAME --file FILE` writes; give that file, or only the key"}
)

// maxKey bounds a key: IBM Cloud API keys are 44 characters; service IDs'
// and other accounts' keys are of that order.
const maxKey = 1024

// Parse returns the key in data.
func Parse(data []byte) (string, error) {
	data = bytes.TrimPrefix(data, []byte("\uFEFF")) // Notepad's byte-order mark
	text := strings.TrimSpace(string(data))
	if text == "" {
		return "", ErrEmpty
	}
	switch text[0] {
	case '{':
		return fromDocument([]byte(text))
	case '[', '"':
		// JSON, but not the key file; no key starts so.
		return "", errNotKeyFile
	}
	return check(text)
}

// fromDocument reads the "apikey" field of the CLI's key file. The other
// fields (name, description, createdAt or created_at, id, crn, ...: they
// differ between CLI versions) are ignored.
func fromDocument(doc []byte) (string, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(doc, &fields); err != nil {
		return "", errNotJSON
	}
	raw, ok := fields["apikey"]
	if !ok {
		return "", errNoField
	}
	var key string
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '"' || json.Unmarshal(t, &key) != nil {
		return "", &Error{`the JSON document's "apikey" is ` + jsonKind(raw) + `, not a string; give the file ` + "`ibmcloud iam api-key-create`" + ` wrote, or only the key`}
	}
	key = strings.TrimSpace(key)
	if key == "" {
		return "", &Error{`the JSON document's "apikey" is empty; create a key with ` + "`ibmcloud iam api-key-create NAME --file FILE`"}
	}
	return check(key)
}

// check accepts printable ASCII without spaces: what an API key is, and
// what can travel in IAM's form body without surprises.
func check(key string) (string, error) {
	if len(key) > maxKey {
		return "", errTooLong
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return "", errBadChars
		}
	}
	return key, nil
}

// jsonKind names the JSON type of a value that is not a string.
func jsonKind(raw json.RawMessage) string {
	switch t := bytes.TrimSpace(raw); {
	case len(t) == 0:
		return "missing"
	case t[0] == '{':
		return "an object"
	case t[0] == '[':
		return "an array"
	case t[0] == 'n':
		return "null"
	case t[0] == 't' || t[0] == 'f':
		return "a boolean"
	}
	return "a number"
}
