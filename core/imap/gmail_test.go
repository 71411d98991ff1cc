package imap_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/storage"
)

// gmailCopy is one message under one label of a Gmail test server.
type gmailCopy struct {
	mailbox string
	uid     uint32
	id      uint64 // X-GM-MSGID
	flags   string
	want    core.Flags
}

// Three messages under three labels: A in all three, B in INBOX and All
// Mail, C in All Mail and Work. The flags differ per label here, to show
// each folder takes its own.
var gmailCopies = []gmailCopy{
	{"INBOX", 1, 1001, `\Seen`, core.Flags{Seen: true}},
	{"INBOX", 2, 1002, ``, core.Flags{}},
	{imaptest.AllMail, 11, 1001, `\Seen`, core.Flags{Seen: true}},
	{imaptest.AllMail, 12, 1002, `\Answered`, core.Flags{Answered: true}},
	{imaptest.AllMail, 13, 1003, `\Flagged`, core.Flags{Flagged: true}},
	{"Work", 7, 1001, `\Seen \Flagged`, core.Flags{Seen: true, Flagged: true}},
	{"Work", 8, 1003, ``, core.Flags{}},
}

var gmailBoxes = []imap.Mailbox{
	inbox,
	{Name: imaptest.AllMail, Folder: imaptest.AllMail},
	{Name: "Work", Folder: "Work"},
}

func startGmail(t *testing.T, ext bool) *imaptest.Gmail {
	t.Helper()
	g := imaptest.StartGmail(t, ext)
	for _, c := range gmailCopies {
		g.Add(c.mailbox, c.uid, c.id, c.flags, message(int(c.id)))
	}
	return g
}

// syncGmail syncs every mailbox once, INBOX first as Mailboxes lists
// it, and returns how many new messages each stored.
func (s *testStore) syncGmail(t *testing.T, g *imaptest.Gmail) []int {
	t.Helper()
	c := dial(t, g.Endpoint(core.EncryptionNone), nil)
	var fresh []int
	for _, mb := range gmailBoxes {
		res, err := c.SyncMailbox(t.Context(), s, s.accountID, s.sourceID, mb, nil)
		if err != nil {
			t.Fatalf("SyncMailbox(%q) = %v\ncommands: %q", mb.Name, err, g.Commands())
		}
		fresh = append(fresh, len(res.NewIDs))
	}
	return fresh
}

