package control

import (
	"context"
	"errors"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailto"
)

// ContactsImport implements Ops.
func (l *Local) ContactsImport(ctx context.Context, list []core.Contact) (core.ContactsImported, error) {
	return l.Engine.ImportContacts(ctx, list)
}

// ContactSave implements Ops.
func (l *Local) ContactSave(ctx context.Context, c core.Contact) (core.Contact, error) {
	err := l.Engine.SaveContact(ctx, &c)
	return c, err
}

// ContactDelete implements Ops.
func (l *Local) ContactDelete(ctx context.Context, c core.Contact) error {
	return l.Engine.DeleteContact(ctx, c)
}

// Compose implements Ops.
func (l *Local) Compose(ctx context.Context, m mailto.Message) error {
	if l.ComposeFunc == nil {
		return errors.New("this Tributary has no window to write in (it is `tributary sync`); close it and run the link again")
	}
	l.ComposeFunc(m)
	return nil
}

// ContactsImport implements Ops.
func (c *Client) ContactsImport(ctx context.Context, list []core.Contact) (core.ContactsImported, error) {
	var rep core.ContactsImported
	err := c.call(ctx, "contacts-import", list, &rep)
	return rep, err
}

// ContactSave implements Ops.
func (c *Client) ContactSave(ctx context.Context, ct core.Contact) (core.Contact, error) {
	var out core.Contact
	err := c.call(ctx, "contact-save", ct, &out)
	if out.ID == 0 {
		out = ct
	}
	return out, err
}

// ContactDelete implements Ops.
func (c *Client) ContactDelete(ctx context.Context, ct core.Contact) error {
	return c.call(ctx, "contact-delete", ct, nil)
}

// Compose implements Ops: the running app opens a composer.
func (c *Client) Compose(ctx context.Context, m mailto.Message) error {
	return c.call(ctx, "compose", m, nil)
}
