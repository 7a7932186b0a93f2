package store

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// kinds names the sentinels, for test messages and for the child process of
// the real-keyring tests.
var kinds = map[error]string{
	ErrNotFound:        "ErrNotFound",
	ErrNoSessionBus:    "ErrNoSessionBus",
	ErrNoSecretService: "ErrNoSecretService",
	ErrLocked:          "ErrLocked",
	ErrDenied:          "ErrDenied",
	ErrDismissed:       "ErrDismissed",
	ErrTimeout:         "ErrTimeout",
	ErrTooLarge:        "ErrTooLarge",
	ErrUnsupported:     "ErrUnsupported",
	ErrUnavailable:     "ErrUnavailable",
}

func kindName(err error) string {
	var e *Error
	if !errors.As(err, &e) {
		return fmt.Sprintf("not an *Error: %v", err)
	}
	if n, ok := kinds[e.Kind]; ok {
		return n
	}
	return fmt.Sprintf("unknown kind %v", e.Kind)
}

// dbusError mimics godbus's dbus.Error, whose Error() is the message body.
type dbusError struct{ name, body string }

func (e dbusError) Error() string {
	if e.body == "" {
		return e.name
	}
	return e.body
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		// The strings of the table in docs/keyring.md, "Failure modes", as
		// go-keyring returns them.
		{"no bus, no dbus-launch",
			&exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}, ErrNoSessionBus},
		{"no bus, dbus-launch text",
			errors.New(`exec: "dbus-launch": executable file not found in $PATH`), ErrNoSessionBus},
		{"no bus, dbus-launch printed nothing",
			errors.New("dbus: couldn't determine address of session bus"), ErrNoSessionBus},
		{"stale bus address",
			errors.New("dial unix /run/user/1000/bus: connect: no such file or directory"), ErrNoSessionBus},
		{"no Secret Service",
			dbusError{"org.freedesktop.DBus.Error.ServiceUnknown", "The name org.freedesktop.secrets was not provided by any .service files"}, ErrNoSecretService},
		{"no Secret Service, dbus-broker",
			dbusError{"org.freedesktop.DBus.Error.ServiceUnknown", "The name is not activatable"}, ErrNoSecretService},
		{"no Secret Service, name only",
			dbusError{name: "org.freedesktop.DBus.Error.ServiceUnknown"}, ErrNoSecretService},
		{"locked, no prompter",
			errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked},
		{"locked, login collection",
			errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'"), ErrLocked},
		{"prompt dismissed",
			errors.New("prompt dismissed"), ErrLocked},
		{"write to a locked collection",
			dbusError{"org.freedesktop.Secret.Error.IsLocked", "Cannot create an item in a locked collection"}, ErrLocked},
		// go-keyring's typed errors.
		{"not found", keyring.ErrNotFound, ErrNotFound},
		{"not found, wrapped", fmt.Errorf("get: %w", keyring.ErrNotFound), ErrNotFound},
		{"too big", keyring.ErrSetDataTooBig, ErrTooLarge},
		{"unsupported platform", keyring.ErrUnsupportedPlatform, ErrUnsupported},
		{"deadline", context.DeadlineExceeded, ErrTimeout},
		// Anything else.
		{"other D-Bus error",
			dbusError{"org.freedesktop.DBus.Error.NoReply", "Did not receive a reply"}, ErrUnavailable},
		{"macOS security exit", errors.New("exit status 45"), ErrUnavailable},
		{"unknown object of a running Secret Service",
			dbusError{"org.freedesktop.DBus.Error.UnknownObject", "No such object path '/org/freedesktop/secrets/collection/login'"}, ErrUnavailable},
		{"unrelated missing executable",
			errors.New(`exec: "security": executable file not found in $PATH`), ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Classify("read", "apikey", tt.err)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Classify(%q) is %s, want %s", tt.err, kindName(err), kinds[tt.want])
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("Classify(%q) lost its cause: errors.Is(err, cause) is false", tt.err)
			}
			var e *Error
			if !errors.As(err, &e) || e.Op != "read" || e.Item != "apikey" {
				t.Errorf("Classify = %#v, want an *Error with Op read and Item apikey", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, `"apikey"`) {
				t.Errorf("Error() = %q, want one line naming the item", msg)
			}
		})
	}
}

