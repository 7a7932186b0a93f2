package app

import "strings"

// getenvOf is the run's getenv over environ, the environment as
// os.Environ gives it: every variable the program reads goes through it,
// so tests can inject the environment. Names match as the system matches
// them: exactly on Unix, regardless of
// case on Windows, where the system spells %AppData% APPDATA and
// syscall.Getenv finds it under either name (syscall/env_windows.go). A name given twice keeps its
// last value, as os/exec does when it builds a child's environment.
func getenvOf(goos string, environ []string) func(string) string {
	key := func(name string) string { return name }
	if goos == "windows" {
		key = strings.ToUpper
	}
	vars := make(map[string]string, len(environ))
	for _, kv := range environ {
		// Windows keeps each drive's working directory in variables
		// named "=C:" and so on: their names begin with "=".
		from := 0
		if goos == "windows" && strings.HasPrefix(kv, "=") {
			from = 1
		}
		if i := strings.IndexByte(kv[from:], '='); i >= 0 {
			vars[key(kv[:from+i])] = kv[from+i+1:]
		}
	}
	return func(name string) string { return vars[key(name)] }
}
