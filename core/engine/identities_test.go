package engine

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/core/smtp"
	"github.com/tributary-mail/tributary/storage"
)

// A message to an alias is answered from the alias, with its Reply-To and
// its Bcc-self copy, and goes out with the alias as the envelope sender
// through the account's own SMTP server.
func TestReplyFromTheAliasItCameTo(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
	a := f.addSMTP(t, "alice", srv, "pw")
	alias := core.Identity{AccountID: a.ID, DisplayName: "Alice Sales", Email: "sales@example.test", ReplyTo: "team@example.test", BccSelf: true}
	if err := f.e.AddIdentity(ctx, &alias); err != nil {
		t.Fatal(err)
	}
	inbox, err := f.db.EnsureFolder(ctx, a.ID, core.DefaultFolder, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: Ann <ann@example.test>\r\nTo: bob@example.test\r\nCc: Sales <sales@example.test>\r\nSubject: Offer\r\nMessage-ID: <offer@example.test>\r\n\r\nHow much?\r\n"
	id, _, err := f.db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: inbox}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}

	d, err := f.e.ReplyDraft(ctx, id, true)
	if err != nil {
		t.Fatal(err)
	}
	if d.Identity.Email != "sales@example.test" || d.Message.From.String() != `"Alice Sales" <sales@example.test>` || d.AccountID != a.ID {
		t.Fatalf("ReplyDraft from %v (identity %s, account %d), want the alias of account %d", d.Message.From, d.Identity.Email, d.AccountID, a.ID)
	}
	// Reply-all leaves out the alias as one of the user's own addresses.
	if got := emails(append(d.Message.To, d.Message.Cc...)); got != "ann@example.test,bob@example.test" {
		t.Errorf("reply-all recipients = %s, want the others without the alias", got)
	}
	fwd, err := f.e.ForwardDraft(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if fwd.Identity.Email != "sales@example.test" {
		t.Errorf("ForwardDraft from %s, want the alias", fwd.Identity.Email)
	}

	item, err := f.e.Queue(ctx, a, d.Message)
	if err != nil {
		t.Fatal(err)
	}
	if item.From != "sales@example.test" {
		t.Errorf("outbox From = %s, want the alias", item.From)
	}
	if _, err := f.e.Send(ctx, item.ID); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("server received %d messages, want 1", len(msgs))
	}
	data := string(msgs[0].Data)
	if msgs[0].From != "sales@example.test" || !strings.Contains(data, "From: \"Alice Sales\" <sales@example.test>") || !strings.Contains(data, "Reply-To: <team@example.test>") {
		t.Errorf("sent MAIL FROM %s, message:\n%s\nwant the alias as sender and in From, with its Reply-To", msgs[0].From, data)
	}
	if !strings.Contains(strings.Join(msgs[0].To, ","), "sales@example.test") || strings.Contains(data, "Bcc") {
		t.Errorf("RCPT TO %v: want the Bcc-self copy, not shown in the message", msgs[0].To)
	}
}

func TestQueueRefusesAnAddressThatIsNoIdentity(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	srv := smtptest.Start(t, smtptest.Options{Users: map[string]string{"alice": "pw"}, AllowInsecureAuth: true})
	a := f.addSMTP(t, "alice", srv, "pw")
	d := draft()
	d.From = core.Identity{Email: "stranger@example.test"}.From()
	_, err := f.e.Queue(ctx, a, d)
	var no *NoIdentityError
	if !errors.As(err, &no) || no.Address != "stranger@example.test" {
		t.Fatalf("Queue from a stranger = %v, want a NoIdentityError", err)
	}
	if items, _ := f.db.Outbox(ctx, time.Now().Add(time.Hour)); len(items) != 0 {
		t.Errorf("outbox holds %d items, want none", len(items))
	}
	// The account's own address, in any case, is always an identity.
	d.From = core.Identity{DisplayName: "Al", Email: "ALICE@example.test"}.From()
	item, err := f.e.Queue(ctx, a, d)
	if err != nil || item.From != a.Email {
		t.Errorf("Queue from the account's own address = %s, %v; want %s", item.From, err, a.Email)
	}
}

