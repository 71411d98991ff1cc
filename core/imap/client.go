// Package imap retrieves mail from IMAP servers with go-imap v2: it lists
// the mailboxes, fetches what is new by UID in batches (guarded by
// UIDVALIDITY, with CONDSTORE for flag changes where the server has it),
// waits for new mail with IDLE, and appends sent mail to the Sent mailbox.
package imap

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
)

// Client is a logged-in IMAP connection.
type Client struct {
	c      *imapclient.Client
	conn   *netconn.Conn
	server string
}

// Dial connects to ep with its encryption. STARTTLS is required when
// chosen: a server that refuses it is dropped before any credential is sent.
// handler receives unsolicited mailbox updates, for IDLE; it may be nil.
func Dial(ctx context.Context, ep core.Endpoint, opts *netconn.Options, handler *imapclient.UnilateralDataHandler) (*Client, error) {
	conn, err := netconn.Dial(ctx, ep, opts)
	if err != nil {
		return nil, err
	}
	server := ep.Addr()
	o := &imapclient.Options{UnilateralDataHandler: handler}
	var c *imapclient.Client
	if ep.Encryption == core.EncryptionSTARTTLS {
		o.TLSConfig = netconn.TLSConfig(ep.Host, ep.Port, opts.PinSet())
		c, err = imapclient.NewStartTLS(conn, o)
		if err != nil {
			conn.Close()
			var cert *core.CertificateError
			var imapErr *goimap.Error
			switch {
			case errors.As(err, &cert):
			case errors.As(err, &imapErr):
				err = core.ErrSTARTTLSNotOffered
			}
			return nil, core.Classify("STARTTLS", server, err)
		}
	} else {
		c = imapclient.New(conn, o)
		if err := c.WaitGreeting(); err != nil {
			c.Close()
			return nil, core.Classify("greeting", server, err)
		}
	}
	return &Client{c: c, conn: conn, server: server}, nil
}

// Login authenticates. A refusal is a core.KindAuth error.
func (c *Client) Login(ctx context.Context, user, password string) error {
	if strings.ContainsAny(user+password, "\r\n\x00") {
		return &core.Error{Kind: core.KindConfig, Op: "login", Server: c.server, Err: errors.New("username or password contains a line break")}
	}
	err := c.wait(ctx, func() error { return c.c.Login(user, password).Wait() })
	var imapErr *goimap.Error
	if errors.As(err, &imapErr) && imapErr.Type == goimap.StatusResponseTypeNo {
		return &core.Error{Kind: core.KindAuth, Op: "login", Server: c.server, Err: errors.New(imapErr.Text)}
	}
	return c.classify("login", err)
}

// Close logs out politely when it can and closes the connection.
func (c *Client) Close() error {
	done := make(chan struct{})
	go func() {
		c.c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
	}
	return c.c.Close()
}

// wait runs a blocking go-imap call; go-imap takes no context, so a cancel
// closes the connection, which ends the call.
func (c *Client) wait(ctx context.Context, call func() error) error {
	stop := context.AfterFunc(ctx, func() { c.c.Close() })
	defer stop()
	err := call()
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

func (c *Client) classify(op string, err error) error {
	return core.Classify(op, c.server, err)
}
