package wizard

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/oauthtest"
	"github.com/tributary-mail/tributary/core/oauth"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// oauthFixture is a wizard fixture whose Google is core/mailtest/oauthtest
// and whose browser follows the sign-in page's redirect with an HTTP client
// (when follow is set), as a user signing in would.
func oauthFixture(t *testing.T, follow bool) (*wizardFixture, *oauthtest.Server) {
	t.Helper()
	t.Setenv(oauth.EnvClientID, oauthtest.ClientID)
	f := newWizardFixture(t)
	srv := oauthtest.Start(t, &oauthtest.Options{User: "ann.example@gmail.com"})
	f.wizards.OAuth.Resolve = func(ctx context.Context, s core.OAuthSettings, secret string) (*oauth.Config, error) {
		if s.Provider != "google" {
			t.Errorf("sign-in for provider %q, want google", s.Provider)
		}
		return oauth.Resolve(ctx, core.OAuthSettings{Issuer: srv.URL, ClientID: s.ClientID}, nil)
	}
	f.wizards.OAuth.OpenURL = func(u *url.URL) error {
		if !follow {
			return nil // the user never comes back
		}
		go func() {
			if resp, err := http.Get(u.String()); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	return f, srv
}

func TestWizardSignInWithGoogle(t *testing.T) {
	f, srv := oauthFixture(t, true)
	w := f.newAccountWizard()
	w.start(t, "ann.example@gmail.com", "", "Ann")
	guitest.OnUI(func() {
		if !w.oauth.row.Visible() || w.oauth.button.Text != "Sign in with Google" {
			t.Fatalf("sign-in row shown %v, button %q; want Sign in with Google for a Gmail address without a password", w.oauth.row.Visible(), w.oauth.button.Text)
		}
		if w.fields["smtp.password"].cell.Visible() || w.sources[0].fields["password"].cell.Visible() {
			t.Error("password fields shown beside Sign in with Google, want them gone")
		}
		if !w.save.Disabled() || !w.test.Disabled() {
			t.Error("Save or Test enabled before signing in")
		}
		w.store.SetSelected(choiceFile())
	})
	w.do(func() { test.Tap(w.oauth.button) })
	guitest.OnUI(func() {
		if want := "Signed in at Google as ann.example@gmail.com."; w.oauth.status.Text != want {
			t.Errorf("status after signing in = %q, want %q", w.oauth.status.Text, want)
		}
		if w.save.Disabled() {
			t.Errorf("Save disabled after signing in (%s)", w.general.Text)
		}
	})
	w.do(func() { test.Tap(w.save) })
	accounts := f.Accounts(t)
	if len(accounts) != 1 {
		t.Fatalf("saved %d accounts, want 1", len(accounts))
	}
	a := accounts[0]
	if !a.UsesOAuth() || a.OAuth.Provider != "google" || a.OAuth.ClientID != oauthtest.ClientID {
		t.Errorf("saved account signs in with %q %+v, want OAuth2 with Google and the client ID", a.Auth, a.OAuth)
	}
	grant, err := oauth.ParseGrant(f.Password(t, secrets.OAuthRef(a.ID)))
	if err != nil || len(srv.RefreshTokens()) != 1 || grant.RefreshToken != srv.RefreshTokens()[0] {
		t.Errorf("stored grant %+v (%v), want the refresh token the provider issued", grant, err)
	}
}

func TestWizardSignInCancel(t *testing.T) {
	f, _ := oauthFixture(t, false)
	w := f.newAccountWizard()
	w.start(t, "ann.example@gmail.com", "", "Ann")
	guitest.OnUI(func() { test.Tap(w.oauth.button) })
	guitest.OnUI(func() {
		if !w.oauth.cancelButton.Visible() || !w.oauth.button.Disabled() {
			t.Error("while waiting, Cancel hidden or Sign in enabled")
		}
		test.Tap(w.oauth.cancelButton)
	})
	w.jobs.Wait()
	guitest.OnUI(func() {
		if w.oauth.status.Text != "Sign-in cancelled." || w.oauth.cancelButton.Visible() || !w.save.Disabled() {
			t.Errorf("after Cancel: status %q, Cancel shown %v, Save disabled %v; want cancelled, hidden, disabled",
				w.oauth.status.Text, w.oauth.cancelButton.Visible(), w.save.Disabled())
		}
	})
}

// An app password typed in step 1 keeps the password fields.
func TestWizardAppPasswordKeepsPasswordFields(t *testing.T) {
	f, _ := oauthFixture(t, true)
	w := f.newAccountWizard()
	w.start(t, "ann.example@gmail.com", "app-password", "Ann")
	guitest.OnUI(func() {
		if w.oauth.row.Visible() || !w.fields["smtp.password"].cell.Visible() {
			t.Errorf("with an app password: sign-in row shown %v, password shown %v; want the password", w.oauth.row.Visible(), w.fields["smtp.password"].cell.Visible())
		}
		if !strings.Contains(w.note.Text, "app password") {
			t.Errorf("note = %q, want the app password advice", w.note.Text)
		}
	})
}

// Any OpenID Connect provider, with the client ID typed in the wizard.
func TestWizardSignInWithAnotherProvider(t *testing.T) {
	f := newWizardFixture(t)
	srv := oauthtest.Start(t, &oauthtest.Options{User: "ann@example.test"})
	var asked core.OAuthSettings
	f.wizards.OAuth.Resolve = func(ctx context.Context, s core.OAuthSettings, secret string) (*oauth.Config, error) {
		asked = s
		return oauth.Resolve(ctx, s, nil) // loopback HTTP is allowed for tests
	}
	f.wizards.OAuth.OpenURL = func(u *url.URL) error {
		go func() {
			if resp, err := http.Get(u.String()); err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
	w := f.newAccountWizard()
	w.start(t, "ann@example.test", "", "Ann")
	guitest.OnUI(func() {
		if w.oauth.row.Visible() || !w.oauth.other.Visible() {
			t.Fatalf("no provider proposed: sign-in row shown %v, other-provider choice shown %v", w.oauth.row.Visible(), w.oauth.other.Visible())
		}
		w.oauth.other.SetChecked(true)
		if !w.oauth.row.Visible() || !w.oauth.otherFields.Visible() || w.fields["smtp.password"].cell.Visible() {
			t.Fatal("ticking another provider shows no issuer and client ID, or keeps the password fields")
		}
		if !w.save.Disabled() {
			t.Error("Save enabled with no issuer")
		}
		test.Type(w.oauth.issuer, srv.URL)
		test.Type(w.oauth.clientID, oauthtest.ClientID)
		test.Type(w.oauth.scopes, "openid email offline_access")
		w.store.SetSelected(choiceFile())
		// Nothing was found for example.test: the servers are typed.
		w.smtpHost.SetText("smtp.example.test")
		for _, s := range w.sources {
			s.host.SetText("imap.example.test")
		}
	})
	w.do(func() { test.Tap(w.oauth.button) })
	guitest.OnUI(func() {
		if !strings.HasPrefix(w.oauth.status.Text, "Signed in at 127.0.0.1") {
			t.Errorf("status = %q, want signed in at the issuer's host", w.oauth.status.Text)
		}
	})
	if asked.Issuer != srv.URL || asked.ClientID != oauthtest.ClientID || strings.Join(asked.Scopes, " ") != "openid email offline_access" {
		t.Errorf("signed in with %+v, want the issuer, client ID and scopes typed", asked)
	}
	w.do(func() { test.Tap(w.save) })
	guitest.OnUI(func() {
		if !w.closed {
			t.Errorf("Save did not close the wizard: %q, %q, dialog %q", w.status.Text, w.general.Text, guitest.DialogText(w.win))
		}
	})
	if a := f.Accounts(t); len(a) != 1 || a[0].OAuth.Issuer != srv.URL || a[0].OAuth.ClientID != oauthtest.ClientID {
		t.Errorf("saved %+v, want one account signing in at the issuer with the client ID typed", a)
	}
}
