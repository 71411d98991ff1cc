package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/mail"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/markdown"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/ui/i18n"
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
		return 0, fmt.Errorf(lang.L("%q is not a message ID"), s)
	}
	return id, nil
}

// count is the data of a counted message: its count, written the way
// the language writes numbers.
func count(n int) map[string]any {
	return map[string]any{"Count": i18n.Number(n)}
}

func runMark(ctx context.Context, c *call) error {
	read := c.fs.Bool("read", false, lang.L("mark as read"))
	unread := c.fs.Bool("unread", false, lang.L("mark as unread"))
	flag := c.fs.Bool("flag", false, lang.L("flag"))
	unflag := c.fs.Bool("unflag", false, lang.L("remove the flag"))
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
		what = append(what, map[bool]string{true: lang.X("cli.mark.read", "read"), false: lang.X("cli.mark.unread", "unread")}[*read])
	}
	if *flag || *unflag {
		m.Flagged = flag
		what = append(what, map[bool]string{true: lang.X("cli.mark.flagged", "flagged"), false: lang.X("cli.mark.unflagged", "not flagged")}[*flag])
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	if err := ops.Mark(ctx, ids, m); err != nil {
		return err
	}
	data := count(len(ids))
	data["What"] = strings.Join(what, " "+lang.X("cli.and", "and")+" ")
	printLine(c.env.Stdout, "%s", lang.N("marked {{.Count}} messages {{.What}}", len(ids), data))
	return nil
}

func runMove(ctx context.Context, c *call) error {
	to := c.fs.String("to", "", lang.L("folder name"))
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
	data := count(len(ids))
	data["Folder"] = *to
	printLine(c.env.Stdout, "%s", lang.N("moved {{.Count}} messages to {{.Folder}}", len(ids), data))
	return nil
}

// runFile is junk, notjunk and archive: a move to the folder of a role.
// done says what was done to n messages.
func runFile(role string, done func(n int) string) func(ctx context.Context, c *call) error {
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
		printLine(c.env.Stdout, "%s", done(len(ids)))
		return nil
	}
}

// What junk, notjunk and archive did, one function each so that every
// text is a literal the translation check sees.
func movedToJunk(n int) string {
	return lang.N("moved {{.Count}} messages to Junk", n, count(n))
}

func movedToInbox(n int) string {
	return lang.N("moved {{.Count}} messages to the Inbox", n, count(n))
}

func archived(n int) string {
	return lang.N("archived {{.Count}} messages", n, count(n))
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
	printLine(c.env.Stdout, "%s", lang.N("deleted {{.Count}} messages (moved to the Trash; deleted for good from the Trash)", len(ids), count(len(ids))))
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
		return "", fmt.Errorf(lang.L("read body: %w"), err)
	}
	return string(body), nil
}

// reportQueued says what became of a message handed to the outbox.
func (c *call) reportQueued(item core.OutboxItem, queueOnly bool, err error) error {
	if err != nil {
		if item.ID == 0 {
			return err
		}
		return fmt.Errorf(lang.L("message %d left %s: %w"), item.ID, strings.ToUpper(string(item.State)), err)
	}
	if queueOnly {
		printLine(c.env.Stdout, lang.L("queued message %d to %s"), item.ID, item.To)
		return nil
	}
	printLine(c.env.Stdout, lang.L("sent message %d to %s"), item.ID, item.To)
	return nil
}

func runSend(ctx context.Context, c *call) error {
	var from, to, cc, bcc, subject, bodyFile string
	var attach multiFlag
	c.fs.StringVar(&from, "from", "", lang.L("account name, or the address of one of its identities"))
	c.fs.StringVar(&to, "to", "", lang.L("recipients, comma-separated"))
	c.fs.StringVar(&cc, "cc", "", lang.L("carbon-copy recipients"))
	c.fs.StringVar(&bcc, "bcc", "", lang.L("blind-copy recipients"))
	c.fs.StringVar(&subject, "subject", "", lang.L("subject"))
	c.fs.StringVar(&bodyFile, "body-file", "", lang.L("file with the plain-text body (default: standard input)"))
	c.fs.Var(&attach, "attach", lang.L("file to attach (repeatable)"))
	queue := c.fs.Bool("queue", false, lang.L("only queue the message; it goes out with the next outbox drain"))
	at := c.fs.String("at", "", lang.L("send later, at this local time (2026-12-24T09:00) or RFC 3339 time"))
	delay := c.fs.Duration("delay", 0, lang.L("send later, after this long (10s, 2h30m)"))
	rich := c.fs.Bool("markdown", false, lang.L("the body is Markdown: send it as written plus an HTML alternative, attached pictures it shows inline (docs/COMPOSE.md)"))
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
		printLine(c.env.Stdout, lang.L("message %d to %s is scheduled for %s"), item.ID, item.To, sendTimeShown(item.NotBefore.Local()))
		return nil
	}
	return c.reportQueued(item, *queue, err)
}

