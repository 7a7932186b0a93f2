package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The key file `ibmcloud iam api-key-create NAME --file FILE` writes is
// taken as it is, by login's stdin and by IBMCLOUD_API_KEY=@FILE, as IBM's
// own CLI takes it; a document that holds no key says so, in one line that
// quotes none of it.
func TestIBMKeyFiles(t *testing.T) {
	w := newWorld(t)
	doc := "{\n\t\"name\": \"monitor-token\",\n\t\"description\": \"\",\n\t\"createdAt\": \"2026-11-29T08:00+0000\",\n\t\"apikey\": \"" + w.facts.APIKey + "\"\n}\n"
	r := w.must(doc, w.loginArgs("default")...)
	if !strings.Contains(r.stderr, "Logged in") {
		t.Fatalf("login < key.json: %s", r.stderr)
	}
	file := filepath.Join(w.home, "key.json")
	if err := os.WriteFile(file, []byte(strings.ReplaceAll(doc, "\n", "\r\n")), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env["IBMCLOUD_API_KEY"] = "@" + file
	if r := w.must("", "get", "--refresh"); r.stdout != w.token()+"\n" {
		t.Fatalf("IBMCLOUD_API_KEY=@key.json: stdout %q", r.stdout)
	}
	delete(w.env, "IBMCLOUD_API_KEY")

	for _, tt := range []struct{ name, in, want string }{
		{"no apikey", `{"name":"x"}`, `monitor-token: login: the JSON document has no "apikey" field; give the file ` + "`ibmcloud iam api-key-create NAME --file FILE`" + ` wrote, or only the key` + "\n"},
		{"apikey a number", `{"apikey": 7}`, `monitor-token: login: the JSON document's "apikey" is a number, not a string; give the file ` + "`ibmcloud iam api-key-create`" + ` wrote, or only the key` + "\n"},
	} {
		r := w.run(tt.in, w.loginArgs("other")...)
		if r.code != ExitError || r.stderr != tt.want {
			t.Errorf("%s: exit %d, stderr %q\nwant %q", tt.name, r.code, r.stderr, tt.want)
		}
	}
	if err := os.WriteFile(file, []byte(`{"name":"x"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env["IBMCLOUD_API_KEY"] = "@" + file
	r = w.run("", "get", "--refresh")
	if want := "monitor-token: IBMCLOUD_API_KEY=@" + file + `: the JSON document has no "apikey" field`; r.code != ExitError || !strings.HasPrefix(r.stderr, want) {
		t.Fatalf("exit %d, stderr %q; want %q...", r.code, r.stderr, want)
	}
}
