package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// encoding/json alone cannot give what the walker gives: it keeps the last of two members with
// the same name without a word (a profile pasted twice would silently lose one), and its errors
// for one profile's value carry no name. So the file is walked member by member, each value
// decoded on its own with its offset kept for the message.

// walk goes through data, a syntactically valid JSON object, and calls version with the value of
// its "version" member, dflt with that of its "default" member and profile with each member of
// its "profiles" object. Values come with
// their offset in data. Keys are matched case-insensitively, as encoding/json matches struct
// fields; a key given twice is an error. Other members are skipped.
func walk(data []byte, version, dflt func(start int, raw []byte) error, profile func(name string, start int, raw []byte) error) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		keyEnd := int(dec.InputOffset())
		start := valueStart(data, keyEnd)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return err
		}
		var known string
		switch {
		case strings.EqualFold(key, "version"):
			known = "version"
		case strings.EqualFold(key, "default"):
			known = "default"
		case strings.EqualFold(key, "profiles"):
			known = "profiles"
		default:
			continue
		}
		if seen[known] {
			line, col := position(data, keyEnd)
			return fmt.Errorf("near line %d, column %d: key %q appears twice (keys are not case-sensitive)", line, col, key)
		}
		seen[known] = true
		switch known {
		case "version":
			err = version(start, raw)
		case "default":
			err = dflt(start, raw)
		default:
			err = walkProfiles(data, start, raw, profile)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// walkProfiles calls fn for each member of raw, the value of "profiles" found at offset start in
// data.
func walkProfiles(data []byte, start int, raw []byte, fn func(name string, start int, raw []byte) error) error {
	switch raw[0] {
	case 'n':
		return nil // null: no profiles
	case '{':
	default:
		line, col := position(data, start+1)
		return fmt.Errorf("at line %d, column %d: profiles must be an object, not a JSON %s", line, col, kindOf(raw[0]))
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return err
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		vstart := valueStart(raw, int(dec.InputOffset()))
		var value json.RawMessage
		if err := dec.Decode(&value); err != nil {
			return err
		}
		if err := fn(name, start+vstart, value); err != nil {
			return err
		}
	}
	return nil
}

// kindOf names the kind of JSON value that starts with byte c.
func kindOf(c byte) string {
	switch c {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// valueStart returns the offset of the first byte of the value that follows an object key ending
// at off: past white space, the colon and white space.
func valueStart(data []byte, off int) int {
	for off < len(data) && (data[off] == ' ' || data[off] == '\t' || data[off] == '\r' || data[off] == '\n' || data[off] == ':') {
		off++
	}
	return off
}
