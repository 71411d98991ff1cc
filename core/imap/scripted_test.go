package imap_test

// These tests script the server (imaptest.Fake) for what imapmemserver
// cannot do: CONDSTORE, a NIL body, garbage bytes served as they are, a
// connection cut inside a literal, and a server without IDLE.

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
)

// scripted is one mailbox, INBOX, served by a Fake.
type scripted struct {
	mu            sync.Mutex
	caps          string // after login
	uidValidity   uint32
	highestModSeq uint64
	msgs          []scriptedMsg
	// cutAfter, when > 0, drops the connection that many bytes into the
	// body of the message with that UID.
	cutUID   uint32
	cutAfter int
	idleTag  string
	// uidLast sends UID after the body literal, which RFC 3501 allows.
	uidLast bool
	// noPerm lists mailboxes SELECT and EXAMINE refuse.
	noPerm []string
	// search, when set, is the untagged answer to every UID SEARCH.
	search string
	// keywords are listed in FLAGS after the system flags.
	keywords string
	// refuse, when set, makes a UID SEARCH containing it answered with
	// BAD, as Exchange answers KEYWORD.
	refuse string
}

type scriptedMsg struct {
	uid     uint32
	flags   string
	modSeq  uint64
	raw     []byte
	nilBody bool
	// size, when > 0, is the RFC822.SIZE announced instead of len(raw).
	size int64
}

func startScripted(t *testing.T, m *scripted) *imaptest.Fake {
	t.Helper()
	return imaptest.StartFake(t, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] scripted server ready", m.reply)
}

func (m *scripted) reply(tag, command string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	verb, args, _ := strings.Cut(command, " ")
	switch strings.ToUpper(verb) {
	case "CAPABILITY":
		return []string{"* CAPABILITY " + m.caps, tag + " OK done"}
	case "LOGIN":
		return []string{tag + " OK [CAPABILITY " + m.caps + "] logged in"}
	case "LOGOUT":
		return []string{"* BYE bye", tag + " OK done"}
	case "NOOP":
		return []string{tag + " OK done"}
	case "SELECT", "EXAMINE":
		if slices.Contains(m.noPerm, strings.Fields(args)[0]) {
			return []string{tag + " NO [NOPERM] Permission denied"}
		}
		lines := []string{
			strings.TrimSuffix(`* FLAGS (\Seen \Flagged \Answered \Deleted `+m.keywords, " ") + ")",
			fmt.Sprintf("* %d EXISTS", len(m.msgs)),
			fmt.Sprintf("* OK [UIDVALIDITY %d] ok", m.uidValidity),
		}
		if strings.Contains(strings.ToUpper(args), "(CONDSTORE)") {
			lines = append(lines, fmt.Sprintf("* OK [HIGHESTMODSEQ %d] ok", m.highestModSeq))
		}
		return append(lines, tag+" OK [READ-ONLY] done")
	case "IDLE":
		m.idleTag = tag
		return []string{"+ idling"}
	case "DONE":
		return []string{m.idleTag + " OK idle done"}
	case "UID":
		return m.uidCommand(tag, args)
	case "FETCH": // FETCH seqs (items), by sequence number
		set, items, _ := strings.Cut(args, " ")
		var in []int
		for i := range m.msgs {
			if slices.Contains(m.seqsIn(set), uint32(i+1)) {
				in = append(in, i)
			}
		}
		return m.fetch(tag, in, items)
	}
	return nil
}

// seqsIn lists the sequence numbers in a set such as 1:3,5.
func (m *scripted) seqsIn(set string) []uint32 {
	var out []uint32
	for _, part := range strings.Split(set, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		from, to := parseUID(lo, uint32(len(m.msgs))), parseUID(lo, uint32(len(m.msgs)))
		if isRange {
			to = parseUID(hi, uint32(len(m.msgs)))
		}
		for n := min(from, to); n <= max(from, to); n++ {
			out = append(out, n)
		}
	}
	return out
}

