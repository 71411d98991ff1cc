package storage

import (
	"context"
	"reflect"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func TestAccountAuthMethodRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, tc := range []struct {
		name     string
		auth     core.AuthMethod
		oauth    core.OAuthSettings
		wantAuth core.AuthMethod
	}{
		{"old account", "", core.OAuthSettings{}, core.AuthPassword},
		{"google", core.AuthOAuth2, core.OAuthSettings{Provider: "google", ClientID: "cid"}, core.AuthOAuth2},
		{"issuer", core.AuthOAuth2, core.OAuthSettings{Issuer: "https://id.example.test/realms/mail", ClientID: "cid", Scopes: []string{"openid", "mail"}}, core.AuthOAuth2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := testAccount(tc.name)
			a.Auth, a.OAuth = tc.auth, tc.oauth
			if err := db.CreateAccount(ctx, a); err != nil {
				t.Fatalf("CreateAccount = %v", err)
			}
			got, err := db.Account(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Auth != tc.wantAuth || !reflect.DeepEqual(got.OAuth, tc.oauth) {
				t.Errorf("Account() = %q %+v, want %q %+v", got.Auth, got.OAuth, tc.wantAuth, tc.oauth)
			}
		})
	}
}

func TestAuthMethodCheckConstraint(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := addAccount(t, db, "Work")
	if _, err := db.sql.ExecContext(ctx, `UPDATE accounts SET auth_method = 'kerberos' WHERE id = ?`, a.ID); err == nil {
		t.Error("UPDATE auth_method = 'kerberos' = nil error, want the CHECK constraint to refuse it")
	}
}
