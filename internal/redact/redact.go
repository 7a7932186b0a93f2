// Package redact holds the secrets one run of monitor-token has handled (the
// API key, IAM access and refresh tokens, a compute-resource token, a VSI's
// instance identity token, the Monitor API token) and removes them from any
// text before it is shown: error messages, warnings, --debug lines.
// docs/integrations.md, "Secrets" says where secrets may and may not go.
package redact

import (
	"slices"
	"strings"
	"sync"
)

// Placeholder replaces a secret in shown text.
const Placeholder = "[redacted]"

// MinLen is the shortest value Add keeps. Every real credential is far
// longer; a short value ("1", "Bearer") would blank ordinary words out of
// every message.
const MinLen = 8

// Set is a concurrency-safe set of secrets. The zero value is an empty set,
// and a nil *Set is a valid empty set that stays empty: Add does nothing and
// Redact returns its text unchanged.
type Set struct {
	mu      sync.RWMutex
	secrets []string // longest first, no duplicates
}

// Add registers secrets. Values shorter than MinLen are ignored. A value
// with white space at its ends (a token file's trailing newline) is also
// registered trimmed, since a server echoing it may have trimmed it.
func (s *Set) Add(secrets ...string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range secrets {
		s.add(v)
		if t := strings.TrimSpace(v); t != v {
			s.add(t)
		}
	}
}

func (s *Set) add(v string) {
	if len(v) < MinLen {
		return
	}
	// Longest first, so that Redact's fast path tries the long ones first;
	// overlaps are handled by Redact's mask, not by this order alone.
	i, found := slices.BinarySearchFunc(s.secrets, v, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	if !found {
		s.secrets = slices.Insert(s.secrets, i, v)
	}
}

// Len is the number of registered values (tests).
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.secrets)
}

// Redact returns text with every occurrence of every secret replaced by
// Placeholder. Occurrences that overlap or touch (a secret containing
// another, two secrets run together) become one Placeholder, so no character
// of any secret survives.
func (s *Set) Redact(text string) string {
	if s == nil || text == "" {
		return text
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	var covered []bool // covered[i]: byte i of text is part of a secret
	for _, secret := range s.secrets {
		if len(secret) > len(text) {
			continue
		}
		marked := 0 // bytes before this are already covered for this secret
		for from := 0; ; {
			i := strings.Index(text[from:], secret)
			if i < 0 {
				break
			}
			if covered == nil {
				covered = make([]bool, len(text))
			}
			start := from + i
			for j := max(start, marked); j < start+len(secret); j++ {
				covered[j] = true
			}
			marked = start + len(secret)
			from = start + 1 // overlapping occurrences of the same secret too
		}
	}
	if covered == nil {
		return text
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); {
		if !covered[i] {
			b.WriteByte(text[i])
			i++
			continue
		}
		b.WriteString(Placeholder)
		for i < len(text) && covered[i] {
			i++
		}
	}
	return b.String()
}
