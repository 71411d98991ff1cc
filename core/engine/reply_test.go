package engine

import (
	"context"
	"encoding/base64"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/reply"
)

func TestReplyDraftAndAnswered(t *testing.T) {
	f, srv, a := imapFixture(t)
	ctx := context.Background()
	m := f.inboxMessage(t, "action 1")
	d, err := f.e.ReplyDraft(ctx, m.ID, false)
	if err != nil {
		t.Fatal(err)
	}
	if d.AccountID != a.ID || d.Original != m.ID || d.Forward {
		t.Errorf("ReplyDraft = account %d, original %d, forward %v; want %d, %d, false", d.AccountID, d.Original, d.Forward, a.ID, m.ID)
	}
	if got := emails(d.Message.To); got != "s@example.test" || d.Message.Subject != "Re: action 1" || d.Message.InReplyTo != "a1@example.test" {
		t.Errorf("ReplyDraft message = to %q, subject %q, in-reply-to %q", got, d.Message.Subject, d.Message.InReplyTo)
	}
	if !strings.Contains(d.Message.Text, "s@example.test wrote:\n> body") {
		t.Errorf("reply text = %q, want the attribution and the quote", d.Message.Text)
	}
	if err := f.e.MarkAnswered(ctx, m.ID); err != nil {
		t.Fatalf("MarkAnswered = %v", err)
	}
	if flags := serverSubjects(t, srv, "INBOX")["action 1"]; !slices.Contains(flags, goimap.FlagAnswered) {
		t.Errorf("server flags after MarkAnswered = %v, want \\Answered", flags)
	}
	if got := f.inboxMessage(t, "action 1"); !got.Answered || got.Seen {
		t.Errorf("local flags after MarkAnswered = %+v, want answered and nothing else changed", got.Flags)
	}
	if err := f.e.MarkOriginal(ctx, m.ID, true); err != nil {
		t.Fatalf("MarkOriginal(forward) = %v", err)
	}
	if flags := serverSubjects(t, srv, "INBOX")["action 1"]; !slices.Contains(flags, goimap.FlagForwarded) || !slices.Contains(flags, goimap.FlagAnswered) {
		t.Errorf("server flags after a forward = %v, want $Forwarded beside \\Answered", flags)
	}
	if got := f.inboxMessage(t, "action 1"); !got.Forwarded || !got.Answered {
		t.Errorf("local flags after a forward = %+v, want forwarded and answered", got.Flags)
	}
	if _, err := f.e.ReplyDraft(ctx, 999999, false); err == nil || !strings.Contains(err.Error(), "message 999999") {
		t.Errorf("ReplyDraft of a missing message = %v, want an error naming it", err)
	}
}

func TestForwardDraftExtractsAttachments(t *testing.T) {
	f, _, a := imapFixture(t)
	ctx := context.Background()
	folder, err := f.db.EnsureFolder(ctx, a.ID, core.DefaultFolder, "")
	if err != nil {
		t.Fatal(err)
	}
	pdf := "%PDF-1.4 forward me"
	raw := "From: Ann <ann@example.test>\r\nTo: imap@example.test\r\nSubject: Minutes\r\nMessage-ID: <minutes@example.test>\r\n" +
		"Content-Type: multipart/mixed; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nAttached.\r\n" +
		"--m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"minutes.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString([]byte(pdf)) + "\r\n" +
		"--m\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"minutes.pdf\"\r\n\r\nsecond\r\n--m--\r\n"
	id, _, err := f.db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.e.ForwardDraft(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { reply.RemoveForwardFiles(d.Message.Attachments) })
	if !d.Forward || d.Message.Subject != "Fwd: Minutes" || len(d.Message.To) != 0 || !strings.Contains(d.Message.Text, "Attached.") {
		t.Errorf("ForwardDraft = %+v", d)
	}
	var names []string
	for _, p := range d.Message.Attachments {
		names = append(names, filepath.Base(p))
	}
	if strings.Join(names, ",") != "minutes.pdf,minutes (2).pdf" {
		t.Fatalf("forward attachments = %v, want minutes.pdf and minutes (2).pdf", names)
	}
	if b, err := os.ReadFile(d.Message.Attachments[0]); err != nil || string(b) != pdf {
		t.Errorf("forwarded attachment holds %q, %v; want the original", b, err)
	}
	if info, err := os.Stat(d.Message.Attachments[0]); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("forwarded attachment mode = %v, %v; want 0600", info.Mode(), err)
	}
}

func emails(list []*mail.Address) string {
	var out []string
	for _, a := range list {
		out = append(out, a.Address)
	}
	return strings.Join(out, ",")
}
