package engine

import (
	"bytes"
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	tmime "github.com/tributary-mail/tributary/core/mime"
)

// serverDrafts parses the messages of the server's Drafts mailbox.
func serverDrafts(t *testing.T, srv *imaptest.Server) []*tmime.Message {
	t.Helper()
	var out []*tmime.Message
	for _, m := range srv.Messages(t, "Drafts") {
		if !slices.Contains(m.Flags, goimap.FlagDraft) {
			t.Errorf("server draft UID %d flags = %v, want \\Draft", m.UID, m.Flags)
		}
		pm, err := tmime.Parse(bytes.NewReader(m.Raw), nil)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pm)
	}
	return out
}

func TestDraftSyncsToIMAPDrafts(t *testing.T) {
	f, srv, a := imapFixture(t)
	f.e.opts.DraftPushEvery = -1 // every save goes at once
	ctx := context.Background()

	d := core.Draft{AccountID: a.ID, To: "Bob <bob@example.test>", Bcc: "boss@example.test", Subject: "Plan für morgen", Body: "version 1\n"}
	if err := f.e.SaveDraft(ctx, &d); err != nil {
		t.Fatalf("SaveDraft = %v", err)
	}
	if d.MessageID == "" {
		t.Fatal("SaveDraft gave the draft of an IMAP account no Message-ID")
	}
	got := serverDrafts(t, srv) // the engine created Drafts, which the fixture lacks
	if len(got) != 1 || got[0].MessageID != d.MessageID || got[0].Subject != d.Subject || strings.TrimSpace(got[0].Text) != "version 1" {
		t.Fatalf("server Drafts after the first save = %d messages %+v, want version 1 of %q", len(got), got, d.MessageID)
	}

	d.Body = "version 2\n"
	if err := f.e.SaveDraft(ctx, &d); err != nil {
		t.Fatalf("SaveDraft = %v", err)
	}
	got = serverDrafts(t, srv)
	if len(got) != 1 || strings.TrimSpace(got[0].Text) != "version 2" {
		t.Fatalf("server Drafts after the second save = %d messages, want only version 2", len(got))
	}

	// The sync brings our own version back into the Drafts folder; it
	// changes nothing in the draft, and it is not announced as new mail.
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	all, err := f.db.Drafts(ctx)
	if err != nil || len(all) != 1 || all[0].ID != d.ID || all[0].Body != d.Body || all[0].Bcc != d.Bcc {
		t.Fatalf("drafts after a sync = %+v, %v; want only the draft saved here, unchanged", all, err)
	}

	if err := f.e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatalf("DeleteDraft = %v", err)
	}
	if got := srv.Messages(t, "Drafts"); len(got) != 0 {
		t.Errorf("server Drafts after DeleteDraft = %d messages, want none", len(got))
	}
	if j, _ := f.db.Journal(ctx, a.Sources[0].ID); len(j) != 0 {
		t.Errorf("journal after DeleteDraft = %+v, want empty", j)
	}
}

