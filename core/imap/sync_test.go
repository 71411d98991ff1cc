package imap_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
)

func TestSyncMailboxStoresExactBytesAndFlags(t *testing.T) {
	tests := []struct {
		name  string
		raw   string
		flags []goimap.Flag
		want  core.Flags
	}{
		{"plain", string(message(1)), nil, core.Flags{}},
		{"seen", string(message(2)), []goimap.Flag{goimap.FlagSeen}, core.Flags{Seen: true}},
		{"seen flagged answered", string(message(3)), []goimap.Flag{goimap.FlagSeen, goimap.FlagFlagged, goimap.FlagAnswered}, core.Flags{Seen: true, Flagged: true, Answered: true}},
		{"8-bit and folded header", "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\r\n\tcontinued\r\nFrom: Zoë <zoe@example.test>\r\nX-Odd:   spaces   \r\n\r\nGrüße, \xff\xfe raw bytes\r\n\r\n\r\n", nil, core.Flags{}},
		{"no final line break", "Subject: cut\r\n\r\nno newline at the end", nil, core.Flags{}},
		// imapmemserver sends an empty body for a message whose header
		// it cannot parse; one with no header at all it sends whole.
		{"garbage without headers", "\r\n\x00\x01\x02 not a message \xc3\x28 at all\r\n.\r\n", nil, core.Flags{}},
	}
	s := imaptest.Start(t, imaptest.Options{})
	uid := map[string]uint32{}
	for _, tc := range tests {
		uid[tc.name] = uint32(s.Append(t, "INBOX", []byte(tc.raw), tc.flags...))
	}
	st := newStore(t)
	var progress progressLog
	c := dial(t, s.Endpoint(core.EncryptionNone), nil)
	res, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, progress.report)
	if err != nil {
		t.Fatalf("SyncMailbox(INBOX) = %v", err)
	}
	if len(res.NewIDs) != len(tests) {
		t.Errorf("SyncMailbox(INBOX) stored %d new, want %d", len(res.NewIDs), len(tests))
	}
	progress.checkSteady(t)
	if got, want := progress.last(), [2]int{len(tests), len(tests)}; got != want {
		t.Errorf("last progress = %v, want %v", got, want)
	}
	stored := st.uids(t, inbox)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, ok := stored[uid[tc.name]]
			if !ok {
				t.Fatalf("UID %d not stored; stored UIDs %v", uid[tc.name], slices.Sorted(maps.Keys(stored)))
			}
			sameBytes(t, "message file", st.raw(t, id), []byte(tc.raw))
			if got := st.flags(t, id); got != tc.want {
				t.Errorf("flags = %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestSyncMailboxIncremental walks one mailbox through the syncs a day
// brings. Each step runs on a fresh connection, as the engine's do.
func TestSyncMailboxIncremental(t *testing.T) {
	const first = 2*imap.BatchSize + 20 // three batches
	s := imaptest.Start(t, imaptest.Options{})
	appendN(t, s, "INBOX", 1, first)
	st := newStore(t)
	steps := []struct {
		name    string
		server  func(t *testing.T) // what changes on the server first
		wantNew []uint32           // UIDs that must come back as NewIDs
		total   int                // messages in the folder afterwards
		// flags: messages whose flags the sync wrote. The server has no
		// CONDSTORE and sends every message's flags; only the changed
		// ones may be written.
		flags int
		check func(t *testing.T)
	}{{
		name:    "first sync fetches every message in batches",
		server:  func(*testing.T) {},
		wantNew: uidRange(1, first),
		total:   first,
		check: func(t *testing.T) {
			fetches := strings.Count(s.Transcript(), "BODY.PEEK[]")
			if want := 1 + (first-imap.FirstBatchSize+imap.BatchSize-1)/imap.BatchSize; fetches != want {
				t.Errorf("first sync sent %d body fetches, want %d (a first batch of %d, then batches of %d)", fetches, want, imap.FirstBatchSize, imap.BatchSize)
			}
		},
	}, {
		name:   "nothing new",
		server: func(*testing.T) {},
		total:  first,
	}, {
		name:    "three new",
		server:  func(t *testing.T) { appendN(t, s, "INBOX", first+1, 3) },
		wantNew: uidRange(first+1, first+3),
		total:   first + 3,
	}, {
		name: "flags changed elsewhere",
		server: func(t *testing.T) {
			s.AddFlags(t, "INBOX", 5, goimap.FlagFlagged)
			s.AddFlags(t, "INBOX", first+2, goimap.FlagSeen, goimap.FlagAnswered)
		},
		total: first + 3,
		flags: 2,
		check: func(t *testing.T) {
			uids := st.uids(t, inbox)
			for uid, want := range map[uint32]core.Flags{
				4:         {},
				5:         {Flagged: true},
				first + 2: {Seen: true, Answered: true},
			} {
				if got := st.flags(t, uids[uid]); got != want {
					t.Errorf("flags of UID %d = %+v, want %+v", uid, got, want)
				}
			}
		},
	}}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			step.server(t)
			before := st.uids(t, inbox)
			var progress progressLog
			c := dial(t, s.Endpoint(core.EncryptionNone), nil)
			res, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, progress.report)
			if err != nil {
				t.Fatalf("SyncMailbox(INBOX) = %v", err)
			}
			after := st.uids(t, inbox)
			var gotNew []uint32
			for uid, id := range after {
				if _, old := before[uid]; !old && slices.Contains(res.NewIDs, id) {
					gotNew = append(gotNew, uid)
				}
			}
			slices.Sort(gotNew)
			if len(res.NewIDs) != len(step.wantNew) || !slices.Equal(gotNew, step.wantNew) {
				t.Errorf("SyncMailbox(INBOX) NewIDs = %d messages with UIDs %v, want UIDs %v", len(res.NewIDs), gotNew, step.wantNew)
			}
			if n := len(step.wantNew); n > 0 {
				progress.checkSteady(t)
				if got := progress.last(); got != [2]int{n, n} {
					t.Errorf("last progress = %v, want [%d %d]", got, n, n)
				}
			}
			if res.FlagsUpdated != step.flags {
				t.Errorf("SyncMailbox(INBOX) updated the flags of %d messages, want %d", res.FlagsUpdated, step.flags)
			}
			if got := st.count(t, inbox); got != step.total || len(after) != step.total {
				t.Errorf("after SyncMailbox(INBOX) the folder holds %d messages and %d UIDs, want %d", got, len(after), step.total)
			}
			if step.check != nil {
				step.check(t)
			}
		})
	}
}

