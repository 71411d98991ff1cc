package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRuleCommands(t *testing.T) {
	dir := t.TempDir()
	run(t, dir, passwords, addArgs...)
	if code, out, errOut := run(t, dir, nil, append([]string{"import", "--account", "Work"}, conversationFiles(t)...)...); code != 0 {
		t.Fatalf("import = %d, %q %q", code, out, errOut)
	}
	add := func(args ...string) (int, string, string) {
		return run(t, dir, nil, append([]string{"rule", "add"}, args...)...)
	}
	if code, out, errOut := add("--name", "plans", "--match", "subject:plan", "--action", "move=Plans", "--action", "read"); code != 0 {
		t.Fatalf("rule add = %d, %q, %q", code, out, errOut)
	}
	if code, _, _ := add("--name", "lunch", "--match", "from:carol", "--action", "flag", "--action", "stop"); code != 0 {
		t.Fatal("second rule add failed")
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"malformed query", []string{"--name", "bad", "--match", "frm:ann", "--action", "read"}, `rule "bad", match: at character 1: unknown operator "frm:"`},
		{"bad action", []string{"--name", "bad", "--match", "x", "--action", "archive"}, `unknown action "archive"`},
		{"duplicate name", []string{"--name", "PLANS", "--match", "x", "--action", "read"}, "already exists"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := add(tc.args...)
			if code == 0 || !strings.Contains(errOut, tc.want) {
				t.Errorf("rule add %v = %d, %q, want an error with %q", tc.args, code, errOut, tc.want)
			}
		})
	}
	_, out, _ := run(t, dir, nil, "rule", "list", "--json")
	var list []ruleJSON
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("rule list --json = %q: %v", out, err)
	}
	want := []ruleJSON{{"plans", "subject:plan", []string{"move=Plans", "read"}, 1}, {"lunch", "from:carol", []string{"flag", "stop"}, 2}}
	if !reflect.DeepEqual(list, want) {
		t.Errorf("rule list --json = %+v, want %+v", list, want)
	}
	code, out, errOut := run(t, dir, nil, "rule", "run", "plans")
	if code != 0 || !strings.Contains(out, "matched 3 messages") {
		t.Fatalf("rule run = %d, %q, %q, want 3 matched", code, out, errOut)
	}
	_, out, _ = run(t, dir, nil, "search", "in:Plans is:read", "--json")
	var moved []messageJSON
	if err := json.Unmarshal([]byte(out), &moved); err != nil || len(moved) != 3 {
		t.Errorf("search in:Plans is:read = %q, want the three moved messages", out)
	}

	file := filepath.Join(t.TempDir(), "rules.toml")
	if code, _, errOut := run(t, dir, nil, "rule", "export", file); code != 0 {
		t.Fatalf("rule export = %q", errOut)
	}
	data, _ := os.ReadFile(file)
	if !strings.Contains(string(data), "[[rule]]") || !strings.Contains(string(data), `match = "subject:plan"`) {
		t.Errorf("exported file = %q, want TOML [[rule]] tables", data)
	}
	if code, out, _ := run(t, dir, nil, "rule", "remove", "plans"); code != 0 || !strings.Contains(out, `removed rule "plans"`) {
		t.Fatalf("rule remove = %d, %q", code, out)
	}
	if code, _, errOut := run(t, dir, nil, "rule", "remove", "plans"); code == 0 || !strings.Contains(errOut, "not found") {
		t.Errorf("rule remove (gone) = %d, %q, want not found", code, errOut)
	}
	code, out, errOut = run(t, dir, nil, "rule", "import", file)
	if code != 0 || !strings.Contains(out, "1 added, 1 replaced") {
		t.Fatalf("rule import = %d, %q, %q, want 1 added, 1 replaced", code, out, errOut)
	}
	_, out, _ = run(t, dir, nil, "rule", "list")
	if !strings.Contains(out, "lunch") || !strings.Contains(out, "plans") {
		t.Errorf("rule list after import = %q, want both rules", out)
	}
	bad := filepath.Join(t.TempDir(), "bad.toml")
	os.WriteFile(bad, []byte("[[rule]]\nname = \"x\"\nmatch = \"before:soon\"\nactions = [\"read\"]\n"), 0o600)
	if code, _, errOut := run(t, dir, nil, "rule", "import", bad); code == 0 || !strings.Contains(errOut, "expected a date") {
		t.Errorf("rule import (bad query) = %d, %q, want the parser's words", code, errOut)
	}
}
