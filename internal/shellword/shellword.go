// Package shellword quotes strings for a POSIX shell (POSIX.1-2017, Shell
// Command Language, 2.2.3 "Single-Quotes": nothing is special between
// single quotes, and a single quote itself is written as '\”).
package shellword

import "strings"

// Quote single-quotes s, always: for values written into a script, where
// a uniform form is easiest to read back.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// safe are the characters that mean nothing to a shell in any position.
const safe = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+"

// Word quotes s only when it needs it: for a command a user is told to
// run, which reads best bare.
func Word(s string) string {
	if s != "" && strings.Trim(s, safe) == "" {
		return s
	}
	return Quote(s)
}
