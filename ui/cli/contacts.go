package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core/vcard"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// contactJSON is a contact for `contacts list --json`.
type contactJSON struct {
	ID        int64    `json:"id,omitempty"`
	Collected bool     `json:"collected"` // from mail, never edited
	Name      string   `json:"name"`
	Emails    []string `json:"emails"`
	Phones    []string `json:"phones"`
	Notes     string   `json:"notes"`
	Sent      int      `json:"sent"`
	Received  int      `json:"received"`
	Last      string   `json:"last,omitempty"` // RFC 3339
	Score     float64  `json:"score"`
}

func runContacts(ctx context.Context, c *call) error {
	verb := c.verb()
	asJSON := c.fs.Bool("json", false, lang.L("with list: print JSON"))
	if err := c.parse(); err != nil {
		return errUsage
	}
	switch {
	case verb == "list" && len(c.args) == 0:
		if err := c.open(ctx, false); err != nil {
			return err
		}
		return contactsList(ctx, c, *asJSON)
	case verb == "export" && len(c.args) == 1 && !*asJSON:
		if err := c.open(ctx, false); err != nil {
			return err
		}
		return contactsExport(ctx, c, c.args[0])
	case verb == "import" && len(c.args) == 1 && !*asJSON:
		return contactsImport(ctx, c, c.args[0])
	}
	return errUsage
}

func contactsList(ctx context.Context, c *call, asJSON bool) error {
	list, err := c.db.Contacts(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]contactJSON, len(list))
		for i, ct := range list {
			out[i] = contactJSON{ID: ct.ID, Collected: ct.Collected(), Name: ct.Name, Emails: nonNilStrings(ct.Emails), Phones: nonNilStrings(ct.Phones),
				Notes: ct.Notes, Sent: ct.Sent, Received: ct.Received, Score: ct.Score}
			if !ct.Last.IsZero() {
				out[i].Last = ct.Last.UTC().Format(time.RFC3339)
			}
		}
		return printJSON(c.env.Stdout, out)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{lang.X("cli.heading.id", "ID"), lang.L("NAME"), lang.L("ADDRESSES"), lang.L("PHONES"), lang.L("SENT"), lang.L("RECEIVED"), lang.L("LAST")}, "\t"))
	for _, ct := range list {
		id, last := "-", ""
		if !ct.Collected() {
			id = fmt.Sprint(ct.ID)
		}
		if !ct.Last.IsZero() {
			last = ct.Last.Local().Format("2006-01-02") // ISO 8601 in every language (docs/CLI.md)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", id, cell(ct.Name, 30), cell(strings.Join(ct.Emails, ", "), 50), cell(strings.Join(ct.Phones, ", "), 30), ct.Sent, ct.Received, last)
	}
	return tw.Flush()
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// contactsExport writes every contact, saved and collected, as vCard
// 4.0 to path ("-" is the standard output).
func contactsExport(ctx context.Context, c *call, path string) error {
	list, err := c.db.Contacts(ctx)
	if err != nil {
		return err
	}
	if path == "-" {
		return vcard.Write(c.env.Stdout, list)
	}
	if err := vcard.WriteFile(path, list); err != nil {
		return fmt.Errorf(lang.L("export contacts to %s: %w"), path, err)
	}
	printLine(c.env.Stdout, "%s", lang.N("exported {{.Count}} contacts to {{.Path}}", len(list), map[string]any{"Count": i18n.Number(len(list)), "Path": path}))
	return nil
}

// contactsImport reads a vCard file here and hands the contacts to the
// engine (the running one's, when the app runs), which saves them all or
// none.
func contactsImport(ctx context.Context, c *call, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf(lang.L("import contacts: %w"), err)
	}
	list, problems, err := vcard.Read(f)
	f.Close()
	if err != nil {
		return fmt.Errorf(lang.L("import contacts from %s: %w"), path, err)
	}
	for _, p := range problems {
		printProblem(c.env.Stderr, path+": "+p)
	}
	if len(list) == 0 {
		return fmt.Errorf(lang.L("import contacts from %s: no card with a name or an address"), path)
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	rep, err := ops.ContactsImport(ctx, list)
	if err != nil {
		return fmt.Errorf(lang.L("import contacts from %s (nothing was saved): %w"), path, err)
	}
	n := rep.Added + rep.Merged
	printLine(c.env.Stdout, "%s", lang.N("imported {{.Count}} contacts from {{.Path}}: {{.New}} new, {{.Merged}} merged into contacts with the same address", n,
		map[string]any{"Count": i18n.Number(n), "Path": path, "New": i18n.Number(rep.Added), "Merged": i18n.Number(rep.Merged)}))
	return nil
}
