// Package imap retrieves mail from IMAP servers with go-imap v2: it lists
// the mailboxes, fetches what is new by UID in batches (guarded by
// UIDVALIDITY, with CONDSTORE for flag changes where the server has it),
// waits for new mail with IDLE, and appends sent mail to the Sent mailbox.
package imap

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/saslauth"
)

// Client is a logged-in IMAP connection. It serves one request at a time
// (the engine's worker for a source owns it), and remembers per connection
// what it learnt: the selected mailbox and the server's mailbox list.
type Client struct {
	c      *imapclient.Client
	conn   *netconn.Conn
	io     *ioConn
	server string
	// maxSize is core.MaxMessageSize; tests lower it.
	maxSize int64

	// selected is the mailbox go-imap last selected for us, and readOnly
	// whether that was EXAMINE; actions on the same mailbox skip SELECT.
	selected string
	readOnly bool
	// folders is the LIST result with roles, loaded once per connection.
	folders *folderList
	// fetchFlags is set once the server refused a flag search (see
	// searchMailbox): this connection's syncs fetch the flags instead.
	fetchFlags bool
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
	ic := &ioConn{Conn: conn, lineStart: true}
	if ep.Encryption == core.EncryptionSTARTTLS {
		// STARTTLS is done here rather than by imapclient, so that ioConn
		// sits above TLS and can translate LSUB (see ioConn).
		if conn, err = startTLS(ctx, conn, ep, opts); err != nil {
			return nil, err
		}
		// imapclient waits for a greeting; the real one came before TLS
		// and its capabilities no longer count (RFC 3501 6.2.1).
		ic = &ioConn{Conn: conn, lineStart: true, pre: []byte("* OK TLS started\r\n")}
	}
	ic.allow(MaxResponseSize)
	c := imapclient.New(ic, &imapclient.Options{UnilateralDataHandler: handler})
	if err := c.WaitGreeting(); err != nil {
		c.Close()
		return nil, classifyIO("greeting", server, ic, err)
	}
	// Between commands nothing is awaited; see waitBudget.
	conn.Rest()
	return &Client{c: c, conn: conn, io: ic, server: server, maxSize: core.MaxMessageSize}, nil
}

