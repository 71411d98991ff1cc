package engine

import (
	"bytes"
	"context"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	tmime "github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/core/reply"
	"github.com/tributary-mail/tributary/core/smtp"
)

func TestForwardAsAttachmentDraft(t *testing.T) {
	f, _, a := imapFixture(t)
	ctx := context.Background()
	folder, err := f.db.EnsureFolder(ctx, a.ID, core.DefaultFolder, "")
	if err != nil {
		t.Fatal(err)
	}
	raw := "From: Ann <ann@example.test>\r\nTo: imap@example.test\r\nSubject: Minutes: Q3/Q4\r\nMessage-ID: <minutes@example.test>\r\n" +
		"Content-Type: multipart/alternative; boundary=\"m\"\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n" +
		"--m\r\nContent-Type: text/html\r\n\r\n<p>See <b>below</b>.</p>\r\n--m--\r\n"
	id, _, err := f.db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	d, err := f.e.ForwardAsAttachmentDraft(ctx, id)
	if err != nil {
		t.Fatalf("ForwardAsAttachmentDraft(%d) = %v", id, err)
	}
	t.Cleanup(func() { reply.RemoveForwardFiles(d.Message.Attachments) })
	if !d.Forward || d.Original != id || d.AccountID != a.ID || d.Message.Subject != "Fwd: Minutes: Q3/Q4" || d.Message.Text != "" {
		t.Errorf("ForwardAsAttachmentDraft = %+v, want a forward of %d with subject Fwd: Minutes: Q3/Q4 and no text", d, id)
	}
	if len(d.Message.Attachments) != 1 {
		t.Fatalf("attachments = %q, want the original only", d.Message.Attachments)
	}
	path := d.Message.Attachments[0]
	if got := filepath.Base(path); got != "Minutes_ Q3_Q4.eml" {
		t.Errorf("attached file = %q, want Minutes_ Q3_Q4.eml", got)
	}
	if b, err := os.ReadFile(path); err != nil || string(b) != raw {
		t.Errorf("attached file holds %q, %v; want the original byte for byte", b, err)
	}

	// Built, it is a multipart/mixed whose second part is the original
	// as message/rfc822, not re-encoded.
	d.Message.From = a.From()
	d.Message.To = []*mail.Address{{Address: "bob@example.test"}}
	var buf bytes.Buffer
	if _, err := smtp.Build(d.Message, &buf); err != nil {
		t.Fatalf("Build() = %v", err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if mt != "multipart/mixed" {
		t.Fatalf("Content-Type = %q, want multipart/mixed", mt)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	var types []string
	var attached []byte
	var encoding string
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		types = append(types, pt)
		if pt == "message/rfc822" {
			attached, _ = io.ReadAll(p)
			encoding = p.Header.Get("Content-Transfer-Encoding")
		}
	}
	if strings.Join(types, ",") != "text/plain,message/rfc822" {
		t.Errorf("parts = %q, want text/plain and message/rfc822", types)
	}
	if string(attached) != raw || encoding != "8bit" {
		t.Errorf("message/rfc822 part = %q (%s), want the original unencoded", attached, encoding)
	}
	pm, _ := tmime.Parse(bytes.NewReader(buf.Bytes()), nil)
	if len(pm.Attachments) != 1 || pm.Attachments[0].ContentType != "message/rfc822" || pm.Attachments[0].Filename != "Minutes_ Q3_Q4.eml" {
		t.Errorf("parsed attachments = %+v, want the message", pm.Attachments)
	}
}

func TestAttachedName(t *testing.T) {
	tests := []struct{ name, subject, want string }{
		{"plain", "Lunch", "Lunch.eml"},
		{"path characters", "a/b: c", "a_b_ c.eml"},
		{"dots only", "...", "eml.eml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := attachedName(tt.subject); got != tt.want {
				t.Errorf("attachedName(%q) = %q, want %q", tt.subject, got, tt.want)
			}
		})
	}
}
