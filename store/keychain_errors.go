package store

import (
	"errors"
	"fmt"
	"os/exec"
)

// keychainStatus is an exit status of /usr/bin/security: the low byte of
// the Keychain's OSStatus (Apple's SecBase.h). go-keyring drops the tool's
// output, except to recognise "could not be found", so the status is all
// there is to classify (docs/keyring.md, "macOS Keychain").
type keychainStatus struct {
	code int
	name string // the OSStatus's name in SecBase.h; "" when not known
}

func (s keychainStatus) Error() string {
	if s.name == "" {
		return fmt.Sprintf("security exit status %d", s.code)
	}
	return fmt.Sprintf("security exit status %d: %s", s.code, s.name)
}

// keychainCodes are the statuses users meet, each with its kind and fix.
// Apple documents the OSStatus values, not the tool's exit statuses; the
// low-byte rule matches every status seen in reports (44 for an item not
// found, 36 over SSH), and a status not here is ErrUnavailable with the
// number in the message.
var keychainCodes = map[int]struct {
	name string
	kind error
	fix  string
}{
	36:  {"errSecInteractionNotAllowed", ErrLocked, "the login keychain is locked and cannot ask for its password here (over SSH, or with no one at the screen): run `security unlock-keychain ~/Library/Keychains/login.keychain-db` first, " + useEnv},
	128: {"errSecUserCanceled", ErrDenied, "access was denied at the keychain's prompt: run the command again and choose Allow or Always Allow, " + useEnv},
	51:  {"errSecAuthFailed", ErrLocked, "the keychain refused the password given at its unlock prompt: run the command again and type your login password, " + useEnv},
	50:  {"errSecNoSuchKeychain", ErrUnavailable, "there is no such keychain (no login keychain?): create or choose one in Keychain Access, " + useEnv},
	37:  {"errSecNoDefaultKeychain", ErrUnavailable, "there is no default keychain: choose one with `security default-keychain -s ~/Library/Keychains/login.keychain-db`, " + useEnv},
	44:  {"errSecItemNotFound", ErrNotFound, ""},
}

// keychainError classifies an error of go-keyring's macOS backend: the
// exit of /usr/bin/security, or the tool missing.
func keychainError(op, item string, err error) (*Error, bool) {
	var notRun *exec.Error
	if errors.As(err, &notRun) && errors.Is(notRun.Err, exec.ErrNotFound) {
		return &Error{Op: op, Item: item, Kind: ErrUnsupported, Err: err}, true
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		return nil, false
	}
	code := exit.ExitCode()
	known, ok := keychainCodes[code]
	if !ok {
		return &Error{Op: op, Item: item, Kind: ErrUnavailable, Err: keychainStatus{code: code},
			fix: fmt.Sprintf("the macOS keychain tool /usr/bin/security failed: run `security find-generic-password -a %s` to see its message, %s", item, useEnv)}, true
	}
	return &Error{Op: op, Item: item, Kind: known.kind, Err: keychainStatus{code: code, name: known.name}, fix: known.fix}, true
}
