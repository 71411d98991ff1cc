package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/i18n"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// messageJSON is the shape scripts read from inbox --json and search --json.
type messageJSON struct {
	ID          int64  `json:"id"`
	Account     string `json:"account"`
	Folder      string `json:"folder"`
	From        string `json:"from"`
	Subject     string `json:"subject"`
	Date        string `json:"date"`
	Seen        bool   `json:"seen"`
	Attachments int    `json:"attachments"`
}

func printMessages(w io.Writer, list []core.MessageSummary, asJSON bool) error {
	if asJSON {
		out := make([]messageJSON, len(list))
		for i, m := range list {
			out[i] = toJSON(m)
		}
		return printJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{lang.X("cli.heading.id", "ID"), " ", lang.L("DATE"), lang.L("ACCOUNT"), lang.L("FROM"), lang.L("SUBJECT")}, "\t"))
	for _, m := range list {
		mark := " "
		if !m.Seen {
			mark = "*"
		}
		if m.Attachments > 0 {
			mark += "@"
		}
		// Tables write ISO 8601 dates in every language (docs/CLI.md).
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", m.ID, mark, m.Date.Local().Format("2006-01-02 15:04"), cell(m.Account, 0), cell(m.From(), 40), cell(m.Subject, 60))
	}
	return tw.Flush()
}

func toJSON(m core.MessageSummary) messageJSON {
	return messageJSON{m.ID, m.Account, m.Folder, m.From(), m.Subject, m.Date.UTC().Format(time.RFC3339), m.Seen, m.Attachments}
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func runInbox(ctx context.Context, c *call) error {
	account := c.fs.String("account", "", lang.L("only this account"))
	folder := c.fs.String("folder", "", lang.L("a folder of the account instead of the inbox"))
	limit := c.fs.Int("limit", 50, lang.L("how many messages"))
	asJSON := c.fs.Bool("json", false, lang.L("print JSON"))
	threads := c.fs.Bool("threads", false, lang.L("one row per conversation"))
	if err := c.parse(); err != nil || len(c.args) > 0 || *limit <= 0 {
		return errUsage
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	q := storage.ListQuery{Limit: *limit}
	if *account != "" {
		a, err := c.db.AccountByName(ctx, *account)
		if err != nil {
			return err
		}
		q.AccountID = a.ID
	}
	if *folder != "" {
		id, err := c.findFolder(ctx, q.AccountID, *folder)
		if err != nil {
			return err
		}
		q.FolderID = id
	}
	if *threads {
		list, err := c.db.Threads(ctx, q)
		if err != nil {
			return err
		}
		return printThreads(c.env.Stdout, list, *asJSON)
	}
	list, err := c.db.List(ctx, q)
	if err != nil {
		return err
	}
	return printMessages(c.env.Stdout, list, *asJSON)
}

// findFolder finds a folder by name, in one account or, when the name is
// unambiguous, in any.
func (c *call) findFolder(ctx context.Context, accountID int64, name string) (int64, error) {
	folders, err := c.db.Folders(ctx)
	if err != nil {
		return 0, err
	}
	var found []core.Folder
	for _, f := range folders {
		if strings.EqualFold(f.Name, name) && (accountID == 0 || f.AccountID == accountID) {
			found = append(found, f)
		}
	}
	switch len(found) {
	case 0:
		return 0, fmt.Errorf(lang.L("no folder named %q"), name)
	case 1:
		return found[0].ID, nil
	}
	return 0, fmt.Errorf(lang.L("several accounts have a folder named %q: add --account"), name)
}

func runSearch(ctx context.Context, c *call) error {
	limit := c.fs.Int("limit", 50, lang.L("how many messages"))
	asJSON := c.fs.Bool("json", false, lang.L("print JSON"))
	c.raw, c.args = splitQueryArgs(c.fs, c.raw)
	if err := c.fs.Parse(c.raw); err != nil || len(c.fs.Args()) > 0 || len(c.args) == 0 || *limit <= 0 {
		return errUsage
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	search := strings.Join(c.args, " ")
	list, err := c.db.List(ctx, storage.ListQuery{Search: search, Limit: *limit})
	if err != nil {
		return fmt.Errorf(lang.L("search %q: %w"), search, err)
	}
	return printMessages(c.env.Stdout, list, *asJSON)
}

// splitQueryArgs separates a command's own flags from the words of a
// query, in which "-" negates a term: "search -is:read --json" has the
// flag --json and the term -is:read. An argument is a flag only when it
// names one of fs's flags; after "--" every argument is a term.
func splitQueryArgs(fs *flag.FlagSet, args []string) (flags, terms []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return flags, append(terms, args[i+1:]...)
		}
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		f := fs.Lookup(name)
		if !strings.HasPrefix(a, "-") || f == nil {
			terms = append(terms, a)
			continue
		}
		flags = append(flags, a)
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !hasValue && !(ok && b.IsBoolFlag()) && i+1 < len(args) {
			i++
			flags = append(flags, args[i])
		}
	}
	return flags, terms
}

func runShow(ctx context.Context, c *call) error {
	raw := c.fs.Bool("raw", false, lang.L("print the exact bytes as received"))
	if err := c.parse(); err != nil || len(c.args) != 1 {
		return errUsage
	}
	ids, err := c.messageIDs()
	if err != nil {
		return err
	}
	id := ids[0]
	if err := c.open(ctx, false); err != nil {
		return err
	}
	_, blob, err := c.db.Message(ctx, id)
	if err != nil {
		return err
	}
	f, err := c.db.OpenBlob(blob)
	if err != nil {
		return err
	}
	defer f.Close()
	if *raw {
		// The exact bytes, escapes and all: that is what --raw is for,
		// and a terminal would obey them.
		if isTerminal(c.env.Stdout) {
			printProblem(c.env.Stderr, lang.L("warning: show --raw writes the message's bytes unfiltered, and a terminal obeys the control sequences a sender may have put in them; redirect it to a file or a pager such as less"))
		}
		_, err := io.Copy(c.env.Stdout, f)
		return err
	}
	m, perr := mime.Parse(f, nil)
	if m == nil {
		return fmt.Errorf(lang.L("message %d cannot be read: %v; tributary show %d --raw prints its bytes"), id, perr, id)
	}
	// The header lines keep their names, as the message has them.
	w := c.env.Stdout
	printLine(w, "From: %s", core.DisplayAddresses(m.From)) // i18n:ignore (a header name)
	printLine(w, "To: %s", core.DisplayAddresses(m.To))     // i18n:ignore (a header name)
	if len(m.Cc) > 0 {
		printLine(w, "Cc: %s", core.DisplayAddresses(m.Cc)) // i18n:ignore (a header name)
	}
	if !m.Date.IsZero() {
		printLine(w, "Date: %s", m.Date.Format(time.RFC1123Z)) // i18n:ignore (a header name)
	}
	printLine(w, "Subject: %s", m.Subject) // i18n:ignore (a header name)
	for _, a := range m.Attachments {
		printLine(w, "%s", lang.N("Attachment: {{.Name}} ({{.Type}}, {{.Count}} bytes)", int(a.Size),
			map[string]any{"Name": a.Filename, "Type": a.ContentType, "Count": i18n.Number(int(a.Size))}))
	}
	fmt.Fprintln(w)
	printText(w, m.Text)
	if perr != nil || len(m.Problems) > 0 {
		printProblem(c.env.Stderr, fmt.Sprintf(lang.L("parts of message %d could not be read (%v %s); show --raw prints its bytes"), id, perr, strings.Join(m.Problems, "; ")))
	}
	return nil
}
