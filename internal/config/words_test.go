package config

import "testing"

// TestWords: each stored auth and cache setting in the word users type, and each word read
// back by Check as the setting it stands for.
func TestWords(t *testing.T) {
	base := Settings{Endpoint: "https://us-south.monitoring.cloud.ibm.com", InstanceID: guid}
	auths := []struct{ setting, word string }{
		{AuthToken, "token"},
		{AuthIAM, "iam"},
	}
	for _, tt := range auths {
		if got := AuthWord(tt.setting); got != tt.word {
			t.Errorf("AuthWord(%q) = %q, want %q", tt.setting, got, tt.word)
		}
		s := base
		s.Auth = tt.word
		if got, err := Check(s, FileField); err != nil || got.Auth != tt.setting {
			t.Errorf("auth %q is checked as %q, %v; want %q", tt.word, got.Auth, err, tt.setting)
		}
	}
	caches := []struct{ setting, word string }{
		{CacheKeyring, "keyring"},
		{CacheNone, "none"},
		{CacheFile, "file"},
	}
	for _, tt := range caches {
		if got := CacheWord(tt.setting); got != tt.word {
			t.Errorf("CacheWord(%q) = %q, want %q", tt.setting, got, tt.word)
		}
		s := base
		s.Cache = tt.word
		if got, err := Check(s, FileField); err != nil || got.Cache != tt.setting {
			t.Errorf("cache %q is checked as %q, %v; want %q", tt.word, got.Cache, err, tt.setting)
		}
	}
	if len(auths) != len(AuthWords) || len(caches) != len(CacheWords) {
		t.Errorf("%d auth and %d cache rows for %v and %v: a new word needs a row", len(auths), len(caches), AuthWords, CacheWords)
	}
}

func TestOnOff(t *testing.T) {
	tests := []struct {
		in     string
		on, ok bool
	}{
		{"1", true, true},
		{"true", true, true},
		{"yes", true, true},
		{"on", true, true},
		{"TRUE", true, true},
		{"Yes", true, true},
		{"oN", true, true},
		{"", false, true},
		{"0", false, true},
		{"false", false, true},
		{"no", false, true},
		{"off", false, true},
		{"FALSE", false, true},
		{"No", false, true},
		{"OFF", false, true},
		{"maybe", false, false},
		{"2", false, false},
		{" on", false, false},
		{"y", false, false},
		{"enabled", false, false},
	}
	for _, tt := range tests {
		if on, ok := OnOff(tt.in); on != tt.on || ok != tt.ok {
			t.Errorf("OnOff(%q) = %v, %v; want %v, %v", tt.in, on, ok, tt.on, tt.ok)
		}
	}
}
