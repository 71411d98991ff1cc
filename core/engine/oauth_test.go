package engine

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/oauthtest"
	"github.com/tributary-mail/tributary/core/oauth"
	"github.com/tributary-mail/tributary/core/secrets"
)

// addOAuth adds an OAuth2 account of issuer srv, signed in with a device
// grant, and returns it with its refresh token.
func (f *fixture) addOAuth(t *testing.T, srv *oauthtest.Server) (core.Account, string) {
	t.Helper()
	s := core.OAuthSettings{Issuer: srv.URL, ClientID: oauthtest.ClientID}
	cfg, err := oauth.Resolve(t.Context(), s, nil)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := oauth.Device(t.Context(), cfg, nil, func(d oauth.DeviceCode) { srv.Approve(d.Code) })
	if err != nil {
		t.Fatal(err)
	}
	a := core.Account{Name: "tokens", Email: "t@example.test", PasswordStore: core.PasswordStoreFile, Auth: core.AuthOAuth2, OAuth: s,
		SMTP: core.SMTPSettings{Host: "127.0.0.1", Port: 1, Encryption: core.EncryptionNone, Username: "t@example.test", Auth: true}}
	if err := f.e.AddAccount(t.Context(), &a, core.Passwords{RefreshToken: tok.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	return a, tok.RefreshToken
}

func TestAccessTokenCachedUntilNearExpiry(t *testing.T) {
	f := newFixture(t)
	srv := oauthtest.Start(t, &oauthtest.Options{User: "t@example.test"})
	a, _ := f.addOAuth(t, srv)
	ctx := context.Background()
	first, err := f.e.accessToken(ctx, a, nil, false)
	if err != nil {
		t.Fatalf("accessToken() = %v", err)
	}
	again, _ := f.e.accessToken(ctx, a, nil, false)
	if again.AccessToken != first.AccessToken || srv.Refreshes() != 1 {
		t.Errorf("second accessToken() = new token %v after %d refreshes, want the cached one after 1", again.AccessToken != first.AccessToken, srv.Refreshes())
	}
	if !f.e.expiring(f.now.Add(tokenMargin/2)) || f.e.expiring(f.now.Add(2*tokenMargin)) || f.e.expiring(time.Time{}) {
		t.Error("expiring() wrong: want true inside the margin, false outside it and for a password's zero expiry")
	}
	f.now = f.now.Add(time.Hour - tokenMargin/2) // inside the margin
	later, _ := f.e.accessToken(ctx, a, nil, false)
	if later.AccessToken == first.AccessToken || srv.Refreshes() != 2 {
		t.Errorf("accessToken() near expiry kept the old token (%d refreshes), want a fresh one", srv.Refreshes())
	}
	forced, _ := f.e.accessToken(ctx, a, nil, true)
	if forced.AccessToken == later.AccessToken {
		t.Error("accessToken(force) kept the cached token, want a fresh one")
	}
}

func TestRevokedRefreshTokenIsSignInError(t *testing.T) {
	f := newFixture(t)
	srv := oauthtest.Start(t, &oauthtest.Options{User: "t@example.test"})
	a, _ := f.addOAuth(t, srv)
	srv.RevokeAll("t@example.test")
	results := f.e.CheckAccount(context.Background(), a, nil)
	if len(results) != 1 || results[0].Role != "OAuth2" {
		t.Fatalf("CheckAccount() = %+v, want the OAuth2 result only", results)
	}
	var si *core.SignInError
	err := results[0].Err
	if !errors.As(err, &si) || si.Account != "tokens" || !errors.Is(err, oauth.ErrInvalidGrant) {
		t.Fatalf("CheckAccount() token error = %v, want a SignInError for invalid_grant", err)
	}
	if core.IsTemporary(err) || core.KindOf(err) != core.KindAuth {
		t.Errorf("SignInError kind %v temporary %v, want authentication, not retried", core.KindOf(err), core.IsTemporary(err))
	}
}

func TestForgetPasswordsRemovesTheGrant(t *testing.T) {
	f := newFixture(t)
	srv := oauthtest.Start(t, &oauthtest.Options{User: "t@example.test"})
	a, rt := f.addOAuth(t, srv)
	store := secrets.Open(core.PasswordStoreFile, f.dir)
	stored, err := store.Get(secrets.OAuthRef(a.ID))
	if g, perr := oauth.ParseGrant(stored); err != nil || perr != nil || g.RefreshToken != rt {
		t.Fatalf("stored grant = %q (%v), want the refresh token", stored, err)
	}
	if err := f.e.RemoveAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Get(secrets.OAuthRef(a.ID)); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("grant after RemoveAccount: %v, want ErrNotFound", err)
	}
}
