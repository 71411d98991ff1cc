package imap_test

import (
	"regexp"
	"slices"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
)

func TestMoveAndDelete(t *testing.T) {
	base := goimap.CapSet{goimap.CapIMAP4rev1: {}, goimap.CapListExtended: {}, goimap.CapSpecialUse: {}}
	with := func(caps ...goimap.Cap) goimap.CapSet {
		out := goimap.CapSet{}
		for c := range base {
			out[c] = struct{}{}
		}
		for _, c := range caps {
			out[c] = struct{}{}
		}
		return out
	}
	tests := []struct {
		name      string
		caps      goimap.CapSet
		wantVerbs []string // commands the move must use
		notVerbs  []string
	}{
		{"MOVE", with(goimap.CapMove, goimap.CapUIDPlus), []string{"UID MOVE"}, []string{"UID COPY", "EXPUNGE"}},
		{"UIDPLUS without MOVE", with(goimap.CapUIDPlus), []string{"UID COPY", "UID EXPUNGE"}, []string{"UID MOVE"}},
		{"neither MOVE nor UIDPLUS", base, []string{"UID COPY", "EXPUNGE"}, []string{"UID MOVE", "UID EXPUNGE"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := imaptest.Start(t, imaptest.Options{Caps: tc.caps})
			s.Create(t, "Archive")
			appendN(t, s, "INBOX", 1, 4)
			// Another client marked UID 3 \Deleted without expunging it.
			s.AddFlags(t, "INBOX", 3, goimap.FlagDeleted)
			c := dial(t, s.Endpoint(core.EncryptionNone), nil)

			for i := range 2 { // the second time UID 1 is gone: still success
				if err := c.Move(t.Context(), "INBOX", 1, "Archive"); err != nil {
					t.Fatalf("Move(INBOX, 1, Archive) #%d = %v", i+1, err)
				}
			}
			for i := range 2 {
				if err := c.Delete(t.Context(), "INBOX", 2); err != nil {
					t.Fatalf("Delete(INBOX, 2) #%d = %v", i+1, err)
				}
			}
			if got := s.Messages(t, "Archive"); len(got) != 1 || string(got[0].Raw) != string(message(1)) {
				t.Errorf("Archive after Move = %d messages, want message 1 only", len(got))
			}
			inbox := s.Messages(t, "INBOX")
			var uids []goimap.UID
			for _, m := range inbox {
				uids = append(uids, m.UID)
				if want := m.UID == 3; slices.Contains(m.Flags, goimap.FlagDeleted) != want {
					t.Errorf("UID %d flags = %v, want \\Deleted: %v", m.UID, m.Flags, want)
				}
			}
			if !slices.Equal(uids, []goimap.UID{3, 4}) {
				t.Errorf("INBOX after Move and Delete holds UIDs %v, want [3 4] (3 marked by another client stays)", uids)
			}
			tr := s.Transcript()
			for _, v := range tc.wantVerbs {
				if !regexp.MustCompile(`(?m)^\S+ ` + v + `\b`).MatchString(tr) {
					t.Errorf("no %s sent; transcript:\n%s", v, tr)
				}
			}
			for _, v := range tc.notVerbs {
				if regexp.MustCompile(`(?m)^\S+ ` + v + `\b`).MatchString(tr) {
					t.Errorf("%s sent to a server without it; transcript:\n%s", v, tr)
				}
			}
		})
	}
}

// TestActionsKeepTheSelection: consecutive actions on one mailbox select
// it once; a sync (read-only) in between makes the next action select it
// again read-write.
func TestActionsKeepTheSelection(t *testing.T) {
	s := imaptest.Start(t, imaptest.Options{})
	appendN(t, s, "INBOX", 1, 3)
	s.Create(t, "Work")
	st := newStore(t)
	c := dial(t, s.Endpoint(core.EncryptionNone), nil)
	selects := regexp.MustCompile(`(?m)^\S+ (SELECT|EXAMINE) (\S+)`)
	count := func() []string {
		var out []string
		for _, m := range selects.FindAllStringSubmatch(s.Transcript(), -1) {
			out = append(out, m[1]+" "+m[2])
		}
		return out
	}
	for uid := uint32(1); uid <= 3; uid++ {
		if err := c.SetFlags(t.Context(), "INBOX", uid, core.Flags{Seen: true}); err != nil {
			t.Fatalf("SetFlags(INBOX, %d) = %v", uid, err)
		}
	}
	if err := c.Noop(t.Context()); err != nil {
		t.Fatalf("Noop() = %v", err)
	}
	if err := c.Delete(t.Context(), "INBOX", 3); err != nil {
		t.Fatalf("Delete(INBOX, 3) = %v", err)
	}
	if got, want := count(), []string{"SELECT INBOX"}; !slices.Equal(got, want) {
		t.Errorf("after four actions on INBOX the client sent %q, want %q", got, want)
	}
	if _, err := c.SyncMailbox(t.Context(), st, st.accountID, st.sourceID, inbox, nil); err != nil {
		t.Fatalf("SyncMailbox(INBOX) = %v", err)
	}
	if err := c.SetFlags(t.Context(), "INBOX", 1, core.Flags{}); err != nil {
		t.Fatalf("SetFlags(INBOX, 1) = %v", err)
	}
	if err := c.SetFlags(t.Context(), "Work", 1, core.Flags{}); err != nil {
		t.Fatalf("SetFlags(Work, 1) = %v", err)
	}
	if err := c.SetFlags(t.Context(), "INBOX", 2, core.Flags{}); err != nil {
		t.Fatalf("SetFlags(INBOX, 2) = %v", err)
	}
	want := []string{"SELECT INBOX", "EXAMINE INBOX", "SELECT INBOX", `SELECT "Work"`, "SELECT INBOX"}
	if got := count(); !slices.Equal(got, want) {
		t.Errorf("selections = %q, want %q", got, want)
	}
	s.Close()
	if err := c.Noop(t.Context()); core.KindOf(err) != core.KindNetwork {
		t.Errorf("Noop() after the server went away = %v (kind %v), want a network error", err, core.KindOf(err))
	}
}