func (m *scripted) uidCommand(tag, args string) []string {
	verb, rest, _ := strings.Cut(args, " ")
	switch strings.ToUpper(verb) {
	case "SEARCH": // UID SEARCH UID n:*, ALL, or one flag (see hasFlag)
		if m.search != "" {
			return []string{m.search, tag + " OK done"}
		}
		if m.refuse != "" && strings.Contains(rest, m.refuse) {
			return []string{tag + " BAD Command Argument Error. 11"}
		}
		key := strings.ToUpper(rest)
		var uids []uint32
		switch {
		case key == "ALL":
			uids = m.uidsIn("1:*")
		case strings.HasPrefix(key, "UID "):
			uids = m.uidsIn(strings.TrimPrefix(key, "UID "))
		default:
			for _, msg := range m.msgs {
				if hasFlag(msg.flags, key) {
					uids = append(uids, msg.uid)
				}
			}
		}
		line := "* SEARCH"
		for _, u := range uids {
			line += " " + strconv.Itoa(int(u))
		}
		return []string{line, tag + " OK done"}
	case "FETCH": // UID FETCH set (items) [(CHANGEDSINCE n)]
		set, items, _ := strings.Cut(rest, " ")
		var in []int
		for i, msg := range m.msgs {
			if slices.Contains(m.uidsIn(set), msg.uid) {
				in = append(in, i)
			}
		}
		return m.fetch(tag, in, items)
	}
	return nil
}

// fetch answers a FETCH or UID FETCH of the messages at indexes in.
func (m *scripted) fetch(tag string, in []int, items string) []string {
	var since uint64
	if i := strings.Index(items, "(CHANGEDSINCE "); i >= 0 {
		since, _ = strconv.ParseUint(strings.TrimSuffix(items[i+len("(CHANGEDSINCE "):], ")"), 10, 64)
	}
	var lines []string
	for _, i := range in {
		msg := m.msgs[i]
		if since > 0 && msg.modSeq <= since {
			continue
		}
		flags := fmt.Sprintf("FLAGS (%s)", msg.flags)
		if since > 0 {
			flags += fmt.Sprintf(" MODSEQ (%d)", msg.modSeq)
		}
		if !strings.Contains(items, "BODY.PEEK[]") {
			if strings.Contains(items, "RFC822.SIZE") {
				size := msg.size
				if size == 0 {
					size = int64(len(msg.raw))
				}
				lines = append(lines, fmt.Sprintf("* %d FETCH (UID %d RFC822.SIZE %d)", i+1, msg.uid, size))
			} else if strings.Contains(items, "FLAGS") {
				lines = append(lines, fmt.Sprintf("* %d FETCH (UID %d %s)", i+1, msg.uid, flags))
			} else {
				lines = append(lines, fmt.Sprintf("* %d FETCH (UID %d)", i+1, msg.uid))
			}
			continue
		}
		// FLAGS and INTERNALDATE after the body, which RFC 3501 allows;
		// with uidLast the UID too.
		body := imaptest.Literal(msg.raw)
		if msg.nilBody {
			body = "NIL"
		}
		line := fmt.Sprintf(`* %d FETCH (UID %d BODY[] %s INTERNALDATE "02-Feb-2026 10:00:00 +0000" %s)`, i+1, msg.uid, body, flags)
		if m.uidLast {
			line = fmt.Sprintf(`* %d FETCH (BODY[] %s INTERNALDATE "02-Feb-2026 10:00:00 +0000" %s UID %d)`, i+1, body, flags, msg.uid)
		}
		if msg.uid == m.cutUID {
			cut := strings.Index(line, "}\r\n") + len("}\r\n") + m.cutAfter
			return append(lines, line[:cut], imaptest.Hangup)
		}
		lines = append(lines, line)
	}
	return append(lines, tag+" OK done")
}

