package imap_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/termsafe"
)

// fuzzStages are the commands FuzzResponses can answer with the fuzzed
// bytes; the others get the scripted server's sane answers.
var fuzzStages = []string{"LIST", "LSUB", "SELECT", "SEARCH", "SIZES", "BODY"}

// FuzzResponses answers one command of a mailbox listing and sync with
// arbitrary bytes (stage picks which, see fuzzStages), then the tagged OK,
// then hangs up, so that a client waiting for more meets EOF at once.
// Whatever the server says, the client must not panic, must refuse
// over-long mailbox names, must keep messages within the cap, and every
// error must be safe to print.
func FuzzResponses(f *testing.F) {
	lit := imaptest.Literal
	seeds := []struct {
		stage uint8
		data  string
	}{
		{0, `* LIST (\HasNoChildren) "/" INBOX` + "\r\n" + `* LIST (\Sent) "/" "Sent Items"`},
		{0, `* LIST () "/" ` + lit([]byte("Archive/2024"))},
		{0, `* LIST () NIL ` + lit([]byte("a\x1b[2Jb"))},
		{0, `* LIST (\Noselect) "." "INBOX."` + "\r\n" + `* LIST () "." {3}`},
		{1, `* LSUB () "/" INBOX` + "\r\n" + `* LSUB () "/" ` + lit([]byte("Lists"))},
		{2, "* FLAGS (\\Seen)\r\n* 1 EXISTS\r\n* OK [UIDVALIDITY 0] zero"},
		{2, "* 4294967295 EXISTS\r\n* OK [UIDVALIDITY 4294967295] max"},
		{3, "* SEARCH 1 2 3 4294967295 0"},
		{3, "* ESEARCH (TAG \"T9\") UID ALL 1:5"},
		{4, "* 1 FETCH (UID 1 RFC822.SIZE 99999999999)"},
		{4, "* 1 FETCH (UID 7 RFC822.SIZE 10)\r\n* 2 FETCH (UID 7)"},
		{5, `* 1 FETCH (UID 1 BODY[] ` + lit([]byte("Subject: x\r\n\r\nbody\r\n")) + ` FLAGS (\Seen))`},
		{5, `* 1 FETCH (BODY[] {10}` + "\r\nshort"},
		{5, `* 1 FETCH (UID 1 BODY[] NIL)`},
		{5, `* 1 FETCH (UID 1 BODY[] ~{5}` + "\r\nhello)"},
	}
	for _, s := range seeds {
		f.Add(s.stage, []byte(s.data))
	}
	var mu sync.Mutex
	var stage string
	var data []byte
	m := &scripted{caps: "IMAP4rev1 LIST-EXTENDED", uidValidity: 7, msgs: []scriptedMsg{{uid: 1, raw: message(1)}}}
	plain := &scripted{caps: "IMAP4rev1", uidValidity: 7, msgs: m.msgs}
	srv := imaptest.StartFake(f, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] fuzz", func(tag, command string) []string {
		mu.Lock()
		st, d := stage, data
		mu.Unlock()
		sm := m
		if st == "LSUB" {
			sm = plain
		}
		verb, args, _ := strings.Cut(strings.ToUpper(command), " ")
		var this string
		switch {
		case verb == "LIST" && st == "LSUB" && strings.Contains(args, "LSUB"):
		case verb == "LIST", verb == "LSUB":
			this = "LIST"
		case verb == "SELECT", verb == "EXAMINE":
			this = "SELECT"
		case strings.HasPrefix(args, "SEARCH"):
			this = "SEARCH"
		case strings.Contains(args, "BODY.PEEK[]"):
			this = "BODY"
		case strings.Contains(args, "RFC822.SIZE"):
			this = "SIZES"
		}
		if verb == "LSUB" {
			this = "LSUB"
		}
		if this == st {
			return []string{string(d), tag + " OK done\r\n", imaptest.Hangup}
		}
		if this == "LIST" || this == "LSUB" {
			return []string{`* ` + this + ` () "/" INBOX`, tag + " OK done"}
		}
		return sm.reply(tag, command)
	})
	store := newStore(f)
	opts := &netconn.Options{DialTimeout: 5 * time.Second, IOTimeout: 5 * time.Second}
	n := 0
	f.Fuzz(func(t *testing.T, which uint8, d []byte) {
		st := fuzzStages[int(which)%len(fuzzStages)]
		mu.Lock()
		stage, data = st, d
		mu.Unlock()
		safe := func(step string, err error) bool {
			if err == nil {
				return true
			}
			if msg := err.Error(); strings.ContainsFunc(msg, termsafe.Unsafe) {
				t.Fatalf("%s error %q holds characters unsafe for a terminal", step, msg)
			}
			return false
		}
		c, err := imap.Dial(t.Context(), srv.Endpoint(core.EncryptionNone), opts, nil)
		if !safe("Dial", err) {
			return
		}
		defer c.Close()
		imap.SetMaxMessageSize(c, 1<<16)
		if !safe("Login", c.Login(t.Context(), imaptest.User, imaptest.Password)) {
			return
		}
		if st == "LIST" || st == "LSUB" {
			boxes, err := c.Mailboxes(t.Context(), nil)
			for _, b := range boxes {
				if len(b.Name) > imap.MaxMailboxName {
					t.Fatalf("Mailboxes() kept a name of %d bytes", len(b.Name))
				}
			}
			safe("Mailboxes", err)
			return
		}
		n++
		mb := imap.Mailbox{Name: fmt.Sprintf("box%d", n), Folder: fmt.Sprintf("box%d", n)}
		res, err := c.SyncMailbox(t.Context(), store, store.accountID, store.sourceID, mb, nil)
		safe("SyncMailbox", err)
		for _, id := range res.NewIDs {
			if raw := store.raw(t, id); len(raw) > 1<<16 {
				t.Fatalf("stored a message of %d bytes over the cap", len(raw))
			}
		}
	})
}
