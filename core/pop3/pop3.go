// Package pop3 retrieves mail over POP3. It wraps github.com/knadh/go-pop3
// and fills what that library lacks: contexts and deadlines (through
// core/netconn), required STARTTLS (STLS), refusal of line breaks in
// credentials, a bound on how much a server may send, closing the
// connection when the greeting fails, and errors classified for the user
// with core.Classify.
//
// A Client is one POP3 session. It is not safe for concurrent use, except
// that Close may be called from any goroutine to abandon it.
package pop3

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"

	gopop3 "github.com/knadh/go-pop3"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/saslauth"
	"github.com/tributary-mail/tributary/core/termsafe"
)

// MaxMessageSize is the largest message Retrieve accepts: the one cap of
// core.MaxMessageSize, for POP3 and IMAP alike.
const MaxMessageSize = core.MaxMessageSize

// Bounds on what the server may send for other replies. A status line is
// at most 512 octets (RFC 2449), but some servers chat; a listing line is
// under 90 octets, so maxListing covers over a million messages.
const (
	maxShortReply = 64 << 10
	maxListing    = 128 << 20
)

var (
	// ErrNoUIDL is returned by List when the server refuses UIDL.
	ErrNoUIDL = errors.New("server does not support UIDL, which Tributary needs to avoid downloading mail twice")
	// ErrMessageTooLarge is returned by Retrieve for a message over the
	// limit. Compare Message.Size with MaxMessageSize to skip such a
	// message without downloading it.
	ErrMessageTooLarge = core.ErrMessageTooLarge
	// errReplyTooLarge is what the connection says when a reply other
	// than a message outgrows its bound.
	errReplyTooLarge = errors.New("the server's reply is larger than Tributary accepts")
	// errClosed explains why a Client no longer works.
	errClosed = fmt.Errorf("the connection is closed; dial again: %w", net.ErrClosed)
)

// Message is one entry of the maildrop as LIST and UIDL describe it.
type Message struct {
	// Num is the message number, valid only in this session.
	Num int
	// UIDL is the server's unique, persistent identifier for the message.
	UIDL string
	// Size is the size in octets LIST reports; servers may count it
	// loosely, so it is a hint, not a promise.
	Size int64
}

// ReplyError is a -ERR reply from the server. After one, the session goes
// on: the server refused a command but the connection is still in step.
type ReplyError struct {
	Command string // "USER", "RETR", ...; "" for the greeting
	Text    string // what followed -ERR, stripped of control characters
}

func (e *ReplyError) Error() string {
	if e.Text == "" {
		return "-ERR"
	}
	return "-ERR " + e.Text
}

// Code is the RFC 2449 response code in brackets at the start of the
// text, such as "AUTH" or "IN-USE", or "" when there is none.
func (e *ReplyError) Code() string {
	rest, ok := strings.CutPrefix(e.Text, "[")
	if !ok {
		return ""
	}
	code, _, ok := strings.Cut(rest, "]")
	if !ok {
		return ""
	}
	return strings.ToUpper(code)
}

// Client is a POP3 session.
type Client struct {
	server  string          // host:port, for errors
	life    context.Context // Dial's context: cancelling it ends the session
	maxSize int64           // MaxMessageSize; tests lower it
	// pipelining is whether CAPA listed PIPELINING (RFC 2449), so that
	// RetrieveEach may send commands ahead of the replies.
	pipelining bool
	w          *wire
	pc         *gopop3.Conn

	mu   sync.Mutex
	dead error // why the connection is closed, once it is
}

