package engine

import (
	"context"
	"testing"

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
