package testkeyring

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// secretTool runs libsecret's secret-tool, an independent client that
// answers prompts itself, against s, for at most 20 s.
//
// secret-tool opens an encrypted session (dh-ietf1024-sha256-aes128-cbc-pkcs7),
// and kwalletd5 now and then fails to decrypt a secret sent over one
// (about one session in a hundred here), answering "Can't find session",
// the text it gives for any failed decryption (its kwalletfreedesktopcollection.cpp,
// CreateItem, after desecret). That is KWallet's key exchange, not anything
// under test, and monitor-token's plain sessions never meet it: one more
// try, in a new session, is what a person would do.
func secretTool(s *Session, stdin string, args ...string) (string, error) {
	out, err := secretToolOnce(s, stdin, args...)
	if err != nil && s.Provider == KWallet && strings.Contains(out, "Can't find session") {
		out, err = secretToolOnce(s, stdin, args...)
	}
	return out, err
}

func secretToolOnce(s *Session, stdin string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "secret-tool", args...)
	cmd.Env = s.Env(os.Environ())
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestPromptingSecretTool: libsecret, which waits for prompts with no
// deadline, gets through the stand-in's unlock prompt and then reads what
// it stored: the stand-in speaks the Secret Service's prompt protocol as a
// real client expects it.
func TestPromptingSecretTool(t *testing.T) {
	s := startT(t, Prompting)
	if out, err := secretTool(s, "value", "store", "--label=x", "service", "svc", "username", "u"); err != nil {
		t.Fatalf("secret-tool store: %v\n%s", err, out)
	}
	out, err := secretTool(s, "", "lookup", "service", "svc", "username", "u")
	if err != nil || out != "value" {
		t.Fatalf("secret-tool lookup = %q, %v; want %q", out, err, "value")
	}
	s.standin.mu.Lock()
	defer s.standin.mu.Unlock()
	if s.standin.locked {
		t.Fatal("the prompt completed but the collection is still locked")
	}
}

// TestDismissingSecretTool: with every prompt dismissed, secret-tool can
// store nothing and finds the seeded item locked.
func TestDismissingSecretTool(t *testing.T) {
	s := startT(t, Dismissing)
	if err := s.AddItem("svc", "u", "value"); err != nil {
		t.Fatal(err)
	}
	if out, err := secretTool(s, "value", "store", "--label=x", "service", "svc", "username", "u2"); err == nil {
		t.Fatalf("secret-tool store succeeded through a dismissed prompt: %s", out)
	}
	if out, err := secretTool(s, "", "lookup", "service", "svc", "username", "u"); err == nil && out == "value" {
		t.Fatalf("secret-tool read the item through a dismissed prompt")
	}
}
