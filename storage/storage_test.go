package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

func openTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("Open = %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func testAccount(name string) *core.Account {
	return &core.Account{
		Name: name, DisplayName: "User " + name, Email: strings.ToLower(name) + "@example.test",
		SMTP:          core.SMTPSettings{Host: "smtp.example.test", Port: 587, Username: "u", Encryption: core.EncryptionSTARTTLS, Auth: true},
		PasswordStore: core.PasswordStoreFile,
		Sources: []core.Source{{Protocol: core.ProtocolPOP3, Host: "pop.example.test", Port: 995, Username: "u",
			Encryption: core.EncryptionSSL, Method: core.MethodManual, Folder: core.DefaultFolder, LeaveOnServer: true}},
	}
}

func addAccount(t *testing.T, db *DB, name string) *core.Account {
	t.Helper()
	a := testAccount(name)
	if err := db.CreateAccount(context.Background(), a); err != nil {
		t.Fatalf("CreateAccount(%s) = %v", name, err)
	}
	return a
}

func rawMessage(id, subject, date, body string) string {
	return fmt.Sprintf("From: Sender <sender@example.test>\r\nTo: you@example.test\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s>\r\n\r\n%s\r\n", subject, date, id, body)
}

func inbox(t *testing.T, db *DB, a *core.Account) int64 {
	t.Helper()
	id, err := db.FolderByRole(context.Background(), a.ID, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestAccountsRoundTrip(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	got, err := db.AccountByName(ctx, "work")
	if err != nil {
		t.Fatalf("AccountByName(work) = %v", err)
	}
	if got.Email != a.Email || got.SMTP != a.SMTP || len(got.Sources) != 1 || got.Sources[0].Host != "pop.example.test" || got.Sources[0].ID == 0 {
		t.Errorf("AccountByName(work) = %+v, want %+v", got, *a)
	}
	var v core.ValidationError
	if err := db.CreateAccount(ctx, testAccount("WORK")); !errors.As(err, &v) || v[0].Field != "name" {
		t.Errorf("CreateAccount(duplicate name) = %v, want a validation error on name", err)
	}
}

func TestDeliverDeduplicatesAndKeepsBytes(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	raw := rawMessage("one@x", "Hello", "Mon, 02 Jan 2006 15:04:05 +0000", "body text")
	d := core.Delivery{AccountID: a.ID, FolderID: inbox(t, db, a), POP3: &core.POP3Ref{SourceID: a.Sources[0].ID, UIDL: "u1"}}
	id, isNew, err := db.Deliver(ctx, d, strings.NewReader(raw))
	if err != nil || !isNew {
		t.Fatalf("Deliver = %d, %v, %v; want a new message", id, isNew, err)
	}
	d.POP3.UIDL = "u2" // the same message again, as from a second source
	id2, isNew, err := db.Deliver(ctx, d, strings.NewReader(raw))
	if err != nil || isNew || id2 != id {
		t.Errorf("Deliver(same message) = %d, %v, %v; want %d, not new", id2, isNew, err, id)
	}
	uidls, _ := db.POP3Retrieved(ctx, a.Sources[0].ID)
	if len(uidls) != 2 {
		t.Errorf("POP3Retrieved = %v, want both UIDLs recorded", uidls)
	}
	_, blob, _ := db.Message(ctx, id)
	f, err := db.OpenBlob(blob)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, _ := io.ReadAll(f)
	if string(got) != raw {
		t.Errorf("stored bytes = %q, want %q", got, raw)
	}
}

func TestUnifiedInboxOrderAndPaging(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	work, home := addAccount(t, db, "Work"), addAccount(t, db, "Home")
	other, _ := db.EnsureFolder(ctx, work.ID, "Lists", "")
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 30 {
		a := work
		if i%2 == 1 {
			a = home
		}
		folder := inbox(t, db, a)
		if i%10 == 9 {
			folder = other
			a = work
		}
		raw := rawMessage(fmt.Sprintf("m%d@x", i), fmt.Sprintf("message %d", i), base.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z), "x")
		if _, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name  string
		q     ListQuery
		count int
		first string
	}{
		{"unified first page", ListQuery{Limit: 5}, 27, "message 28"},
		{"unified second page", ListQuery{Limit: 5, Offset: 5}, 27, "message 23"},
		{"one account's inbox", ListQuery{AccountID: home.ID, Limit: 5}, 12, "message 27"},
		{"a non-inbox folder", ListQuery{FolderID: other, Limit: 5}, 3, "message 29"},
		{"search every folder, prefixes", ListQuery{Search: "messag 2", Limit: 5}, 11, "message 29"},
		{"search prefix", ListQuery{Search: "29", Limit: 5}, 1, "message 29"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			list, err := db.List(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			n, _ := db.Count(ctx, tc.q)
			if n != tc.count {
				t.Errorf("Count(%+v) = %d, want %d", tc.q, n, tc.count)
			}
			if tc.count > 0 && (len(list) == 0 || list[0].Subject != tc.first) {
				t.Errorf("List(%+v) first = %+v, want %q", tc.q, list, tc.first)
			}
			for i := 1; i < len(list); i++ {
				if list[i].Date.After(list[i-1].Date) {
					t.Errorf("List(%+v) not newest first at %d", tc.q, i)
				}
			}
		})
	}
}

func TestSearchFindsBodyAndAddressesAcrossAccounts(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	work, home := addAccount(t, db, "Work"), addAccount(t, db, "Home")
	db.Deliver(ctx, core.Delivery{AccountID: work.ID, FolderID: inbox(t, db, work)}, strings.NewReader(rawMessage("a@x", "Quarterly", "Mon, 02 Jan 2006 15:04:05 +0000", "the zeppelin report")))
	db.Deliver(ctx, core.Delivery{AccountID: home.ID, FolderID: inbox(t, db, home)}, strings.NewReader(rawMessage("b@x", "Holiday", "Mon, 02 Jan 2006 16:04:05 +0000", "zeppelin tickets")))
	for _, tc := range []struct {
		query string
		want  int
	}{{"zeppelin", 2}, {"zepp", 2}, {"zeppelin report", 1}, {"sender@example", 2}, {"holiday", 1}, {`"AND OR NEAR("`, 0}} {
		n, err := db.Count(ctx, ListQuery{Search: tc.query})
		if err != nil || n != tc.want {
			t.Errorf("Count(search %q) = %d, %v; want %d", tc.query, n, err, tc.want)
		}
	}
	for _, bad := range []string{"  --  ", "   ", `"AND OR NEAR(`} {
		if _, err := db.Count(ctx, ListQuery{Search: bad}); err == nil {
			t.Errorf("Count(search %q) = nil error, want one", bad)
		}
	}
}

func TestMalformedMessageIsKept(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	for _, raw := range []string{"", "\x00\x01\x02 not a message", "Subject: =?bogus?Q?x?=\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nbroken"} {
		id, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: inbox(t, db, a)}, strings.NewReader(raw))
		if err != nil {
			t.Errorf("Deliver(%q) = %v, want it stored", raw, err)
			continue
		}
		if _, _, err := db.Message(ctx, id); err != nil {
			t.Errorf("Message(%d) = %v", id, err)
		}
	}
}

