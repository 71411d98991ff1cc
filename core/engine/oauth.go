package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/oauth"
	"github.com/tributary-mail/tributary/core/pop3"
	"github.com/tributary-mail/tributary/core/secrets"
)

// tokenMargin is how long before its expiry an access token is replaced,
// and a connection signed in with it closed: a sync must not be cut off
// halfway by the server ending the session (Gmail does at expiry).
const tokenMargin = 2 * time.Minute

// tokens holds the access tokens of OAuth2 accounts, in memory only: they
// are never stored, and a restart refreshes them.
type tokens struct {
	mu sync.Mutex
	m  map[int64]*tokenEntry
}

// tokenEntry is one account's; its mutex makes concurrent sign-ins of the
// account (the worker, the IDLE watcher, the sender) share one refresh,
// so a rotated refresh token is never used twice.
type tokenEntry struct {
	mu  sync.Mutex
	tok *oauth2.Token
	cfg *oauth.Config
}

func (t *tokens) entry(id int64) *tokenEntry {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[int64]*tokenEntry{}
	}
	en := t.m[id]
	if en == nil {
		en = &tokenEntry{}
		t.m[id] = en
	}
	return en
}

// forget drops an account's access token, after it signed in again or
// was removed.
func (t *tokens) forget(id int64) {
	t.mu.Lock()
	delete(t.m, id)
	t.mu.Unlock()
}

// accessToken returns a's access token, refreshing it when it expires
// within tokenMargin or when force is set (a server refused it). A
// refused refresh token is a *core.SignInError.
func (e *Engine) accessToken(ctx context.Context, a core.Account, grant *oauth.Grant, force bool) (*oauth2.Token, error) {
	en := e.tokens.entry(a.ID)
	formGrant := grant != nil
	if formGrant {
		en = &tokenEntry{} // a form not saved yet: nothing to share
	}
	en.mu.Lock()
	defer en.mu.Unlock()
	if !force && en.tok != nil && e.opts.Now().Add(tokenMargin).Before(en.tok.Expiry) {
		return en.tok, nil
	}
	store := e.opts.Secrets(a.PasswordStore)
	if grant == nil {
		stored, err := store.Get(secrets.OAuthRef(a.ID))
		if errors.Is(err, secrets.ErrNotFound) {
			return nil, &core.SignInError{Account: a.Name, Err: errors.New("no sign-in is stored")}
		}
		if err != nil {
			return nil, &core.Error{Kind: core.KindConfig, Op: "oauth", Err: err}
		}
		g, err := oauth.ParseGrant(stored)
		if err != nil {
			return nil, &core.SignInError{Account: a.Name, Err: err}
		}
		grant = &g
	}
	if en.cfg == nil {
		opts := e.oauthOptions(grant.ClientSecret)
		cfg, err := oauth.Resolve(ctx, a.OAuth, opts)
		if err != nil {
			return nil, &core.Error{Kind: core.KindNetwork, Op: "oauth", Server: a.OAuth.Issuer, Err: err}
		}
		en.cfg = cfg
	}
	tok, err := oauth.Refresh(ctx, en.cfg, grant.RefreshToken, e.oauthOptions(grant.ClientSecret))
	switch {
	case errors.Is(err, oauth.ErrInvalidGrant), errors.Is(err, oauth.ErrClientRejected):
		en.tok = nil
		return nil, &core.SignInError{Account: a.Name, Err: err}
	case err != nil:
		return nil, &core.Error{Kind: core.KindNetwork, Op: "oauth refresh", Server: en.cfg.Endpoint.TokenURL, Err: err}
	}
	if tok.RefreshToken != grant.RefreshToken {
		// The provider rotated the refresh token: the old one is dead.
		grant.RefreshToken = tok.RefreshToken
		if a.ID != 0 && !formGrant {
			if err := store.Set(secrets.OAuthRef(a.ID), grant.Encode()); err != nil {
				return nil, &core.Error{Kind: core.KindConfig, Op: "oauth", Err: fmt.Errorf("save the renewed sign-in: %w", err)}
			}
		}
	}
	if tok.Expiry.IsZero() {
		tok.Expiry = e.opts.Now().Add(time.Hour)
	} else {
		// oauth2 stamps Expiry by the wall clock; the engine's clock
		// decides when a token is old, so tests can move it on.
		tok.Expiry = e.opts.Now().Add(time.Until(tok.Expiry))
	}
	en.tok = tok
	return tok, nil
}

func (e *Engine) oauthOptions(secret string) *oauth.Options {
	o := oauth.Options{ClientSecret: secret}
	if e.opts.OAuth != nil {
		o.HTTPClient = e.opts.OAuth.HTTPClient
	}
	return &o
}

// signer signs a client in to one server of an account: with the stored
// password, or with an OAuth2 access token, refreshed once more when the
// server refuses it (revoked or expired early at the provider).
type signer struct {
	e        *Engine
	a        core.Account
	user     string
	password string
	grant    *oauth.Grant // an unsaved form's
	// Expiry is when the token signed in with expires; zero for a
	// password. A connection is closed before then.
	Expiry time.Time
}

func (s *signer) with(ctx context.Context, fn func(core.Credential) error) error {
	if !s.a.UsesOAuth() {
		return fn(core.Credential{Password: s.password})
	}
	tok, err := s.e.accessToken(ctx, s.a, s.grant, false)
	if err != nil {
		return err
	}
	err = fn(core.Credential{Token: tok.AccessToken})
	if core.KindOf(err) != core.KindAuth {
		s.Expiry = tok.Expiry
		return err
	}
	if tok, err = s.e.accessToken(ctx, s.a, s.grant, true); err != nil {
		return err
	}
	s.Expiry = tok.Expiry
	return fn(core.Credential{Token: tok.AccessToken})
}

func (s *signer) imap(ctx context.Context, c *imap.Client) error {
	return s.with(ctx, func(cred core.Credential) error { return c.SignIn(ctx, s.user, cred) })
}

func (s *signer) pop3(ctx context.Context, c *pop3.Client) error {
	return s.with(ctx, func(cred core.Credential) error { return c.SignIn(ctx, s.user, cred) })
}

// expiring reports whether a connection signed in at expiry should be
// closed now rather than used.
func (e *Engine) expiring(expiry time.Time) bool {
	return !expiry.IsZero() && !e.opts.Now().Add(tokenMargin).Before(expiry)
}
