package gui

import (
	"context"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// This file holds what the reader, composer and outbox tests share.

// sendingAccount adds an account that sends through host:port without
// TLS or a login, its passwords (none) in the file store.
func sendingAccount(t *testing.T, f *mainFixture, name, display, host string, port int) core.Account {
	t.Helper()
	a := core.Account{Name: name, DisplayName: display, Email: strings.ToLower(name) + "@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: host, Port: port, Encryption: core.EncryptionNone}}
	if err := f.db.CreateAccount(context.Background(), &a); err != nil {
		t.Fatal(err)
	}
	return a
}

// deliverRaw stores a raw message in an account's Inbox.
func deliverRaw(t *testing.T, f *mainFixture, a core.Account, raw string) int64 {
	t.Helper()
	folder, err := f.db.FolderByRole(context.Background(), a.ID, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	raw = strings.ReplaceAll(strings.ReplaceAll(raw, "\r\n", "\n"), "\n", "\r\n")
	id, _, err := f.db.Deliver(context.Background(), core.Delivery{AccountID: a.ID, FolderID: folder}, strings.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// openComposers returns the composers open now.
func openComposers(a *App) []*composer {
	var out []*composer
	guitest.OnUI(func() {
		for c := range a.mailWindows().composers {
			out = append(out, c)
		}
	})
	return out
}

// onlyComposer returns the one open composer.
func onlyComposer(t *testing.T, a *App) *composer {
	t.Helper()
	cs := openComposers(a)
	if len(cs) != 1 {
		t.Fatalf("%d composers open, want 1", len(cs))
	}
	return cs[0]
}