func uidRange(from, to int) []uint32 {
	var out []uint32
	for u := from; u <= to; u++ {
		out = append(out, uint32(u))
	}
	return out
}

func TestSyncMailboxUIDValidityChange(t *testing.T) {
	s := imaptest.Start(t, imaptest.Options{})
	s.Create(t, "Work")
	work := imap.Mailbox{Name: "Work", Folder: "Work"}
	appendN(t, s, "Work", 1, 5)
	st := newStore(t)
	st.mustSync(t, s, work)
	ids := slices.Sorted(maps.Values(st.uids(t, work)))
	oldValidity := s.UIDValidity(t, "Work")

	// The server loses its index and renumbers: same mail, new UIDs, a
	// new UIDVALIDITY, and one message that really is new.
	s.Delete(t, "Work")
	s.Create(t, "Work")
	s.Append(t, "Work", message(99))
	appendN(t, s, "Work", 1, 5)
	if s.UIDValidity(t, "Work") == oldValidity {
		t.Fatal("recreating the mailbox kept its UIDVALIDITY; the test proves nothing")
	}
	res := st.mustSync(t, s, work)
	if len(res.NewIDs) != 1 {
		t.Errorf("SyncMailbox after a UIDVALIDITY change stored %d new, want 1", len(res.NewIDs))
	}
	if got := st.count(t, work); got != 6 {
		t.Errorf("after a UIDVALIDITY change the folder holds %d messages, want 6", got)
	}
	uids := st.uids(t, work)
	for i, id := range ids {
		// The old mail now has UIDs 2..6.
		if got := uids[uint32(i+2)]; got != id {
			t.Errorf("UID %d links to message %d, want the old message %d", i+2, got, id)
		}
	}
	if got, want := st.state(t, work).UIDValidity, s.UIDValidity(t, "Work"); got != want {
		t.Errorf("stored UIDVALIDITY = %d, want %d", got, want)
	}
}

// TestSyncMailboxUIDValidityChangeAfterInterruptedFirstSync: the first
// sync stops half way, then the server renumbers with other mail under
// the same UIDs. The UIDs already stored belong to the old UIDVALIDITY, so
// the next sync must not skip the new messages that reuse them.
func TestSyncMailboxUIDValidityChangeAfterInterruptedFirstSync(t *testing.T) {
	s := imaptest.Start(t, imaptest.Options{})
	appendN(t, s, "INBOX", 1, 6)
	st := newStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	progress := progressLog{at: map[int]func(){3: cancel}}
	c := dial(t, s.Endpoint(core.EncryptionNone), nil)
	if _, err := c.SyncMailbox(ctx, st, st.accountID, st.sourceID, inbox, progress.report); !errors.Is(err, context.Canceled) {
		t.Fatalf("SyncMailbox(INBOX) cancelled after 3 = %v, want context.Canceled", err)
	}

	s.Delete(t, "INBOX")
	s.Create(t, "INBOX")
	appendN(t, s, "INBOX", 101, 6)
	st.mustSync(t, s, inbox)
	uids := st.uids(t, inbox)
	for uid := uint32(1); uid <= 6; uid++ {
		id, ok := uids[uid]
		if !ok {
			t.Errorf("UID %d of the new UIDVALIDITY was never fetched", uid)
			continue
		}
		sameBytes(t, fmt.Sprintf("UID %d", uid), st.raw(t, id), message(100+int(uid)))
	}
}

