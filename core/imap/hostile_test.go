package imap_test

// These tests play a hostile server: answers meant to exhaust memory.

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
)

// hostileList serves a scripted INBOX whose LIST answer is list (the
// lines before the tagged OK).
func hostileList(t *testing.T, list ...string) *imaptest.Fake {
	t.Helper()
	// LIST-EXTENDED, so that one LIST is all Mailboxes asks.
	m := &scripted{caps: "IMAP4rev1 LIST-EXTENDED", uidValidity: 1}
	return imaptest.StartFake(t, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] hostile server ready", func(tag, command string) []string {
		if verb, _, _ := strings.Cut(command, " "); strings.EqualFold(verb, "LIST") {
			return append(append([]string(nil), list...), tag+" OK done")
		}
		return m.reply(tag, command)
	})
}

// TestListHugeLiteral: a 48 MiB literal in a LIST answer ends the command
// with ErrResponseTooLarge once MaxResponseSize bytes are read, and the
// client never holds the literal in memory. Without the budget go-imap
// reads it whole into a string (at least 48 MiB allocated).
func TestListHugeLiteral(t *testing.T) {
	const huge = 48 << 20
	reply := `* LIST () "/" ` + imaptest.Literal([]byte(strings.Repeat("a", huge)))
	f := hostileList(t, reply)
	c := dial(t, f.Endpoint(core.EncryptionNone), nil)

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.Mailboxes(t.Context(), nil)
	runtime.ReadMemStats(&after)

	if !errors.Is(err, imap.ErrResponseTooLarge) {
		t.Fatalf("Mailboxes() with a %d-byte literal = %v, want ErrResponseTooLarge", huge, err)
	}
	if core.KindOf(err) != core.KindProtocol {
		t.Errorf("KindOf(%v) = %v, want protocol", err, core.KindOf(err))
	}
	// Generous: the budget is 8 MiB, and a strings.Builder growing by
	// a quarter at a time up to it allocates about 40 MiB in all; reading
	// the literal whole allocates about 240 MiB.
	const bound = 100 << 20
	if grown := after.TotalAlloc - before.TotalAlloc; grown > bound {
		t.Errorf("Mailboxes() allocated %d MiB for a %d MiB literal, want under %d MiB", grown>>20, huge>>20, bound>>20)
	}
	// The connection is closed: nothing more is parsed from it.
	if err := c.Noop(t.Context()); err == nil {
		t.Errorf("Noop() after the refused answer = nil, want an error (connection closed)")
	}
}

func TestListMailboxNames(t *testing.T) {
	tests := []struct {
		name    string
		mailbox string
		wantErr error
	}{
		{"at the limit", strings.Repeat("b", imap.MaxMailboxName), nil},
		{"one byte over", strings.Repeat("b", imap.MaxMailboxName+1), imap.ErrMailboxNameTooLong},
		{"a megabyte", strings.Repeat("b", 1<<20), imap.ErrMailboxNameTooLong},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := hostileList(t, `* LIST () "/" INBOX`, `* LIST () "/" `+imaptest.Literal([]byte(tt.mailbox)))
			c := dial(t, f.Endpoint(core.EncryptionNone), nil)
			_, err := c.Mailboxes(t.Context(), []string{"INBOX", tt.mailbox})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Mailboxes() with a %d-byte name = %v, want %v", len(tt.mailbox), err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "mailbox name longer than") {
				t.Errorf("error %q does not say what was refused", err)
			}
		})
	}
}

// TestSyncMailboxBodyOverBudget: the budget of other answers does not
// apply to message bodies, which stream to disk.
func TestSyncMailboxBodyOverBudget(t *testing.T) {
	raw := []byte("Subject: big\r\n\r\n" + strings.Repeat("x", imap.MaxResponseSize+1<<20))
	m := &scripted{caps: "IMAP4rev1", uidValidity: 1, msgs: []scriptedMsg{{uid: 1, raw: raw}}}
	f := startScripted(t, m)
	s := newStore(t)
	res := s.mustSyncFake(t, f)
	if len(res.NewIDs) != 1 {
		t.Fatalf("SyncMailbox() stored %d messages, want 1", len(res.NewIDs))
	}
	sameBytes(t, "stored message", s.raw(t, res.NewIDs[0]), raw)
}

