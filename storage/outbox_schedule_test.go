package storage

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

func TestOutboxNotBefore(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	a := addAccount(t, db, "Work")
	base := time.Date(2026, 12, 24, 9, 0, 0, 0, time.UTC)
	enqueue := func(notBefore time.Time) core.OutboxItem {
		t.Helper()
		item := core.OutboxItem{AccountID: a.ID, MessageID: "x@y", From: a.Email, Recipients: []string{"b@example.test"}, To: "b@example.test", Subject: "s",
			NotBefore: notBefore, Composition: &core.Composition{Draft: core.Draft{To: "b@example.test", Body: "hi"}, Answers: 7}}
		if err := db.Enqueue(ctx, &item, bytes.NewReader([]byte("raw "+notBefore.String()))); err != nil {
			t.Fatal(err)
		}
		return item
	}
	now := enqueue(time.Time{})
	// A window that ends inside a second is rounded up, never down.
	later := enqueue(base.Add(500 * time.Millisecond))
	if want := base.Add(time.Second); !later.NotBefore.Equal(want) {
		t.Errorf("Enqueue NotBefore = %s, want %s (rounded up)", later.NotBefore, want)
	}
	tests := []struct {
		name string
		at   time.Time
		due  []int64
		next time.Time // zero: none after at
	}{
		{"before", base.Add(-time.Hour), []int64{now.ID}, base.Add(time.Second)},
		{"inside the rounded second", base.Add(900 * time.Millisecond), []int64{now.ID}, base.Add(time.Second)},
		{"at its time", base.Add(time.Second), []int64{now.ID, later.ID}, time.Time{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, err := db.Outbox(ctx, tc.at)
			if err != nil {
				t.Fatal(err)
			}
			var ids []int64
			for _, it := range items {
				ids = append(ids, it.ID)
			}
			if !slices.Equal(ids, tc.due) {
				t.Errorf("Outbox(%s) = %v, want %v", tc.at, ids, tc.due)
			}
			next, ok, err := db.NextDue(ctx, tc.at)
			if err != nil || ok != !tc.next.IsZero() || !next.Equal(tc.next) {
				t.Errorf("NextDue(%s) = %s, %v, %v; want %s", tc.at, next, ok, err, tc.next)
			}
		})
	}
	got, err := db.OutboxItem(ctx, later.ID)
	if err != nil || got.Composition == nil || got.Composition.Draft.Body != "hi" || got.Composition.Answers != 7 {
		t.Errorf("OutboxItem composition = %+v, %v; want the one queued", got.Composition, err)
	}

	// Unqueue and Claim exclude each other.
	if err := db.Claim(ctx, now.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Unqueue(ctx, now.ID); !errors.Is(err, ErrNotClaimable) {
		t.Errorf("Unqueue(claimed) = %v, want ErrNotClaimable", err)
	}
	if _, err := db.Unqueue(ctx, later.ID); err != nil {
		t.Fatalf("Unqueue(queued) = %v", err)
	}
	if err := db.Claim(ctx, later.ID); !errors.Is(err, ErrNotClaimable) {
		t.Errorf("Claim(unqueued) = %v, want ErrNotClaimable", err)
	}
	if _, err := db.OutboxItem(ctx, later.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("OutboxItem(unqueued) = %v, want ErrNotFound", err)
	}
}
