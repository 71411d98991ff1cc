package cli

import (
	"slices"
	"testing"

	goimap "github.com/emersion/go-imap/v2"
)

// TestJunkNotJunkArchive runs junk, notjunk and archive directly and
// through a running engine's control socket.
func TestJunkNotJunkArchive(t *testing.T) {
	for _, running := range []bool{false, true} {
		name := "direct"
		if running {
			name = "socket"
		}
		t.Run(name, func(t *testing.T) {
			f := newEngineFixture(t)
			ids := f.ids(t)
			if running {
				f.runEngine(t)
			}
			if out := mustRunOut(t, f.dir, "junk", ids[0]); out != "moved 1 message to Junk\n" {
				t.Errorf("junk printed %q", out)
			}
			junk := f.imap.Messages(t, "Junk")
			if len(junk) != 1 || !slices.Contains(junk[0].Flags, goimap.Flag("$Junk")) {
				t.Errorf("server Junk = %+v, want one message with $Junk", junk)
			}
			for _, m := range listAll(t, f.dir) {
				if m.Folder == "Junk" {
					t.Errorf("the unified inbox lists junk: %+v", m)
				}
			}
			// The moved copy has a new UID on the server, which the next
			// sync links to the message (as for every move).
			mustRunOut(t, f.dir, "sync", "--once")
			if out := mustRunOut(t, f.dir, "notjunk", ids[0]); out != "moved 1 message to the Inbox\n" {
				t.Errorf("notjunk printed %q", out)
			}
			if n := len(f.imap.Messages(t, "Junk")); n != 0 {
				t.Errorf("server Junk holds %d after notjunk, want 0", n)
			}
			var notJunk bool
			for _, m := range f.imap.Messages(t, "INBOX") {
				notJunk = notJunk || slices.Contains(m.Flags, goimap.Flag("$NotJunk"))
			}
			if !notJunk {
				t.Error("no message in the server's INBOX has $NotJunk after notjunk")
			}
			if out := mustRunOut(t, f.dir, "archive", ids[1], ids[2]); out != "archived 2 messages\n" {
				t.Errorf("archive printed %q", out)
			}
			if n := len(f.imap.Messages(t, "Archive")); n != 2 {
				t.Errorf("server Archive holds %d, want 2", n)
			}
		})
	}
}