func TestSyncMailboxEmptyMailbox(t *testing.T) {
	s := imaptest.Start(t, imaptest.Options{})
	st := newStore(t)
	res := st.mustSync(t, s, inbox)
	if len(res.NewIDs) != 0 || st.count(t, inbox) != 0 {
		t.Errorf("SyncMailbox(empty INBOX) = %+v, folder holds %d, want nothing", res, st.count(t, inbox))
	}
	if got, want := st.state(t, inbox).UIDValidity, s.UIDValidity(t, "INBOX"); got != want {
		t.Errorf("stored UIDVALIDITY = %d, want %d", got, want)
	}
}

// TestSyncMailboxServerDrops closes the server while a batch is being
// fetched: what was committed stays, and the next sync, against the
// server brought back, completes without duplicates.
func TestSyncMailboxServerDrops(t *testing.T) {
	const total = 2*imap.BatchSize + 20
	const dropAt = imap.BatchSize + 10 // inside the second batch
	s := imaptest.Start(t, imaptest.Options{})
	appendN(t, s, "INBOX", 1, total)
	st := newStore(t)
	progress := progressLog{at: map[int]func(){dropAt: s.Close}}
	c := dial(t, s.Endpoint(core.EncryptionNone), nil)
	var (
		res imap.SyncResult
		err error
	)
	within(t, 20*time.Second, "SyncMailbox with the server gone", func() {
		res, err = c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, progress.report)
	})
	if err == nil || core.KindOf(err) != core.KindNetwork || !core.IsTemporary(err) {
		t.Fatalf("SyncMailbox(INBOX) with the server gone = %v (kind %v), want a temporary network error", err, core.KindOf(err))
	}
	kept := st.uids(t, inbox)
	if len(kept) < dropAt || len(kept) != len(res.NewIDs) || st.count(t, inbox) != len(kept) {
		t.Fatalf("after the drop the store holds %d UIDs and %d messages, NewIDs %d; want the same number, at least %d",
			len(kept), st.count(t, inbox), len(res.NewIDs), dropAt)
	}
	for uid, id := range kept {
		sameBytes(t, fmt.Sprintf("UID %d", uid), st.raw(t, id), message(int(uid)))
	}

	s.Restart(t)
	res = st.mustSync(t, s, inbox)
	if want := total - len(kept); len(res.NewIDs) != want {
		t.Errorf("SyncMailbox(INBOX) after the restart stored %d new, want %d", len(res.NewIDs), want)
	}
	uids := st.uids(t, inbox)
	distinct := map[int64]bool{}
	for _, id := range uids {
		distinct[id] = true
	}
	if len(uids) != total || len(distinct) != total || st.count(t, inbox) != total {
		t.Errorf("after the restart: %d UIDs, %d distinct messages, folder holds %d; want %d each",
			len(uids), len(distinct), st.count(t, inbox), total)
	}
}

func TestSyncMailboxCancel(t *testing.T) {
	const total = 2*imap.BatchSize + 20
	s := imaptest.Start(t, imaptest.Options{})
	appendN(t, s, "INBOX", 1, total)
	st := newStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var cancelled time.Time
	progress := progressLog{at: map[int]func(){10: func() {
		cancelled = time.Now()
		cancel()
	}}}
	c := dial(t, s.Endpoint(core.EncryptionNone), nil)
	var err error
	within(t, 10*time.Second, "cancelled SyncMailbox", func() {
		_, err = c.SyncMailbox(ctx, st, st.accountID, st.sourceID, inbox, progress.report)
	})
	if !errors.Is(err, context.Canceled) || core.IsTemporary(err) {
		t.Fatalf("SyncMailbox(INBOX) cancelled = %v, want context.Canceled, not temporary", err)
	}
	if d := time.Since(cancelled); d > 2*time.Second {
		t.Errorf("SyncMailbox(INBOX) returned %v after the cancel, want promptly", d)
	}
	if n := st.count(t, inbox); n < 10 || n == total {
		t.Errorf("after a cancel at 10 the folder holds %d, want at least 10 and fewer than %d", n, total)
	}
}

