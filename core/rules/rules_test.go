package rules

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core/query"
)

func TestParseAction(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Action
		wantErr string
	}{
		{"move", "move=Lists", Action{Kind: Move, Folder: "Lists"}, ""},
		{"move with spaces in folder", "move=Old mail", Action{Kind: Move, Folder: "Old mail"}, ""},
		{"copy", "copy=Archive/2026", Action{Kind: Copy, Folder: "Archive/2026"}, ""},
		{"read", "read", Action{Kind: Read}, ""},
		{"flag upper case", "FLAG", Action{Kind: Flag}, ""},
		{"delete", "delete", Action{Kind: Delete}, ""},
		{"stop", "stop", Action{Kind: Stop}, ""},
		{"move without folder", "move=", Action{}, "move needs a folder"},
		{"move bare", "move", Action{}, "move needs a folder"},
		{"read with folder", "read=x", Action{}, "read takes no folder"},
		{"unknown", "archive", Action{}, `unknown action "archive"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseAction(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) || !errors.Is(err, ErrInvalid) {
					t.Fatalf("ParseAction(%q) = %v, want an ErrInvalid error with %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseAction(%q) = %+v, %v, want %+v", tc.in, got, err, tc.want)
			}
			if back, _ := ParseAction(got.String()); back != got {
				t.Errorf("ParseAction(%q.String()) = %+v, want %+v", tc.in, back, got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	read := []Action{{Kind: Read}}
	tests := []struct {
		name       string
		rule       Rule
		wantErr    string
		wantSyntax bool
	}{
		{"good", Rule{Name: "n", Match: "from:ann", Actions: read}, "", false},
		{"header and size", Rule{Name: "n", Match: "header:List-Id:x larger:10k", Actions: read}, "", false},
		{"no name", Rule{Match: "from:ann", Actions: read}, "a rule needs a name", false},
		{"empty query", Rule{Name: "n", Match: "  ", Actions: read}, "would match every message", false},
		{"malformed query", Rule{Name: "n", Match: "frm:ann", Actions: read}, `unknown operator "frm:"`, true},
		{"bad size", Rule{Name: "n", Match: "larger:huge", Actions: read}, "expected a size", true},
		{"no actions", Rule{Name: "n", Match: "from:ann"}, "at least one action", false},
		{"bad action", Rule{Name: "n", Match: "from:ann", Actions: []Action{{Kind: Move}}}, `rule "n", action: move needs a folder`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.rule.Validate()
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("Validate() = %v, want %q", err, tc.wantErr)
			}
			var se *query.SyntaxError
			if errors.As(err, &se) != tc.wantSyntax {
				t.Errorf("Validate() = %v: errors.As(*query.SyntaxError) = %v, want %v", err, !tc.wantSyntax, tc.wantSyntax)
			}
		})
	}
}

func TestEvaluate(t *testing.T) {
	rule := func(name string, acts ...string) Rule {
		r := Rule{Name: name, Match: "x"}
		for _, s := range acts {
			a, err := ParseAction(s)
			if err != nil {
				t.Fatal(err)
			}
			r.Actions = append(r.Actions, a)
		}
		return r
	}
	tests := []struct {
		name    string
		rules   []Rule
		matches []string // names of the rules whose query holds
		want    Outcome
	}{
		{"none match", []Rule{rule("a", "read")}, nil, Outcome{}},
		{"move", []Rule{rule("a", "move=Lists")}, []string{"a"}, Outcome{Matched: []string{"a"}, Move: "Lists"}},
		{"copy", []Rule{rule("a", "copy=Keep")}, []string{"a"}, Outcome{Matched: []string{"a"}, Copies: []string{"Keep"}}},
		{"read", []Rule{rule("a", "read")}, []string{"a"}, Outcome{Matched: []string{"a"}, Read: true}},
		{"flag", []Rule{rule("a", "flag")}, []string{"a"}, Outcome{Matched: []string{"a"}, Flag: true}},
		{"delete", []Rule{rule("a", "delete")}, []string{"a"}, Outcome{Matched: []string{"a"}, Delete: true}},
		{"actions add up", []Rule{rule("a", "read"), rule("b", "flag", "copy=K")}, []string{"a", "b"},
			Outcome{Matched: []string{"a", "b"}, Read: true, Flag: true, Copies: []string{"K"}}},
		{"first move wins", []Rule{rule("a", "move=One"), rule("b", "move=Two")}, []string{"a", "b"},
			Outcome{Matched: []string{"a", "b"}, Move: "One"}},
		{"stop ends processing", []Rule{rule("a", "move=One", "stop"), rule("b", "read")}, []string{"a", "b"},
			Outcome{Matched: []string{"a"}, Move: "One"}},
		{"stop only when matched", []Rule{rule("a", "stop"), rule("b", "read")}, []string{"b"},
			Outcome{Matched: []string{"b"}, Read: true}},
		{"same copy once", []Rule{rule("a", "copy=K"), rule("b", "copy=k")}, []string{"a", "b"},
			Outcome{Matched: []string{"a", "b"}, Copies: []string{"K"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Evaluate(tc.rules, func(r Rule) (bool, error) {
				for _, m := range tc.matches {
					if m == r.Name {
						return true, nil
					}
				}
				return false, nil
			})
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("Evaluate() = %+v, %v, want %+v", got, err, tc.want)
			}
		})
	}
}

func TestOutcomeQuiet(t *testing.T) {
	tests := []struct {
		name string
		o    Outcome
		want bool
	}{
		{"nothing", Outcome{}, false},
		{"flag only", Outcome{Flag: true}, false},
		{"copy only", Outcome{Copies: []string{"K"}}, false},
		{"moved", Outcome{Move: "L"}, true},
		{"read", Outcome{Read: true}, true},
		{"deleted", Outcome{Delete: true}, true},
	}
	for _, tc := range tests {
		if got := tc.o.Quiet(); got != tc.want {
			t.Errorf("%s: Quiet() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestExportImport(t *testing.T) {
	rs := []Rule{
		{Name: "Lists", Match: `header:List-Id:announce "weekly news"`, Actions: []Action{{Kind: Move, Folder: "Lists"}, {Kind: Read}, {Kind: Stop}}},
		{Name: "Boss", Match: "from:boss@example.com", Actions: []Action{{Kind: Flag}}},
	}
	var buf bytes.Buffer
	if err := Export(&buf, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "[[rule]]") || !strings.Contains(buf.String(), `"move=Lists"`) {
		t.Errorf("Export() wrote %q, want [[rule]] tables with action strings", buf.String())
	}
	got, err := Import(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		rs[i].Position = i
	}
	if !reflect.DeepEqual(got, rs) {
		t.Errorf("Import(Export(rs)) = %+v, want %+v", got, rs)
	}
}

func TestImportRefuses(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"malformed query", "[[rule]]\nname = \"a\"\nmatch = \"frm:x\"\nactions = [\"read\"]\n", `rule "a", match: at character 1: unknown operator`},
		{"bad action", "[[rule]]\nname = \"a\"\nmatch = \"x\"\nactions = [\"archive\"]\n", `rule "a", action: unknown action`},
		{"unknown key", "[[rule]]\nname = \"a\"\nmatch = \"x\"\nactions = [\"read\"]\nenabled = true\n", `unknown key "rule.enabled"`},
		{"duplicate name", "[[rule]]\nname = \"a\"\nmatch = \"x\"\nactions = [\"read\"]\n[[rule]]\nname = \"a\"\nmatch = \"y\"\nactions = [\"flag\"]\n", "two rules have this name"},
		{"not toml", "[[rule", "rules: read"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Import() = %v, want %q", err, tc.want)
			}
		})
	}
}
