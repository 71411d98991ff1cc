package composer

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// How the message waits in the outbox, and what the composer keeps.
//
// A message sent with an undo window, or sent later, is queued in the
// outbox with the time it waits for (not before) and its composition:
// the draft as written (addresses as typed, subject, body, attachment
// paths, threading) and the message it answers. The drafts row is deleted
// when the message is queued, as for a message sent at once, so a waiting
// message is never listed twice (in Drafts and in the Outbox). Undo, or
// Cancel in the outbox, takes the message out of the outbox and stores
// its composition as a draft again (engine.Unqueue); the engine refuses
// once the message has been handed to the server. A forward's extracted
// attachments are kept until the message is really sent or deleted.

// queueFor queues the message to go at at, closes the composer, and
// offers Undo in the main window: for the undo window when scheduled is
// false, for a message sent later otherwise.
func (c *composer) queueFor(d smtp.Draft, acct core.Account, at time.Time, scheduled bool) {
	opts := c.queueOptions(acct, at)
	a := c.app
	a.Background("queue message", func() {
		item, err := a.Engine.QueueWith(a.Ctx, acct, d, opts)
		if err != nil {
			a.Do(func() { c.notQueued(d, err) })
			return
		}
		// The outbox keeps the composition: the draft goes, so it cannot
		// be sent a second time by mistake.
		c.forget()
		a.Do(func() {
			c.done, c.sending = true, false
			c.close()
			a.offerUndo(item, scheduled)
		})
	})
}

// queueOptions queue the message for at (zero: at once) with the form
// as written, to bring back, and the message it answers. It runs on the
// UI goroutine.
func (c *composer) queueOptions(acct core.Account, at time.Time) engine.QueueOptions {
	snap := c.snapshot()
	snap.AccountID = acct.ID
	return engine.QueueOptions{NotBefore: at, Draft: &snap, Answers: c.draft.answers, Forward: c.draft.forward}
}

// notQueued says that the message could not even be queued, and gives
// the form back.
func (c *composer) notQueued(d smtp.Draft, err error) {
	c.sending = false
	c.setEditable(true)
	msg := lang.L("Not sent: {{.Error}}. Nothing was sent; correct it and press Send again.", map[string]any{"Error": err.Error()})
	c.status.SetText(msg)
	if c.closed {
		c.saveNow() // nothing the user wrote is lost with the window
		c.app.Fyne.SendNotification(fyne.NewNotification(lang.L("Message not sent: {{.Subject}}", map[string]any{"Subject": d.Subject}),
			msg+" "+lang.L("It is kept in Drafts.")))
	}
}

// sendLater asks when, in the local time zone, and queues the message
// for then.
func (c *composer) sendLater() {
	if !c.ready || c.sending || c.done {
		return
	}
	d, acct, ok := c.validate()
	if !ok {
		return
	}
	start := time.Now().Add(time.Hour).Truncate(time.Hour)
	date, clock := widget.NewEntry(), widget.NewEntry()
	date.SetText(start.Format(laterDateLayout))
	date.SetPlaceHolder("2026-12-24")
	clock.SetText(start.Format(laterClockLayout))
	clock.SetPlaceHolder("09:00")
	date.Validator = func(s string) error { _, err := laterTime(s, clock.Text, time.Now()); return err }
	clock.Validator = func(s string) error { _, err := laterTime(date.Text, s, time.Now()); return err }
	zone, _ := time.Now().Zone()
	items := []*widget.FormItem{
		{Text: lang.L("Date"), Widget: date, HintText: lang.L("year-month-day")},
		{Text: lang.L("Time"), Widget: clock, HintText: lang.L("hours:minutes, {{.Zone}}", map[string]any{"Zone": zone})},
	}
	dialog.ShowForm(lang.L("Send later"), lang.L("Schedule"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		at, err := laterTime(date.Text, clock.Text, time.Now())
		if err != nil {
			c.status.SetText(err.Error())
			return
		}
		c.sending = true
		c.setEditable(false)
		c.status.SetText(lang.L("Scheduling for {{.Time}}…", map[string]any{"Time": i18n.WeekdayTime(at)}))
		if c.timer != nil {
			c.timer.Stop()
		}
		c.queueFor(d, acct, at, true)
	}, c.win)
}

const (
	laterDateLayout  = "2006-01-02"
	laterClockLayout = "15:04"
)

// laterTime reads the date and time of "Send later" in the local time
// zone; it must be ahead of now.
func laterTime(date, clock string, now time.Time) (time.Time, error) {
	day, err := time.ParseInLocation(laterDateLayout, strings.TrimSpace(date), time.Local)
	if err != nil {
		return time.Time{}, errors.New(lang.L("write the date as year-month-day, such as 2026-12-24"))
	}
	hm, err := time.Parse(laterClockLayout, strings.TrimSpace(clock))
	if err != nil {
		return time.Time{}, errors.New(lang.L("write the time as hours:minutes, such as 09:00"))
	}
	at := time.Date(day.Year(), day.Month(), day.Day(), hm.Hour(), hm.Minute(), 0, 0, time.Local)
	if !at.After(now) {
		return time.Time{}, errors.New(lang.L("{{.Time}} has passed: choose a later time", map[string]any{"Time": i18n.DateTime(at)}))
	}
	return at, nil
}

// draftFromComposition is a message taken back from the outbox, to open
// in a composer: its stored draft, and what it answers.
func DraftFromComposition(comp core.Composition) Draft {
	d := DraftFromStore(comp.Draft)
	d.answers, d.forward = comp.Answers, comp.Forward
	return d
}
