package wizard

import (
	"context"
	"errors"
	"net/url"
	"os"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/oauth"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

// wizardOAuth is the wizard's OAuth2 sign-in: for a provider that takes
// it (the lookup proposed it and no password was typed, or the account
// already signs in so), "Sign in with Google" stands in place of the
// password fields. It runs the desktop flow (authorization code with
// PKCE, the browser sent back to 127.0.0.1, RFC 8252) and keeps the
// refresh token until Save hands it to the engine.
type wizardOAuth struct {
	on       bool
	settings core.OAuthSettings
	label    string // "Google"
	grant    core.Passwords
	who      string
	cancel   context.CancelFunc

	row          *fyne.Container
	button       *widget.Button
	cancelButton *widget.Button
	status       *widget.Label
	// clientID overrides the build's default client (or the
	// environment's); other, with issuer and scopes, signs in with any
	// OpenID Connect provider (Keycloak or Authentik before a self-hosted
	// Dovecot, say), as the CLI's --oauth-issuer does.
	clientID       *widget.Entry
	other          *widget.Check
	issuer, scopes *widget.Entry
	otherFields    *fyne.Container
}

// OAuthSeams are what the tests replace: the OAuth2 configuration of an
// account (a test points it at core/mailtest/oauthtest) and the browser.
type OAuthSeams struct {
	Resolve func(ctx context.Context, s core.OAuthSettings, secret string) (*oauth.Config, error)
	OpenURL func(u *url.URL) error
}

func (ws *Wizards) oauthResolve(ctx context.Context, s core.OAuthSettings, secret string) (*oauth.Config, error) {
	if ws.OAuth.Resolve != nil {
		return ws.OAuth.Resolve(ctx, s, secret)
	}
	return oauth.Resolve(ctx, s, &oauth.Options{ClientSecret: secret})
}

func (ws *Wizards) openBrowser(u *url.URL) error {
	if ws.OAuth.OpenURL != nil {
		return ws.OAuth.OpenURL(u)
	}
	return ws.sh.Fyne.OpenURL(u)
}

func (w *wizard) buildOAuthRow() fyne.CanvasObject {
	o := &w.oauth
	o.status = kit.Wrapped("")
	o.button = widget.NewButtonWithIcon(lang.L("Sign in"), theme.LoginIcon(), w.startSignIn)
	o.button.Importance = widget.HighImportance
	o.cancelButton = widget.NewButton(lang.L("Cancel"), w.cancelSignIn)
	o.cancelButton.Hide()
	entry := func(placeholder string, set func(string)) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		e.OnChanged = func(t string) {
			set(strings.TrimSpace(t))
			w.changed()
		}
		return e
	}
	o.clientID = entry(lang.L("the client ID registered for Tributary (README, OAuth section)"), func(t string) { o.settings.ClientID = t })
	o.issuer = entry("https://id.example.com/realms/mail", func(t string) {
		o.settings.Issuer = t
		o.setLabel()
	})
	o.scopes = entry(lang.L("the provider's defaults"), func(t string) { o.settings.Scopes = strings.Fields(t) })
	o.otherFields = container.New(layout.NewFormLayout(), widget.NewLabel(lang.L("Issuer")), o.issuer, widget.NewLabel(lang.L("Scopes")), o.scopes)
	o.otherFields.Hide()
	o.row = container.NewVBox(kit.Heading(lang.L("Sign-in")),
		container.New(layout.NewFormLayout(), widget.NewLabel(lang.L("Client ID")), o.clientID), o.otherFields,
		container.NewHBox(o.button, o.cancelButton), o.status)
	o.row.Hide()
	o.other = widget.NewCheck(lang.L("Sign in with another OAuth2 provider (OpenID Connect)"), func(on bool) { w.useOtherProvider(on) })
	return container.NewVBox(o.other, o.row)
}

// useOtherProvider switches to signing in with the issuer typed in, or
// back to passwords.
func (w *wizard) useOtherProvider(on bool) {
	o := &w.oauth
	if !on {
		if o.settings.Issuer != "" || o.settings.Provider == "" {
			o.on = false
			o.row.Hide()
			o.otherFields.Hide()
			w.showPasswordFields()
			w.changed()
			w.relayout()
		}
		return
	}
	w.useOAuth(core.OAuthSettings{Issuer: strings.TrimSpace(o.issuer.Text), ClientID: strings.TrimSpace(o.clientID.Text),
		Scopes: strings.Fields(o.scopes.Text)})
	w.changed()
}

// setLabel names the provider on the button: a built-in one by name,
// another by its issuer's host.
func (o *wizardOAuth) setLabel() {
	o.label = o.settings.Provider
	if p, ok := oauth.Lookup(o.settings.Provider); ok {
		o.label = p.Label
	} else if u, err := url.Parse(o.settings.Issuer); err == nil && u.Host != "" {
		o.label = u.Host
	} else if o.settings.Provider == "" {
		o.label = lang.L("your provider")
	}
	o.button.SetText(lang.L("Sign in with {{.Provider}}", map[string]any{"Provider": o.label}))
}

