package imap

import (
	"context"
	"errors"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
)

// idleRestart is how long one IDLE lasts. RFC 2177 asks clients to
// re-issue IDLE within 29 minutes, before servers drop them as inactive.
const idleRestart = 25 * time.Minute

// ErrNoIdle is returned by WatchInbox when the server lacks IDLE.
var ErrNoIdle = errors.New("imap: server does not support IDLE")

// WatchInbox holds a second connection in IDLE on INBOX and calls notify
// whenever the server announces new mail. It returns only on error or when
// ctx is done; the caller reconnects with backoff.
func WatchInbox(ctx context.Context, ep core.Endpoint, opts *netconn.Options, user, password string, notify func()) error {
	return WatchInboxAs(ctx, ep, opts, user, core.Credential{Password: password}, notify)
}

// WatchInboxAs is WatchInbox signing in with a password or an OAuth2
// access token. A server that ends the session when the token expires
// (Gmail does, after about an hour) ends it with a network error, and the
// caller dials again with a fresh token.
func WatchInboxAs(ctx context.Context, ep core.Endpoint, opts *netconn.Options, user string, cred core.Credential, notify func()) error {
	signal := make(chan struct{}, 1)
	handler := &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				select {
				case signal <- struct{}{}:
				default:
				}
			}
		},
	}
	c, err := Dial(ctx, ep, opts, handler)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SignIn(ctx, user, cred); err != nil {
		return err
	}
	if !c.caps(ctx).Has(goimap.CapIdle) {
		return ErrNoIdle
	}
	if err := c.wait(ctx, func() error {
		_, err := c.c.Select("INBOX", &goimap.SelectOptions{ReadOnly: true}).Wait()
		return err
	}); err != nil {
		return c.classify("select INBOX", err)
	}
	// While idling the server may stay silent for the whole IDLE period,
	// and an answer is awaited all along: this connection never rests.
	c.conn.SetIOTimeout(idleRestart + time.Minute)
	c.conn.Expect()
	for {
		// Each round of IDLE gets its own budget for what the server says.
		c.io.allow(MaxResponseSize)
		idle, err := c.c.Idle()
		if err != nil {
			// A cancel closes the connection, maybe just as IDLE starts.
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return c.classify("idle", err)
		}
		timer := time.NewTimer(idleRestart)
		var fresh bool
		select {
		case <-ctx.Done():
		case <-signal:
			fresh = true
		case <-timer.C:
		}
		timer.Stop()
		if err := idle.Close(); err != nil && ctx.Err() == nil {
			return c.classify("idle", err)
		}
		if err := idle.Wait(); err != nil && ctx.Err() == nil {
			return c.classify("idle", err)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if fresh {
			notify()
		}
	}
}
