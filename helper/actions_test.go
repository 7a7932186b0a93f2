package helper

import (
	"context"
	"strings"
	"testing"
)

// TestActions: the exported names are git's words, in git's order, and
// each is the action Run performs under that name.
func TestActions(t *testing.T) {
	const request = "protocol=https\nhost=mon.example\nusername=\npassword=tok-1\n\n"
	tests := []struct {
		action string
		out    string
		calls  string
	}{
		{"get", "username=\npassword=tok-1\n", "token"},
		{"store", "", ""},
		{"erase", "", "forget"},
		{"capability", "version 0\ncapability authtype\n", ""},
	}
	if len(Actions) != len(tests) {
		t.Fatalf("Actions = %q, want the %d actions of the table", Actions, len(tests))
	}
	for i, tt := range tests {
		t.Run(tt.action, func(t *testing.T) {
			if Actions[i] != tt.action {
				t.Fatalf("Actions[%d] = %q, want %q", i, Actions[i], tt.action)
			}
			src := newSource(map[string]string{"https://mon.example": "tok-1"})
			var out strings.Builder
			if err := Run(context.Background(), Actions[i], strings.NewReader(request), &out, src); err != nil {
				t.Fatalf("Run: %v", err)
			}
			var ops []string
			for _, c := range src.calls {
				ops = append(ops, c.op)
			}
			if out.String() != tt.out || strings.Join(ops, ",") != tt.calls {
				t.Errorf("Run(%q) wrote %q and called %q; want %q and %q", tt.action, out.String(), ops, tt.out, tt.calls)
			}
		})
	}
	if got := [...]string{ActionGet, ActionStore, ActionErase, ActionCapability}; strings.Join(got[:], "|") != "get|store|erase|capability" {
		t.Errorf("the Action* names are %q", got)
	}
}