// Dial connects to ep, honouring ep.Encryption: "none", "ssl" (implicit
// TLS, port 995) or "starttls" (STLS, which is then required), and reads
// the server's greeting.
//
// With STARTTLS, a server whose CAPA lacks STLS, or that answers -ERR to
// STLS, gets an error for which errors.Is(err, core.ErrSTARTTLSNotOffered)
// holds, of kind core.KindTLS; nothing else, no USER or PASS, is sent.
//
// ctx governs the whole session, not only the dial: cancelling it closes
// the connection. The dial, and then the greeting (with STARTTLS, the
// whole negotiation), must each finish within opts.DialTimeout, so that a
// wrong port or encryption is reported as quickly as an unreachable
// server; later reads and writes each get opts.IOTimeout. Errors are
// classified with core.Classify.
func Dial(ctx context.Context, ep core.Endpoint, opts *netconn.Options) (*Client, error) {
	c := &Client{server: ep.Addr(), life: ctx, maxSize: MaxMessageSize}
	// An empty encryption would otherwise mean plain text by accident.
	if err := netconn.CheckEncryption(ep); err != nil {
		return nil, err
	}
	nc, err := netconn.Dial(ctx, ep, opts)
	if err != nil {
		return nil, err
	}
	// A server on the wrong port may wait for us in silence (a TLS port
	// spoken to in plain text waits for a ClientHello).
	hello, cancel := context.WithTimeout(ctx, opts.DialTimeoutOrDefault())
	defer cancel()
	var greeting []byte
	if ep.Encryption == core.EncryptionSTARTTLS {
		if nc, greeting, err = c.startTLS(hello, nc, ep, opts); err != nil {
			return nil, err
		}
	}
	c.w = &wire{Conn: nc, replay: greeting}
	if c.pc, err = c.open(hello, ep); err != nil {
		return nil, err
	}
	return c, nil
}

// open hands c.w to go-pop3, which reads the greeting. go-pop3 leaves the
// connection open when the greeting fails, so open closes it.
func (c *Client) open(ctx context.Context, ep core.Endpoint) (*gopop3.Conn, error) {
	var pc *gopop3.Conn
	err := c.call(ctx, "greeting", "pop3 greeting", maxShortReply, errReplyTooLarge, func() (err error) {
		pc, err = gopop3.New(gopop3.Opt{
			Host:   ep.Host,
			Port:   ep.Port,
			Dialer: &handOver{conn: c.w},
			// TLS is netconn's job (implicit) or startTLS's (STLS), both
			// verifying and honouring pins; go-pop3's would do neither.
			TLSEnabled: false,
		}).NewConn()
		return err
	})
	if err != nil {
		c.drop(errClosed)
		return nil, err
	}
	return pc, nil
}

// startTLS reads the greeting in plain text, checks CAPA for STLS, sends
// STLS and upgrades the connection, all within ctx; the TLS connection
// lives as long as c.life. It returns the TLS connection and the
// greeting, which open replays to go-pop3 since the server does not send
// it again. On failure the connection is closed.
func (c *Client) startTLS(ctx context.Context, nc *netconn.Conn, ep core.Endpoint, opts *netconn.Options) (*netconn.Conn, []byte, error) {
	// go-pop3 reads through a bufio.Reader. Feeding it one byte per read
	// keeps it from ever holding bytes past the STLS reply, so anything a
	// man in the middle injects after that reply is left for the TLS
	// handshake, which rejects it, rather than read later as if the server
	// had sent it over TLS.
	c.w = &wire{Conn: nc, trickle: true}
	pc, err := c.open(ctx, ep)
	if err != nil {
		return nil, nil, err
	}
	greeting := c.w.seen
	fail := func(err error) (*netconn.Conn, []byte, error) {
		c.drop(errClosed)
		return nil, nil, core.Classify("STLS", c.server, err)
	}

	var caps *bytes.Buffer
	err = c.call(ctx, "STLS", "pop3 capa", maxShortReply, errReplyTooLarge, func() (err error) {
		caps, err = pc.Cmd("CAPA", true)
		return err
	})
	var reply *ReplyError
	switch {
	case err == nil && !hasCapability(caps.Bytes(), "STLS"):
		return fail(fmt.Errorf("pop3 capa: %w", core.ErrSTARTTLSNotOffered))
	case err != nil && !errors.As(err, &reply):
		return fail(err)
	}
	// A server without CAPA (RFC 1939 only) may still take STLS: its
	// answer decides.

	err = c.call(ctx, "STLS", "pop3 stls", maxShortReply, errReplyTooLarge, func() error {
		_, err := pc.Cmd("STLS", false)
		return err
	})
	switch {
	case errors.As(err, &reply):
		return fail(fmt.Errorf("pop3 stls: %w (server replied %v)", core.ErrSTARTTLSNotOffered, reply))
	case err != nil:
		return fail(err)
	}
	tc, err := netconn.StartTLS(c.life, nc, ep, opts)
	if err != nil {
		c.drop(errClosed)
		return nil, nil, err
	}
	return tc, greeting, nil
}

