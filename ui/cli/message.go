package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"os/signal"
	"strconv"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/markdown"
	"github.com/tributary-mail/tributary/core/smtp"
)

// The commands in this file change state, so they run over control.Ops:
// through a running Tributary when there is one, else in this process.

// messageIDs reads the positional message IDs.
func (c *call) messageIDs() ([]int64, error) {
	if len(c.args) == 0 {
		return nil, errUsage
	}
	ids := make([]int64, 0, len(c.args))
	for _, a := range c.args {
		id, err := parseMessageID(a)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// parseMessageID reads one message ID as the CLI prints them.
func parseMessageID(s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not a message ID", s)
	}
	return id, nil
}

func plural(n int, one string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %ss", n, one)
}

func runMark(ctx context.Context, c *call) error {
	read := c.fs.Bool("read", false, "mark as read")
	unread := c.fs.Bool("unread", false, "mark as unread")
	flag := c.fs.Bool("flag", false, "flag")
	unflag := c.fs.Bool("unflag", false, "remove the flag")
	if err := c.parse(); err != nil || (*read && *unread) || (*flag && *unflag) || !(*read || *unread || *flag || *unflag) {
		return errUsage
	}
	ids, err := c.messageIDs()
	if err != nil {
		return err
	}
	var m control.Mark
	var what []string
	if *read || *unread {
		m.Seen = read
		what = append(what, map[bool]string{true: "read", false: "unread"}[*read])
	}
	if *flag || *unflag {
		m.Flagged = flag
		what = append(what, map[bool]string{true: "flagged", false: "not flagged"}[*flag])
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	if err := ops.Mark(ctx, ids, m); err != nil {
		return err
	}
	printLine(c.env.Stdout, "marked %s %s", plural(len(ids), "message"), strings.Join(what, " and "))
	return nil
}

func runMove(ctx context.Context, c *call) error {
	to := c.fs.String("to", "", "folder name")
	if err := c.parse(); err != nil || *to == "" {
		return errUsage
	}
	ids, err := c.messageIDs()
	if err != nil {
		return err
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	if err := ops.Move(ctx, ids, *to); err != nil {
		return err
	}
	printLine(c.env.Stdout, "moved %s to %s", plural(len(ids), "message"), *to)
	return nil
}

// runFile is junk, notjunk and archive: a move to the folder of a role.
// done is what to print, a format with one %s for the count.
func runFile(role, done string) func(ctx context.Context, c *call) error {
	return func(ctx context.Context, c *call) error {
		if err := c.parse(); err != nil {
			return errUsage
		}
		ids, err := c.messageIDs()
		if err != nil {
			return err
		}
		ops, err := c.ops(ctx)
		if err != nil {
			return err
		}
		if err := ops.File(ctx, ids, role); err != nil {
			return err
		}
		printLine(c.env.Stdout, done, plural(len(ids), "message"))
		return nil
	}
}

func runDelete(ctx context.Context, c *call) error {
	if err := c.parse(); err != nil {
		return errUsage
	}
	ids, err := c.messageIDs()
	if err != nil {
		return err
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	if err := ops.Delete(ctx, ids); err != nil {
		return err
	}
	printLine(c.env.Stdout, "deleted %s (moved to the Trash; deleted for good from the Trash)", plural(len(ids), "message"))
	return nil
}

// readBody reads a message body from the file, else from standard input.
func (c *call) readBody(file string) (string, error) {
	var body []byte
	var err error
	if file != "" {
		body, err = os.ReadFile(file)
	} else {
		body, err = io.ReadAll(c.env.Stdin)
	}
	if err != nil {
		return "", fmt.Errorf("read body: %w", err)
	}
	return string(body), nil
}

// reportQueued says what became of a message handed to the outbox.
func (c *call) reportQueued(item core.OutboxItem, queueOnly bool, err error) error {
	if err != nil {
		if item.ID == 0 {
			return err
		}
		return fmt.Errorf("message %d left %s: %w", item.ID, strings.ToUpper(string(item.State)), err)
	}
	if queueOnly {
		printLine(c.env.Stdout, "queued message %d to %s", item.ID, item.To)
		return nil
	}
	printLine(c.env.Stdout, "sent message %d to %s", item.ID, item.To)
	return nil
}

func runSend(ctx context.Context, c *call) error {
	var from, to, cc, bcc, subject, bodyFile string
	var attach multiFlag
	c.fs.StringVar(&from, "from", "", "account name, or the address of one of its identities")
	c.fs.StringVar(&to, "to", "", "recipients, comma-separated")
	c.fs.StringVar(&cc, "cc", "", "carbon-copy recipients")
	c.fs.StringVar(&bcc, "bcc", "", "blind-copy recipients")
	c.fs.StringVar(&subject, "subject", "", "subject")
	c.fs.StringVar(&bodyFile, "body-file", "", "file with the plain-text body (default: standard input)")
	c.fs.Var(&attach, "attach", "file to attach (repeatable)")
	queue := c.fs.Bool("queue", false, "only queue the message; it goes out with the next outbox drain")
	at := c.fs.String("at", "", "send later, at this local time (2026-12-24T09:00) or RFC 3339 time")
	delay := c.fs.Duration("delay", 0, "send later, after this long (10s, 2h30m)")
	rich := c.fs.Bool("markdown", false, "the body is Markdown: send it as written plus an HTML alternative, attached pictures it shows inline (docs/COMPOSE.md)")
	if err := c.parse(); err != nil || from == "" || len(c.args) > 0 {
		return errUsage
	}
	notBefore, err := sendTime(*at, *delay, c.now())
	if err != nil {
		return err
	}
	var d smtp.Draft
	var errs []error
	for _, f := range []struct {
		list *[]*mail.Address
		val  string
	}{{&d.To, to}, {&d.Cc, cc}, {&d.Bcc, bcc}} {
		if f.val == "" {
			continue
		}
		addrs, err := core.ParseAddressList(f.val)
		if err != nil {
			errs = append(errs, err)
		}
		*f.list = addrs
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	d.Subject, d.Attachments = subject, attach
	body, err := c.readBody(bodyFile)
	if err != nil {
		return err
	}
	d.Text = body
	if *rich {
		if d, err = markdown.Compose(d); err != nil {
			return err
		}
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	item, err := ops.Send(ctx, control.SendRequest{Account: from, Draft: d, QueueOnly: *queue, NotBefore: notBefore})
	if err == nil && !notBefore.IsZero() {
		printLine(c.env.Stdout, "message %d to %s is scheduled for %s", item.ID, item.To, item.NotBefore.Local().Format(sendTimeShown))
		return nil
	}
	return c.reportQueued(item, *queue, err)
}

func runReply(ctx context.Context, c *call) error {
	all := c.fs.Bool("all", false, "reply to everyone the message went to")
	return answer(ctx, c, control.AnswerRequest{}, all, nil, nil)
}

func runForward(ctx context.Context, c *call) error {
	to := c.fs.String("to", "", "recipients, comma-separated")
	asAttachment := c.fs.Bool("as-attachment", false, "attach the original whole (message/rfc822) instead of quoting its text")
	return answer(ctx, c, control.AnswerRequest{Forward: true}, nil, to, asAttachment)
}

// answer runs reply and forward, which differ only in their flags.
func answer(ctx context.Context, c *call, req control.AnswerRequest, all *bool, to *string, asAttachment *bool) error {
	bodyFile := c.fs.String("body-file", "", "file with the text above the quoted message (default: standard input)")
	queue := c.fs.Bool("queue", false, "only queue the message; it goes out with the next outbox drain")
	if err := c.parse(); err != nil || len(c.args) != 1 || (to != nil && *to == "") {
		return errUsage
	}
	ids, err := c.messageIDs()
	if err != nil {
		return err
	}
	req.ID, req.QueueOnly = ids[0], *queue
	if all != nil {
		req.All = *all
	}
	if asAttachment != nil {
		req.AsAttachment = *asAttachment
	}
	if to != nil {
		if req.To, err = core.ParseAddressList(*to); err != nil {
			return err
		}
	}
	if req.Text, err = c.readBody(*bodyFile); err != nil {
		return err
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	item, err := ops.Answer(ctx, req)
	return c.reportQueued(item, *queue, err)
}

func runSync(ctx context.Context, c *call) error {
	account := c.fs.String("account", "", "only this account")
	once := c.fs.Bool("once", false, "sync every source once and exit")
	if err := c.parse(); err != nil || len(c.args) > 0 {
		return errUsage
	}
	if *once {
		ops, err := c.ops(ctx)
		if err != nil {
			return err
		}
		reports, err := ops.Sync(ctx, *account)
		for _, r := range reports {
			switch {
			case r.New > 0:
				printLine(c.env.Stdout, "%s: %d new", r.Label, r.New)
			case r.Err == "":
				printLine(c.env.Stdout, "%s: up to date", r.Label)
			}
		}
		return err
	}
	if err := c.open(ctx, true); err != nil {
		return err
	}
	return c.runEngine(ctx)
}

// runEngine runs the engine on the opened, locked store until interrupted,
// reporting new mail, with the control socket open: tributary sync, and
// tributary demo --headless.
func (c *call) runEngine(ctx context.Context) error {
	e := c.engine()
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	// CLI commands and a second app launch reach this engine through
	// its control socket.
	srv, err := control.Listen(c.dataDir, &control.Local{Engine: e, Store: c.db, Running: true})
	if err != nil {
		printLine(c.env.Stderr, "tributary: other commands cannot reach this sync: %v", err)
	} else {
		served := make(chan struct{})
		go func() {
			defer close(served)
			if err := srv.Serve(ctx); err != nil {
				printLine(c.env.Stderr, "tributary: control socket: %v", err)
			}
		}()
		defer func() { srv.Close(); <-served }()
	}
	sub := e.Subscribe()
	reported := make(chan struct{})
	go func() {
		for ev := range sub.C() {
			switch ev.Kind {
			case engine.EventNewMail:
				printLine(c.env.Stdout, "%s: %d new", ev.Label, len(ev.MessageIDs))
			case engine.EventSynced:
				printLine(c.env.Stdout, "%s: up to date", ev.Label)
			}
		}
		close(reported)
	}()
	defer func() {
		sub.Finish()
		<-reported
	}()
	fmt.Fprintln(c.env.Stdout, "syncing until interrupted (Ctrl+C)")
	return e.Run(ctx)
}
