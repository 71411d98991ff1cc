package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/secrets"
)

// AddAccount stores a new account and its passwords. An account whose
// passwords cannot be stored is useless, so it is taken back, with any
// password stored before the failure; the error says why.
func (e *Engine) AddAccount(ctx context.Context, a *core.Account, pw core.Passwords) error {
	if err := e.store.CreateAccount(ctx, a); err != nil {
		return err
	}
	if err := e.SavePasswords(*a, pw); err != nil {
		undo := []error{e.store.RemoveAccount(ctx, a.ID)}
		if !errors.Is(err, secrets.ErrNoKeyring) {
			undo = append(undo, e.ForgetPasswords(*a))
		}
		if uerr := errors.Join(undo...); uerr != nil {
			e.log.Error("could not take back a half-added account", "account", a.Name, "error", uerr)
		}
		return fmt.Errorf("account %q not added: %w", a.Name, err)
	}
	return nil
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
	return nil
}
