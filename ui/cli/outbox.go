package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/i18n"
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
	NotBefore   string `json:"not_before"` // scheduled: the time it waits for
}

// sendTimeLayouts are the local times send --at takes, besides RFC 3339.
var sendTimeLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"}

// sendTimeShown is how a scheduled time is written back to the user:
// the weekday in the user's language, the rest ISO as in every table.
func sendTimeShown(t time.Time) string {
	return i18n.ShortWeekday(t) + " " + t.Format("2006-01-02 15:04 MST")
}

// sendTime is when send --at or --delay asks the message to go; zero for
// a plain send, which is not delayed. A local time is read in the local
// time zone; a time that is not ahead of now is refused rather than sent
// at once, since it is most likely a typo.
func sendTime(at string, delay time.Duration, now time.Time) (time.Time, error) {
	switch {
	case at != "" && delay != 0:
		return time.Time{}, errors.New(lang.L("give either --at or --delay, not both"))
	case delay < 0:
		return time.Time{}, fmt.Errorf(lang.L("--delay %s is negative"), delay)
	case delay > 0:
		return now.Add(delay), nil
	case at == "":
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, at)
	for _, layout := range sendTimeLayouts {
		if err == nil {
			break
		}
		t, err = time.ParseInLocation(layout, at, time.Local)
	}
	if err != nil {
		return time.Time{}, fmt.Errorf(lang.L("--at %q is not a time: write it as 2026-12-24T09:00 (local time) or 2026-12-24T09:00:00+01:00"), at)
	}
	if !t.After(now) {
		return time.Time{}, fmt.Errorf(lang.L("--at %s is not in the future (it is %s now)"), sendTimeShown(t), sendTimeShown(now.In(t.Location())))
	}
	return t, nil
}

// now is the command's clock: the engine's, so that tests can set it.
func (c *call) now() time.Time {
	if c.env.Engine.Now != nil {
		return c.env.Engine.Now()
	}
	return time.Now()
}

func runOutbox(ctx context.Context, c *call) error {
	verb := c.verb()
	as := c.fs.String("as", "", lang.L("with resolve: sent or resend"))
	asJSON := c.fs.Bool("json", false, lang.L("print JSON"))
	account := c.fs.String("account", "", lang.L("with send: only this account"))
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
		fmt.Fprintln(c.env.Stdout, lang.L("sent every message that was due"))
		return nil
	case "delete", "retry", "resolve", "cancel":
	default:
		return errUsage
	}
	if len(c.args) != 1 || (verb == "resolve" && *as != "sent" && *as != "resend") {
		return errUsage
	}
	id, err := strconv.ParseInt(c.args[0], 10, 64)
	if err != nil {
		return fmt.Errorf(lang.L("%q is not an outbox ID"), c.args[0])
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	var item core.OutboxItem
	switch verb {
	case "cancel":
		d, err := ops.OutboxCancel(ctx, id)
		if err != nil {
			return err
		}
		printLine(c.env.Stdout, lang.L("outbox message %d is draft %d again"), id, d.ID)
		return nil
	case "delete":
		if err := ops.OutboxDelete(ctx, id); err != nil {
			return err
		}
		printLine(c.env.Stdout, lang.L("deleted outbox message %d"), id)
		return nil
	case "retry":
		item, err = ops.OutboxRetry(ctx, id)
	case "resolve":
		item, err = ops.OutboxResolve(ctx, id, *as == "sent")
		if err == nil && *as == "sent" {
			printLine(c.env.Stdout, lang.L("marked message %d as sent"), id)
			return nil
		}
	}
	if err != nil {
		return err // a refusal, or the attempt's outcome, which names the state
	}
	printLine(c.env.Stdout, lang.L("sent message %d to %s"), id, item.To)
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
			notBefore := ""
			if !o.NotBefore.IsZero() {
				notBefore = o.NotBefore.UTC().Format(time.RFC3339)
			}
			out[i] = outboxJSON{o.ID, o.Account, o.To, o.Subject, string(o.State), o.Attempts, o.LastError, next, notBefore}
		}
		return printJSON(c.env.Stdout, out)
	}
	tw := tabwriter.NewWriter(c.env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join([]string{lang.X("cli.heading.id", "ID"), lang.L("STATE"), lang.L("ATTEMPTS"), lang.L("ACCOUNT"), lang.L("TO"), lang.L("SUBJECT"), lang.L("LAST ERROR")}, "\t"))
	now := c.now()
	for _, o := range items {
		// States are written as outbox --json writes them and the
		// commands take them; the time in ISO 8601 (docs/CLI.md).
		state := string(o.State)
		if o.Scheduled(now) {
			state = "scheduled " + o.NotBefore.Local().Format("2006-01-02T15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%d\t%s\t%s\t%s\t%s\n", o.ID, state, o.Attempts, cell(o.Account, 0), cell(o.To, 30), cell(o.Subject, 40), cell(o.LastError, 80))
	}
	return tw.Flush()
}