// hasCapability reports whether a CAPA listing names capability.
func hasCapability(listing []byte, capability string) bool {
	for line := range bytes.SplitSeq(listing, []byte("\r\n")) {
		if f := bytes.Fields(line); len(f) > 0 && strings.EqualFold(string(f[0]), capability) {
			return true
		}
	}
	return false
}

// Login sends USER and PASS. A -ERR reply is a *core.Error of kind
// core.KindAuth carrying the server's text, except that RFC 3206 codes
// saying the failure is not the credentials' ([IN-USE], [LOGIN-DELAY],
// [SYS/TEMP], [SYS/PERM]) give core.KindProtocol, so that a maildrop
// locked by another client is retried rather than reported as a wrong
// password. A user name or password containing CR, LF or NUL is refused
// with core.KindConfig before anything is sent: it could inject commands.
func (c *Client) Login(ctx context.Context, user, password string) error {
	for _, f := range []struct{ name, value string }{{"user name", user}, {"password", password}} {
		if strings.ContainsAny(f.value, "\r\n\x00") {
			return &core.Error{Kind: core.KindConfig, Op: "login", Server: c.server,
				Err: fmt.Errorf("pop3: the %s contains a line break or NUL, which could inject POP3 commands; nothing was sent; correct the %s", f.name, f.name)}
		}
	}
	if err := c.enableUTF8(ctx); err != nil {
		return err
	}
	err := c.call(ctx, "login", "pop3 user", maxShortReply, errReplyTooLarge, func() error { return c.pc.User(user) })
	if err == nil {
		err = c.call(ctx, "login", "pop3 pass", maxShortReply, errReplyTooLarge, func() error { return c.pc.Pass(password) })
	}
	var reply *ReplyError
	if errors.As(err, &reply) {
		switch reply.Code() {
		case "IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM":
			return err
		}
		return &core.Error{Kind: core.KindAuth, Op: "login", Server: c.server, Err: reply}
	}
	return err
}

// SignIn logs in with a password, or with an access token when cred has one.
func (c *Client) SignIn(ctx context.Context, user string, cred core.Credential) error {
	if cred.Token != "" {
		return c.LoginToken(ctx, user, cred.Token)
	}
	return c.Login(ctx, user, cred.Password)
}

