package engine

import (
	"context"
	"fmt"
	"net/mail"
	"strings"

	"github.com/tributary-mail/tributary/core"
)

// NoIdentityError is the refusal of a message from an address that is
// none of its account's identities.
type NoIdentityError struct {
	Account, Address string
}

func (e *NoIdentityError) Error() string {
	return fmt.Sprintf("account %s does not send as %s: add it as an identity (Settings, Identities; or tributary identity add --account %s --email %s)", e.Account, e.Address, e.Account, e.Address)
}

// sender is who a message of account a goes out as: the identity from
// names (with the identity's display name when from gives none), or the
// account's own when from is nil.
func (e *Engine) sender(ctx context.Context, a core.Account, from *mail.Address) (*mail.Address, error) {
	if from == nil || from.Address == "" || strings.EqualFold(from.Address, a.Email) {
		own := a.From()
		if from != nil && from.Name != "" {
			own.Name = from.Name
		}
		return own, nil
	}
	ids, err := e.store.AccountIdentities(ctx, a.ID)
	if err != nil {
		return nil, fmt.Errorf("read the identities of %s: %w", a.Name, err)
	}
	id, ok := core.IdentityFor(ids, from.Address)
	if !ok {
		return nil, &NoIdentityError{Account: a.Name, Address: from.Address}
	}
	out := id.From()
	if from.Name != "" {
		out.Name = from.Name
	}
	return out, nil
}

// AddIdentity checks id and stores it as a new alias of its account.
func (e *Engine) AddIdentity(ctx context.Context, id *core.Identity) error {
	id.Email = strings.TrimSpace(id.Email)
	if err := id.Validate(); err != nil {
		return err
	}
	if err := e.store.AddIdentity(ctx, id); err != nil {
		return fmt.Errorf("add identity %s: %w", id.Email, err)
	}
	e.publish(Event{Kind: EventAccounts})
	return nil
}

// SaveIdentity checks and stores the edit of an identity. An account's
// own identity keeps the account's name and address, whatever id says:
// those are edited with the account.
func (e *Engine) SaveIdentity(ctx context.Context, id *core.Identity) error {
	if id.Primary() {
		a, err := e.store.Account(ctx, id.AccountID)
		if err != nil {
			return fmt.Errorf("save identity: %w", err)
		}
		id.DisplayName, id.Email = a.DisplayName, a.Email
	}
	id.Email = strings.TrimSpace(id.Email)
	if err := id.Validate(); err != nil {
		return err
	}
	if err := e.store.UpdateIdentity(ctx, id); err != nil {
		return fmt.Errorf("save identity %s: %w", id.Email, err)
	}
	e.publish(Event{Kind: EventAccounts})
	return nil
}

// RemoveIdentity removes the alias email of account accountID; an
// account's own identity goes only with the account.
func (e *Engine) RemoveIdentity(ctx context.Context, accountID int64, email string) error {
	if err := e.store.RemoveIdentity(ctx, accountID, strings.TrimSpace(email)); err != nil {
		return fmt.Errorf("remove identity %s: %w", email, err)
	}
	e.publish(Event{Kind: EventAccounts})
	return nil
}
