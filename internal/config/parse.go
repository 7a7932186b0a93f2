package config

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"unicode/utf8"

	"github.com/monitor-token/monitor-token/internal/regularfile"
	"github.com/monitor-token/monitor-token/internal/trustedpath"
)

// Load reads the config file at path.
//
// A missing file gives an empty File (Version 1, no profiles) and no error: a first run has no
// config. Anything else that goes wrong (unreadable, not a regular file, larger than MaxSize,
// invalid UTF-8, malformed JSON, wrong types, a newer version, an invalid profile name or profile)
// gives a nil *File and a *ParseError naming the file; JSON errors carry the line and column.
// Field values are not repeated in messages (only an invalid profile name, or the offending part
// of an endpoint such as its scheme or path), so a secret pasted into the wrong field does not end
// up in a log.
//
// Endpoints and the instance GUID are returned normalized (see Profile), so a hand-edited
// "https://host/api" loads as "https://host". Load never writes.
func Load(path string) (*File, error) {
	fail := func(err error) (*File, error) { return nil, &ParseError{Path: path, Err: err} }
	if path == "" {
		return fail(errors.New("no config file path was given"))
	}

	data, err := read(path)
	var notRegular *regularfile.NotRegularError
	var tooLarge *regularfile.TooLargeError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &File{Version: Version, Profiles: map[string]Settings{}}, nil
	case trustedpath.Refused(err):
		// Its own one-line message: where, what is wrong, the fix.
		return nil, err
	case errors.As(err, &notRegular):
		return fail(fmt.Errorf("it is %s, not a regular file", notRegular.Kind))
	case errors.As(err, &tooLarge) && tooLarge.Size > 0:
		return fail(fmt.Errorf("it is %d bytes, larger than the %d bytes limit", tooLarge.Size, MaxSize))
	case errors.As(err, &tooLarge):
		// It grew after it was opened.
		return fail(fmt.Errorf("it is larger than the %d bytes limit", MaxSize))
	case err != nil:
		return fail(fmt.Errorf("cannot read it: %w", pathErrReason(err)))
	}
	f, err := parse(data)
	if err != nil {
		return fail(err)
	}
	return f, nil
}

// read returns the contents of the config file at path. The way to it is
// checked first (internal/trustedpath): the file names the endpoints the API
// key goes to, so one that another user could have written or swapped is
// refused, not read. It is opened without waiting and checked once open: a
// named pipe or a device, or a path swapped to one after a check, must not
// block or read forever.
func read(path string) ([]byte, error) {
	return trustedpath.ConfigFile.Read(context.Background(), path, MaxSize)
}

// parse decodes and validates the file contents.
func parse(data []byte) (*File, error) {
	if !utf8.Valid(data) {
		// encoding/json would silently turn invalid UTF-8 in strings into U+FFFD.
		off := 0
		for off < len(data) {
			r, n := utf8.DecodeRune(data[off:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			off += n
		}
		line, col := position(data, off+1)
		return nil, fmt.Errorf("invalid UTF-8 at line %d, column %d", line, col)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		return nil, errors.New("it is empty (expected a JSON object)")
	}
	if trimmed[0] != '{' {
		// Checked by hand because json.Unmarshal accepts "null" into a struct without complaint.
		line, col := position(data, len(data)-len(trimmed)+1)
		return nil, fmt.Errorf("at line %d, column %d: expected a JSON object starting with {", line, col)
	}
	// First pass: syntax only. json.Unmarshal checks the syntax of the whole input before
	// decoding, so its errors carry offsets into the file; an empty struct decodes nothing.
	if err := json.Unmarshal(data, &struct{}{}); err != nil {
		return nil, jsonError(data, 0, "", err)
	}
	// Second pass: walk the document, decoding each part on its own so that errors name the
	// profile and point at the right place, and duplicate names are caught (json.Unmarshal would
	// silently keep the last one).
	f := &File{Profiles: map[string]Settings{}}
	err := walk(data, func(start int, raw []byte) error {
		if err := json.Unmarshal(raw, &f.Version); err != nil {
			return jsonError(data, start, "version", err)
		}
		switch {
		case f.Version < 0:
			return fmt.Errorf("version %d is not valid (expected %d)", f.Version, Version)
		case f.Version > Version:
			return fmt.Errorf("version %d was written by a newer monitor-token; this one reads version %d", f.Version, Version)
		}
		return nil
	}, func(start int, raw []byte) error {
		var name *string // null: no default
		if err := json.Unmarshal(raw, &name); err != nil {
			return jsonError(data, start, "default", err)
		}
		if name != nil {
			f.Default = *name
		}
		return nil
	}, func(name string, start int, raw []byte) error {
		if _, dup := f.Profiles[name]; dup {
			line, col := position(data, start+1)
			return fmt.Errorf("at line %d, column %d: profile %q appears twice", line, col, name)
		}
		if err := ValidProfileName(name); err != nil {
			return err
		}
		var p Settings
		if err := json.Unmarshal(raw, &p); err != nil {
			return jsonError(data, start, fmt.Sprintf("profile %q", name), err)
		}
		np, err := Check(p, FileField)
		if err != nil {
			return fmt.Errorf("profile %q: %w", name, err)
		}
		f.Profiles[name] = np
		return nil
	})
	if err != nil {
		return nil, err
	}
	if f.Version == 0 {
		f.Version = Version // a hand-written file may omit it
	}
	if f.Default, err = CheckDefault(f.Default, f.Profiles); err != nil {
		return nil, err
	}
	return f, nil
}

// jsonError rewrites an encoding/json error as one line with a position and without Go type
// names. base is the offset in data of the bytes that were decoded, what names them ("version",
// `profile "p"`; "" for the whole file).
func jsonError(data []byte, base int, what string, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		line, col := position(data, base+int(se.Offset))
		return fmt.Errorf("JSON syntax error at line %d, column %d: %s", line, col, se.Error())
	case errors.As(err, &te):
		line, col := position(data, base+int(te.Offset))
		switch {
		case what == "" && te.Field == "":
			what = "the value"
		case what == "":
			what = te.Field
		case te.Field != "":
			what += ": " + te.Field
		}
		return fmt.Errorf("near line %d, column %d: %s must be %s, not a JSON %s", line, col, what, jsonKind(te), te.Value)
	}
	return fmt.Errorf("JSON error: %w", err)
}

// jsonKind names the JSON kind a Go type decodes from.
func jsonKind(te *json.UnmarshalTypeError) string {
	if te.Type == nil {
		return "another type"
	}
	switch te.Type.Kind().String() {
	case "string":
		return "a string"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "map", "struct":
		return "an object"
	}
	return "a " + te.Type.String()
}

// position turns a byte offset as reported by encoding/json (the number of bytes read when the
// error was found, so the offending byte is at offset-1) into a 1-based line and column.
func position(data []byte, offset int) (line, col int) {
	if offset > len(data) {
		offset = len(data)
	}
	if offset < 1 {
		return 1, 1
	}
	before := data[:offset-1]
	line = 1 + bytes.Count(before, []byte{'\n'})
	col = offset - bytes.LastIndexByte(before, '\n') - 1
	return line, col
}