// LoginToken signs in with an OAuth2 access token by AUTH (RFC 5034) with
// OAUTHBEARER when CAPA's SASL line offers it, else XOAUTH2. The token
// goes after the server's "+" rather than on the AUTH line, whose 255
// octets a token outgrows. Failures are classified as Login's, with Op
// core.OpTokenLogin; the server's RFC 7628 error, when it sent one, is a
// *saslauth.ServerError inside.
func (c *Client) LoginToken(ctx context.Context, user, token string) error {
	var caps *bytes.Buffer
	err := c.call(ctx, core.OpTokenLogin, "pop3 capa", maxShortReply, errReplyTooLarge, func() (err error) {
		caps, err = c.pc.Cmd("CAPA", true)
		return err
	})
	var offered []string
	if err == nil {
		offered = saslMechanisms(caps.Bytes())
	} else if reply := (*ReplyError)(nil); !errors.As(err, &reply) {
		return err
	}
	mech, err := saslauth.Choose(offered)
	if err != nil {
		return &core.Error{Kind: core.KindConfig, Op: core.OpTokenLogin, Server: c.server, Err: err}
	}
	host, port := c.hostPort()
	sc, err := saslauth.New(mech, user, token, host, port)
	if err != nil {
		return &core.Error{Kind: core.KindConfig, Op: core.OpTokenLogin, Server: c.server, Err: err}
	}
	err = c.call(ctx, core.OpTokenLogin, "pop3 auth", maxShortReply, errReplyTooLarge, func() error {
		if err := c.pc.Send("AUTH " + string(mech)); err != nil {
			return err
		}
		if _, done, err := c.readAuthReply(); err != nil || done {
			return err
		}
		if err := c.pc.Send(base64.StdEncoding.EncodeToString(sc.InitialResponse())); err != nil {
			return err
		}
		challenge, done, err := c.readAuthReply()
		if err != nil || done {
			return err
		}
		// The server refused, and says why before its -ERR.
		resp, err := sc.Next(challenge)
		if err != nil {
			return err
		}
		if err := c.pc.Send(base64.StdEncoding.EncodeToString(resp)); err != nil {
			return err
		}
		_, _, err = c.readAuthReply()
		if err == nil {
			err = errors.New("server accepted a refused token")
		}
		return err
	})
	var reply *ReplyError
	if errors.As(err, &reply) {
		switch reply.Code() {
		case "IN-USE", "LOGIN-DELAY", "SYS/TEMP", "SYS/PERM":
			return err
		}
		return &core.Error{Kind: core.KindAuth, Op: core.OpTokenLogin, Server: c.server, Err: sc.Failed(reply)}
	}
	return err
}

// readAuthReply reads one reply in an AUTH exchange: +OK (done), or a
// "+ " continuation with its base64 challenge decoded. go-pop3 knows no
// continuations and reports them as an unparsed reply, whose text
// carries the line.
func (c *Client) readAuthReply() (challenge []byte, done bool, err error) {
	_, err = c.pc.ReadOne()
	if err == nil {
		return nil, true, nil
	}
	line, ok := strings.CutPrefix(err.Error(), goPOP3Unparsed)
	if !ok {
		return nil, false, err
	}
	line = strings.TrimSuffix(line, ". Neither -ERR, nor +OK")
	rest, ok := strings.CutPrefix(line, "+")
	if !ok {
		return nil, false, err
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return nil, false, nil
	}
	b, derr := base64.StdEncoding.DecodeString(rest)
	if derr != nil {
		return nil, false, fmt.Errorf("the server's AUTH challenge is not base64: %w", derr)
	}
	return b, false, nil
}

// saslMechanisms lists the mechanisms of CAPA's SASL line (RFC 2449).
func saslMechanisms(listing []byte) []string {
	for line := range bytes.SplitSeq(listing, []byte("\r\n")) {
		if f := strings.Fields(string(line)); len(f) > 0 && strings.EqualFold(f[0], "SASL") {
			return f[1:]
		}
	}
	return nil
}

func (c *Client) hostPort() (string, int) {
	host, p, err := net.SplitHostPort(c.server)
	if err != nil {
		return c.server, 0
	}
	port, _ := strconv.Atoi(p)
	return host, port
}

// enableUTF8 sends UTF8 (RFC 6856) when CAPA lists it, so that a message
// with raw UTF-8 headers is sent as it is rather than as a wrapper the
// server makes for old clients. RFC 6856 allows the command only in the
// AUTHORIZATION state, so it goes before USER. A server that refuses CAPA
// or UTF8 is used as it is.
func (c *Client) enableUTF8(ctx context.Context) error {
	var caps *bytes.Buffer
	err := c.call(ctx, "login", "pop3 capa", maxShortReply, errReplyTooLarge, func() (err error) {
		caps, err = c.pc.Cmd("CAPA", true)
		return err
	})
	var reply *ReplyError
	switch {
	case errors.As(err, &reply):
		return nil
	case err != nil:
		return err
	}
	c.pipelining = hasCapability(caps.Bytes(), "PIPELINING")
	switch {
	case !hasCapability(caps.Bytes(), "UTF8"):
		return nil
	}
	err = c.call(ctx, "login", "pop3 utf8", maxShortReply, errReplyTooLarge, func() error {
		_, err := c.pc.Cmd("UTF8", false)
		return err
	})
	if errors.As(err, &reply) {
		return nil
	}
	return err
}

