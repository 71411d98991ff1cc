package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tributary-mail/tributary/core"
)

type outboxJSON struct {
	ID          int64  `json:"id"`
	Account     string `json:"account"`
	To          string `json:"to"`
	Subject     string `json:"subject"`
	State       string `json:"state"`
	Attempts    int    `json:"attempts"`
	LastError   string `json:"last_error"`
	NextAttempt string `json:"next_attempt"`
}

func runOutbox(ctx context.Context, c *call) error {
	verb := c.verb()
	as := c.fs.String("as", "", "with resolve: sent or resend")
	asJSON := c.fs.Bool("json", false, "print JSON")
	if err := c.parse(); err != nil {
		return errUsage
	}
	if verb == "" {
		if len(c.args) > 0 {
			return errUsage
		}
		if err := c.open(ctx, false); err != nil {
			return err
		}
		return outboxList(ctx, c, *asJSON)
	}
	if len(c.args) != 1 {
		return errUsage
	}
	id, err := strconv.ParseInt(c.args[0], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an outbox ID", c.args[0])
	}
	if err := c.open(ctx, true); err != nil {
		return err
	}
	item, err := c.db.OutboxItem(ctx, id)
	if err != nil {
		return err
	}
	switch verb {
	case "delete":
		if err := c.db.DeleteOutbox(ctx, id); err != nil {
			return err
		}
		printLine(c.env.Stdout, "deleted outbox message %d", id)
		return nil
	case "retry":
		switch item.State {
		case core.OutboxUnknown:
			return fmt.Errorf("message %d may already have been delivered; decide with: tributary outbox resolve %d --as sent|resend", id, id)
		case core.OutboxSent:
			return fmt.Errorf("message %d was already sent", id)
		}
		return c.sendNow(ctx, id)
	case "resolve":
		if item.State != core.OutboxUnknown {
			return fmt.Errorf("message %d is %s; resolve is only for unknown messages", id, item.State)
		}
		switch *as {
		case "sent":
			if err := c.engine().MarkSent(ctx, id); err != nil {
				return err
			}
			printLine(c.env.Stdout, "marked message %d as sent", id)
			return nil
		case "resend":
			return c.sendNow(ctx, id)
		}
	}
	return errUsage
}

// sendNow puts a message back in the queue and makes one attempt.
func (c *call) sendNow(ctx context.Context, id int64) error {
	item, err := c.engine().Resend(ctx, id)
	if err != nil {
		return fmt.Errorf("message %d left %s: %w", id, strings.ToUpper(string(item.State)), err)
	}
	printLine(c.env.Stdout, "sent message %d to %s", id, item.To)
	return nil
}

func outboxList(ctx context.Context, c *call, asJSON bool) error {
	items, err := c.db.Outbox(ctx, time.Time{})
	if err != nil {
		return err
	}
	if asJSON {
		out := make([]outboxJSON, len(items))
		for i, o := range items {
			next := ""
			if !o.NextAttempt.IsZero() {
				next = o.NextAttempt.UTC().Format(time.RFC3339)
			}
			out[i] = outboxJSON{o.ID, o.Account, o.To, o.Subject, string(o.State), o.Attempts, o.LastError, next}
		}
		return printJSON(c.env.Stdout, out)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tATTEMPTS\tACCOUNT\tTO\tSUBJECT\tLAST ERROR")
	for _, o := range items {
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\n", o.ID, o.State, o.Attempts, cell(o.Account, 0), cell(o.To, 30), cell(o.Subject, 40), cell(o.LastError, 80))
	}
	return tw.Flush()
}
