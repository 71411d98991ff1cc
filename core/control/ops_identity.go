package control

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
)

// IdentityStore is what the identity operations read besides Store.
type IdentityStore interface {
	Identities(ctx context.Context) ([]core.Identity, error)
}

// identityArgs are an identity operation's arguments on the socket.
type identityArgs struct {
	Account  string        `json:"account"`
	Identity core.Identity `json:"identity"`
}

// IdentityAdd implements Ops.
func (l *Local) IdentityAdd(ctx context.Context, account string, id core.Identity) (core.Identity, error) {
	a, err := l.Store.AccountByName(ctx, account)
	if err != nil {
		return id, err
	}
	id.AccountID, id.Account, id.ID, id.Position = a.ID, a.Name, 0, 0
	err = l.Engine.AddIdentity(ctx, &id)
	return id, err
}

// IdentityRemove implements Ops.
func (l *Local) IdentityRemove(ctx context.Context, account, email string) error {
	a, err := l.Store.AccountByName(ctx, account)
	if err != nil {
		return err
	}
	return l.Engine.RemoveIdentity(ctx, a.ID, email)
}

// sendingAccount is the account a message from `from` goes out of: the
// account named from, else the account with an identity whose address is
// from, which then is the message's From.
func (l *Local) sendingAccount(ctx context.Context, from string, draft *SendRequest) (core.Account, error) {
	a, err := l.Store.AccountByName(ctx, from)
	if err == nil || !errors.Is(err, storage.ErrNotFound) || !strings.Contains(from, "@") {
		return a, err
	}
	ids, err := l.Store.Identities(ctx)
	if err != nil {
		return a, err
	}
	var found []core.Identity
	for _, id := range ids {
		if strings.EqualFold(id.Email, strings.TrimSpace(from)) {
			found = append(found, id)
		}
	}
	switch len(found) {
	case 0:
		return a, fmt.Errorf("no account is named %q and none sends as it: see tributary account list and tributary identity list", from)
	case 1:
	default:
		return a, fmt.Errorf("several accounts send as %s: give the account's name to --from", from)
	}
	if draft.Draft.From == nil {
		draft.Draft.From = found[0].From()
	}
	return l.Store.Account(ctx, found[0].AccountID)
}

// IdentityAdd implements Ops.
func (c *Client) IdentityAdd(ctx context.Context, account string, id core.Identity) (core.Identity, error) {
	var out core.Identity
	err := c.call(ctx, "identity-add", identityArgs{Account: account, Identity: id}, &out)
	if out.Email == "" {
		out = id
	}
	return out, err
}

// IdentityRemove implements Ops.
func (c *Client) IdentityRemove(ctx context.Context, account, email string) error {
	return c.call(ctx, "identity-remove", identityArgs{Account: account, Identity: core.Identity{Email: email}}, nil)
}