// List returns every message in the maildrop, in message-number order,
// with its UIDL (from UIDL) and size (from LIST). A server that refuses
// UIDL gives an error wrapping ErrNoUIDL, of kind core.KindProtocol.
// Listings that disagree, or two messages sharing a UIDL, are refused too:
// deleting by number could then remove a message that was never stored.
func (c *Client) List(ctx context.Context) ([]Message, error) {
	var uidls, sizes []gopop3.MessageID
	err := c.call(ctx, "list", "pop3 uidl", maxListing, errReplyTooLarge, func() (err error) {
		uidls, err = c.pc.Uidl(0)
		return err
	})
	var reply *ReplyError
	if errors.As(err, &reply) {
		return nil, core.Classify("list", c.server, fmt.Errorf("pop3 uidl: %w (server replied %v)", ErrNoUIDL, reply))
	}
	if err == nil {
		err = c.call(ctx, "list", "pop3 list", maxListing, errReplyTooLarge, func() (err error) {
			sizes, err = c.pc.List(0)
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	msgs, err := merge(uidls, sizes)
	if err != nil {
		return nil, core.Classify("list", c.server, fmt.Errorf("pop3 list: %w", err))
	}
	return msgs, nil
}

// merge joins the UIDL and LIST listings by message number.
func merge(uidls, sizes []gopop3.MessageID) ([]Message, error) {
	byNum := make(map[int]int, len(sizes)) // number -> index in msgs
	msgs := make([]Message, 0, len(sizes))
	for _, s := range sizes {
		if _, dup := byNum[s.ID]; dup || s.ID < 1 || s.Size < 0 {
			return nil, fmt.Errorf("malformed LIST entry %d %d", s.ID, s.Size)
		}
		byNum[s.ID] = len(msgs)
		msgs = append(msgs, Message{Num: s.ID, Size: int64(s.Size)})
	}
	owner := make(map[string]int, len(uidls)) // UIDL -> number
	for _, u := range uidls {
		i, ok := byNum[u.ID]
		if !ok || msgs[i].UIDL != "" {
			return nil, fmt.Errorf("UIDL lists message %d, which LIST does not, or lists it twice", u.ID)
		}
		if other, dup := owner[u.UID]; dup {
			return nil, fmt.Errorf("messages %d and %d have the same UIDL %q; Tributary cannot tell them apart", other, u.ID, u.UID)
		}
		owner[u.UID] = u.ID
		msgs[i].UIDL = u.UID
	}
	for _, m := range msgs {
		if m.UIDL == "" {
			return nil, fmt.Errorf("LIST lists message %d, which UIDL does not", m.Num)
		}
	}
	slices.SortFunc(msgs, func(a, b Message) int { return a.Num - b.Num })
	return msgs, nil
}

// Retrieve writes message num's raw RFC 5322 bytes to w: dot-unstuffed,
// every line ending in CRLF, as the server holds them, streamed as they
// arrive (see RetrieveEach, which it is for one message). A message over
// MaxMessageSize bytes gives an error wrapping ErrMessageTooLarge, of kind
// core.KindProtocol, and closes the connection; what w received of a
// message that failed is incomplete. An error from w is returned as it
// is, not classified: the server is not to blame, and the session goes on.
func (c *Client) Retrieve(ctx context.Context, num int, w io.Writer) (int64, error) {
	var n int64
	err := c.RetrieveEach(ctx, []int{num}, func(_ int, r io.Reader) error {
		var err error
		n, err = io.Copy(markWriter{w}, r)
		var we *writeError
		if err != nil && !errors.As(err, &we) {
			return err // the stream's failure, reported by RetrieveEach
		}
		if err != nil {
			return fmt.Errorf("pop3 retr %d: writing the message: %w", num, we.err)
		}
		return nil
	})
	return n, err
}

// writeError is a failure of Retrieve's writer, told apart from the
// stream's own in io.Copy.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }
func (e *writeError) Unwrap() error { return e.err }

type markWriter struct{ w io.Writer }

func (m markWriter) Write(p []byte) (int, error) {
	n, err := m.w.Write(p)
	if err != nil {
		return n, &writeError{err}
	}
	return n, nil
}

// Delete marks message num for deletion (DELE). The server removes it only
// when Quit succeeds; Close, or a dropped connection, keeps it.
func (c *Client) Delete(ctx context.Context, num int) error {
	return c.call(ctx, "delete", "pop3 dele "+strconv.Itoa(num), maxShortReply, errReplyTooLarge, func() error {
		return c.pc.Dele(num)
	})
}

// Quit sends QUIT, which makes the server remove the messages marked by
// Delete, and closes the connection whatever happens. An error means the
// deletions may not have happened: the messages can appear again in the
// next session's List, under the same UIDLs.
func (c *Client) Quit(ctx context.Context) error {
	defer c.drop(errClosed)
	return c.call(ctx, "quit", "pop3 quit", maxShortReply, errReplyTooLarge, func() error { return c.pc.Quit() })
}

// Close drops the connection without QUIT, so deletions are not committed.
// It may be called from any goroutine, and more than once.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return nil
	}
	c.dead = errClosed
	return c.w.Close()
}

// drop closes the connection, remembering the first reason.
func (c *Client) drop(reason error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead == nil {
		c.dead = reason
		c.w.Close()
	}
}

func (c *Client) closedBecause() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dead
}

