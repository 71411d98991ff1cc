package cli

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// threadedJSON is a message of thread --json: inbox --json's object with
// the conversation's ID.
type threadedJSON struct {
	messageJSON
	ThreadID int64 `json:"thread_id"`
}

// threadJSON is a row of inbox --threads --json.
type threadJSON struct {
	ThreadID     int64    `json:"thread_id"`
	Count        int      `json:"count"`
	Unread       int      `json:"unread"`
	Subject      string   `json:"subject"`
	Participants []string `json:"participants"`
	Date         string   `json:"date"` // of the newest message
	Account      string   `json:"account"`
}

func runThread(ctx context.Context, c *call) error {
	asJSON := c.fs.Bool("json", false, lang.L("print JSON"))
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
	list, err := c.db.Thread(ctx, id)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]threadedJSON, len(list))
		for i, m := range list {
			out[i] = threadedJSON{toJSON(m), m.ThreadID}
		}
		return printJSON(c.env.Stdout, out)
	}
	return printMessages(c.env.Stdout, list, false)
}

func printThreads(w io.Writer, list []core.ThreadSummary, asJSON bool) error {
	if asJSON {
		out := make([]threadJSON, len(list))
		for i, t := range list {
			p := t.Participants
			if p == nil {
				p = []string{}
			}
			out[i] = threadJSON{t.ID, t.Count, t.Unread, t.Subject, p, t.Date.UTC().Format(time.RFC3339), t.Account}
		}
		return printJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{lang.L("LATEST"), lang.L("MESSAGES"), lang.L("DATE"), lang.L("ACCOUNT"), lang.L("WHO"), lang.L("SUBJECT")}, "\t"))
	for _, t := range list {
		n := strconv.Itoa(t.Count)
		if t.Unread > 0 {
			n = lang.L("{{.Count}} ({{.Unread}} new)", map[string]any{"Count": i18n.Number(t.Count), "Unread": i18n.Number(t.Unread)})
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", t.Latest, n, t.Date.Local().Format("2006-01-02 15:04"), cell(t.Account, 0),
			cell(strings.Join(t.Participants, ", "), 40), cell(t.Subject, 60))
	}
	return tw.Flush()
}
