package cli

import (
	"context"
	"fmt"
	"strconv"
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
	account := c.fs.String("account", "", "with send: only this account")
	if err := c.parse(); err != nil {
		return errUsage
	}
	switch verb {
	case "":
		if len(c.args) > 0 {
			return errUsage
		}
		if err := c.open(ctx, false); err != nil {
			return err
		}
		return outboxList(ctx, c, *asJSON)
	case "send":
		if len(c.args) > 0 {
			return errUsage
		}
		ops, err := c.ops(ctx)
		if err != nil {
			return err
		}
		if err := ops.OutboxSend(ctx, *account); err != nil {
			return err
		}
		fmt.Fprintln(c.env.Stdout, "sent every message that was due")
		return nil
	case "delete", "retry", "resolve":
	default:
		return errUsage
	}
	if len(c.args) != 1 || (verb == "resolve" && *as != "sent" && *as != "resend") {
		return errUsage
	}
	id, err := strconv.ParseInt(c.args[0], 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an outbox ID", c.args[0])
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	var item core.OutboxItem
	switch verb {
	case "delete":
		if err := ops.OutboxDelete(ctx, id); err != nil {
			return err
		}
		printLine(c.env.Stdout, "deleted outbox message %d", id)
		return nil
	case "retry":
		item, err = ops.OutboxRetry(ctx, id)
	case "resolve":
		item, err = ops.OutboxResolve(ctx, id, *as == "sent")
		if err == nil && *as == "sent" {
			printLine(c.env.Stdout, "marked message %d as sent", id)
			return nil
		}
	}
	if err != nil {
		return err // a refusal, or the attempt's outcome, which names the state
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