// call runs one go-pop3 command under ctx, reading at most limit bytes
// of its reply (over is the error past that), and classifies its failure
// for op. After a -ERR reply (a *ReplyError, found with errors.As) the
// session goes on; after any other failure (cancellation, I/O, a reply
// that cannot be parsed) the connection is closed.
func (c *Client) call(ctx context.Context, op, step string, limit int64, over error, fn func() error) error {
	if dead := c.closedBecause(); dead != nil {
		// Not Classify: it would blame the server for our closed socket.
		return &core.Error{Kind: core.KindNetwork, Op: op, Server: c.server, Err: fmt.Errorf("%s: %w", step, dead)}
	}
	if err := c.cancelled(ctx); err != nil {
		c.drop(errClosed)
		return core.Classify(op, c.server, fmt.Errorf("%s: %w", step, err))
	}
	// go-pop3 takes no context: closing the connection is how a call is
	// interrupted. netconn already does so for c.life.
	w := c.w
	stop := context.AfterFunc(ctx, func() { w.Close() })
	w.expect(limit, over)
	err := fn()
	interrupted := !stop()
	if err == nil {
		if interrupted {
			// The reply came, but the connection is gone for the next call.
			c.drop(errClosed)
		}
		return nil
	}

	if cerr := c.cancelled(ctx); cerr != nil {
		c.drop(errClosed)
		return core.Classify(op, c.server, fmt.Errorf("%s: %w", step, cerr))
	}
	if dead := c.closedBecause(); dead != nil {
		return &core.Error{Kind: core.KindNetwork, Op: op, Server: c.server, Err: fmt.Errorf("%s: %w", step, dead)}
	}
	if w.err != nil {
		c.drop(errClosed)
		return core.Classify(op, c.server, fmt.Errorf("%s: %w", step, err))
	}
	reply, inStep := replyFrom(verb(step), err)
	if !inStep {
		c.drop(errClosed)
	}
	return core.Classify(op, c.server, fmt.Errorf("%s: %w", step, reply))
}