// uidsIn lists the UIDs of the mailbox in a UID set such as 1:3,5 or 4:*.
// As RFC 3501 says, n:* always includes the highest UID.
func (m *scripted) uidsIn(set string) []uint32 {
	var max uint32
	for _, msg := range m.msgs {
		max = msg.uid
	}
	var out []uint32
	for _, part := range strings.Split(set, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		from, to := parseUID(lo, max), parseUID(lo, max)
		if isRange {
			to = parseUID(hi, max)
		}
		if from > to {
			from, to = to, from
		}
		for _, msg := range m.msgs {
			if msg.uid >= from && msg.uid <= to && !slices.Contains(out, msg.uid) {
				out = append(out, msg.uid)
			}
		}
	}
	return out
}

// hasFlag says whether a message with flags matches a flag search key:
// SEEN, UNSEEN, FLAGGED (and the other system flags), KEYWORD name.
func hasFlag(flags, key string) bool {
	have := strings.Fields(strings.ToUpper(flags))
	if name, ok := strings.CutPrefix(key, "KEYWORD "); ok {
		return slices.Contains(have, name)
	}
	if flag, ok := strings.CutPrefix(key, "UN"); ok {
		return !slices.Contains(have, `\`+flag)
	}
	return slices.Contains(have, `\`+key)
}

func parseUID(s string, max uint32) uint32 {
	if s == "*" {
		return max
	}
	n, _ := strconv.ParseUint(s, 10, 32)
	return uint32(n)
}

// commandsLike lists the commands a Fake received that contain s.
func commandsLike(f *imaptest.Fake, s string) []string {
	var out []string
	for _, c := range f.Commands() {
		if strings.Contains(c, s) {
			out = append(out, c)
		}
	}
	return out
}

func TestSyncMailboxCondStore(t *testing.T) {
	m := &scripted{
		caps:          "IMAP4rev1 CONDSTORE IDLE",
		uidValidity:   42,
		highestModSeq: 7,
		msgs: []scriptedMsg{
			{uid: 3, flags: `\Seen`, modSeq: 5, raw: message(3)},
			{uid: 8, flags: ``, modSeq: 7, raw: message(8)},
		},
	}
	f := startScripted(t, m)
	st := newStore(t)
	sync := func() imap.SyncResult {
		t.Helper()
		c := dial(t, f.Endpoint(core.EncryptionNone), nil)
		res, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, nil)
		if err != nil {
			t.Fatalf("SyncMailbox(INBOX) = %v\ncommands: %q", err, f.Commands())
		}
		return res
	}

	res := sync()
	if len(res.NewIDs) != 2 {
		t.Fatalf("first SyncMailbox(INBOX) stored %d new, want 2\ncommands: %q", len(res.NewIDs), f.Commands())
	}
	if got := commandsLike(f, "EXAMINE"); len(got) != 1 || !strings.Contains(got[0], "(CONDSTORE)") {
		t.Errorf("first sync selected with %q, want EXAMINE INBOX (CONDSTORE)", got)
	}
	if got := st.state(t, inbox); got.HighestModSeq != 7 || got.UIDValidity != 42 || got.LastUID != 8 {
		t.Errorf("state after the first sync = %+v, want HIGHESTMODSEQ 7, UIDVALIDITY 42, last UID 8", got)
	}
	uids := st.uids(t, inbox)
	for _, msg := range m.msgs {
		sameBytes(t, fmt.Sprintf("UID %d", msg.uid), st.raw(t, uids[msg.uid]), msg.raw)
	}
	if got := st.flags(t, uids[3]); got != (core.Flags{Seen: true}) {
		t.Errorf("flags of UID 3 = %+v, want seen", got)
	}

	// Another client flags UID 8: the server reports only that change.
	m.mu.Lock()
	m.msgs[1].flags, m.msgs[1].modSeq, m.highestModSeq = `\Flagged \Answered`, 9, 9
	m.mu.Unlock()
	res = sync()
	if len(res.NewIDs) != 0 || res.FlagsUpdated != 1 {
		t.Errorf("second SyncMailbox(INBOX) = %d new, %d flags updated, want 0 and 1", len(res.NewIDs), res.FlagsUpdated)
	}
	if got := commandsLike(f, "CHANGEDSINCE"); len(got) != 1 || !strings.Contains(got[0], "(CHANGEDSINCE 7)") {
		t.Errorf("flag fetches = %q, want one with (CHANGEDSINCE 7)", got)
	}
	if got := st.flags(t, uids[8]); got != (core.Flags{Flagged: true, Answered: true}) {
		t.Errorf("flags of UID 8 = %+v, want flagged and answered", got)
	}
	if got := st.state(t, inbox).HighestModSeq; got != 9 {
		t.Errorf("HIGHESTMODSEQ after the second sync = %d, want 9", got)
	}
}

func TestSyncMailboxWithoutCondStoreAsksNoModSeq(t *testing.T) {
	m := &scripted{caps: "IMAP4rev1 IDLE", uidValidity: 1, msgs: []scriptedMsg{{uid: 1, raw: message(1)}}}
	f := startScripted(t, m)
	st := newStore(t)
	for range 2 {
		c := dial(t, f.Endpoint(core.EncryptionNone), nil)
		if _, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, nil); err != nil {
			t.Fatalf("SyncMailbox(INBOX) = %v\ncommands: %q", err, f.Commands())
		}
	}
	if got := append(commandsLike(f, "CONDSTORE"), commandsLike(f, "CHANGEDSINCE")...); len(got) != 0 {
		t.Errorf("a server without CONDSTORE was sent %q", got)
	}
	// The second sync learns the flags from searches, not a FETCH.
	if got := commandsLike(f, "FLAGS"); len(got) != 1 || !strings.Contains(got[0], "BODY.PEEK[]") {
		t.Errorf("fetches of flags = %q, want only the first sync's body fetch", got)
	}
	if got := commandsLike(f, "UID SEARCH UNSEEN"); len(got) != 1 {
		t.Errorf("searches for unseen mail = %q, want one, in the second sync", got)
	}
	if got := commandsLike(f, "RETURN"); len(got) != 0 {
		t.Errorf("a server without ESEARCH was sent %q", got)
	}
}

// TestSyncMailboxFlagsWithoutCondStore: without CONDSTORE (and without
// ESEARCH) each flag Tributary keeps comes from its own search, and only
// the messages whose flags differ from the stored ones are written. A
// server may lack the keyword $Forwarded (Exchange answers KEYWORD with
// BAD), or refuse a flag search; the sync works either way.
func TestSyncMailboxFlagsWithoutCondStore(t *testing.T) {
	changed := map[uint32]string{2: ``, 3: `\Seen \Flagged \Answered`, 4: `\Seen \Deleted`, 5: `\Seen $FORWARDED`}
	tests := []struct {
		name     string
		keywords string // in FLAGS
		refuse   string
		// keyword: the server holds $Forwarded, so its word counts; a
		// server that cannot hold it leaves the local mark on UID 6.
		keyword  bool
		updated  int
		searches []string // flag searches sent by the second sync
		fetches  int      // flag fetches of every message it sent
	}{
		{"keyword listed", "$Forwarded", "", true, 5, []string{"UNSEEN", "FLAGGED", "ANSWERED", "DELETED", "KEYWORD $Forwarded"}, 0},
		{"keyword not listed", "", "KEYWORD", false, 3, []string{"UNSEEN", "FLAGGED", "ANSWERED", "DELETED"}, 0},
		{"flag search refused", "$Forwarded", "UNSEEN", true, 5, []string{"UNSEEN"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &scripted{caps: "IMAP4rev1", uidValidity: 1, keywords: tc.keywords, refuse: tc.refuse}
			for uid := uint32(1); uid <= 6; uid++ {
				m.msgs = append(m.msgs, scriptedMsg{uid: uid, flags: `\Seen`, raw: message(int(uid))})
			}
			f := startScripted(t, m)
			st := newStore(t)
			st.mustSyncFake(t, f)
			uids := st.uids(t, inbox)
			if got := st.flags(t, uids[2]); got != (core.Flags{Seen: true}) {
				t.Fatalf("flags of UID 2 after the first sync = %+v, want seen", got)
			}
			// Forwarded here; the server does not have the mark.
			if err := st.SetFlags(t.Context(), core.FlagChange{ID: uids[6], Flags: core.Flags{Seen: true, Forwarded: true}}); err != nil {
				t.Fatal(err)
			}
			before := len(f.Commands())

			// Elsewhere: 2 marked unread, 3 flagged and answered, 4
			// deleted, 5 forwarded where the server holds the keyword
			// (written in another case); 1 and 6 untouched.
			m.mu.Lock()
			for i := range m.msgs {
				if flags, ok := changed[m.msgs[i].uid]; ok && (tc.keyword || m.msgs[i].uid != 5) {
					m.msgs[i].flags = flags
				}
			}
			m.mu.Unlock()
			res := st.mustSyncFake(t, f)
			if res.FlagsUpdated != tc.updated {
				t.Errorf("second sync updated the flags of %d messages, want %d", res.FlagsUpdated, tc.updated)
			}
			for uid, want := range map[uint32]core.Flags{
				1: {Seen: true},
				2: {},
				3: {Seen: true, Flagged: true, Answered: true},
				4: {Seen: true, Deleted: true},
				5: {Seen: true, Forwarded: tc.keyword},
				6: {Seen: true, Forwarded: !tc.keyword},
			} {
				if got := st.flags(t, uids[uid]); got != want {
					t.Errorf("flags of UID %d = %+v, want %+v", uid, got, want)
				}
			}
			var searches []string
			fetches := 0
			for _, c := range f.Commands()[before:] {
				if _, key, ok := strings.Cut(c, "UID SEARCH "); ok && key != "ALL" {
					searches = append(searches, key)
				}
				if strings.Contains(c, "FETCH 1:6 (UID FLAGS)") {
					fetches++
				}
			}
			if !slices.Equal(searches, tc.searches) || fetches != tc.fetches {
				t.Errorf("second sync searched for %q and fetched every message's flags %d times, want %q and %d", searches, fetches, tc.searches, tc.fetches)
			}
			if res := st.mustSyncFake(t, f); res.FlagsUpdated != 0 {
				t.Errorf("a third sync with nothing changed updated the flags of %d messages, want 0", res.FlagsUpdated)
			}
		})
	}
}

func TestSyncMailboxOddBodies(t *testing.T) {
	garbage := []byte("\x00\x01 no header at all \xff\xfe\r\nnot: really\r\n")
	tests := []struct {
		name    string
		msg     scriptedMsg
		wantRaw []byte
	}{
		{"garbage served as it is", scriptedMsg{uid: 1, raw: garbage}, garbage},
		{"empty body", scriptedMsg{uid: 1, raw: []byte{}}, []byte{}},
		{"NIL body", scriptedMsg{uid: 1, nilBody: true}, []byte{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &scripted{caps: "IMAP4rev1", uidValidity: 1, msgs: []scriptedMsg{tc.msg, {uid: 2, raw: message(2)}}}
			f := startScripted(t, m)
			st := newStore(t)
			c := dial(t, f.Endpoint(core.EncryptionNone), nil)
			res, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, nil)
			if err != nil {
				t.Fatalf("SyncMailbox(INBOX) = %v, want the message stored", err)
			}
			uids := st.uids(t, inbox)
			if len(res.NewIDs) != 2 || len(uids) != 2 {
				t.Fatalf("SyncMailbox(INBOX) stored %d new, %d UIDs, want 2", len(res.NewIDs), len(uids))
			}
			sameBytes(t, "UID 1", st.raw(t, uids[1]), tc.wantRaw)
			sameBytes(t, "UID 2", st.raw(t, uids[2]), message(2))
		})
	}
}

// TestSyncMailboxCutInsideMessage drops the connection in the middle of a
// message's bytes: the messages before it stay, the cut one is not stored
// half, and the error says the connection was lost.
func TestSyncMailboxCutInsideMessage(t *testing.T) {
	m := &scripted{caps: "IMAP4rev1", uidValidity: 1, cutUID: 3, cutAfter: 40}
	for uid := uint32(1); uid <= 5; uid++ {
		m.msgs = append(m.msgs, scriptedMsg{uid: uid, raw: message(int(uid))})
	}
	f := startScripted(t, m)
	st := newStore(t)
	c, err := imap.Dial(t.Context(), f.Endpoint(core.EncryptionNone), quick, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(t.Context(), imaptest.User, imaptest.Password); err != nil {
		t.Fatal(err)
	}
	var res imap.SyncResult
	within(t, 10*time.Second, "SyncMailbox cut short", func() {
		res, err = c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, nil)
	})
	var ce *core.Error
	if !errors.As(err, &ce) || ce.Kind != core.KindNetwork || !core.IsTemporary(err) {
		t.Fatalf("SyncMailbox(INBOX) cut inside a message = %v, want a *core.Error of kind network", err)
	}
	if strings.Contains(err.Error(), "storage") {
		t.Errorf("SyncMailbox(INBOX) cut inside a message = %q, blames storage for a lost connection", err)
	}
	uids := st.uids(t, inbox)
	if len(uids) != 2 || len(res.NewIDs) != 2 || st.count(t, inbox) != 2 {
		t.Fatalf("after the cut the store holds UIDs %v, NewIDs %d, %d messages; want UIDs 1 and 2 only",
			uids, len(res.NewIDs), st.count(t, inbox))
	}
	for uid, id := range uids {
		sameBytes(t, fmt.Sprintf("UID %d", uid), st.raw(t, id), message(int(uid)))
	}
}

func TestWatchInboxWithoutIdle(t *testing.T) {
	f := startScripted(t, &scripted{caps: "IMAP4rev1", uidValidity: 1})
	var err error
	within(t, 10*time.Second, "WatchInbox", func() {
		err = imap.WatchInbox(t.Context(), f.Endpoint(core.EncryptionNone), quick, imaptest.User, imaptest.Password, func() {})
	})
	if !errors.Is(err, imap.ErrNoIdle) {
		t.Errorf("WatchInbox() against a server without IDLE = %v, want ErrNoIdle", err)
	}
}

// TestSyncMailboxConnectionFailures: however the connection fails, the
// error is a temporary network error, so the engine retries with backoff
// and tells the user the server went away rather than misbehaved.
func TestSyncMailboxConnectionFailures(t *testing.T) {
	tests := []struct {
		name    string
		respond func(tag, command string) []string // for the first flag search
		wantMsg string
	}{
		{"cut inside a response line", func(tag, _ string) []string {
			return []string{`* SEARCH 1 2`, imaptest.Hangup}
		}, "closed the connection"},
		{"closed before the reply", func(string, string) []string {
			return []string{imaptest.Hangup}
		}, "closed the connection"},
		{"no answer", func(string, string) []string {
			return []string{} // silence
		}, "no answer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := &scripted{caps: "IMAP4rev1", uidValidity: 1, msgs: []scriptedMsg{{uid: 1, raw: message(1)}}}
			f := startScripted(t, m)
			st := newStore(t)
			st.mustSyncFake(t, f)
			broken := imaptest.StartFake(t, "* OK [CAPABILITY IMAP4rev1] ready", func(tag, command string) []string {
				if strings.HasPrefix(command, "UID SEARCH UNSEEN") {
					return tc.respond(tag, command)
				}
				return m.reply(tag, command)
			})
			opts := *quick
			opts.IOTimeout = 300 * time.Millisecond
			c, err := imap.Dial(t.Context(), broken.Endpoint(core.EncryptionNone), &opts, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Login(t.Context(), imaptest.User, imaptest.Password); err != nil {
				t.Fatal(err)
			}
			within(t, 10*time.Second, "SyncMailbox", func() {
				_, err = c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, nil)
			})
			if core.KindOf(err) != core.KindNetwork || !core.IsTemporary(err) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("SyncMailbox(INBOX) = %v (kind %v), want a network error saying %q", err, core.KindOf(err), tc.wantMsg)
			}
		})
	}
}

// mustSyncFake syncs INBOX from a Fake once.
func (s *testStore) mustSyncFake(t *testing.T, f *imaptest.Fake) imap.SyncResult {
	t.Helper()
	c := dial(t, f.Endpoint(core.EncryptionNone), nil)
	res, err := c.SyncMailbox(t.Context(), s, s.accountID, s.sourceID, inbox, nil)
	if err != nil {
		t.Fatalf("SyncMailbox(INBOX) = %v\ncommands: %q", err, f.Commands())
	}
	return res
}

// TestSyncMailboxUIDAfterBody: a server that sends UID after the BODY[]
// literal still has every message stored under its UID.
func TestSyncMailboxUIDAfterBody(t *testing.T) {
	m := &scripted{caps: "IMAP4rev1", uidValidity: 1, uidLast: true}
	for _, uid := range []uint32{2, 5, 9} {
		m.msgs = append(m.msgs, scriptedMsg{uid: uid, flags: `\Seen`, raw: message(int(uid))})
	}
	f := startScripted(t, m)
	st := newStore(t)
	res := st.mustSyncFake(t, f)
	uids := st.uids(t, inbox)
	if len(res.NewIDs) != 3 || len(uids) != 3 {
		t.Fatalf("SyncMailbox(INBOX) with UID last stored %d new, UIDs %v, want 3\ncommands: %q", len(res.NewIDs), uids, f.Commands())
	}
	for _, msg := range m.msgs {
		sameBytes(t, fmt.Sprintf("UID %d", msg.uid), st.raw(t, uids[msg.uid]), msg.raw)
		if got := st.flags(t, uids[msg.uid]); got != (core.Flags{Seen: true}) {
			t.Errorf("flags of UID %d = %+v, want seen", msg.uid, got)
		}
	}
	if got := st.state(t, inbox).LastUID; got != 9 {
		t.Errorf("last UID after the sync = %d, want 9", got)
	}
}

// TestSyncMailboxPermissionDenied: the folder the server refuses is
// reported as unavailable, by name, and the connection syncs the next one.
func TestSyncMailboxPermissionDenied(t *testing.T) {
	m := &scripted{caps: "IMAP4rev1", uidValidity: 1, noPerm: []string{`"Shared"`}, msgs: []scriptedMsg{{uid: 1, raw: message(1)}}}
	f := startScripted(t, m)
	st := newStore(t)
	c := dial(t, f.Endpoint(core.EncryptionNone), nil)
	_, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, imap.Mailbox{Name: "Shared", Folder: "Shared"}, nil)
	var mbErr *imap.MailboxError
	if !errors.Is(err, imap.ErrMailboxUnavailable) || !errors.As(err, &mbErr) || mbErr.Mailbox != "Shared" || mbErr.Code != "NOPERM" {
		t.Fatalf("SyncMailbox(Shared) refused = %v, want a *MailboxError for Shared with NOPERM matching ErrMailboxUnavailable", err)
	}
	if !strings.Contains(err.Error(), "Permission denied") || !strings.Contains(err.Error(), `"Shared"`) {
		t.Errorf("SyncMailbox(Shared) refused = %q, want the mailbox and the server's words", err)
	}
	res, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, nil)
	if err != nil || len(res.NewIDs) != 1 {
		t.Fatalf("SyncMailbox(INBOX) after a refused mailbox = %d new, %v; want 1 and nil", len(res.NewIDs), err)
	}
}
