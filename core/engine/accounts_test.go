package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/secrets"
)

func TestAddAccountAndSourceKeepPasswordsApart(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	a := core.Account{Name: "w", Email: "w@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "smtp.example.test", Port: 587, Username: "w", Encryption: core.EncryptionSTARTTLS, Auth: true}}
	if err := f.e.AddAccount(ctx, &a, core.Passwords{SMTP: "smtp-pw"}); err != nil {
		t.Fatal(err)
	}
	s := core.Source{Protocol: core.ProtocolPOP3, Host: "pop.example.test", Port: 995, Username: "w",
		Encryption: core.EncryptionSSL, Method: core.MethodManual, Folder: core.DefaultFolder}
	if err := f.e.AddSource(ctx, a, &s, "pop-pw"); err != nil {
		t.Fatal(err)
	}
	// A blank SMTP password leaves the stored one alone.
	a.Sources = []core.Source{s}
	if err := f.e.SavePasswords(a, core.Passwords{Sources: []string{"pop-pw-2"}}); err != nil {
		t.Fatal(err)
	}
	store := f.e.opts.Secrets(core.PasswordStoreFile)
	for ref, want := range map[string]string{secrets.SMTPRef(a.ID): "smtp-pw", secrets.SourceRef(s.ID): "pop-pw-2"} {
		if got, err := store.Get(ref); got != want || err != nil {
			t.Errorf("password %s = %q, %v; want %q", ref, got, err, want)
		}
	}
	got, err := f.db.Account(ctx, a.ID)
	if err != nil || len(got.Sources) != 1 || got.Sources[0].ID != s.ID {
		t.Errorf("account after AddSource = %+v, %v; want the source", got, err)
	}
}

// failingStore refuses every password; the other calls succeed.
type failingStore struct{ secrets.Store }

func (failingStore) Set(string, string) error { return errors.New("keyring locked") }

func TestSaveAccountIsAllOrNothing(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	orig := core.Account{Name: "w", Email: "w@example.test", PasswordStore: core.PasswordStoreFile,
		SMTP: core.SMTPSettings{Host: "smtp.example.test", Port: 587, Username: "w", Encryption: core.EncryptionSTARTTLS, Auth: true},
		Sources: []core.Source{{Protocol: core.ProtocolPOP3, Host: "pop.example.test", Port: 995, Username: "w",
			Encryption: core.EncryptionSSL, Method: core.MethodManual, Folder: core.DefaultFolder}}}
	if err := f.e.AddAccount(ctx, &orig, core.Passwords{SMTP: "smtp-pw", Sources: []string{"pop-pw"}}); err != nil {
		t.Fatal(err)
	}
	sub := f.e.Subscribe()
	defer sub.Close()

	// An edit that renames the account, drops its source and adds an IMAP
	// one, whose password cannot be stored: nothing of it may stick.
	edit := orig
	edit.Name = "renamed"
	edit.Sources = []core.Source{{Protocol: core.ProtocolIMAP, Host: "imap.example.test", Port: 993, Username: "w",
		Encryption: core.EncryptionSSL, Method: core.MethodManual, Folder: core.DefaultFolder}}
	fileStore := f.e.opts.Secrets
	f.e.opts.Secrets = func(core.PasswordStore) secrets.Store { return failingStore{fileStore(core.PasswordStoreFile)} }
	if err := f.e.SaveAccount(ctx, &orig, &edit, core.Passwords{Sources: []string{"imap-pw"}}); err == nil {
		t.Fatal("SaveAccount with a failing password store = nil, want the error")
	}
	f.e.opts.Secrets = fileStore
	got, err := f.db.Account(ctx, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "w" || len(got.Sources) != 1 || got.Sources[0].Protocol != core.ProtocolPOP3 {
		t.Fatalf("account after a failed edit = %q with %+v, want it unchanged", got.Name, got.Sources)
	}

	// The same edit with a working store commits all of it and says so.
	edit.Sources[0].ID = 0
	if err := f.e.SaveAccount(ctx, &orig, &edit, core.Passwords{Sources: []string{"imap-pw"}}); err != nil {
		t.Fatalf("SaveAccount = %v", err)
	}
	got, _ = f.db.Account(ctx, orig.ID)
	if got.Name != "renamed" || len(got.Sources) != 1 || got.Sources[0].Protocol != core.ProtocolIMAP {
		t.Fatalf("account after the edit = %q with %+v", got.Name, got.Sources)
	}
	store := f.e.opts.Secrets(core.PasswordStoreFile)
	if _, err := store.Get(secrets.SourceRef(orig.Sources[0].ID)); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("removed source's password: Get = %v, want ErrNotFound", err)
	}
	if pw, _ := store.Get(secrets.SourceRef(got.Sources[0].ID)); pw != "imap-pw" {
		t.Errorf("new source's password = %q, want imap-pw", pw)
	}
	select {
	case ev := <-sub.C():
		if ev.Kind != EventAccounts {
			t.Errorf("first event after the edit = %v, want EventAccounts", ev.Kind)
		}
	case <-time.After(5 * time.Second):
		t.Error("no EventAccounts after the edit")
	}
}

func TestRemoveAccountTakesItsPinsAlong(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	mk := func(name, smtpHost string) core.Account {
		a := core.Account{Name: name, Email: name + "@example.test", PasswordStore: core.PasswordStoreFile,
			SMTP: core.SMTPSettings{Host: smtpHost, Port: 465, Encryption: core.EncryptionSSL}}
		if err := f.e.AddAccount(ctx, &a, core.Passwords{}); err != nil {
			t.Fatal(err)
		}
		return a
	}
	gone, _ := mk("gone", "only.example.test"), mk("stays", "shared.example.test")
	gone2 := mk("gone2", "shared.example.test")
	for _, server := range []string{"only.example.test:465", "shared.example.test:465"} {
		if err := f.db.Pin(ctx, server, strings.Repeat("ab", 32)); err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range []core.Account{gone, gone2} {
		if err := f.e.RemoveAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	pins, err := f.db.Pins(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := pins["only.example.test:465"]; ok {
		t.Error("the pin of a removed account's server is still there")
	}
	if _, ok := pins["shared.example.test:465"]; !ok {
		t.Error("a pin another account still uses was removed")
	}
}

func TestDraftsGoThroughTheEngine(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	sub := f.e.Subscribe()
	defer sub.Close()
	d := core.Draft{To: "ann@example.test", Subject: "half written", Body: "so far"}
	if err := f.e.SaveDraft(ctx, &d); err != nil || d.ID == 0 {
		t.Fatalf("SaveDraft = %v, ID %d", err, d.ID)
	}
	if err := f.e.DeleteDraft(ctx, d.ID); err != nil {
		t.Fatalf("DeleteDraft = %v", err)
	}
	if list, err := f.db.Drafts(ctx); err != nil || len(list) != 0 {
		t.Errorf("Drafts after delete = %v, %v; want none", list, err)
	}
	for want := 2; want > 0; want-- {
		select {
		case ev := <-sub.C():
			if ev.Kind != EventDrafts {
				t.Errorf("event = %v, want EventDrafts", ev.Kind)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no EventDrafts")
		}
	}
}
