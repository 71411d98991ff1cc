package composer

import (
	"context"
	"net/mail"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// queue puts a message from acct in the outbox without sending it.
func (f *composeFixture) queue(t *testing.T, acct core.Account, subject string) core.OutboxItem {
	t.Helper()
	item, err := f.Engine.Queue(context.Background(), acct, smtp.Draft{
		To: []*mail.Address{{Address: "dave@example.test"}}, Subject: subject, Text: "body of " + subject})
	if err != nil {
		t.Fatal(err)
	}
	return item
}

// openOutbox opens the outbox window and waits until it lists n messages.
func (f *composeFixture) openOutbox(t *testing.T, n int) *outboxWindow {
	t.Helper()
	guitest.OnUI(f.composers.OpenOutbox)
	var w *outboxWindow
	guitest.OnUI(func() { w = f.composers.outbox })
	guitest.Eventually(t, "outbox listed", func() bool { return len(w.items) == n })
	return w
}

func (f *composeFixture) state(t *testing.T, id int64) core.OutboxState {
	t.Helper()
	it, err := f.DB.OutboxItem(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return it.State
}

func TestOutboxUnknownWaitsForTheUser(t *testing.T) {
	f := newComposeFixture(t)
	maybe := f.queue(t, f.alpha, "Maybe delivered")
	again := f.queue(t, f.beta, "Send me again")
	for _, it := range []core.OutboxItem{maybe, again} {
		if err := f.DB.SetOutboxState(context.Background(), it.ID, core.OutboxUnknown, "connection lost after DATA", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	w := f.openOutbox(t, 2)
	guitest.OnUI(func() {
		for i := range w.items { // a fixed time, for the master
			w.items[i].Created = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
		}
		w.list.Refresh()
		w.list.Select(0)
		if !w.markSent.Visible() || !w.again.Visible() || w.retry.Visible() {
			t.Errorf("unknown message offers mark %v, again %v, retry %v; want Mark as sent and Send again only",
				w.markSent.Visible(), w.again.Visible(), w.retry.Visible())
		}
		if !strings.Contains(w.detail.Text, "may or may not have been delivered") || !strings.Contains(w.detail.Text, "connection lost after DATA") {
			t.Errorf("detail = %q", w.detail.Text)
		}
		test.AssertRendersToMarkup(t, "outbox_unknown.xml", w.win.Canvas())
	})
	// Nothing was sent by opening the window, or by waiting.
	time.Sleep(100 * time.Millisecond)
	if n := len(f.sink.Messages()); n != 0 {
		t.Fatalf("%d messages sent without the user deciding", n)
	}

	guitest.OnUI(func() { test.Tap(w.markSent) })
	guitest.Eventually(t, "marked as sent", func() bool { return f.state(t, maybe.ID) == core.OutboxSent })

	// Send again asks first, then sends.
	guitest.OnUI(func() {
		w.list.Select(1)
		test.Tap(w.again)
		if len(f.sink.Messages()) != 0 {
			t.Error("Send again sent before the user confirmed")
		}
		guitest.TapButton(t, w.win, "Yes")
	})
	guitest.Eventually(t, "sent again", func() bool { return len(f.sink.Messages()) == 1 && f.state(t, again.ID) == core.OutboxSent })
	if m := f.sink.Messages()[0]; m.From != "beta@example.test" || !strings.Contains(string(m.Data), "Send me again") {
		t.Errorf("sent %s: %s", m.From, m.Data)
	}
	guitest.Eventually(t, "list refreshed", func() bool {
		return len(w.items) == 2 && w.items[0].State == core.OutboxSent && w.items[1].State == core.OutboxSent
	})
}

func TestOutboxRetryAndDelete(t *testing.T) {
	f := newComposeFixture(t)
	// Gamma's server is down: the first attempt fails for now.
	gamma := f.SendingAccount(t, "Gamma", "Gam Ma", "127.0.0.1", 1)
	item := f.queue(t, gamma, "Try later")
	if it, err := f.Engine.Send(context.Background(), item.ID); err == nil || it.State != core.OutboxRetry {
		t.Fatalf("Send to a closed port = %s, %v; want retry", it.State, err)
	}
	w := f.openOutbox(t, 1)
	guitest.OnUI(func() {
		w.list.Select(0)
		if !w.retry.Visible() || w.markSent.Visible() {
			t.Error("a message waiting to retry offers no Retry")
		}
		it := w.items[0]
		if it.Attempts != 1 || it.LastError == "" || it.NextAttempt.IsZero() {
			t.Errorf("row = %+v, want 1 attempt, the error and the next attempt", it)
		}
		if !strings.Contains(attemptLine(it), "1 attempt · next attempt ") {
			t.Errorf("attempt line = %q", attemptLine(it))
		}
	})

	// The server comes back; Retry sends at once.
	gamma.SMTP.Host, gamma.SMTP.Port = f.sink.Host, f.sink.Port
	if err := f.DB.SaveAccount(context.Background(), &gamma, nil); err != nil {
		t.Fatal(err)
	}
	guitest.OnUI(func() { test.Tap(w.retry) })
	guitest.Eventually(t, "retried and sent", func() bool {
		return len(f.sink.Messages()) == 1 && f.state(t, item.ID) == core.OutboxSent && strings.HasPrefix(w.status.Text, "Sent ")
	})

	// A sent message can be removed from the outbox, after confirming.
	guitest.Eventually(t, "sent shown", func() bool { return len(w.items) == 1 && w.items[0].State == core.OutboxSent })
	guitest.OnUI(func() {
		w.list.Select(0)
		test.Tap(w.remove)
		guitest.TapButton(t, w.win, "Yes")
	})
	guitest.Eventually(t, "deleted", func() bool { return len(w.items) == 0 })
	if items, _ := f.DB.Outbox(context.Background(), time.Time{}); len(items) != 0 {
		t.Errorf("outbox after delete = %+v", items)
	}
}

func TestComposerSaysPlainlyWhenNotSent(t *testing.T) {
	f := newComposeFixture(t)
	down := f.SendingAccount(t, "Down", "", "127.0.0.1", 1)
	c := f.openDraft(t, Draft{AccountID: down.ID, To: "dave@example.test", Subject: "Stuck"})
	guitest.OnUI(func() {
		if c.from.Selected != "down@example.test — Down" {
			t.Errorf("From = %q", c.from.Selected)
		}
		test.Tap(c.sendButton)
	})
	guitest.Eventually(t, "outcome shown", func() bool { return c.done && strings.HasPrefix(c.status.Text, "Not sent yet:") })
	guitest.OnUI(func() {
		if !strings.Contains(c.status.Text, "The message waits in the outbox.") {
			t.Errorf("status = %q", c.status.Text)
		}
		if len(f.composers.open) != 1 {
			t.Error("the composer closed although the message was not sent")
		}
		guitest.TapButton(t, c.win, "Open the outbox")
	})
	var w *outboxWindow
	guitest.OnUI(func() { w = f.composers.outbox })
	if w == nil {
		t.Fatal("Open the outbox did not open it")
	}
	guitest.Eventually(t, "outbox shows it", func() bool { return len(w.items) == 1 && w.items[0].State == core.OutboxRetry })
	if ds, _ := f.DB.Drafts(context.Background()); len(ds) != 0 {
		t.Errorf("the draft of a queued message was kept: %+v", ds)
	}
}