func TestAppendSent(t *testing.T) {
	raw := []byte("From: Alice <alice@example.test>\r\nTo: bob@example.test\r\nSubject: sent\r\nMessage-ID: <sent1@example.test>\r\n\r\nHello Bob.\r\n")
	createSpecialUse := goimap.CapSet{goimap.CapIMAP4rev1: {}, goimap.CapUIDPlus: {}, goimap.CapListExtended: {},
		goimap.CapSpecialUse: {}, goimap.CapCreateSpecialUse: {}, goimap.CapNamespace: {}}
	tests := []struct {
		name     string
		server   imaptest.Options
		sent     string // the Sent mailbox there is, "" for none
		attrs    []goimap.MailboxAttr
		wantBox  string // where the copy must land
		wantAttr bool   // the created mailbox is marked \Sent
		wantUIDs bool
	}{
		{"UIDPLUS, \\Sent attribute", imaptest.Options{}, "Sent Items", []goimap.MailboxAttr{goimap.MailboxAttrSent}, "Sent Items", false, true},
		{"UIDPLUS, named Sent", imaptest.Options{}, "Sent", nil, "Sent", false, true},
		{"named Sent Messages", imaptest.Options{}, "Sent Messages", nil, "Sent Messages", false, true},
		{"no UIDPLUS", imaptest.Options{Caps: goimap.CapSet{goimap.CapIMAP4rev1: {}, goimap.CapListExtended: {}}}, "Sent", nil, "Sent", false, false},
		{"no Sent mailbox: created", imaptest.Options{}, "", nil, "Sent", false, true},
		{"no Sent mailbox: created with \\Sent", imaptest.Options{Caps: createSpecialUse}, "", nil, "Sent", true, true},
		{"no Sent mailbox: created under the INBOX. namespace", imaptest.Options{Caps: createSpecialUse, Delim: '.', Namespace: "INBOX."}, "", nil, "INBOX.Sent", true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := imaptest.Start(t, tc.server)
			s.Create(t, "Drafts")
			if tc.sent != "" {
				s.Create(t, tc.sent, tc.attrs...)
				s.SetSubscribed(t, tc.sent, false) // Sent is found subscribed or not
			}
			c := dial(t, s.Endpoint(core.EncryptionNone), nil)
			res, err := c.AppendSent(t.Context(), strings.NewReader(string(raw)), int64(len(raw)))
			if err != nil {
				t.Fatalf("AppendSent() = %v\ntranscript:\n%s", err, s.Transcript())
			}
			msgs := s.Messages(t, tc.wantBox)
			if len(msgs) != 1 {
				t.Fatalf("after AppendSent() %q holds %d messages, want 1", tc.wantBox, len(msgs))
			}
			sameBytes(t, "appended message", msgs[0].Raw, raw)
			if !slices.Contains(msgs[0].Flags, goimap.FlagSeen) {
				t.Errorf("appended message flags = %v, want \\Seen", msgs[0].Flags)
			}
			want := imap.AppendResult{Mailbox: tc.wantBox}
			if tc.wantUIDs {
				want.UID, want.UIDValidity = uint32(msgs[0].UID), s.UIDValidity(t, tc.wantBox)
			}
			if res != want {
				t.Errorf("AppendSent() = %+v, want %+v", res, want)
			}
			if tc.sent != "" {
				return
			}
			// A new connection finds the created mailbox as the Sent one,
			// subscribed.
			boxes, err := dial(t, s.Endpoint(core.EncryptionNone), nil).Mailboxes(t.Context(), nil)
			if err != nil {
				t.Fatalf("Mailboxes() after creating Sent = %v", err)
			}
			if !slices.Contains(boxes, imap.Mailbox{Name: tc.wantBox, Folder: "Sent", Role: core.RoleSent}) {
				t.Errorf("Mailboxes() after creating Sent = %+v, want %q as Sent", boxes, tc.wantBox)
			}
			created := regexp.MustCompile(`(?m)^\S+ CREATE "?` + regexp.QuoteMeta(tc.wantBox) + `"?( \(USE \(\\Sent\)\))?\r?$`).FindStringSubmatch(s.Transcript())
			if created == nil || (created[1] != "") != tc.wantAttr {
				t.Errorf("CREATE sent = %q, want one for %q, with (USE (\\Sent)): %v; transcript:\n%s", created, tc.wantBox, tc.wantAttr, s.Transcript())
			}
			if !regexp.MustCompile(`(?m)^\S+ SUBSCRIBE "?` + regexp.QuoteMeta(tc.wantBox)).MatchString(s.Transcript()) {
				t.Errorf("the created %q was not subscribed to; transcript:\n%s", tc.wantBox, s.Transcript())
			}
		})
	}
}
