package storage

import (
	"context"
	"errors"
	"reflect"
	"testing"
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
