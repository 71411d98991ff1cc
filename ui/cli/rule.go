package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core/rules"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// ruleJSON is the shape scripts read from rule list --json.
type ruleJSON struct {
	Name    string   `json:"name"`
	Match   string   `json:"match"`
	Actions []string `json:"actions"`
	Order   int      `json:"order"` // 1 is applied first
}

func runRule(ctx context.Context, c *call) error {
	switch c.verb() {
	case "add":
		return ruleAdd(ctx, c)
	case "list":
		return ruleList(ctx, c)
	case "remove":
		if err := c.parse(); err != nil || len(c.args) != 1 {
			return errUsage
		}
		ops, err := c.ops(ctx)
		if err != nil {
			return err
		}
		if err := ops.RuleRemove(ctx, c.args[0]); err != nil {
			return err
		}
		printLine(c.env.Stdout, lang.L("removed rule %q"), c.args[0])
		return nil
	case "run":
		folder := c.fs.String("folder", "", lang.L("a folder name or role in every account (default: every Inbox)"))
		if err := c.parse(); err != nil || len(c.args) != 1 {
			return errUsage
		}
		ops, err := c.ops(ctx)
		if err != nil {
			return err
		}
		n, err := ops.RuleRun(ctx, c.args[0], *folder)
		if err != nil {
			return err
		}
		printLine(c.env.Stdout, "%s", lang.N("rule {{.Rule}} matched {{.Count}} messages", n,
			map[string]any{"Rule": fmt.Sprintf("%q", c.args[0]), "Count": i18n.Number(n)}))
		return nil
	case "export":
		if err := c.parse(); err != nil || len(c.args) != 1 {
			return errUsage
		}
		return ruleExport(ctx, c, c.args[0])
	case "import":
		if err := c.parse(); err != nil || len(c.args) != 1 {
			return errUsage
		}
		return ruleImport(ctx, c, c.args[0])
	}
	return errUsage
}

func ruleAdd(ctx context.Context, c *call) error {
	var r rules.Rule
	var acts multiFlag
	c.fs.StringVar(&r.Name, "name", "", lang.L("the rule's name"))
	c.fs.StringVar(&r.Match, "match", "", lang.L("a query in the search language, such as from:ann or header:List-Id:announce"))
	c.fs.Var(&acts, "action", lang.L("move=FOLDER, copy=FOLDER, read, flag, delete or stop (repeatable, applied in order)"))
	if err := c.parse(); err != nil || len(c.args) > 0 || r.Name == "" || r.Match == "" || len(acts) == 0 {
		return errUsage
	}
	for _, s := range acts {
		a, err := rules.ParseAction(s)
		if err != nil {
			return err
		}
		r.Actions = append(r.Actions, a)
	}
	if err := r.Validate(); err != nil {
		return err // refused before anything is opened, in the query's words
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	saved, err := ops.RuleSave(ctx, r)
	if err != nil {
		return err
	}
	printLine(c.env.Stdout, lang.L("added rule %q (number %d)"), saved.Name, saved.Position+1)
	return nil
}

func ruleList(ctx context.Context, c *call) error {
	asJSON := c.fs.Bool("json", false, lang.L("print JSON"))
	if err := c.parse(); err != nil || len(c.args) > 0 {
		return errUsage
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	rs, err := c.db.Rules(ctx)
	if err != nil {
		return err
	}
	out := make([]ruleJSON, len(rs))
	for i, r := range rs {
		out[i] = ruleJSON{Name: r.Name, Match: r.Match, Order: i + 1, Actions: []string{}}
		for _, a := range r.Actions {
			out[i].Actions = append(out[i].Actions, a.String())
		}
	}
	if *asJSON {
		return printJSON(c.env.Stdout, out)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{"#", lang.L("NAME"), lang.L("MATCH"), lang.L("ACTIONS")}, "\t"))
	for _, r := range out {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", r.Order, cell(r.Name, 30), cell(r.Match, 60), cell(strings.Join(r.Actions, " "), 60))
	}
	return tw.Flush()
}

func ruleExport(ctx context.Context, c *call, path string) error {
	if err := c.open(ctx, false); err != nil {
		return err
	}
	rs, err := c.db.Rules(ctx)
	if err != nil {
		return err
	}
	var b strings.Builder
	// The file is for any reader and for rule import: English, like
	// the TOML keys.
	b.WriteString("# Tributary rules, applied in this order to mail as it arrives.\n# See docs/RULES.md; `tributary rule import FILE` reads this back.\n\n")
	if err := rules.Export(&b, rs); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return fmt.Errorf(lang.L("export rules: %w"), err)
	}
	printLine(c.env.Stdout, "%s", lang.N("exported {{.Count}} rules to {{.Path}}", len(rs), map[string]any{"Count": i18n.Number(len(rs)), "Path": path}))
	return nil
}

func ruleImport(ctx context.Context, c *call, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf(lang.L("import rules: %w"), err)
	}
	defer f.Close()
	rs, err := rules.Import(f)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	rep, err := ops.RuleImport(ctx, rs)
	if err != nil {
		return err
	}
	printLine(c.env.Stdout, "%s", lang.N("imported {{.Count}} rules: {{.Added}} added, {{.Replaced}} replaced", len(rs),
		map[string]any{"Count": i18n.Number(len(rs)), "Added": i18n.Number(rep.Added), "Replaced": i18n.Number(rep.Replaced)}))
	return nil
}
