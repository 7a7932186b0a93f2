package repocheck

import (
	"bufio"
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// root is the repository root, seen from this package's directory.
const root = "../.."

// stale are the references a clone of the repository cannot follow: the
// spec folder that lived beside it, its file names and its section numbers,
// and numbered entries of this project's tracker. A URL of an upstream
// tracker (".../issues/153") does not match. The literals are split so that
// this file does not match them itself.
var stale = []struct {
	what string
	re   *regexp.Regexp
}{
	{"a path into the spec folder beside the repository", regexp.MustCompile(regexp.QuoteMeta("../" + "shared"))},
	{"a numbered issue of this project's tracker", regexp.MustCompile(`(?i)\bissues? [0-9]+`)},
	{"a section of the spec", regexp.MustCompile(`(?i)\bspec\s+section`)},
	{"a file of the spec", regexp.MustCompile(regexp.QuoteMeta("ibm-monitor-api" + ".md"))},
	{"a file of the spec", regexp.MustCompile(regexp.QuoteMeta("style-by-example" + ".md"))},
	// The spec's integration and keyring files share their names with two
	// of docs/; only a bare name (no "docs/" before it) is the spec's.
	{"a file of the spec", regexp.MustCompile(`(^|[^s/])(integrations|keyring)` + regexp.QuoteMeta(".md"))},
}

// docsFile is any mention of a file under docs/.
var docsFile = regexp.MustCompile(`\bdocs/([A-Za-z0-9_-]+)\.md\b`)

// citation is a docs file followed by the heading it cites, in the forms
// the comments use: `, "A"`, ` ("A"`, `, from "A"`, and further headings
// joined by a comma, "and", "or" or "to".
var citation = regexp.MustCompile(`\bdocs/([A-Za-z0-9_-]+)\.md(?:,\s*|\s*\(\s*|:\s*|\s+)(?:from\s+)?("[^"]+"(?:\s*(?:,\s*and|,|and|or|to)\s+"[^"]+")*)`)

var quoted = regexp.MustCompile(`"([^"]+)"`)

// TestCommentsCiteTheRepository keeps every reference in the repository's
// sources and documents pointing at something a clone has: no spec folder
// or tracker numbers, and, in Go comments, docs citations whose file exists
// and has a level-two heading of exactly the cited text.
func TestCommentsCiteTheRepository(t *testing.T) {
	headings := map[string]map[string]bool{} // docs name -> its "## " headings; nil: no such file
	headingsOf := func(name string) map[string]bool {
		if h, ok := headings[name]; ok {
			return h
		}
		b, err := os.ReadFile(filepath.Join(root, "docs", name+".md"))
		if err != nil {
			headings[name] = nil
			return nil
		}
		h := map[string]bool{}
		for line := range strings.Lines(string(b)) {
			if rest, ok := strings.CutPrefix(line, "## "); ok {
				h[strings.TrimSpace(rest)] = true
			}
		}
		headings[name] = h
		return h
	}

	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			switch d.Name() {
			case ".git", "dist", "bin":
				return filepath.SkipDir
			}
			if underTestdata(rel) && rel != "integration/testdata" && !underScripts(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if underTestdata(rel) && !underScripts(rel) || !checked(d.Name()) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		checkLines(t, rel, b, headingsOf)
		if strings.HasSuffix(rel, ".go") {
			checkGoCitations(t, rel, b, headingsOf)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("checked only %d files under %s; is the walk looking at the repository?", files, root)
	}
}

// checked reports whether a file of that name is one the test reads.
func checked(name string) bool {
	if name == "Makefile" {
		return true
	}
	switch filepath.Ext(name) {
	case ".go", ".sh", ".txtar", ".md":
		return true
	}
	return false
}

func underTestdata(rel string) bool {
	return slices.Contains(strings.Split(rel, "/"), "testdata")
}

// underScripts: integration/testdata/script holds the testscript
// transcripts, which are read like sources.
func underScripts(rel string) bool {
	return rel == "integration/testdata/script" || strings.HasPrefix(rel, "integration/testdata/script/")
}

// checkLines fails on a stale reference in any line, and on a mention of
// a docs file that does not exist.
func checkLines(t *testing.T, rel string, b []byte, headingsOf func(string) map[string]bool) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		for _, s := range stale {
			if m := s.re.FindString(line); m != "" {
				t.Errorf("%s:%d: %s (%q): cite the repository's own docs, or give the reason itself:\n\t%s", rel, n, s.what, m, strings.TrimSpace(line))
			}
		}
		for _, m := range docsFile.FindAllStringSubmatch(line, -1) {
			if headingsOf(m[1]) == nil {
				t.Errorf("%s:%d: %s does not exist:\n\t%s", rel, n, m[0], strings.TrimSpace(line))
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Errorf("%s: %v", rel, err)
	}
}

// checkGoCitations fails on a docs citation in a Go comment whose heading
// the cited file does not have. A comment group is read as one text, so a
// citation may wrap from one line to the next.
func checkGoCitations(t *testing.T, rel string, src []byte, headingsOf func(string) map[string]bool) {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		t.Errorf("%s: %v", rel, err)
		if f == nil {
			return
		}
	}
	for _, g := range f.Comments {
		text, lineAt := groupText(fset, g)
		for _, m := range citation.FindAllStringSubmatchIndex(text, -1) {
			name := text[m[2]:m[3]]
			file := "docs/" + name + ".md"
			h := headingsOf(name)
			for _, q := range quoted.FindAllStringSubmatch(text[m[4]:m[5]], -1) {
				switch {
				case h == nil:
					t.Errorf("%s:%d: cites %s, which does not exist", rel, lineAt(m[0]), file)
				case !h[q[1]]:
					t.Errorf("%s:%d: cites %s, %q, but %s has no heading \"## %s\"", rel, lineAt(m[0]), file, q[1], file, q[1])
				}
			}
		}
	}
}

// groupText is a comment group as one line of text, every run of white
// space one blank, and a function from an offset in it to the file's line.
func groupText(fset *token.FileSet, g *ast.CommentGroup) (string, func(int) int) {
	var (
		text   strings.Builder
		starts []int // offset in text where each comment starts
		lines  []int // and its line in the file
	)
	for _, c := range g.List {
		body := c.Text
		if s, ok := strings.CutPrefix(body, "//"); ok {
			body = s
		} else {
			body = strings.TrimSuffix(strings.TrimPrefix(body, "/*"), "*/")
		}
		if text.Len() > 0 {
			text.WriteByte(' ')
		}
		starts = append(starts, text.Len())
		lines = append(lines, fset.Position(c.Pos()).Line)
		text.WriteString(strings.Join(strings.Fields(body), " "))
	}
	return text.String(), func(off int) int {
		i := len(starts) - 1
		for i > 0 && starts[i] > off {
			i--
		}
		return lines[i]
	}
}