func TestIdentityEditsAreChecked(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	srv := smtptest.Start(t, smtptest.Options{})
	a := f.addSMTP(t, "alice", srv, "pw")
	tests := []struct {
		name string
		id   core.Identity
		ok   bool
	}{
		{"good alias", core.Identity{AccountID: a.ID, Email: " alias@example.test "}, true},
		{"bad address", core.Identity{AccountID: a.ID, Email: "not an address"}, false},
		{"bad Reply-To", core.Identity{AccountID: a.ID, Email: "b@example.test", ReplyTo: "nope"}, false},
		{"signature too long", core.Identity{AccountID: a.ID, Email: "c@example.test", Signature: strings.Repeat("x", core.MaxSignature+1)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := f.e.AddIdentity(ctx, &tt.id)
			var v core.ValidationError
			if tt.ok != (err == nil) || (!tt.ok && !errors.As(err, &v)) {
				t.Errorf("AddIdentity = %v, want ok %v (a ValidationError otherwise)", err, tt.ok)
			}
		})
	}
	// The own identity's name and address stay the account's.
	own := core.Identity{AccountID: a.ID, DisplayName: "Someone Else", Email: "else@example.test", Signature: "Alice"}
	if err := f.e.SaveIdentity(ctx, &own); err != nil {
		t.Fatal(err)
	}
	ids, err := f.db.AccountIdentities(ctx, a.ID)
	if err != nil || ids[0].Email != a.Email || ids[0].Signature != "Alice" || ids[1].Email != "alias@example.test" {
		t.Errorf("identities = %+v, %v", ids, err)
	}
	if err := f.e.RemoveIdentity(ctx, a.ID, a.Email); !errors.Is(err, storage.ErrPrimaryIdentity) {
		t.Errorf("RemoveIdentity(own) = %v, want ErrPrimaryIdentity", err)
	}
}

func TestAsIdentity(t *testing.T) {
	sales := core.Identity{DisplayName: "Sales", Email: "sales@example.test", ReplyTo: "team@example.test", BccSelf: true}
	tests := []struct {
		name              string
		id                core.Identity
		draft             smtp.Draft
		wantReplyTo, wBcc string
	}{
		{"plain identity", core.Identity{Email: "me@example.test"}, smtp.Draft{To: addrList("ann@example.test")}, "", ""},
		{"Reply-To and Bcc-self", sales, smtp.Draft{To: addrList("ann@example.test")}, "team@example.test", "sales@example.test"},
		{"the draft's own Reply-To wins", sales, smtp.Draft{To: addrList("ann@example.test"), ReplyTo: &mail.Address{Address: "x@example.test"}}, "x@example.test", "sales@example.test"},
		{"already a recipient: no second copy", sales, smtp.Draft{To: addrList("ann@example.test"), Cc: addrList("SALES@example.test")}, "team@example.test", ""},
		{"Bcc kept", sales, smtp.Draft{To: addrList("ann@example.test"), Bcc: addrList("boss@example.test")}, "team@example.test", "boss@example.test,sales@example.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.draft
			asIdentity(&d, tt.id)
			var replyTo string
			if d.ReplyTo != nil {
				replyTo = d.ReplyTo.Address
			}
			if d.From.Address != tt.id.Email || replyTo != tt.wantReplyTo || emails(d.Bcc) != tt.wBcc {
				t.Errorf("asIdentity = From %s, Reply-To %q, Bcc %q; want %s, %q, %q", d.From, replyTo, emails(d.Bcc), tt.id.Email, tt.wantReplyTo, tt.wBcc)
			}
		})
	}
}

func addrList(s string) []*mail.Address {
	list, err := mail.ParseAddressList(s)
	if err != nil {
		panic(err)
	}
	return list
}