// cancelled is the error of ctx or of Dial's context, whichever ended.
func (c *Client) cancelled(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.life.Err()
}

// verb is the POP3 command of a step: "pop3 retr 3" -> "RETR", and ""
// for the greeting, which answers no command.
func verb(step string) string {
	f := strings.Fields(step)
	if len(f) < 2 || f[1] == "greeting" {
		return ""
	}
	return strings.ToUpper(f[1])
}

// go-pop3 reports what the server said only as error text. These are the
// texts of github.com/knadh/go-pop3 v1.0.1.
const (
	goPOP3Unparsed = "unknown response: "
	goPOP3BareErr  = "unknown error (no info specified in response)"
)

// replyFrom turns an error go-pop3 made from the server's reply (rather
// than from the connection) into a *ReplyError, or into a description of
// a malformed reply. inStep is false when the reply could not be parsed,
// so the rest of it may still be unread.
func replyFrom(cmd string, err error) (reply error, inStep bool) {
	var num *strconv.NumError
	msg := err.Error()
	switch {
	case errors.As(err, &num):
		// go-pop3 parses LIST and UIDL after reading them whole.
		return fmt.Errorf("malformed %s reply: %w", cmd, err), true
	case strings.HasPrefix(msg, goPOP3Unparsed):
		line := strings.TrimSuffix(strings.TrimPrefix(msg, goPOP3Unparsed), ". Neither -ERR, nor +OK")
		return fmt.Errorf("the server's reply to %s is neither +OK nor -ERR: %q", cmd, termsafe.ServerText(line)), false
	case msg == goPOP3BareErr:
		return &ReplyError{Command: cmd}, true
	}
	return &ReplyError{Command: cmd, Text: termsafe.ServerText(msg)}, true
}

// handOver is the go-pop3 Dialer that hands over the connection netconn
// already made, so that its deadlines and cancellation apply.
type handOver struct{ conn net.Conn }

var _ gopop3.Dialer = (*handOver)(nil)

func (h *handOver) Dial(network, addr string) (net.Conn, error) {
	if h.conn == nil {
		return nil, errors.New("pop3: the connection was already handed over")
	}
	c := h.conn
	h.conn = nil
	return c, nil
}

// wire is the connection go-pop3 reads and writes. It bounds each reply,
// remembers the first I/O failure (go-pop3's errors do not say whether
// the server or the connection failed), replays the greeting after STLS,
// and before STLS reads one byte at a time.
type wire struct {
	net.Conn // a *netconn.Conn

	replay  []byte // read before anything from Conn
	trickle bool   // one byte per read, recording it in seen
	seen    []byte // what was read while trickling, up to the first line end

	left int64 // bytes the current reply may still take
	over error // the error once left is spent
	err  error // the first read or write failure
}

var _ net.Conn = (*wire)(nil)

// expect bounds the next reply.
func (w *wire) expect(limit int64, over error) {
	w.left, w.over = limit, over
}

func (w *wire) Read(p []byte) (int, error) {
	if len(w.replay) > 0 {
		n := copy(p, w.replay)
		w.replay = w.replay[n:]
		return n, nil
	}
	if w.err != nil {
		return 0, w.err
	}
	if w.left <= 0 {
		w.err = w.over
		return 0, w.err
	}
	if int64(len(p)) > w.left {
		p = p[:w.left]
	}
	if w.trickle && len(p) > 1 {
		p = p[:1]
	}
	n, err := w.Conn.Read(p)
	w.left -= int64(n)
	if w.trickle && !bytes.HasSuffix(w.seen, []byte("\n")) {
		w.seen = append(w.seen, p[:n]...)
	}
	if err != nil {
		w.err = err
	}
	return n, err
}

func (w *wire) Write(p []byte) (int, error) {
	n, err := w.Conn.Write(p)
	if err != nil && w.err == nil {
		w.err = err
	}
	return n, err
}