// useOAuth switches the form to signing in with s; the password fields go.
func (w *wizard) useOAuth(s core.OAuthSettings) {
	o := &w.oauth
	o.on, o.settings = true, s
	o.setLabel()
	// The entries show what the sign-in uses; their OnChanged keep it so.
	release := w.hold()
	o.clientID.SetText(s.ClientID)
	o.issuer.SetText(s.Issuer)
	o.scopes.SetText(strings.Join(s.Scopes, " "))
	release()
	o.otherFields.Hidden = s.Provider != ""
	o.other.Hidden = s.Provider != "" // a built-in provider's own sign-in
	if s.Provider == "" && !o.other.Checked {
		o.other.Checked = true
		o.other.Refresh()
	}
	if w.orig != nil && w.orig.UsesOAuth() {
		o.status.SetText(lang.L("Signed in. Sign in again only if {{.Provider}} asks for it.", map[string]any{"Provider": o.label}))
	} else {
		o.status.SetText(lang.L("Sign in at {{.Provider}} in your browser; Tributary keeps the sign-in, never your password.", map[string]any{"Provider": o.label}))
	}
	o.row.Show()
	w.showPasswordFields()
	w.relayout()
}

// showPasswordFields shows the password rows unless the form signs in
// with OAuth2.
func (w *wizard) showPasswordFields() {
	if f := w.fields["smtp.password"]; f != nil {
		f.setShown(!w.oauth.on)
	}
	for _, s := range w.sources {
		s.fields["password"].setShown(!w.oauth.on)
	}
}

// oauthProposed is the OAuth2 sign-in the lookup proposed, when the user
// typed no password (one typed is an app password, and is used).
func (w *wizard) oauthProposed() (core.OAuthSettings, bool) {
	if w.config == nil || w.config.OAuth == "" || w.password.Text != "" {
		return core.OAuthSettings{}, false
	}
	if len(w.config.Incoming) == 0 || w.config.Incoming[0].Auth != core.AuthOAuth2 {
		return core.OAuthSettings{}, false
	}
	id, _ := oauth.Client("", w.config.OAuth, os.Getenv)
	return core.OAuthSettings{Provider: w.config.OAuth, ClientID: id}, true
}

func (w *wizard) startSignIn() {
	o := &w.oauth
	if o.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(w.ctx)
	o.cancel = cancel
	o.button.Disable()
	o.cancelButton.Show()
	o.status.SetText(lang.L("Waiting for you to sign in at {{.Provider}} in your browser…", map[string]any{"Provider": o.label}))
	w.relayout()
	settings := o.settings
	_, secret := oauth.Client(settings.ClientID, settings.Provider, os.Getenv)
	w.run("oauth sign-in", func() {
		grant, who, err := w.signIn(ctx, settings, secret)
		w.sh.Do(func() {
			if w.closed {
				return
			}
			cancel()
			o.cancel = nil
			o.button.Enable()
			o.cancelButton.Hide()
			switch {
			case errors.Is(err, context.Canceled):
				o.status.SetText(lang.L("Sign-in cancelled."))
			case err != nil:
				o.status.SetText(lang.L("Sign-in failed: {{.Error}}", map[string]any{"Error": err}))
			default:
				o.grant, o.who = grant, who
				switch {
				case who == "":
					o.status.SetText(lang.L("Signed in at {{.Provider}} as your account.", map[string]any{"Provider": o.label}))
				case strings.EqualFold(who, strings.TrimSpace(w.email.Text)):
					o.status.SetText(lang.L("Signed in at {{.Provider}} as {{.Who}}.", map[string]any{"Provider": o.label, "Who": who}))
				default:
					o.status.SetText(lang.L("Signed in at {{.Provider}} as {{.Who}}. That is not {{.Address}}: the servers only accept it if it has access to that mailbox.",
						map[string]any{"Provider": o.label, "Who": who, "Address": strings.TrimSpace(w.email.Text)}))
				}
			}
			w.validate()
			w.relayout()
		})
	})
}

// signIn runs the desktop flow, on a background goroutine.
func (w *wizard) signIn(ctx context.Context, s core.OAuthSettings, secret string) (core.Passwords, string, error) {
	cfg, err := w.owner.oauthResolve(ctx, s, secret)
	if err != nil {
		return core.Passwords{}, "", err
	}
	l, err := oauth.StartLoopback(ctx, cfg, &oauth.Options{ClientSecret: secret})
	if err != nil {
		return core.Passwords{}, "", err
	}
	u, err := url.Parse(l.URL)
	if err == nil {
		err = w.owner.openBrowser(u)
	}
	if err != nil {
		l.Close()
		return core.Passwords{}, "", err
	}
	tok, err := l.Wait(ctx)
	if err != nil {
		return core.Passwords{}, "", err
	}
	return core.Passwords{RefreshToken: tok.RefreshToken, ClientSecret: secret}, oauth.SignedInAs(tok), nil
}

func (w *wizard) cancelSignIn() {
	if w.oauth.cancel != nil {
		w.oauth.cancel()
	}
}

// applyOAuth puts the sign-in into what collect read from the form, and
// the problem of a new account not signed in yet.
func (w *wizard) applyOAuth(a *core.Account, pw *core.Passwords) *core.FieldError {
	o := &w.oauth
	if !o.on {
		return nil
	}
	if o.settings.Provider == "" && o.settings.Issuer == "" {
		return &core.FieldError{Field: "oauth.signin", Label: lang.L("Sign-in"), Problem: lang.L("type the provider's issuer address (https://…), or untick the other provider")}
	}
	a.Auth, a.OAuth = core.AuthOAuth2, o.settings
	pw.SMTP, pw.Sources = "", make([]string, len(a.Sources))
	pw.RefreshToken, pw.ClientSecret = o.grant.RefreshToken, o.grant.ClientSecret
	if pw.RefreshToken == "" && (w.orig == nil || !w.orig.UsesOAuth()) {
		return &core.FieldError{Field: "oauth.signin", Label: lang.L("Sign-in"), Problem: lang.L("sign in with {{.Provider}} first", map[string]any{"Provider": o.label})}
	}
	return nil
}
