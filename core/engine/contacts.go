package engine

import (
	"context"

	"github.com/tributary-mail/tributary/core"
)

// The address book is the user's, kept in the local store only; its
// changes go through the engine like every other, so that subscribers
// (the address book window, composers) hear of them.

// SaveContact adds a contact (c.ID 0) or replaces a saved one, and sets
// its ID. Saving a contact collected from mail makes it the user's.
func (e *Engine) SaveContact(ctx context.Context, c *core.Contact) error {
	if err := e.store.SaveContact(ctx, c); err != nil {
		return err
	}
	e.publish(Event{Kind: EventContacts})
	return nil
}

// DeleteContact removes a contact, saved (by ID) or collected (by its
// address); mail does not bring it back.
func (e *Engine) DeleteContact(ctx context.Context, c core.Contact) error {
	if err := e.store.DeleteContact(ctx, c); err != nil {
		return err
	}
	e.publish(Event{Kind: EventContacts})
	return nil
}

// ImportContacts saves contacts read from a file, all or none, merging
// each into a saved contact that shares an address.
func (e *Engine) ImportContacts(ctx context.Context, list []core.Contact) (core.ContactsImported, error) {
	rep, err := e.store.ImportContacts(ctx, list)
	if err != nil {
		return rep, err
	}
	e.publish(Event{Kind: EventContacts})
	return rep, nil
}