// checkGmailFolders fails unless every folder lists each of its messages,
// with its own flags and the server's bytes.
func (s *testStore) checkGmailFolders(t *testing.T) {
	t.Helper()
	for _, c := range gmailCopies {
		mb := gmailBoxes[slices.IndexFunc(gmailBoxes, func(m imap.Mailbox) bool { return m.Name == c.mailbox })]
		id, ok := s.uids(t, mb)[c.uid]
		if !ok {
			t.Errorf("%s UID %d is not stored", c.mailbox, c.uid)
			continue
		}
		if got := s.flags(t, id); got != c.want {
			t.Errorf("%s UID %d: flags %+v, want %+v", c.mailbox, c.uid, got, c.want)
		}
		sameBytes(t, fmt.Sprintf("%s UID %d", c.mailbox, c.uid), s.raw(t, id), message(int(c.id)))
	}
	for mb, want := range map[imap.Mailbox]int{gmailBoxes[0]: 2, gmailBoxes[1]: 3, gmailBoxes[2]: 2} {
		if got := s.count(t, mb); got != want {
			t.Errorf("folder %s lists %d, want %d", mb.Folder, got, want)
		}
	}
	// The unified inbox shows INBOX's two, each once.
	list, err := s.List(t.Context(), storage.ListQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, m := range list {
		subjects = append(subjects, m.Subject)
	}
	slices.Sort(subjects)
	if want := []string{"Message 1001", "Message 1002"}; !slices.Equal(subjects, want) {
		t.Errorf("unified inbox lists %q, want %q", subjects, want)
	}
}

// TestSyncGmailFetchesEachBodyOnce: with X-GM-EXT-1, a message under
// three labels is downloaded once and linked into the other folders, and
// a resync fetches nothing.
func TestSyncGmailFetchesEachBodyOnce(t *testing.T) {
	g := startGmail(t, true)
	st := newStore(t)
	if got, want := st.syncGmail(t, g), []int{2, 3, 2}; !slices.Equal(got, want) {
		t.Errorf("new messages per mailbox = %v, want %v (every copy is new to its folder)", got, want)
	}
	if got, want := g.Bodies(), map[uint64]int{1001: 1, 1002: 1, 1003: 1}; !maps.Equal(got, want) {
		t.Errorf("bodies served = %v, want each once: %v\ncommands: %q", got, want, g.Commands())
	}
	st.checkGmailFolders(t)
	asked := len(commandsLike(g.Fake, "X-GM-MSGID"))
	if asked != len(gmailBoxes) {
		t.Errorf("X-GM-MSGID asked %d times, want once per mailbox: %q", asked, commandsLike(g.Fake, "X-GM-MSGID"))
	}

	if got, want := st.syncGmail(t, g), []int{0, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("resync stored %v new, want none", got)
	}
	if got := g.Bodies(); got[1001]+got[1002]+got[1003] != 3 {
		t.Errorf("bodies served after the resync = %v, want still 3", got)
	}
	if got := len(commandsLike(g.Fake, "X-GM-MSGID")); got != asked {
		t.Errorf("the resync asked X-GM-MSGID %d more times, want 0 (nothing new)", got-asked)
	}
	st.checkGmailFolders(t)
}

// TestSyncGmailMissingID: a reply without X-GM-MSGID leaves the message
// unknown, so its body is fetched; it is stored all the same.
func TestSyncGmailMissingID(t *testing.T) {
	g := startGmail(t, true)
	g.OmitID(imaptest.AllMail, 12) // 1002, already fetched in INBOX
	st := newStore(t)
	st.syncGmail(t, g)
	if got, want := g.Bodies(), map[uint64]int{1001: 1, 1002: 2, 1003: 1}; !maps.Equal(got, want) {
		t.Errorf("bodies served = %v, want %v (1002 again, its ID missing in All Mail)", got, want)
	}
	st.checkGmailFolders(t)
}

// TestSyncWithoutGmailExtension: a server without X-GM-EXT-1 is never
// asked for X-GM-MSGID (it would refuse the command), and every copy is
// downloaded, as before.
func TestSyncWithoutGmailExtension(t *testing.T) {
	g := startGmail(t, false)
	st := newStore(t)
	st.syncGmail(t, g)
	if got := g.Refused(); len(got) != 0 {
		t.Errorf("a server without X-GM-EXT-1 was sent %q", got)
	}
	for _, c := range g.Commands() {
		if strings.Contains(strings.ToUpper(c), "X-GM") {
			t.Errorf("a server without X-GM-EXT-1 was sent %q", c)
		}
	}
	if got, want := g.Bodies(), map[uint64]int{1001: 3, 1002: 2, 1003: 2}; !maps.Equal(got, want) {
		t.Errorf("bodies served = %v, want one per copy: %v", got, want)
	}
	st.checkGmailFolders(t)
}

// TestSyncGmailUIDValidityReset: a mailbox renumbered on the server is
// fetched again by UID, and on Gmail its messages are all known by
// X-GM-MSGID: nothing is downloaded, and nothing is stored twice.
func TestSyncGmailUIDValidityReset(t *testing.T) {
	g := startGmail(t, true)
	st := newStore(t)
	st.syncGmail(t, g)
	g.SetUIDValidity(imaptest.AllMail, 999)
	if got, want := st.syncGmail(t, g), []int{0, 0, 0}; !slices.Equal(got, want) {
		t.Errorf("sync after the reset stored %v new, want none", got)
	}
	if got := g.Bodies(); got[1001]+got[1002]+got[1003] != 3 {
		t.Errorf("bodies served after the reset = %v, want still 3", got)
	}
	if got := st.state(t, gmailBoxes[1]); got.UIDValidity != 999 || got.LastUID != 13 {
		t.Errorf("All Mail state after the reset = %+v, want UIDVALIDITY 999, last UID 13", got)
	}
	st.checkGmailFolders(t)
}
