package control

import (
	"context"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core/rules"
)

func TestClientDrivesTheRules(t *testing.T) {
	f := newFixture(t)
	c := f.serve(t, &Local{Engine: f.e, Store: f.db, Running: true})
	ctx := context.Background()
	r := rules.Rule{Name: "first", Match: "subject:ctl -subject:2", Actions: []rules.Action{{Kind: rules.Move, Folder: "Archive"}}}
	saved, err := c.RuleSave(ctx, r)
	if err != nil || saved.ID == 0 || saved.Position != 0 {
		t.Fatalf("RuleSave = %+v, %v, want the rule stored first", saved, err)
	}
	if _, err := c.RuleSave(ctx, rules.Rule{Name: "bad", Match: "frm:x", Actions: r.Actions}); err == nil || !strings.Contains(err.Error(), `unknown operator "frm:"`) {
		t.Errorf("RuleSave(malformed) = %v, want the parser's words", err)
	}
	rep, err := c.RuleImport(ctx, []rules.Rule{{Name: "second", Match: "subject:2", Actions: []rules.Action{{Kind: rules.Flag}}}})
	if err != nil || rep.Added != 1 {
		t.Fatalf("RuleImport = %+v, %v, want 1 added", rep, err)
	}
	if err := c.RuleMove(ctx, "second", -1); err != nil {
		t.Fatal(err)
	}
	if rs, _ := f.db.Rules(ctx); len(rs) != 2 || rs[0].Name != "second" {
		t.Errorf("Rules after RuleMove = %+v, want second first", rs)
	}
	n, err := c.RuleRun(ctx, "first", "")
	if err != nil || n != 2 {
		t.Fatalf("RuleRun = %d, %v, want 2", n, err)
	}
	if got := len(f.srv.Messages(t, "Archive")); got != 2 {
		t.Errorf("server Archive holds %d after RuleRun, want 2", got)
	}
	if err := c.RuleRemove(ctx, "first"); err != nil {
		t.Fatal(err)
	}
	if err := c.RuleRemove(ctx, "first"); err == nil {
		t.Error("RuleRemove of a removed rule = nil, want an error")
	}
}
