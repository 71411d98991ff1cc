package engine

import (
	"context"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/smtp"
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
// names (with the name from gives, if any), or the account's own when
// from is nil.
func (e *Engine) sender(ctx context.Context, a core.Account, from *mail.Address) (core.Identity, error) {
	ids, err := e.store.AccountIdentities(ctx, a.ID)
	if err != nil {
		return core.Identity{}, fmt.Errorf("read the identities of %s: %w", a.Name, err)
	}
	if len(ids) == 0 { // the account was removed meanwhile
		ids = []core.Identity{core.PrimaryIdentity(a)}
	}
	id := ids[0]
	if from != nil && from.Address != "" {
		var ok bool
		if id, ok = core.IdentityFor(ids, from.Address); !ok {
			return id, &NoIdentityError{Account: a.Name, Address: from.Address}
		}
		if from.Name != "" {
			id.DisplayName = from.Name
		}
	}
	return id, nil
}

// asIdentity makes d go out as id: its From, its Reply-To unless d has
// one, and a blind copy to itself when it asks for one (unless it is a
// recipient already). Every message goes through here, so that these
// hold for new messages, replies and the CLI alike.
func asIdentity(d *smtp.Draft, id core.Identity) {
	d.From = id.From()
	if d.ReplyTo == nil && id.ReplyTo != "" {
		d.ReplyTo = &mail.Address{Address: id.ReplyTo}
	}
	if id.BccSelf && !slices.ContainsFunc(d.Recipients(), func(r string) bool { return strings.EqualFold(r, id.Email) }) {
		d.Bcc = append(slices.Clip(d.Bcc), &mail.Address{Name: id.DisplayName, Address: id.Email})
	}
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
