package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"fyne.io/fyne/v2/lang"
	"golang.org/x/oauth2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/oauth"
)

// oauthFlags choose how an account signs in: a password, or OAuth2 with a
// built-in provider or an issuer.
type oauthFlags struct {
	auth, provider, issuer, clientID, scopes, flow string
}

func (f *oauthFlags) register(c *call) {
	c.fs.StringVar(&f.auth, "auth", "password", lang.L("sign-in method: password or oauth2"))
	c.fs.StringVar(&f.provider, "oauth-provider", "", lang.L("OAuth2: google or microsoft (default: from the email address)"))
	c.fs.StringVar(&f.issuer, "oauth-issuer", "", lang.L("OAuth2: issuer URL of any other provider (OpenID Connect discovery, https only)"))
	c.fs.StringVar(&f.clientID, "oauth-client-id", "", lang.L("OAuth2: client ID (default: ${{.Env}}, else the build's)", map[string]any{"Env": oauth.EnvClientID}))
	c.fs.StringVar(&f.scopes, "oauth-scopes", "", lang.L("OAuth2: space- or comma-separated scopes (default: the provider's)"))
	registerFlow(c, &f.flow)
}

func registerFlow(c *call, flow *string) {
	c.fs.StringVar(flow, "oauth-flow", "", lang.L("OAuth2: device (a code to enter in any browser) or browser (a browser on this computer); default: device, browser for Google"))
}

// flowFor is the sign-in flow: the one asked for, else the device flow,
// except for Google, which grants no mail scope to the device flow.
func flowFor(asked, provider string) (string, error) {
	switch asked {
	case "device", "browser":
		return asked, nil
	case "":
		if provider == "google" {
			return "browser", nil
		}
		return "device", nil
	}
	return "", fmt.Errorf(lang.L("unknown --oauth-flow %q: use device or browser"), asked)
}

// apply sets a's sign-in method and OAuth2 settings from the flags.
func (f *oauthFlags) apply(c *call, a *core.Account) error {
	m, err := core.ParseAuthMethod(f.auth)
	if err != nil {
		return err
	}
	a.Auth = m
	if m != core.AuthOAuth2 {
		if f.provider != "" || f.issuer != "" || f.clientID != "" || f.scopes != "" {
			return errors.New(lang.L("the --oauth-* flags need --auth oauth2"))
		}
		return nil
	}
	o := core.OAuthSettings{Issuer: f.issuer, Provider: strings.ToLower(f.provider)}
	if o.Issuer == "" && o.Provider == "" {
		_, domain, _ := strings.Cut(a.Email, "@")
		p, ok := oauth.ForDomain(domain)
		if !ok {
			return fmt.Errorf(lang.L("no built-in OAuth2 provider for %s: give --oauth-provider google or microsoft, or --oauth-issuer URL"), domain)
		}
		o.Provider = p.Name
	}
	o.ClientID, _ = oauth.Client(f.clientID, o.Provider, c.env.Getenv)
	o.Scopes = strings.FieldsFunc(f.scopes, func(r rune) bool { return r == ' ' || r == ',' })
	a.OAuth = o
	return nil
}

// signIn runs the device flow (RFC 8628) for a: it prints where to go and
// the code to type, waits, and returns the grant to store.
func (c *call) signIn(ctx context.Context, a core.Account, flow string) (core.Passwords, error) {
	flow, err := flowFor(flow, a.OAuth.Provider)
	if err != nil {
		return core.Passwords{}, err
	}
	_, secret := oauth.Client(a.OAuth.ClientID, a.OAuth.Provider, c.env.Getenv)
	opts := &oauth.Options{ClientSecret: secret}
	if c.env.Engine.OAuth != nil {
		opts.HTTPClient = c.env.Engine.OAuth.HTTPClient
	}
	cfg, err := oauth.Resolve(ctx, a.OAuth, opts)
	if err != nil {
		return core.Passwords{}, err
	}
	var tok *oauth2.Token
	if flow == "browser" {
		// The desktop flow: the browser comes back to 127.0.0.1, so it
		// must run on this computer.
		var l *oauth.Loopback
		if l, err = oauth.StartLoopback(ctx, cfg, opts); err != nil {
			return core.Passwords{}, err
		}
		printLine(c.env.Stdout, lang.L("To sign in to %s for %s, open this address in a browser on this computer: %s"), cfg.Label, a.Email, l.URL)
		printLine(c.env.Stdout, "%s", lang.L("waiting for the sign-in (Ctrl-C to give up)..."))
		tok, err = l.Wait(ctx)
	} else {
		tok, err = oauth.Device(ctx, cfg, opts, func(d oauth.DeviceCode) {
			printLine(c.env.Stdout, lang.L("To sign in to %s for %s, open %s and enter the code: %s"), cfg.Label, a.Email, d.URL, d.Code)
			printLine(c.env.Stdout, "%s", lang.L("waiting for the sign-in (Ctrl-C to give up)..."))
		})
	}
	if err != nil {
		return core.Passwords{}, err
	}
	if who := oauth.SignedInAs(tok); who != "" {
		printLine(c.env.Stdout, lang.L("signed in as %s"), who)
		if !strings.EqualFold(who, a.Email) {
			printLine(c.env.Stdout, lang.L("note: that is not %s; the servers will only accept it if it has access to that mailbox"), a.Email)
		}
	}
	// The access token goes: the engine gets its own from the refresh
	// token, which is all that is kept.
	return core.Passwords{RefreshToken: tok.RefreshToken, ClientSecret: secret}, nil
}

// accountSignIn is `tributary account signin NAME`: a new sign-in for an
// OAuth2 account whose provider refused the old one.
func accountSignIn(ctx context.Context, c *call) error {
	var flow string
	registerFlow(c, &flow)
	if err := c.parse(); err != nil || len(c.args) != 1 {
		return errUsage
	}
	if err := c.open(ctx, false); err != nil {
		return err
	}
	a, err := c.db.AccountByName(ctx, c.args[0])
	if err != nil {
		return err
	}
	if !a.UsesOAuth() {
		return fmt.Errorf(lang.L("account %q signs in with a password; there is nothing to sign in to"), a.Name)
	}
	pw, err := c.signIn(ctx, a, flow)
	if err != nil {
		return err
	}
	ops, err := c.ops(ctx)
	if err != nil {
		return err
	}
	if err := ops.AccountSignIn(ctx, a.Name, pw); err != nil {
		return err
	}
	printLine(c.env.Stdout, lang.L("signed in again: account %q"), a.Name)
	return nil
}