// startTLS reads the greeting, asks for STARTTLS and does the handshake.
// A server that refuses it, or greets with PREAUTH (no chance to ask), is
// core.ErrSTARTTLSNotOffered; nothing is sent in the clear but STARTTLS.
func startTLS(ctx context.Context, conn *netconn.Conn, ep core.Endpoint, opts *netconn.Options) (*netconn.Conn, error) {
	fail := func(err error) (*netconn.Conn, error) {
		conn.Close()
		return nil, core.Classify("STARTTLS", ep.Addr(), err)
	}
	r := bufio.NewReaderSize(conn, 4096)
	greeting, err := readLine(r)
	if err != nil {
		return fail(err)
	}
	if !strings.HasPrefix(strings.ToUpper(greeting), "* OK") {
		return fail(fmt.Errorf("%w (greeting %q)", core.ErrSTARTTLSNotOffered, truncate(greeting)))
	}
	if _, err := io.WriteString(conn, "T0 STARTTLS\r\n"); err != nil {
		return fail(err)
	}
	for {
		line, err := readLine(r)
		if err != nil {
			return fail(err)
		}
		if strings.HasPrefix(line, "* ") {
			continue
		}
		if !strings.HasPrefix(strings.ToUpper(line), "T0 OK") {
			return fail(fmt.Errorf("%w (%q)", core.ErrSTARTTLSNotOffered, truncate(line)))
		}
		break
	}
	// Bytes sent before the handshake would be read as if protected
	// (the STARTTLS command injection attack): refuse them.
	if r.Buffered() > 0 {
		return fail(errors.New("imap: server sent data after STARTTLS before the TLS handshake"))
	}
	return netconn.StartTLS(ctx, conn, ep, opts)
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

func truncate(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
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

// SignIn logs in with a password, or with an access token when cred has one.
func (c *Client) SignIn(ctx context.Context, user string, cred core.Credential) error {
	if cred.Token != "" {
		return c.LoginToken(ctx, user, cred.Token)
	}
	return c.Login(ctx, user, cred.Password)
}

// LoginToken signs in with an OAuth2 access token, by AUTHENTICATE with
// OAUTHBEARER when the server offers it, else XOAUTH2, with the token in
// the command itself when the server has SASL-IR. A refusal is a
// core.KindAuth error (Op core.OpTokenLogin) wrapping the server's RFC
// 7628 error as a *saslauth.ServerError when it sent one.
func (c *Client) LoginToken(ctx context.Context, user, token string) error {
	var caps goimap.CapSet
	if err := c.wait(ctx, func() error { caps = c.c.Caps(); return nil }); err != nil {
		return c.classify(core.OpTokenLogin, err)
	}
	mech, err := saslauth.Choose(caps.AuthMechanisms())
	if err != nil {
		return &core.Error{Kind: core.KindConfig, Op: core.OpTokenLogin, Server: c.server, Err: err}
	}
	host, port := splitServer(c.server)
	sc, err := saslauth.New(mech, user, token, host, port)
	if err != nil {
		return &core.Error{Kind: core.KindConfig, Op: core.OpTokenLogin, Server: c.server, Err: err}
	}
	err = c.wait(ctx, func() error { return c.c.Authenticate(sc) })
	var imapErr *goimap.Error
	// After a refusal the server may answer BAD rather than NO: go-imap
	// writes XOAUTH2's empty reply as "=", which Dovecot reads as bad
	// base64. The refusal it sent first is what counts.
	if errors.As(err, &imapErr) && (imapErr.Type == goimap.StatusResponseTypeNo || sc.Refusal() != nil) {
		return &core.Error{Kind: core.KindAuth, Op: core.OpTokenLogin, Server: c.server, Err: sc.Failed(errors.New(imapErr.Text))}
	}
	return c.classify(core.OpTokenLogin, sc.Failed(err))
}

func splitServer(server string) (string, int) {
	host, p, err := net.SplitHostPort(server)
	if err != nil {
		return server, 0
	}
	port, _ := strconv.Atoi(p)
	return host, port
}

// Close logs out politely when it can and closes the connection.
func (c *Client) Close() error {
	done := make(chan struct{})
	c.conn.Expect()
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

// caps is the server's capabilities. go-imap forgets them after LOGIN
// when the server did not repeat them, and then asks; that answer is
// awaited within the I/O timeout like any other. nil means unknown.
func (c *Client) caps(ctx context.Context) goimap.CapSet {
	var caps goimap.CapSet
	c.wait(ctx, func() error { caps = c.c.Caps(); return nil })
	return caps
}

// Noop keeps the connection alive and lets the server report changes to
// the selected mailbox; an error means the connection is no longer usable.
func (c *Client) Noop(ctx context.Context) error {
	return c.classify("noop", c.wait(ctx, func() error { return c.c.Noop().Wait() }))
}

// MaxResponseSize is how many bytes the server may send in answer to one
// command other than a body FETCH (see Client.wait). go-imap reads every
// literal outside FETCH bodies, and every line, into memory whole and has
// no bound of its own; this one covers a LIST of tens of thousands of
// mailboxes. Commands whose answer grows with the mailbox (SEARCH, a
// FETCH of flags) get more, in proportion.
const MaxResponseSize = 8 << 20

// MaxMailboxName bounds the length of a mailbox name in bytes. Real names
// are short; a longer one is a broken or hostile server, refused before it
// reaches the store and the screen.
const MaxMailboxName = 1000

var (
	// ErrResponseTooLarge is wrapped by the error of a command whose
	// answer exceeded its byte budget; the connection is closed.
	ErrResponseTooLarge = errors.New("the server's answer is larger than Tributary accepts for this command; the connection was closed")
	// ErrMailboxNameTooLong is wrapped by the error of a LIST that named
	// a mailbox longer than MaxMailboxName bytes.
	ErrMailboxNameTooLong = errors.New("the server sent a mailbox name longer than Tributary accepts")
)

// wait runs a blocking go-imap call; go-imap takes no context, so a cancel
// closes the connection, which ends the call. The server may answer with
// up to MaxResponseSize bytes.
func (c *Client) wait(ctx context.Context, call func() error) error {
	return c.waitBudget(ctx, MaxResponseSize, call)
}

// waitBudget is wait with a byte budget of its own for the answer; call
// may raise it with c.io.allow once it knows more (a body FETCH, once the
// sizes are known). Unsolicited data between commands gets
// MaxResponseSize.
//
// The I/O timeout runs only while call does: go-imap's reader goroutine
// waits in Read between commands too, and a deadline there would end a
// kept connection that is merely idle (the worker keeps one for minutes,
// with a NOOP, which has the timeout, to find one that died).
func (c *Client) waitBudget(ctx context.Context, budget int64, call func() error) error {
	c.io.allow(budget)
	defer c.io.allow(MaxResponseSize)
	c.conn.Expect()
	defer c.conn.Rest()
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

// ioConn remembers the first read or write error of a connection, and
// bounds what the server may send per command (see allow). It also
// speaks LSUB for imapclient, which has no LSUB: while lsub is armed, the
// next LIST command written becomes LSUB, and "* LSUB" replies are read as
// "* LIST" (same length, same syntax), so imapclient parses them.
type ioConn struct {
	net.Conn
	mu  sync.Mutex
	err error

	pre       []byte // read before the connection's own bytes
	left      atomic.Int64
	exceeded  atomic.Bool
	lsub      atomic.Bool
	lsubWrite atomic.Bool
	held      []byte // a line start that may become "* LSUB "
	lineStart bool   // the last byte handed out ended a line
	gm        gmailTap
}

var (
	lsubReply = []byte("* LSUB ")
	listWord  = []byte("LIST")
)

// allow gives the server a budget of n more bytes, from now until the
// next allow. Counting below the decoder is the one hook go-imap leaves
// (its decoder's literal check is never set by imapclient).
func (c *ioConn) allow(n int64) { c.left.Store(n) }

// Read spends the budget; once it is exceeded the connection is closed
// and every read fails, so imapclient fails the command in progress and
// never parses what is left of the answer.
func (c *ioConn) Read(p []byte) (int, error) {
	if c.exceeded.Load() {
		return 0, ErrResponseTooLarge
	}
	n, err := c.read(p)
	if c.left.Add(-int64(n)) < 0 {
		c.exceeded.Store(true)
		c.note(ErrResponseTooLarge)
		c.Conn.Close()
		return 0, ErrResponseTooLarge
	}
	return n, err
}

// read runs on imapclient's reader goroutine only, which is usually
// blocked in it already when LSUB is armed: whether to translate is
// decided after the bytes arrive.
func (c *ioConn) read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	if len(p) <= len(lsubReply) { // never with bufio's buffer
		n, err := c.gm.read(c.Conn, p)
		c.note(err)
		return n, err
	}
	n := copy(p, c.held)
	c.held = c.held[:0]
	for {
		m, err := c.gm.read(c.Conn, p[n:])
		c.note(err)
		n += m
		if c.lsub.Load() {
			n = c.translate(p[:n], err != nil)
		}
		if n > 0 || err != nil {
			if n > 0 {
				c.lineStart = p[n-1] == '\n'
			}
			return n, err
		}
		n = copy(p, c.held) // only a held line start so far: read on
		c.held = c.held[:0]
	}
}

// translate rewrites "* LSUB " at line starts in b and returns how many
// bytes of b to hand out; a trailing line start too short to tell is held
// back for the next read, unless the stream ended.
func (c *ioConn) translate(b []byte, ended bool) int {
	for i := 0; i < len(b); i++ {
		if (i == 0 && !c.lineStart) || (i > 0 && b[i-1] != '\n') {
			continue
		}
		rest := b[i:]
		if len(rest) >= len(lsubReply) {
			if bytes.EqualFold(rest[:len(lsubReply)], lsubReply) {
				copy(rest[2:6], listWord)
			}
			continue
		}
		if !ended && bytes.EqualFold(rest, lsubReply[:len(rest)]) {
			c.held = append(c.held, rest...)
			c.lineStart = true
			return i
		}
	}
	return len(b)
}

func (c *ioConn) Write(p []byte) (int, error) {
	if took, n, err := c.gm.write(c.Conn, p); took {
		c.note(err)
		return n, err
	}
	if c.lsubWrite.Load() {
		// "tag LIST ..." as imapclient writes a whole command at once.
		if sp := bytes.IndexByte(p, ' '); sp > 0 && bytes.HasPrefix(p[sp+1:], []byte("LIST ")) {
			q := bytes.Clone(p)
			copy(q[sp+1:], "LSUB")
			c.lsubWrite.Store(false)
			n, err := c.Conn.Write(q)
			c.note(err)
			return n, err
		}
	}
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

// Closed is closed once the connection is: the server ended it, the
// network failed, or Close was called. Like imapclient's, it may lag a
// connection that timed out.
func (c *Client) Closed() <-chan struct{} { return c.c.Closed() }