func TestClassifyNilAndError(t *testing.T) {
	if err := Classify("read", "u", nil); err != nil {
		t.Errorf("Classify(nil) = %v, want nil", err)
	}
	orig := &Error{Op: "write", Item: "u", Kind: ErrLocked, Err: errors.New("x")}
	if err := Classify("read", "v", orig); err != error(orig) {
		t.Errorf("Classify(*Error) = %v, want it unchanged", err)
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  *Error
		want []string
	}{
		{&Error{Op: "read", Item: "apikey", Kind: ErrNoSessionBus, Err: errors.New("dbus: couldn't determine address of session bus")},
			[]string{`cannot read "apikey"`, "no D-Bus session bus (SSH, container or cron?)", "IBMCLOUD_API_KEY", "couldn't determine address"}},
		{&Error{Op: "write", Item: "apikey", Kind: ErrNoSecretService, Err: errors.New("x")},
			[]string{`cannot write "apikey"`, "no Secret Service", "gnome-keyring"}},
		{&Error{Op: "read", Item: "apikey", Kind: ErrLocked, Err: errors.New("x")},
			[]string{"the keyring is locked: unlock it", "gnome-keyring-daemon --unlock"}},
		{&Error{Op: "read", Item: "apikey", Kind: ErrTimeout, Err: &deadlineError{after: 5 * time.Second, err: context.DeadlineExceeded}},
			[]string{"did not answer within 5s (locked with an unanswered unlock prompt?)", "raise MONITOR_TOKEN_KEYRING_TIMEOUT"}},
		{&Error{Op: "write", Item: "apikey", Kind: ErrTimeout, Err: &deadlineError{after: 2 * time.Minute, prompt: "access", err: context.DeadlineExceeded}},
			[]string{`cannot write "apikey" to the OS keyring: the keyring's access prompt was not answered within 2m0s: answer it, or raise MONITOR_TOKEN_KEYRING_TIMEOUT`}},
		{&Error{Op: "read", Item: "apikey", Kind: ErrTimeout, Err: context.Canceled},
			[]string{"canceled"}},
		{&Error{Op: "delete", Kind: ErrUnavailable, Err: errors.New("boom")},
			[]string{"cannot delete the items", "boom"}},
		{&Error{Op: "delete", Item: "apikey", Kind: ErrNotFound, Err: keyring.ErrNotFound},
			[]string{`cannot delete "apikey"`, "no such item"}},
	}
	for _, tt := range tests {
		msg := tt.err.Error()
		for _, w := range tt.want {
			if !strings.Contains(msg, w) {
				t.Errorf("Error() = %q, want it to contain %q", msg, w)
			}
		}
	}
}

// hanging is a keyring that never answers, like a locked collection whose
// unlock prompt nobody answers.
type hanging struct{ release chan struct{} }

func (h hanging) Get(context.Context, string, string) (string, error) {
	<-h.release
	return "", keyring.ErrNotFound
}
func (h hanging) Set(context.Context, string, string, string) error { <-h.release; return nil }
func (h hanging) Delete(context.Context, string, string) error {
	<-h.release
	return keyring.ErrNotFound
}
func (h hanging) DeleteAll(context.Context, string) error { <-h.release; return nil }

func TestDeadline(t *testing.T) {
	h := hanging{release: make(chan struct{})}
	t.Cleanup(func() { close(h.release) }) // let the abandoned goroutines finish
	s := &Store{service: "svc", backend: h, timeout: DefaultTimeout}

	calls := map[string]func(context.Context) error{
		"Get":       func(ctx context.Context) error { _, err := s.Get(ctx, "apikey"); return err },
		"Set":       func(ctx context.Context) error { return s.Set(ctx, "apikey", "secret") },
		"Delete":    func(ctx context.Context) error { return s.Delete(ctx, "apikey") },
		"DeleteAll": func(ctx context.Context) error { return s.DeleteAll(ctx) },
	}
	for name, f := range calls {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
			defer cancel()
			err := f(ctx)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("got %v (%s), want ErrTimeout", err, kindName(err))
			}
			// The point of the deadline: a keyring that does not answer
			// must not look like a missing item (or a successful delete).
			if errors.Is(err, ErrNotFound) {
				t.Errorf("got %v, which matches ErrNotFound", err)
			}
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("got %v, want it to match context.DeadlineExceeded", err)
			}
			if !strings.Contains(err.Error(), "MONITOR_TOKEN_KEYRING_TIMEOUT") {
				t.Errorf("Error() = %q, want the way out", err)
			}
		})
	}

	t.Run("canceled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := s.Get(ctx, "apikey")
		if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.Canceled) || errors.Is(err, ErrNotFound) {
			t.Errorf("got %v, want ErrTimeout and context.Canceled", err)
		}
	})
}