// TestLargeMessageStreams delivers a 50 MB message and checks that it was
// never held in memory: what Deliver allocates stays far below its size.
func TestLargeMessageStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 50 MB")
	}
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	const size = 50 << 20
	header := "From: a@example.test\r\nSubject: big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
	body := io.LimitReader(repeatReader("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\r\n"), size)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	id, _, err := db.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: inbox(t, db, a)}, io.MultiReader(strings.NewReader(header), body))
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > size/2 {
		t.Errorf("Deliver of a %d MB message allocated %d MB, want far less than the message", size>>20, alloc>>20)
	}
	m, _, _ := db.Message(ctx, id)
	if m.Size != int64(len(header))+size {
		t.Errorf("stored size = %d, want %d", m.Size, int64(len(header))+size)
	}
}

type repeatReader string

func (r repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], r)
	}
	return n, nil
}

func TestRemoveAccountRemovesUnsharedFiles(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	work, home := addAccount(t, db, "Work"), addAccount(t, db, "Home")
	shared := rawMessage("s@x", "shared", "Mon, 02 Jan 2006 15:04:05 +0000", "x")
	own := rawMessage("o@x", "own", "Mon, 02 Jan 2006 15:04:05 +0000", "y")
	db.Deliver(ctx, core.Delivery{AccountID: work.ID, FolderID: inbox(t, db, work)}, strings.NewReader(shared))
	db.Deliver(ctx, core.Delivery{AccountID: home.ID, FolderID: inbox(t, db, home)}, strings.NewReader(shared))
	ownID, _, _ := db.Deliver(ctx, core.Delivery{AccountID: work.ID, FolderID: inbox(t, db, work)}, strings.NewReader(own))
	_, ownBlob, _ := db.Message(ctx, ownID)
	if err := db.RemoveAccount(ctx, work.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.OpenBlob(ownBlob); !errors.Is(err, ErrNotFound) {
		t.Errorf("file of a removed account's message: %v, want ErrNotFound", err)
	}
	list, _ := db.List(ctx, ListQuery{})
	if len(list) != 1 || list[0].Account != "Home" {
		t.Fatalf("after removing Work the inbox is %+v, want Home's copy", list)
	}
	_, blob, _ := db.Message(ctx, list[0].ID)
	if f, err := db.OpenBlob(blob); err != nil {
		t.Errorf("shared file removed with the other account: %v", err)
	} else {
		f.Close()
	}
}

func TestOutboxStates(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	item := core.OutboxItem{AccountID: a.ID, MessageID: "x@y", From: a.Email, Recipients: []string{"b@example.test"}, To: "b@example.test", Subject: "s"}
	if err := db.Enqueue(ctx, &item, bytes.NewReader([]byte("raw"))); err != nil {
		t.Fatal(err)
	}
	if err := db.Claim(ctx, item.ID); err != nil {
		t.Fatalf("Claim(queued) = %v", err)
	}
	if err := db.Claim(ctx, item.ID); !errors.Is(err, ErrNotClaimable) {
		t.Errorf("second Claim = %v, want ErrNotClaimable", err)
	}
	// A kill while sending: at the next start the message is unknown.
	if n, err := db.RecoverSending(ctx); n != 1 || err != nil {
		t.Errorf("RecoverSending = %d, %v; want 1", n, err)
	}
	got, _ := db.OutboxItem(ctx, item.ID)
	if got.State != core.OutboxUnknown || got.Attempts != 1 || got.Recipients[0] != "b@example.test" {
		t.Errorf("after a crash while sending: %+v, want unknown after 1 attempt", got)
	}
	due, _ := db.Outbox(ctx, time.Now())
	if len(due) != 0 {
		t.Errorf("an unknown message is due for sending: %+v", due)
	}
	next := time.Now().Add(time.Hour)
	db.SetOutboxState(ctx, item.ID, core.OutboxRetry, "421 busy", next)
	if due, _ := db.Outbox(ctx, time.Now()); len(due) != 0 {
		t.Errorf("a retry before its time is due: %+v", due)
	}
	if due, _ := db.Outbox(ctx, next.Add(time.Second)); len(due) != 1 {
		t.Errorf("a retry past its time is not due: %+v", due)
	}
}

func TestLockIsExclusive(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Lock(dir); !errors.Is(err, ErrLocked) {
		t.Errorf("second Lock = %v, want ErrLocked", err)
	}
	unlock()
	again, err := Lock(dir)
	if err != nil {
		t.Errorf("Lock after unlock = %v", err)
	} else {
		again()
	}
}

func TestNoPasswordColumns(t *testing.T) {
	db := openTest(t)
	addAccount(t, db, "Work")
	data, err := os.ReadFile(filepath.Join(db.Dir(), DBFile))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(bytes.ToLower(data), []byte("password text")) {
		t.Error("the schema has a password column")
	}
}

func TestUnknownEncryptionCannotBeStored(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	good := core.Account{Name: "x", Email: "x@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP:    core.SMTPSettings{Host: "smtp.example.test", Port: 587, Encryption: core.EncryptionSTARTTLS},
		Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: "imap.example.test", Port: 993, Encryption: core.EncryptionSSL, Method: core.MethodManual, Folder: core.DefaultFolder}}}
	tests := []struct {
		name string
		edit func(*core.Account)
	}{
		{"smtp", func(a *core.Account) { a.SMTP.Encryption = "tls" }},
		{"source", func(a *core.Account) { a.Sources[0].Encryption = "" }},
		{"protocol", func(a *core.Account) { a.Sources[0].Protocol = "jmap" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := good
			a.Name = tc.name
			a.Sources = append([]core.Source(nil), good.Sources...)
			tc.edit(&a)
			if err := db.CreateAccount(ctx, &a); err == nil {
				t.Errorf("CreateAccount(%s) = nil, want a refusal", tc.name)
			}
		})
	}
	a := good
	if err := db.CreateAccount(ctx, &a); err != nil {
		t.Fatal(err)
	}
	a.Sources[0].Encryption = "plain"
	if err := db.UpdateSource(ctx, &a.Sources[0]); err == nil {
		t.Error("UpdateSource with encryption \"plain\" = nil, want a refusal")
	}
}