// TestDraftUploadsAreCoalesced saves a draft three times within the push
// interval: the first save goes at once, the later ones replace each other
// in the journal, closing the composer pushes the last one, and a
// discard removes both what is on the server and what still waits.
func TestDraftUploadsAreCoalesced(t *testing.T) {
	f, srv, a := imapFixture(t)
	f.e.opts.DraftPushEvery = time.Hour
	ctx := context.Background()

	d := core.Draft{AccountID: a.ID, To: "bob@example.test", Subject: "often saved", Body: "1"}
	for i := 1; i <= 3; i++ {
		d.Body = fmt.Sprint(i)
		if err := f.e.SaveDraft(ctx, &d); err != nil {
			t.Fatalf("SaveDraft #%d = %v", i, err)
		}
	}
	if got := serverDrafts(t, srv); len(got) != 1 || strings.TrimSpace(got[0].Text) != "1" {
		t.Fatalf("server Drafts = %d messages, want the first version only", len(got))
	}
	j, err := f.db.Journal(ctx, a.Sources[0].ID)
	if err != nil || len(j) != 1 || j[0].Op != core.JournalAppend || j[0].DestRole != core.RoleDrafts || j[0].HeaderID != d.MessageID {
		t.Fatalf("journal = %+v, %v; want one waiting upload of %q", j, err, d.MessageID)
	}
	// The composer closed: the last version goes at once.
	if err := f.e.PushDraft(ctx, d.ID); err != nil {
		t.Fatalf("PushDraft = %v", err)
	}
	if got := serverDrafts(t, srv); len(got) != 1 || strings.TrimSpace(got[0].Text) != "3" {
		t.Fatalf("server Drafts after PushDraft = %d messages, want the third version only", len(got))
	}
	if err := f.e.SaveDraft(ctx, &d); err != nil { // within the interval again: waits
		t.Fatal(err)
	}
	if err := f.e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatalf("DeleteDraft = %v", err)
	}
	if got := srv.Messages(t, "Drafts"); len(got) != 0 {
		t.Errorf("server Drafts after DeleteDraft = %d messages, want none", len(got))
	}
	if j, _ := f.db.Journal(ctx, a.Sources[0].ID); len(j) != 0 {
		t.Errorf("journal after DeleteDraft = %+v, want empty", j)
	}
}

