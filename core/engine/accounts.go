package engine

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/secrets"
)

// AddAccount stores a new account and its passwords; see SaveAccount.
func (e *Engine) AddAccount(ctx context.Context, a *core.Account, pw core.Passwords) error {
	a.ID = 0
	if err := e.SaveAccount(ctx, nil, a, pw); err != nil {
		return fmt.Errorf("account %q not added: %w", a.Name, err)
	}
	return nil
}

// SaveAccount stores a new account (orig nil) or the edit of orig: the
// account, its sources (added, changed, removed) and their passwords
// together. The settings commit in one transaction, and only once the
// passwords are stored, so a failure at any step leaves the account as it
// was. A blank password keeps the stored one. A running engine picks up
// the change, and subscribers hear of it.
func (e *Engine) SaveAccount(ctx context.Context, orig *core.Account, a *core.Account, pw core.Passwords) error {
	known := map[int64]bool{}
	if orig != nil {
		for _, s := range orig.Sources {
			known[s.ID] = true
		}
	}
	var fresh core.Account // what was stored before the commit, to take back
	err := e.store.SaveAccount(ctx, a, func(saved core.Account) error {
		fresh = saved
		if orig != nil {
			// Passwords of the kept sources stay; only new refs are ours.
			fresh.Sources = nil
			for _, s := range saved.Sources {
				if !known[s.ID] {
					fresh.Sources = append(fresh.Sources, s)
				}
			}
		}
		return e.SavePasswords(saved, pw)
	})
	if err != nil {
		if !errors.Is(err, secrets.ErrNoKeyring) && fresh.ID != 0 {
			e.forgetNew(orig == nil, fresh)
		}
		return err
	}
	if orig != nil {
		store := e.opts.Secrets(orig.PasswordStore)
		for _, s := range orig.Sources {
			if !slices.ContainsFunc(a.Sources, func(x core.Source) bool { return x.ID == s.ID }) {
				if err := store.Delete(secrets.SourceRef(s.ID)); err != nil {
					e.log.Warn("could not delete a removed source's password", "account", a.Name, "error", err)
				}
			}
		}
		if a.PasswordStore != orig.PasswordStore {
			// The passwords now live in the new store (validation
			// required them all); the old store's copies go.
			if err := e.ForgetPasswords(*orig); err != nil {
				e.log.Warn("could not delete the passwords from the old store", "account", a.Name, "error", err)
			}
		}
	}
	e.accountsChanged()
	return nil
}

// SignIn stores an OAuth2 account's new sign-in (pw.RefreshToken and
// pw.ClientSecret) after the provider refused the old one; the workers
// sign in with it from their next connection.
func (e *Engine) SignIn(ctx context.Context, a core.Account, pw core.Passwords) error {
	if !a.UsesOAuth() {
		return fmt.Errorf("account %q signs in with a password, not OAuth2", a.Name)
	}
	if pw.RefreshToken == "" {
		return fmt.Errorf("account %q: no sign-in to store", a.Name)
	}
	if err := e.SavePasswords(a, core.Passwords{RefreshToken: pw.RefreshToken, ClientSecret: pw.ClientSecret}); err != nil {
		return err
	}
	e.accountsChanged()
	return nil
}

// forgetNew deletes the passwords stored for an account change that was
// then taken back: all of a new account's, or a new source's.
func (e *Engine) forgetNew(newAccount bool, a core.Account) {
	var err error
	if newAccount {
		err = e.ForgetPasswords(a)
	} else {
		store := e.opts.Secrets(a.PasswordStore)
		for _, s := range a.Sources {
			err = errors.Join(err, store.Delete(secrets.SourceRef(s.ID)))
		}
	}
	if err != nil {
		e.log.Error("could not take back the passwords of an unsaved account change", "account", a.Name, "error", err)
	}
}

// RemoveAccount deletes an account with its mail, its passwords and the
// certificate pins of servers no other account uses.
func (e *Engine) RemoveAccount(ctx context.Context, a core.Account) error {
	if err := e.store.RemoveAccount(ctx, a.ID); err != nil {
		return err
	}
	if err := e.ForgetPasswords(a); err != nil {
		e.log.Warn("could not delete a removed account's passwords", "account", a.Name, "error", err)
	}
	e.accountsChanged()
	return nil
}

// PinCertificate trusts the certificate the user was shown for its
// server (host:port), as the wizard's "Trust this certificate" does.
func (e *Engine) PinCertificate(ctx context.Context, c *core.CertificateError) error {
	if err := e.store.Pin(ctx, c.Server, c.Fingerprint); err != nil {
		return err
	}
	e.accountsChanged()
	return nil
}

// accountsChanged restarts a running engine's sources with the accounts
// as stored now, and tells subscribers, so that open windows refresh.
func (e *Engine) accountsChanged() {
	e.workers.stopTemporary() // they hold the old settings
	e.Reload()
	e.publish(Event{Kind: EventAccounts})
}

// AddSource adds a retrieval source to account a with its password, and
// takes the source back if the password cannot be stored.
func (e *Engine) AddSource(ctx context.Context, a core.Account, s *core.Source, password string) error {
	s.AccountID = a.ID
	if err := e.store.AddSource(ctx, s); err != nil {
		return err
	}
	if err := e.opts.Secrets(a.PasswordStore).Set(secrets.SourceRef(s.ID), password); err != nil {
		if uerr := e.store.RemoveSource(ctx, s.ID); uerr != nil {
			e.log.Error("could not take back a half-added source", "account", a.Name, "error", uerr)
		}
		return fmt.Errorf("source not added: %w", err)
	}
	e.accountsChanged()
	return nil
}

// RemoveSource deletes a source with its sync state and its password; the
// mail it retrieved stays. A password that cannot be deleted is logged:
// the source is gone either way.
func (e *Engine) RemoveSource(ctx context.Context, a core.Account, s core.Source) error {
	if err := e.store.RemoveSource(ctx, s.ID); err != nil {
		return err
	}
	if err := e.opts.Secrets(a.PasswordStore).Delete(secrets.SourceRef(s.ID)); err != nil {
		e.log.Warn("could not delete a removed source's password", "account", a.Name, "error", err)
	}
	e.accountsChanged()
	return nil
}