func runReply(ctx context.Context, c *call) error {
	all := c.fs.Bool("all", false, lang.L("reply to everyone the message went to"))
	return answer(ctx, c, control.AnswerRequest{}, all, nil, nil)
}

func runForward(ctx context.Context, c *call) error {
	to := c.fs.String("to", "", lang.L("recipients, comma-separated"))
	asAttachment := c.fs.Bool("as-attachment", false, lang.L("attach the original whole (message/rfc822) instead of quoting its text"))
	return answer(ctx, c, control.AnswerRequest{Forward: true}, nil, to, asAttachment)
}

// answer runs reply and forward, which differ only in their flags.
func answer(ctx context.Context, c *call, req control.AnswerRequest, all *bool, to *string, asAttachment *bool) error {
	bodyFile := c.fs.String("body-file", "", lang.L("file with the text above the quoted message (default: standard input)"))
	queue := c.fs.Bool("queue", false, lang.L("only queue the message; it goes out with the next outbox drain"))
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
	account := c.fs.String("account", "", lang.L("only this account"))
	once := c.fs.Bool("once", false, lang.L("sync every source once and exit"))
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
				printLine(c.env.Stdout, "%s", newMail(r.Label, r.New))
			case r.Err == "":
				printLine(c.env.Stdout, lang.L("%s: up to date"), r.Label)
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
		printProblem(c.env.Stderr, fmt.Sprintf(lang.L("other commands cannot reach this sync: %v"), err))
	} else {
		served := make(chan struct{})
		go func() {
			defer close(served)
			if err := srv.Serve(ctx); err != nil {
				printProblem(c.env.Stderr, fmt.Sprintf(lang.L("control socket: %v"), err))
			}
		}()
		defer func() { srv.Close(); <-served }()
	}
	sub := e.Subscribe()
	reported := make(chan struct{})
	go func() {
		log := syncLog{out: c.env.Stdout, arrived: map[string]int{}}
		for ev := range sub.C() {
			log.event(ev)
		}
		log.flush()
		close(reported)
	}()
	defer func() {
		sub.Finish()
		<-reported
	}()
	fmt.Fprintln(c.env.Stdout, lang.L("syncing until interrupted (Ctrl+C)"))
	return e.Run(ctx)
}

// syncLog is what the sync daemon prints of the engine's events. A long
// sync announces its mail batch by batch (the GUI shows it as it comes);
// the log says it once per sync of a source: when the sync ends, or fails
// after storing some.
type syncLog struct {
	out     io.Writer
	arrived map[string]int // new messages by source, not printed yet
}

func (l *syncLog) event(ev engine.Event) {
	switch ev.Kind {
	case engine.EventNewMail:
		l.arrived[ev.Label] += len(ev.MessageIDs)
	case engine.EventError:
		l.report(ev.Label)
	case engine.EventSynced:
		l.report(ev.Label)
		printLine(l.out, lang.L("%s: up to date"), ev.Label)
	}
}

// report prints the mail that arrived at a source since its last report.
func (l *syncLog) report(label string) {
	if n := l.arrived[label]; n > 0 {
		printLine(l.out, "%s", newMail(label, n))
	}
	delete(l.arrived, label)
}

// flush reports what arrived at sources whose sync did not end.
func (l *syncLog) flush() {
	for _, label := range slices.Sorted(maps.Keys(l.arrived)) {
		l.report(label)
	}
}

// newMail is the line for n new messages at a source.
func newMail(label string, n int) string {
	data := count(n)
	data["Label"] = label
	return lang.N("{{.Label}}: {{.Count}} new", n, data)
}