// TestServerDraftsComeHere edits a draft on the server (a new version
// APPENDed by another client, the old one removed) and writes one there:
// the next sync updates the first here and brings in the second.
func TestServerDraftsComeHere(t *testing.T) {
	f, srv, a := imapFixture(t)
	f.e.opts.DraftPushEvery = -1
	ctx := context.Background()

	d := core.Draft{AccountID: a.ID, To: "bob@example.test", Subject: "shared", Body: "written here"}
	if err := f.e.SaveDraft(ctx, &d); err != nil {
		t.Fatal(err)
	}
	old := srv.Messages(t, "Drafts")
	later := time.Now().Add(time.Hour).Format(time.RFC1123Z)
	srv.Append(t, "Drafts", fmt.Appendf(nil, "From: %s\r\nTo: bob@example.test, carol@example.test\r\nSubject: shared\r\nDate: %s\r\nMessage-ID: <%s>\r\n\r\nedited on the phone\r\n", imaptest.User, later, d.MessageID), goimap.FlagDraft)
	c := srv.Dial(t)
	if _, err := c.Select("Drafts", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	if err := c.Store(goimap.UIDSetNum(old[0].UID), &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Flags: []goimap.Flag{goimap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Expunge().Close(); err != nil {
		t.Fatal(err)
	}
	c.Close()
	srv.Append(t, "Drafts", fmt.Appendf(nil, "From: %s\r\nTo: dave@example.test\r\nSubject: from elsewhere\r\nDate: %s\r\nMessage-ID: <other@example.test>\r\n\r\nstarted on the laptop\r\n", imaptest.User, later), goimap.FlagDraft)

	sub := f.e.Subscribe()
	if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
		t.Fatal(errs)
	}
	sub.Finish()
	got, err := f.db.Draft(ctx, d.ID)
	if err != nil || strings.TrimSpace(got.Body) != "edited on the phone" || got.To != "bob@example.test, carol@example.test" {
		t.Errorf("draft %d after the sync = %+v, %v; want the server's newer version", d.ID, got, err)
	}
	all, _ := f.db.Drafts(ctx)
	var subjects []string
	for _, x := range all {
		subjects = append(subjects, x.Subject)
		if x.Subject == "from elsewhere" && (x.MessageID != "other@example.test" || x.AccountID != a.ID || x.From != "") {
			t.Errorf("adopted draft = %+v, want Message-ID other@example.test of account %d from its own address", x, a.ID)
		}
	}
	slices.Sort(subjects)
	if !slices.Equal(subjects, []string{"from elsewhere", "shared"}) {
		t.Errorf("draft subjects after the sync = %q, want the edited one and the one from elsewhere", subjects)
	}
	sawDrafts := false
	for ev := range sub.C() {
		sawDrafts = sawDrafts || ev.Kind == EventDrafts
		if ev.Kind == EventNewMail {
			t.Errorf("sync announced new mail %v; drafts are not mail that arrived", ev.MessageIDs)
		}
	}
	if !sawDrafts {
		t.Error("no EventDrafts after the sync brought drafts in")
	}

	// Saved here afterwards, the draft replaces the server's version.
	got.Body = "the last word"
	got.MessageID = "" // as the composer saves it: by ID only
	if err := f.e.SaveDraft(ctx, &got); err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range serverDrafts(t, srv) {
		if m.MessageID == d.MessageID {
			texts = append(texts, strings.TrimSpace(m.Text))
		}
	}
	if !slices.Equal(texts, []string{"the last word"}) {
		t.Errorf("server versions of the edited draft = %q, want only the last word", texts)
	}
}

func TestPOP3DraftsStayLocal(t *testing.T) {
	f := newFixture(t)
	a := f.addPOP3(t, "pop", pop3test.Start(t, pop3test.Options{Users: map[string]string{"pop": "pw-pop"}}), true, 0)
	ctx := context.Background()
	d := core.Draft{AccountID: a.ID, To: "bob@example.test", Body: "local"}
	if err := f.e.SaveDraft(ctx, &d); err != nil {
		t.Fatal(err)
	}
	if d.MessageID != "" {
		t.Errorf("POP3 draft Message-ID = %q, want none (never uploaded)", d.MessageID)
	}
	if j, _ := f.db.Journal(ctx, a.Sources[0].ID); len(j) != 0 {
		t.Errorf("journal of a POP3 source = %+v, want empty", j)
	}
	if err := f.e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	if all, _ := f.db.Drafts(ctx); len(all) != 0 {
		t.Errorf("drafts after DeleteDraft = %+v, want none", all)
	}
}

func TestBuildDraftRoundTrip(t *testing.T) {
	from := &mail.Address{Name: "Me", Address: imaptest.User}
	tests := []struct {
		name string
		in   core.Draft
		want core.Draft // what reading the message back gives
	}{
		{"plain", core.Draft{To: "bob@example.test", Subject: "hi", Body: "line 1\nline 2"},
			core.Draft{To: "bob@example.test", Subject: "hi", Body: "line 1\nline 2"}},
		{"non-ASCII subject and name", core.Draft{To: "Jürgen <j@example.test>", Subject: "Grüße", Body: "ä"},
			core.Draft{To: `"Jürgen" <j@example.test>`, Subject: "Grüße", Body: "ä"}},
		{"header injection", core.Draft{To: "bob@example.test", Subject: "a\r\nBcc: evil@example.test", Body: "x"},
			core.Draft{To: "bob@example.test", Subject: "a Bcc: evil@example.test", Body: "x"}},
		{"reply", core.Draft{To: "bob@example.test", InReplyTo: "p@example.test", References: []string{"o@example.test", "p@example.test"}, Body: "x"},
			core.Draft{To: "bob@example.test", InReplyTo: "p@example.test", References: []string{"o@example.test", "p@example.test"}, Body: "x"}},
		{"no recipient yet", core.Draft{Subject: "idea", Body: "later"}, core.Draft{Subject: "idea", Body: "later"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.MessageID = "id@example.test"
			var b bytes.Buffer
			if err := buildDraft(&b, &tt.in, from, time.Unix(1e9, 0)); err != nil {
				t.Fatalf("buildDraft = %v", err)
			}
			m, err := tmime.Parse(bytes.NewReader(b.Bytes()), nil)
			if err != nil {
				t.Fatalf("parse built draft: %v", err)
			}
			got := core.Draft{To: joinList(m.To), Subject: m.Subject, Body: strings.TrimRight(m.Text, "\n"), InReplyTo: m.InReplyTo, References: m.References}
			if got.To != tt.want.To || got.Subject != tt.want.Subject || got.Body != tt.want.Body || got.InReplyTo != tt.want.InReplyTo || !slices.Equal(got.References, tt.want.References) {
				t.Errorf("buildDraft(%+v) read back = %+v, want %+v", tt.in, got, tt.want)
			}
			if m.MessageID != "id@example.test" {
				t.Errorf("Message-ID = %q, want id@example.test", m.MessageID)
			}
		})
	}
}
