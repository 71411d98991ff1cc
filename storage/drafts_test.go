package storage

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

func TestDraftsRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	work := addAccount(t, db, "Work")
	d := Draft{AccountID: work.ID, To: "Ann <ann@example.test>, not yet", Subject: "Plans", Body: "Hello\n\n> quoted",
		InReplyTo: "m1@example.test", References: []string{"m0@example.test", "m1@example.test"}, Attachments: []string{"/tmp/a.pdf"}}
	if err := db.SaveDraft(ctx, &d); err != nil {
		t.Fatalf("SaveDraft(new) = %v", err)
	}
	if d.ID == 0 || d.Updated.IsZero() {
		t.Fatalf("SaveDraft(new) left ID %d, Updated %v; want both set", d.ID, d.Updated)
	}
	got, err := db.Draft(ctx, d.ID)
	if err != nil || !reflect.DeepEqual(got, d) {
		t.Errorf("Draft(%d) = %+v, %v; want %+v", d.ID, got, err, d)
	}

	// Saving again updates the same row.
	d.Body = "Hello again"
	if err := db.SaveDraft(ctx, &d); err != nil {
		t.Fatal(err)
	}
	list, err := db.Drafts(ctx)
	if err != nil || len(list) != 1 || list[0].Body != "Hello again" {
		t.Errorf("Drafts after an update = %+v, %v; want the one draft, updated", list, err)
	}

	// A draft deleted elsewhere is saved as a new one, not lost.
	if err := db.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatal(err)
	}
	old := d.ID
	if err := db.SaveDraft(ctx, &d); err != nil || d.ID == old {
		t.Errorf("SaveDraft(deleted) = %v, ID %d; want a new row", err, d.ID)
	}
	if err := db.DeleteDraft(ctx, old); err != nil {
		t.Errorf("DeleteDraft(already gone) = %v, want nil", err)
	}
	if _, err := db.Draft(ctx, old); !errors.Is(err, ErrNotFound) {
		t.Errorf("Draft(deleted) = %v, want ErrNotFound", err)
	}
}

func TestDraftOutlivesItsAccount(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	work := addAccount(t, db, "Work")
	d := Draft{AccountID: work.ID, Body: "keep me"}
	if err := db.SaveDraft(ctx, &d); err != nil {
		t.Fatal(err)
	}
	none := Draft{Subject: "no account"}
	if err := db.SaveDraft(ctx, &none); err != nil {
		t.Fatalf("SaveDraft(no account) = %v", err)
	}
	if err := db.RemoveAccount(ctx, work.ID); err != nil {
		t.Fatal(err)
	}
	got, err := db.Draft(ctx, d.ID)
	if err != nil || got.Body != "keep me" || got.AccountID != 0 {
		t.Errorf("Draft after RemoveAccount = %+v, %v; want the text kept with no account", got, err)
	}
}

// TestAdoptServerDraft: a draft from a server's Drafts mailbox comes in
// by its Message-ID, and the later write wins.
func TestAdoptServerDraft(t *testing.T) {
	base := time.Now().UTC().Truncate(time.Second)
	tests := []struct {
		name     string
		local    bool          // a draft with the Message-ID was saved here first
		dropped  bool          // it was deleted here; the removal waits for the server
		at       time.Duration // the server version's date, from the local save
		body     string
		changed  bool
		wantBody string // of the draft with the Message-ID; "" for none
		waiting  int    // uploads of it left in the journal
	}{
		{name: "written elsewhere", at: 0, body: "there", changed: true, wantBody: "there"},
		{name: "newer on the server", local: true, at: time.Hour, body: "there", changed: true, wantBody: "there", waiting: 0},
		{name: "older on the server", local: true, at: -time.Hour, body: "there", wantBody: "here", waiting: 1},
		{name: "our own version back", local: true, at: time.Hour, body: "here\r\n", wantBody: "here", waiting: 1},
		{name: "deleted here, removal waiting", local: true, dropped: true, at: time.Hour, body: "there", waiting: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			db := openTest(t)
			a := addAccount(t, db, "Work")
			src := a.Sources[0].ID
			if tt.local {
				d := Draft{AccountID: a.ID, MessageID: "d1@example.test", Subject: "s", Body: "here"}
				if err := db.SaveDraftJournaled(ctx, &d, []byte("Message-ID: <d1@example.test>\r\n\r\nhere\r\n"), []int64{src}); err != nil {
					t.Fatal(err)
				}
				if tt.dropped {
					if err := db.DeleteDraftJournaled(ctx, d.ID, d.MessageID, []int64{src}); err != nil {
						t.Fatal(err)
					}
				}
			}
			server := Draft{AccountID: a.ID, MessageID: "d1@example.test", Subject: "s", Body: tt.body, Updated: base.Add(tt.at)}
			changed, err := db.AdoptServerDraft(ctx, &server)
			if err != nil || changed != tt.changed {
				t.Fatalf("AdoptServerDraft = %v, %v; want %v", changed, err, tt.changed)
			}
			all, _ := db.Drafts(ctx)
			var bodies []string
			for _, d := range all {
				bodies = append(bodies, d.Body)
			}
			if want := []string{tt.wantBody}; (tt.wantBody == "" && len(all) != 0) || (tt.wantBody != "" && !reflect.DeepEqual(bodies, want)) {
				t.Errorf("drafts after AdoptServerDraft = %q, want %q", bodies, tt.wantBody)
			}
			j, _ := db.Journal(ctx, src)
			uploads := 0
			for _, e := range j {
				if e.Op == core.JournalAppend {
					uploads++
				}
			}
			if uploads != tt.waiting {
				t.Errorf("uploads waiting = %d, want %d", uploads, tt.waiting)
			}
		})
	}
}
