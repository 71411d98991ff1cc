package storage

import (
	"context"
	"errors"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func TestIdentitiesFirstFollowsTheAccount(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	work := addAccount(t, db, "Work")
	addAccount(t, db, "Home")

	alias := core.Identity{AccountID: work.ID, DisplayName: "Sales", Email: "sales@example.test", ReplyTo: "team@example.test", BccSelf: true, Signature: "Sales team"}
	if err := db.AddIdentity(ctx, &alias); err != nil {
		t.Fatalf("AddIdentity = %v", err)
	}
	if alias.ID == 0 || alias.Position != 1 {
		t.Fatalf("AddIdentity set ID %d, position %d; want an ID and position 1", alias.ID, alias.Position)
	}
	// The account's own identity keeps settings of its own.
	own := core.Identity{AccountID: work.ID, Signature: "Work signature", PlainTextOnly: true}
	if err := db.UpdateIdentity(ctx, &own); err != nil {
		t.Fatalf("UpdateIdentity(own) = %v", err)
	}
	// Editing the account renames its first identity.
	work.DisplayName, work.Email = "Renamed", "renamed@example.test"
	if err := db.SaveAccount(ctx, work, nil); err != nil {
		t.Fatal(err)
	}

	ids, err := db.AccountIdentities(ctx, work.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 2 {
		t.Fatalf("AccountIdentities = %d identities, want 2: %+v", len(ids), ids)
	}
	if got := ids[0]; got.Email != "renamed@example.test" || got.DisplayName != "Renamed" || got.Signature != "Work signature" || !got.PlainTextOnly || !got.Primary() || got.Account != "Work" {
		t.Errorf("first identity = %+v, want the account's name and address with its settings", got)
	}
	if got := ids[1]; got.Email != "sales@example.test" || got.ReplyTo != "team@example.test" || !got.BccSelf || got.Signature != "Sales team" || got.Account != "Work" {
		t.Errorf("alias = %+v", got)
	}

	all, err := db.Identities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, id := range all {
		labels = append(labels, id.Label())
	}
	want := []string{"User Home <home@example.test> — Home", "Renamed <renamed@example.test> — Work", "Sales <sales@example.test> — Work"}
	if len(labels) != len(want) {
		t.Fatalf("Identities = %q, want %q", labels, want)
	}
	for i := range want {
		if labels[i] != want[i] {
			t.Errorf("Identities[%d] = %q, want %q", i, labels[i], want[i])
		}
	}
}

func TestIdentityRefusals(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	work := addAccount(t, db, "Work")
	if err := db.AddIdentity(ctx, &core.Identity{AccountID: work.ID, Email: "alias@example.test"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		do   func() error
		want error
	}{
		{"the same alias twice, in another case", func() error {
			return db.AddIdentity(ctx, &core.Identity{AccountID: work.ID, Email: "ALIAS@example.test"})
		}, ErrDuplicateIdentity},
		{"the account's own address as an alias", func() error {
			return db.AddIdentity(ctx, &core.Identity{AccountID: work.ID, Email: work.Email})
		}, ErrDuplicateIdentity},
		{"an alias of no account", func() error {
			return db.AddIdentity(ctx, &core.Identity{AccountID: 999, Email: "x@example.test"})
		}, ErrNotFound},
		{"removing the account's own identity", func() error {
			return db.RemoveIdentity(ctx, work.ID, work.Email)
		}, ErrPrimaryIdentity},
		{"removing an unknown alias", func() error {
			return db.RemoveIdentity(ctx, work.ID, "nobody@example.test")
		}, ErrNotFound},
		{"editing an alias that is not there", func() error {
			return db.UpdateIdentity(ctx, &core.Identity{AccountID: work.ID, Position: 7, Email: "y@example.test"})
		}, ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.do(); !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestIdentitiesGoWithTheirAccount(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	work := addAccount(t, db, "Work")
	if err := db.AddIdentity(ctx, &core.Identity{AccountID: work.ID, Email: "alias@example.test"}); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveIdentity(ctx, work.ID, "ALIAS@example.test"); err != nil {
		t.Fatalf("RemoveIdentity = %v", err)
	}
	if err := db.AddIdentity(ctx, &core.Identity{AccountID: work.ID, Email: "other@example.test"}); err != nil {
		t.Fatal(err)
	}
	if err := db.RemoveAccount(ctx, work.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM identities`).Scan(&n); err != nil || n != 0 {
		t.Errorf("identities left after the account went: %d (%v), want 0", n, err)
	}
}
