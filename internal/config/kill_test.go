package config

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

// killChildEnv marks the child process of TestKillDuringSave and carries the path it saves to.
const killChildEnv = "MONITOR_TOKEN_TEST_KILL_SAVE_PATH"

// killFile returns one of the two Files the child alternates between. Both hold 200 profiles, so
// that a Save takes more than an instant, and differ in every profile. They are written in the
// normalized form, so what Load returns must be DeepEqual to one of them.
func killFile(variant int) *File {
	region := [2]string{"us-south", "eu-de"}[variant]
	f := &File{Version: Version, Profiles: make(map[string]Settings, 200)}
	for i := range 200 {
		f.Profiles[fmt.Sprintf("profile-%03d.%s", i, region)] = Settings{
			Endpoint:    fmt.Sprintf("https://%s-%03d.monitoring.cloud.ibm.com", region, i),
			IAMEndpoint: "https://iam.cloud.ibm.com",
			InstanceID:  fmt.Sprintf("%08x-4567-89ab-cdef-%012x", i, variant),
			TeamID:      fmt.Sprint(1000*(variant+1) + i),
			Region:      region,
		}
	}
	return f
}

// TestKillDuringSaveChild is the child side of TestKillDuringSave: it saves the two killFiles
// alternately to one path until it is killed. Without the environment variable it does nothing.
func TestKillDuringSaveChild(t *testing.T) {
	path := os.Getenv(killChildEnv)
	if path == "" {
		return
	}
	files := [2]*File{killFile(0), killFile(1)}
	parent := os.Getppid()
	for i := 0; ; i++ {
		if err := files[i%2].Save(path); err != nil {
			fmt.Fprintln(os.Stderr, "child: Save:", err)
			os.Exit(3)
		}
		// Do not outlive a parent that died without killing us.
		if i%16 == 0 && os.Getppid() != parent {
			os.Exit(4)
		}
	}
}

// TestKillDuringSave proves that a process killed at any moment of a Save leaves the old or the
// new file in place, never a torn one. A child process (this test binary, running
// TestKillDuringSaveChild) saves two different Files alternately to one path in a tight loop; it
// is killed with SIGKILL after a random moment, and the path must then load as exactly one of the
// two. Timing only decides when to kill; nothing here asserts how long anything takes.
//
// Leftover temporary files: Save writes to ".<name>.tmp-<random>" in the same directory (see
// writeAtomic) and removes it on an error, but SIGKILL runs no cleanup, so a kill between
// CreateTemp and the rename leaves that one temporary file behind. That is expected and cannot be
// avoided with SIGKILL; what matters is the real file. The test allows at most one such file per
// round (the killed Save's) and nothing else in the directory.
func TestKillDuringSave(t *testing.T) {
	switch runtime.GOOS {
	case "js", "wasip1", "ios", "android":
		t.Skipf("cannot run a child process on %s", runtime.GOOS)
	}
	if testing.Short() {
		t.Skip("starts 30 child processes; skipped in -short mode")
	}
	if os.Getenv(killChildEnv) != "" {
		t.Skip("this is the child process")
	}
	files := [2]*File{killFile(0), killFile(1)}
	if reflect.DeepEqual(files[0].Profiles, files[1].Profiles) {
		t.Fatal("the two Files must differ")
	}
	for _, f := range files {
		if err := f.Validate(); err != nil {
			t.Fatal(err)
		}
	}

	const rounds = 30
	var sawTemp int
	var sawVariant [2]int
	for round := range rounds {
		dir := t.TempDir()
		path := filepath.Join(dir, "config.json")
		variant, leftover := killDuringSaveRound(t, round, path, files)
		sawVariant[variant]++
		if leftover {
			sawTemp++
		}
	}
	t.Logf("%d rounds: file was variant 0 %d times, variant 1 %d times; a killed Save left its temporary file in %d rounds",
		rounds, sawVariant[0], sawVariant[1], sawTemp)
}

// killDuringSaveRound runs one child, kills it and checks what it left at path. It returns which
// of files the path holds and whether a temporary file was left behind.
func killDuringSaveRound(t *testing.T, round int, path string, files [2]*File) (variant int, leftover bool) {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringSaveChild$", "-test.count=1", "-test.timeout=5m")
	cmd.Env = append(os.Environ(), killChildEnv+"="+path)
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("round %d: starting the child: %v", round, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	killed := false
	defer func() {
		if !killed { // a failure below: do not leave the child running
			cmd.Process.Kill()
			<-exited
		}
	}()

	// Wait until the child has saved at least once (the -race build starts slowly); the generous
	// limit only keeps a broken child from hanging the test.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if _, err := os.Stat(path); err == nil {
			break
		} else if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("round %d: %v", round, err)
		}
		select {
		case err := <-exited:
			killed = true
			t.Fatalf("round %d: the child exited before saving (%v):\n%s", round, err, stderr.String())
		case <-time.After(200 * time.Microsecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("round %d: the child did not save within 2 minutes:\n%s", round, stderr.String())
		}
	}

	time.Sleep(rand.N(30 * time.Millisecond))
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatalf("round %d: killing the child: %v", round, err)
	}
	err := <-exited
	killed = true
	// The child must have died from the kill, not exited by itself (a failed Save exits 3).
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Exited() {
		t.Fatalf("round %d: the child was not killed by the signal (%v):\n%s", round, err, stderr.String())
	}

	got, err := Load(path)
	if err != nil {
		data, _ := os.ReadFile(path)
		t.Fatalf("round %d: after the kill the file does not load: %v\n(%d bytes; torn?)", round, err, len(data))
	}
	switch {
	case reflect.DeepEqual(got.Profiles, files[0].Profiles):
		variant = 0
	case reflect.DeepEqual(got.Profiles, files[1].Profiles):
		variant = 1
	default:
		t.Fatalf("round %d: after the kill the file loads as neither saved File (%d profiles)", round, len(got.Profiles))
	}
	if got.Version != Version {
		t.Fatalf("round %d: version %d, want %d", round, got.Version, Version)
	}

	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	tempPrefix := "." + filepath.Base(path) + ".tmp-"
	var temps, others []string
	for _, e := range entries {
		switch name := e.Name(); {
		case name == filepath.Base(path):
		case strings.HasPrefix(name, tempPrefix) && e.Type().IsRegular():
			temps = append(temps, name)
		default:
			others = append(others, name)
		}
	}
	if len(temps) > 1 || len(others) > 0 {
		t.Fatalf("round %d: files left next to %s: temporary %q (at most one, from the killed Save, is expected), other %q",
			round, filepath.Base(path), temps, others)
	}
	return variant, len(temps) == 1
}