func TestRoundBudget(t *testing.T) {
	for in, want := range map[time.Duration]time.Duration{
		-time.Second:                     0,
		1999999 * time.Microsecond:       2 * time.Second,
		5 * time.Second:                  5 * time.Second,
		1500*time.Microsecond + 1:        2 * time.Millisecond,
		2*time.Minute - time.Microsecond: 2 * time.Minute,
		1234567890 * time.Nanosecond:     1200 * time.Millisecond,
	} {
		if got := roundBudget(in); got != want {
			t.Errorf("roundBudget(%v) = %v, want %v", in, got, want)
		}
	}
}

// failing returns err from every call.
type failing struct{ err error }

func (f failing) Get(context.Context, string, string) (string, error) { return "", f.err }
func (f failing) Set(context.Context, string, string, string) error   { return f.err }
func (f failing) Delete(context.Context, string, string) error        { return f.err }
func (f failing) DeleteAll(context.Context, string) error             { return f.err }

func TestBackendErrorsAreClassified(t *testing.T) {
	tests := []struct {
		err  error
		want error
	}{
		{errors.New(`exec: "dbus-launch": executable file not found in $PATH`), ErrNoSessionBus},
		{errors.New("The name org.freedesktop.secrets was not provided by any .service files"), ErrNoSecretService},
		{errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'"), ErrLocked},
		{keyring.ErrSetDataTooBig, ErrTooLarge},
		{keyring.ErrUnsupportedPlatform, ErrUnsupported},
		{errors.New("something else"), ErrUnavailable},
	}
	for _, tt := range tests {
		s := &Store{service: "svc", backend: failing{tt.err}, timeout: DefaultTimeout}
		ctx := context.Background()
		_, errGet := s.Get(ctx, "apikey")
		for name, err := range map[string]error{
			"Get":       errGet,
			"Set":       s.Set(ctx, "apikey", "s3cr3t-value"),
			"Delete":    s.Delete(ctx, "apikey"),
			"DeleteAll": s.DeleteAll(ctx),
		} {
			if !errors.Is(err, tt.want) || !errors.Is(err, tt.err) {
				t.Errorf("%s with %q: got %v (%s), want %s wrapping the cause", name, tt.err, err, kindName(err), kinds[tt.want])
			}
		}
	}
}

func TestSecretNeverInError(t *testing.T) {
	const secret = "hunter2-very-secret"
	s := &Store{service: "svc", backend: failing{fmt.Errorf("backend echoed %s back", secret)}, timeout: DefaultTimeout}
	err := s.Set(context.Background(), "apikey", secret)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Fatalf("Set error = %v, want an error without the secret", err)
	}
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("got %s, want the kind kept", kindName(err))
	}
}

func TestMemoryRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := NewMemory("svc")

	if _, err := s.Get(ctx, "apikey"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of a missing item: %v, want ErrNotFound", err)
	}
	if err := s.Set(ctx, "apikey", "one"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "apikey", "two"); err != nil {
		t.Fatal(err)
	}
	if err := s.Set(ctx, "token", "t"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "apikey"); err != nil || got != "two" {
		t.Fatalf("Get = %q, %v; want two", got, err)
	}
	if got, err := NewMemory("svc").Get(ctx, "apikey"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a second NewMemory shares items: Get = %q, %v", got, err)
	}

	if err := s.Delete(ctx, "apikey"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "apikey"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after Delete: %v, want ErrNotFound", err)
	}
	err := s.Delete(ctx, "apikey")
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete of a missing item: %v, want ErrNotFound", err)
	}
	if !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("Delete of a missing item: %v, want the cause kept", err)
	}

	if err := s.DeleteAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "token"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after DeleteAll: %v, want ErrNotFound", err)
	}
	if err := s.DeleteAll(ctx); err != nil {
		t.Errorf("DeleteAll of nothing: %v, want nil", err)
	}
}

