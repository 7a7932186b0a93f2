package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/monitor-token/monitor-token/internal/testkeyring"
)

// Tests of prompts (docs/keyring.md, "Prompts and deadlines") against
// testkeyring's stand-in Secret Services. Each runs TestPromptChild in a
// child process: godbus's session bus connection is one per process, and
// this test binary's is the real keyring of TestMain.

const (
	// promptChildEnv selects TestPromptChild's operation: read or write.
	promptChildEnv = "MONITOR_TOKEN_STORE_PROMPT_CHILD"
	// promptCancelEnv=1 makes the child cancel its context when it is told
	// of a prompt, as Ctrl-C would.
	promptCancelEnv = "MONITOR_TOKEN_STORE_PROMPT_CANCEL"
)

// startStandin starts a stand-in session of mode for t, or skips when the
// machine lacks the programs testkeyring needs (unless the keyring is
// required, as in make test).
func startStandin(t *testing.T, mode testkeyring.Mode) *testkeyring.Session {
	t.Helper()
	if m := testkeyring.Missing(); len(m) > 0 {
		if os.Getenv("MONITOR_TOKEN_REQUIRE_KEYRING") == "1" {
			t.Fatalf("MONITOR_TOKEN_REQUIRE_KEYRING=1 but %v are missing", m)
		}
		t.Skipf("no test bus: missing %s (apt-get install gnome-keyring dbus libsecret-tools)", strings.Join(m, ", "))
	}
	s, err := testkeyring.Start(t.TempDir(), mode)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// runPromptChild runs TestPromptChild against session with op and the
// extra environment, and returns its report.
func runPromptChild(t *testing.T, session *testkeyring.Session, service, op string, extra ...string) childResult {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	drop := []string{"DISPLAY", "WAYLAND_DISPLAY", childEnv, childTimeoutEnv, promptChildEnv, promptCancelEnv}
	env := append(session.Env(environ(drop)), append(extra, childEnv+"="+service, promptChildEnv+"="+op)...)
	return runChild(t, env, exe, "-test.run=^TestPromptChild$", "-test.count=1")
}

// noticeOf returns the child's CHILD-NOTICE lines.
func noticeOf(r childResult) []string {
	var notices []string
	for line := range strings.SplitSeq(r.output, "\n") {
		if v, ok := strings.CutPrefix(line, "CHILD-NOTICE "); ok {
			notices = append(notices, v)
		}
	}
	return notices
}

// TestPromptChild is not a test on its own: it reads or writes one item
// with a Store whose deadlines are the app's for a non-interactive command
// (DefaultTimeout, or MONITOR_TOKEN_KEYRING_TIMEOUT, to answer;
// InteractiveTimeout for a prompt; a context without a deadline), prints
// each notice, and reports.
func TestPromptChild(t *testing.T) {
	op := os.Getenv(promptChildEnv)
	service := os.Getenv(childEnv)
	if op == "" || service == "" {
		return // run directly: nothing to do
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := Deadlines{Notice: func(p Prompt) {
		fmt.Println("CHILD-NOTICE " + p.String())
		if os.Getenv(promptCancelEnv) == "1" {
			cancel()
		}
	}}
	var err error
	if d.Answer, err = TimeoutFromEnv(os.Getenv, DefaultTimeout); err != nil {
		t.Fatal(err)
	}
	s := New(service).WithDeadlines(d)
	switch op {
	case "read":
		var v string
		if v, err = s.Get(ctx, "apikey"); err == nil {
			fmt.Println("CHILD-VALUE " + v)
		}
	case "write":
		err = s.Set(ctx, "apikey", "written")
	default:
		t.Fatalf("unknown %s=%q", promptChildEnv, op)
	}
	reportChild(err)
}

// TestPromptOutlastsShortDeadline: the keyring answers a read and a write
// of its locked collection with an unlock prompt that takes
// testkeyring.PromptDelay (8 s), longer than DefaultTimeout (5 s). The call
// waits for the prompt under the prompt deadline, says so once, and
// succeeds. Before the prompt was handled in store, go-keyring waited for
// it under the 5 s deadline, which ran out first.
func TestPromptOutlastsShortDeadline(t *testing.T) {
	for _, op := range []string{"read", "write"} {
		t.Run(op, func(t *testing.T) {
			t.Parallel()
			session := startStandin(t, testkeyring.Prompting)
			service := uniqueService(t)
			if op == "read" {
				if err := session.AddItem(service, "apikey", "stored value"); err != nil {
					t.Fatal(err)
				}
			}
			r := runPromptChild(t, session, service, op)
			t.Logf("%s through an 8 s prompt: kind %s, output:\n%s", op, r.kind, r.output)
			if r.kind != "none" {
				t.Fatalf("%s through a prompt: got %s (%s), want success", op, r.kind, r.msg)
			}
			if op == "read" && !strings.Contains(r.output, "CHILD-VALUE stored value\n") {
				t.Errorf("read returned something else than the stored value:\n%s", r.output)
			}
			want := "waiting for the keyring's unlock prompt (up to 2m0s)..."
			if n := noticeOf(r); len(n) != 1 || n[0] != want {
				t.Errorf("notices %q, want exactly [%q]", n, want)
			}
		})
	}
}

// TestPromptDismissed: a dismissed prompt is ErrDismissed, whose message
// says so and what to do; the person was told of the prompt first.
// Before, go-keyring reported it as a collection it failed to unlock.
func TestPromptDismissed(t *testing.T) {
	session := startStandin(t, testkeyring.Dismissing)
	service := uniqueService(t)
	if err := session.AddItem(service, "apikey", "stored value"); err != nil {
		t.Fatal(err)
	}
	for _, op := range []string{"read", "write"} {
		r := runPromptChild(t, session, service, op)
		t.Logf("%s, dismissed: %s", op, r.msg)
		if r.kind != "ErrDismissed" {
			t.Fatalf("%s through a dismissed prompt: got %s (%s), want ErrDismissed", op, r.kind, r.msg)
		}
		for _, w := range []string{"dismissed", "answer the prompt", "IBMCLOUD_API_KEY"} {
			if !strings.Contains(r.msg, w) {
				t.Errorf("%s: message %q, want it to contain %q", op, r.msg, w)
			}
		}
		if n := noticeOf(r); len(n) != 1 {
			t.Errorf("%s: notices %q, want one", op, n)
		}
	}
}

// TestPromptSilentServiceKeepsShortDeadline: a Secret Service that answers
// nothing (so no prompt) still fails with the short deadline's error, and
// says nothing about a prompt: the prompt deadline applies only once the
// keyring has answered with a prompt. It guards against a store that simply
// waits the long deadline for everything.
func TestPromptSilentServiceKeepsShortDeadline(t *testing.T) {
	session := startStandin(t, testkeyring.Hanging)
	for _, op := range []string{"read", "write"} {
		r := runPromptChild(t, session, uniqueService(t), op, TimeoutEnv+"=1s")
		t.Logf("%s, silent: %s", op, r.msg)
		if r.kind != "ErrTimeout" || !strings.Contains(r.msg, "did not answer within 1s") {
			t.Fatalf("%s from a silent service: got %s (%s), want ErrTimeout within the 1s answer deadline", op, r.kind, r.msg)
		}
		if n := noticeOf(r); len(n) != 0 {
			t.Errorf("%s: notices %q, want none", op, n)
		}
	}
}

// TestPromptCanceled: cancelling the context (Ctrl-C, SIGTERM) while the
// call waits for a prompt ends the wait at once, as a cancellation. Before,
// there was no notice to cancel on, and the read ended at the 5 s deadline
// instead.
func TestPromptCanceled(t *testing.T) {
	session := startStandin(t, testkeyring.Prompting)
	service := uniqueService(t)
	if err := session.AddItem(service, "apikey", "stored value"); err != nil {
		t.Fatal(err)
	}
	r := runPromptChild(t, session, service, "read", promptCancelEnv+"=1")
	t.Logf("canceled: %s", r.msg)
	if r.kind != "ErrTimeout" || !strings.Contains(r.msg, "canceled before the keyring answered") {
		t.Fatalf("canceled during a prompt: got %s (%s), want a cancellation", r.kind, r.msg)
	}
}
