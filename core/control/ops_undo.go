package control

import (
	"context"

	"github.com/tributary-mail/tributary/core"
)

// OutboxCancel implements Ops.
func (l *Local) OutboxCancel(ctx context.Context, id int64) (core.Draft, error) {
	comp, err := l.Engine.Unqueue(ctx, id)
	return comp.Draft, err
}

// OutboxCancel implements Ops.
func (c *Client) OutboxCancel(ctx context.Context, id int64) (core.Draft, error) {
	var d core.Draft
	err := c.call(ctx, "outbox-cancel", idArgs{ID: id}, &d)
	return d, err
}