func TestDeleteAllEmptyService(t *testing.T) {
	s := NewMemory("")
	if err := s.Set(context.Background(), "u", "x"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteAll(context.Background()); err == nil || errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteAll with an empty service = %v, want a refusal", err)
	}
}

// TestMemoryConcurrent is meant for -race: go-keyring's MockInit fails it.
func TestMemoryConcurrent(t *testing.T) {
	ctx := context.Background()
	s := NewMemory("svc")
	var wg sync.WaitGroup
	for g := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			user := fmt.Sprintf("user%d", g%4)
			for i := range 50 {
				if err := s.Set(ctx, user, fmt.Sprint(i)); err != nil {
					t.Error(err)
				}
				if _, err := s.Get(ctx, user); err != nil && !errors.Is(err, ErrNotFound) {
					t.Error(err)
				}
				if i%10 == 0 {
					_ = s.Delete(ctx, user)
				}
				if i%25 == 0 {
					_ = s.DeleteAll(ctx)
				}
			}
		}()
	}
	wg.Wait()
}

func TestSizeLimit(t *testing.T) {
	ctx := context.Background()
	s := NewMemory("svc")
	if err := s.Set(ctx, "token", strings.Repeat("x", MaxSecretSize)); err != nil {
		t.Errorf("Set of %d bytes: %v, want nil", MaxSecretSize, err)
	}
	big := strings.Repeat("y", MaxSecretSize+1)
	err := s.Set(ctx, "token", big)
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("Set of %d bytes: %v, want ErrTooLarge", len(big), err)
	}
	if strings.Contains(err.Error(), "yyyy") {
		t.Errorf("Error() contains the secret: %q", err)
	}
	if got, _ := s.Get(ctx, "token"); got != strings.Repeat("x", MaxSecretSize) {
		t.Errorf("a refused Set changed the item")
	}
	// The check comes before the keyring is touched: a hanging keyring
	// still gives ErrTooLarge at once.
	h := hanging{release: make(chan struct{})}
	defer close(h.release)
	hs := &Store{service: "svc", backend: h, timeout: DefaultTimeout}
	if err := hs.Set(ctx, "token", big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Set of %d bytes on a hanging keyring: %v, want ErrTooLarge", len(big), err)
	}
}

func TestTimeoutFromEnv(t *testing.T) {
	tests := []struct {
		value   string
		want    time.Duration
		wantErr bool
	}{
		{"", DefaultTimeout, false},
		{"  ", DefaultTimeout, false},
		{"2s", 2 * time.Second, false},
		{"1m30s", 90 * time.Second, false},
		{"500ms", 500 * time.Millisecond, false},
		{" 3s ", 3 * time.Second, false},
		{"5", 0, true},
		{"abc", 0, true},
		{"0s", 0, true},
		{"-1s", 0, true},
	}
	for _, tt := range tests {
		getenv := func(k string) string {
			if k == "MONITOR_TOKEN_KEYRING_TIMEOUT" {
				return tt.value
			}
			return ""
		}
		got, err := TimeoutFromEnv(getenv, DefaultTimeout)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "MONITOR_TOKEN_KEYRING_TIMEOUT") || !strings.Contains(err.Error(), `"2s"`) {
				t.Errorf("TimeoutFromEnv(%q) = %v, %v; want an error naming the variable and an example", tt.value, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("TimeoutFromEnv(%q) = %v, %v; want %v", tt.value, got, err, tt.want)
		}
	}
}

func TestDefaultTimeoutApplies(t *testing.T) {
	// A context without a deadline still gets one (DefaultTimeout in
	// production, shortened here).
	h := hanging{release: make(chan struct{})}
	defer close(h.release)
	s := &Store{service: "svc", backend: h, timeout: time.Millisecond}
	_, err := s.Get(context.Background(), "apikey")
	if !errors.Is(err, ErrTimeout) || errors.Is(err, ErrNotFound) {
		t.Fatalf("got %v (%s), want ErrTimeout", err, kindName(err))
	}
	if got := New("svc").timeout; got != DefaultTimeout {
		t.Errorf("New: default timeout %v, want %v", got, DefaultTimeout)
	}
}
