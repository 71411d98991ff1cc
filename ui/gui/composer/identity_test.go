package composer

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// A reply to an alias starts from the alias with its signature above the
// quote; choosing another identity swaps the signature and keeps what the
// user wrote; the message goes out as the identity chosen.
func TestComposerIdentitiesAndSignatures(t *testing.T) {
	f := newComposeFixture(t)
	ctx := context.Background()
	sales := core.Identity{AccountID: f.beta.ID, DisplayName: "Beta Sales", Email: "sales@example.test", Signature: "Beta Sales\nACME Corp"}
	if err := f.Engine.AddIdentity(ctx, &sales); err != nil {
		t.Fatal(err)
	}
	own := core.Identity{AccountID: f.alpha.ID, Signature: "Al"}
	if err := f.Engine.SaveIdentity(ctx, &own); err != nil {
		t.Fatal(err)
	}
	id := f.DeliverRaw(t, f.beta, "From: Carol <carol@example.test>\nTo: sales@example.test\nSubject: Price\nMessage-ID: <price@example.test>\n\nHow much?\n")
	d, err := f.composers.ReplyDraft(id, false)
	if err != nil {
		t.Fatal(err)
	}
	c := f.openDraft(t, d)
	const quote = "> How much?\n"
	guitest.OnUI(func() {
		if got := strings.Join(c.from.Options, " | "); got != "Al Pha <alpha@example.test> — Alpha | Bea Ta <beta@example.test> — Beta | Beta Sales <sales@example.test> — Beta" {
			t.Errorf("From offers %q, want every identity of every account", got)
		}
		if c.from.Selected != "Beta Sales <sales@example.test> — Beta" {
			t.Errorf("From = %q, want the alias the message came to", c.from.Selected)
		}
		if !strings.HasPrefix(c.body.Text, "\n\n-- \nBeta Sales\nACME Corp\n\nCarol <carol@example.test> wrote:") || !strings.HasSuffix(c.body.Text, quote) {
			t.Errorf("body = %q, want the alias's signature above the quote", c.body.Text)
		}
		if c.dirty {
			t.Error("placing the signature counted as an edit")
		}
		c.body.SetText("Ten euros." + c.body.Text)
		c.from.SetSelected("Al Pha <alpha@example.test> — Alpha")
		if !strings.HasPrefix(c.body.Text, "Ten euros.\n\n-- \nAl\n\nCarol") {
			t.Errorf("after choosing Alpha, body = %q, want Alpha's signature in place of the alias's, the text kept", c.body.Text)
		}
		c.from.SetSelected("Bea Ta <beta@example.test> — Beta") // no signature: none is left
		if !strings.HasPrefix(c.body.Text, "Ten euros.\n\nCarol") {
			t.Errorf("after choosing Beta, body = %q, want no signature", c.body.Text)
		}
		c.from.SetSelected("Beta Sales <sales@example.test> — Beta")
		test.Tap(c.sendButton)
	})
	guitest.Eventually(t, "message sent and composer closed", func() bool {
		return len(f.sink.Messages()) == 1 && len(f.composers.open) == 0
	})
	m := f.sink.Messages()[0]
	if data := string(m.Data); m.From != "sales@example.test" || !strings.Contains(data, `From: "Beta Sales" <sales@example.test>`) || !strings.Contains(data, "--=20\r\nBeta Sales\r\nACME Corp") { // QP keeps the separator's space
		t.Errorf("sent MAIL FROM %s:\n%s\nwant it from the alias, with its signature", m.From, data)
	}
}

// A new message gets its identity's signature at the end, and a composer
// holding only that is blank: closing it loses nothing.
func TestNewMessageSignature(t *testing.T) {
	f := newComposeFixture(t)
	own := core.Identity{AccountID: f.alpha.ID, Signature: "Al\n"}
	if err := f.Engine.SaveIdentity(context.Background(), &own); err != nil {
		t.Fatal(err)
	}
	c := f.openDraft(t, Draft{AccountID: f.alpha.ID})
	guitest.OnUI(func() {
		if c.body.Text != "\n\n-- \nAl\n" {
			t.Errorf("new message body = %q, want the signature after a blank line", c.body.Text)
		}
		if !c.blank() {
			t.Error("a composer with only its signature is not blank")
		}
	})
}

// A draft keeps the identity it is from, and reopens from it.
func TestDraftReopensFromItsIdentity(t *testing.T) {
	f := newComposeFixture(t)
	ctx := context.Background()
	sales := core.Identity{AccountID: f.beta.ID, Email: "sales@example.test"}
	if err := f.Engine.AddIdentity(ctx, &sales); err != nil {
		t.Fatal(err)
	}
	c := f.openDraft(t, Draft{})
	guitest.OnUI(func() {
		c.from.SetSelected("sales@example.test — Beta")
		test.Type(c.body, "Half written")
		c.requestClose()
	})
	var stored core.Draft
	guitest.Eventually(t, "draft stored", func() bool {
		ds, _ := f.DB.Drafts(ctx)
		if len(ds) == 1 {
			stored = ds[0]
		}
		return len(ds) == 1 && ds[0].Body == "Half written"
	})
	if stored.From != "sales@example.test" || stored.AccountID != f.beta.ID {
		t.Fatalf("stored draft from %q of account %d, want the alias of Beta", stored.From, stored.AccountID)
	}
	c = f.openDraft(t, DraftFromStore(stored))
	guitest.OnUI(func() {
		if c.from.Selected != "sales@example.test — Beta" || c.body.Text != "Half written" {
			t.Errorf("reopened draft from %q, body %q; want the alias, the body as saved (no second signature)", c.from.Selected, c.body.Text)
		}
	})
}
