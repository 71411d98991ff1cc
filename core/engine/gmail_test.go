package engine

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/storage"
)

// TestSyncGmailLabels: the engine syncs a Gmail account (X-GM-EXT-1)
// whose messages sit under several labels. Each body is downloaded once;
// INBOX shows in the unified inbox, each message once, and All Mail and
// the label are folders of their own listing every message they hold.
func TestSyncGmailLabels(t *testing.T) {
	for _, tc := range []struct {
		name   string
		ext    bool
		bodies map[uint64]int
	}{
		{"with X-GM-EXT-1", true, map[uint64]int{1: 1, 2: 1, 3: 1}},
		{"without", false, map[uint64]int{1: 3, 2: 2, 3: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			g := imaptest.StartGmail(t, tc.ext)
			for _, c := range []struct {
				mailbox string
				uid     uint32
				id      uint64
				flags   string
			}{
				{"INBOX", 1, 1, ``}, {"INBOX", 2, 2, `\Seen`},
				{imaptest.AllMail, 21, 1, ``}, {imaptest.AllMail, 22, 2, `\Seen`}, {imaptest.AllMail, 23, 3, `\Seen`},
				{"Work", 4, 1, ``}, {"Work", 5, 3, `\Seen`},
			} {
				g.Add(c.mailbox, c.uid, c.id, c.flags, testMail(int(c.id)))
			}
			f := newFixture(t)
			a := f.addIMAP(t, "Gmail", g.Port)
			for range 2 { // the second sync finds nothing new
				if errs := f.e.SyncOnce(ctx, ""); len(errs) > 0 {
					t.Fatalf("SyncOnce = %v\ncommands: %q", errs, g.Commands())
				}
			}
			if got := g.Bodies(); !maps.Equal(got, tc.bodies) {
				t.Errorf("bodies served = %v, want %v", got, tc.bodies)
			}
			if got := g.Refused(); len(got) != 0 {
				t.Errorf("the server refused %q", got)
			}
			unified, err := f.db.List(ctx, storage.ListQuery{})
			if err != nil {
				t.Fatal(err)
			}
			var subjects []string
			for _, m := range unified {
				subjects = append(subjects, m.Subject)
			}
			slices.Sort(subjects)
			if want := []string{"message 1", "message 2"}; !slices.Equal(subjects, want) {
				t.Errorf("unified inbox lists %q, want %q", subjects, want)
			}
			folders, err := f.db.Folders(ctx)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][2]int{}
			for _, fo := range folders {
				if fo.AccountID == a.ID && fo.Total > 0 {
					got[fo.Name] = [2]int{fo.Total, fo.Unread}
				}
			}
			if want := map[string][2]int{"Inbox": {2, 1}, imaptest.AllMail: {3, 1}, "Work": {2, 1}}; !maps.Equal(got, want) {
				t.Errorf("folders (total, unread) = %v, want %v", got, want)
			}
		})
	}
}
