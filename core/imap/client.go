// Package imap retrieves mail from IMAP servers with go-imap v2: it lists
// the mailboxes, fetches what is new by UID in batches (guarded by
// UIDVALIDITY, with CONDSTORE for flag changes where the server has it),
// waits for new mail with IDLE, and appends sent mail to the Sent mailbox.
package imap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
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
	io     *ioConn
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
	ic := &ioConn{Conn: conn}
	o := &imapclient.Options{UnilateralDataHandler: handler}
	var c *imapclient.Client
	if ep.Encryption == core.EncryptionSTARTTLS {
		o.TLSConfig = netconn.TLSConfig(ep.Host, ep.Port, opts.PinSet())
		c, err = imapclient.NewStartTLS(ic, o)
		if err != nil {
			conn.Close()
			var cert *core.CertificateError
			var imapErr *goimap.Error
			switch {
			case errors.As(err, &cert):
			case errors.As(err, &imapErr):
				err = core.ErrSTARTTLSNotOffered
			}
			return nil, classifyIO("STARTTLS", server, ic, err)
		}
	} else {
		c = imapclient.New(ic, o)
		if err := c.WaitGreeting(); err != nil {
			c.Close()
			return nil, classifyIO("greeting", server, ic, err)
		}
	}
	return &Client{c: c, conn: conn, io: ic, server: server}, nil
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
	return classifyIO(op, c.server, c.io, err)
}

// classifyIO is core.Classify, except for the errors go-imap reports as
// text once the connection has failed ("in response: cannot read tag:
// ... i/o timeout"): it formats them with %v, which hides a timeout or a
// dropped connection from errors.Is, so they are classified by the
// connection's own first failure instead.
func classifyIO(op, server string, conn *ioConn, err error) error {
	classified := core.Classify(op, server, err)
	var imapErr *goimap.Error
	if ioErr := conn.failure(); ioErr != nil && core.KindOf(classified) == core.KindProtocol && !errors.As(err, &imapErr) {
		return core.Classify(op, server, fmt.Errorf("%w (%v)", ioErr, err))
	}
	return classified
}

// ioConn remembers the first read or write error of a connection.
type ioConn struct {
	net.Conn
	mu  sync.Mutex
	err error
}

func (c *ioConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.note(err)
	return n, err
}

func (c *ioConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.note(err)
	return n, err
}

func (c *ioConn) note(err error) {
	if err == nil {
		return
	}
	c.mu.Lock()
	if c.err == nil {
		c.err = err
	}
	c.mu.Unlock()
}

func (c *ioConn) failure() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}
