package control

import (
	"context"
	"encoding/json"

	"github.com/tributary-mail/tributary/core/rules"
)

// RuleImportReport says what a rule import did.
type RuleImportReport struct {
	Added    int `json:"added"`
	Replaced int `json:"replaced"`
}

type ruleArgs struct {
	Rule   rules.Rule   `json:"rule"`
	Rules  []rules.Rule `json:"rules,omitempty"`
	Name   string       `json:"name,omitempty"`
	By     int          `json:"by,omitempty"`
	Folder string       `json:"folder,omitempty"`
}

// RuleSave implements Ops.
func (l *Local) RuleSave(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	return l.Engine.SaveRule(ctx, r)
}

// RuleRemove implements Ops.
func (l *Local) RuleRemove(ctx context.Context, name string) error {
	return l.Engine.RemoveRule(ctx, name)
}

// RuleMove implements Ops.
func (l *Local) RuleMove(ctx context.Context, name string, by int) error {
	return l.Engine.MoveRule(ctx, name, by)
}

// RuleRun implements Ops.
func (l *Local) RuleRun(ctx context.Context, name, folder string) (int, error) {
	return l.Engine.RunRule(ctx, name, folder)
}

// RuleImport implements Ops.
func (l *Local) RuleImport(ctx context.Context, rs []rules.Rule) (RuleImportReport, error) {
	added, replaced, err := l.Engine.ImportRules(ctx, rs)
	return RuleImportReport{Added: added, Replaced: replaced}, err
}

// dispatchRules serves the rule-* requests.
func (s *Server) dispatchRules(ctx context.Context, op string, decode func(any) error) (any, error) {
	var args ruleArgs
	if err := decode(&args); err != nil {
		return nil, err
	}
	switch op {
	case "rule-save":
		return s.ops.RuleSave(ctx, args.Rule)
	case "rule-remove":
		return nil, s.ops.RuleRemove(ctx, args.Name)
	case "rule-move":
		return nil, s.ops.RuleMove(ctx, args.Name, args.By)
	case "rule-run":
		return s.ops.RuleRun(ctx, args.Name, args.Folder)
	}
	return s.ops.RuleImport(ctx, args.Rules)
}

// RuleSave implements Ops.
func (c *Client) RuleSave(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	var out rules.Rule
	err := c.call(ctx, "rule-save", ruleArgs{Rule: r}, &out)
	return out, err
}

// RuleRemove implements Ops.
func (c *Client) RuleRemove(ctx context.Context, name string) error {
	return c.call(ctx, "rule-remove", ruleArgs{Name: name}, nil)
}

// RuleMove implements Ops.
func (c *Client) RuleMove(ctx context.Context, name string, by int) error {
	return c.call(ctx, "rule-move", ruleArgs{Name: name, By: by}, nil)
}

// RuleRun implements Ops.
func (c *Client) RuleRun(ctx context.Context, name, folder string) (int, error) {
	var n json.Number
	err := c.call(ctx, "rule-run", ruleArgs{Name: name, Folder: folder}, &n)
	m, _ := n.Int64()
	return int(m), err
}

// RuleImport implements Ops.
func (c *Client) RuleImport(ctx context.Context, rs []rules.Rule) (RuleImportReport, error) {
	var rep RuleImportReport
	err := c.call(ctx, "rule-import", ruleArgs{Rules: rs}, &rep)
	return rep, err
}