// TestSyncMailboxTooLarge: a message over the size cap by its RFC822.SIZE
// is never fetched nor deleted, the others are stored, and every sync
// reports it again, also once a later message moved LastUID past it.
func TestSyncMailboxTooLarge(t *testing.T) {
	const limit = 1000
	m := &scripted{caps: "IMAP4rev1", uidValidity: 1, msgs: []scriptedMsg{
		{uid: 1, raw: message(1)},
		{uid: 2, raw: []byte("Subject: big\r\n\r\n" + strings.Repeat("x", 2*limit))},
		{uid: 3, raw: message(3)},
	}}
	f := startScripted(t, m)
	s := newStore(t)
	want := []imap.TooLarge{{UID: 2, Size: int64(len(m.msgs[1].raw))}}
	for round := 1; round <= 2; round++ {
		c := dial(t, f.Endpoint(core.EncryptionNone), nil)
		imap.SetMaxMessageSize(c, limit)
		res, err := c.SyncMailbox(t.Context(), s, s.accountID, s.sourceID, inbox, nil)
		if err != nil {
			t.Fatalf("round %d: SyncMailbox() = %v", round, err)
		}
		if !slices.Equal(res.TooLarge, want) {
			t.Errorf("round %d: SyncMailbox().TooLarge = %v, want %v", round, res.TooLarge, want)
		}
	}
	if got := s.uids(t, inbox); len(got) != 2 || got[1] == 0 || got[3] == 0 {
		t.Errorf("stored UIDs = %v, want 1 and 3", got)
	}
	for _, cmd := range f.Commands() {
		up := strings.ToUpper(cmd)
		if strings.Contains(up, "BODY.PEEK[]") && !strings.Contains(up, "FETCH 1,3 ") {
			t.Errorf("command %q asks for a body other than 1 and 3", cmd)
		}
		if strings.Contains(up, "STORE") || strings.Contains(up, "EXPUNGE") {
			t.Errorf("command %q changes the server", cmd)
		}
	}
}

// TestSyncMailboxLiteralOverCap: a server whose literal is larger than
// the cap although its RFC822.SIZE was not gets ErrMessageTooLarge, and
// nothing of the message is stored.
func TestSyncMailboxLiteralOverCap(t *testing.T) {
	const limit = 1000
	m := &scripted{caps: "IMAP4rev1", uidValidity: 1, msgs: []scriptedMsg{
		{uid: 1, raw: []byte("Subject: liar\r\n\r\n" + strings.Repeat("x", 2*limit)), size: 100},
	}}
	f := startScripted(t, m)
	s := newStore(t)
	c := dial(t, f.Endpoint(core.EncryptionNone), nil)
	imap.SetMaxMessageSize(c, limit)
	_, err := c.SyncMailbox(t.Context(), s, s.accountID, s.sourceID, inbox, nil)
	if !errors.Is(err, core.ErrMessageTooLarge) {
		t.Fatalf("SyncMailbox() = %v, want ErrMessageTooLarge", err)
	}
	if n := s.count(t, inbox); n != 0 {
		t.Errorf("%d messages stored, want 0", n)
	}
}

// TestSyncMailboxHostileSearch: a SEARCH answer whose UIDs expand to
// billions (found by FuzzResponses: "0" is read as *, which makes a range
// to 4294967295) or to more than the mailbox holds is refused, instead of
// exhausting memory or panicking in go-imap's AllUIDs.
func TestSyncMailboxHostileSearch(t *testing.T) {
	tests := []struct{ name, search string }{
		{"zero read as a star", "* SEARCH 1 2 3 4294967295 0"},
		{"more UIDs than messages", "* SEARCH" + uidList(2000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &scripted{caps: "IMAP4rev1", uidValidity: 1, msgs: []scriptedMsg{{uid: 1, raw: message(1)}}, search: tc.search}
			f := startScripted(t, m)
			s := newStore(t)
			c := dial(t, f.Endpoint(core.EncryptionNone), nil)
			_, err := c.SyncMailbox(t.Context(), s, s.accountID, s.sourceID, inbox, nil)
			if err == nil || core.KindOf(err) != core.KindProtocol {
				t.Fatalf("SyncMailbox() with %.40q = %v, want a protocol error", tc.search, err)
			}
		})
	}
}

// uidList is " 1 2 ... n".
func uidList(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, " %d", i)
	}
	return b.String()
}
