package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strings"
	"sync/atomic"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/termsafe"
)

// ErrOutcomeUnknown wraps a failure that happened after the whole message
// was handed to the server and before it confirmed: the server may have
// accepted it. Such a message is never sent again without the user saying so.
var ErrOutcomeUnknown = errors.New("the connection dropped after the message was sent and before the server confirmed it; it may have been delivered")

// RejectedError is the server's refusal of a message (MAIL, RCPT or DATA).
type RejectedError struct {
	Step string // "MAIL FROM", "RCPT TO <addr>", "DATA"
	Code int
	Msg  string
}

// Error shows the server's text cleaned, as core.Error does: it reaches
// terminals and the outbox window.
func (e *RejectedError) Error() string {
	return termsafe.Line(fmt.Sprintf("server refused %s: %d %s", e.Step, e.Code, termsafe.ServerText(e.Msg)))
}

// Permanent reports a 5xx refusal: sending again will not help.
func (e *RejectedError) Permanent() bool { return e.Code >= 500 }

// connect dials s through netconn, so the dial timeout, a deadline on
// every read and write, and cancellation apply as for every other server,
// then lets go-mail negotiate STARTTLS and log in.
func connect(ctx context.Context, s core.SMTPSettings, cred core.Credential, opts *netconn.Options) (*gosmtp.Client, error) {
	password := cred.Password
	ep := s.Server()
	// The branches below read "not STARTTLS" as "already encrypted or
	// none": an unknown value must not get there.
	if err := netconn.CheckEncryption(ep); err != nil {
		return nil, err
	}
	var conn *netconn.Conn
	watch := &startTLSWatch{}
	dial := func(dctx context.Context, _, _ string) (net.Conn, error) {
		// With implicit TLS netconn does the handshake, with the same
		// certificate checks and pins as IMAP and POP3.
		c, err := netconn.Dial(ctx, ep, opts)
		if err != nil {
			return nil, err
		}
		conn, watch.Conn = c, c
		return watch, nil
	}
	options := []gomail.Option{
		gomail.WithPort(s.Port),
		gomail.WithTimeout(opts.IOTimeoutOrDefault()),
		gomail.WithDialContextFunc(dial),
		gomail.WithTLSConfig(netconn.TLSConfig(s.Host, s.Port, opts.PinSet())),
		gomail.WithHELO(helo()),
	}
	if s.Encryption == core.EncryptionSTARTTLS {
		options = append(options, gomail.WithTLSPolicy(gomail.TLSMandatory))
	} else {
		// Implicit TLS is already up, and "none" means none.
		options = append(options, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	var token *tokenAuth
	switch {
	case !s.Auth:
		options = append(options, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	case cred.Token != "":
		// An access token is sent only over TLS (netconn's or STARTTLS,
		// which is then required), or over "none" when the user chose it.
		token = &tokenAuth{user: s.Username, token: cred.Token, host: s.Host, port: s.Port}
		options = append(options, gomail.WithSMTPAuthCustom(token))
	case s.Encryption == core.EncryptionSTARTTLS:
		options = append(options, gomail.WithUsername(s.Username), gomail.WithPassword(password), gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
	default:
		// go-mail cannot see that netconn encrypted the connection, and
		// with "none" the user confirmed sending the password in clear:
		// either way the mechanisms are chosen here, strongest first.
		options = append(options, gomail.WithUsername(s.Username), gomail.WithPassword(password),
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5, "PLAIN-NOENC", "LOGIN-NOENC"))
	}
	client, err := gomail.NewClient(s.Host, options...)
	if err != nil {
		return nil, &core.Error{Kind: core.KindConfig, Op: "configure", Server: ep.Addr(), Err: err}
	}
	c, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		// go-mail leaves the connection open when STARTTLS, TLS or AUTH
		// fails; it is ours, so close it.
		if conn != nil {
			conn.Close()
		}
		var classified *core.Error
		if errors.As(err, &classified) {
			return nil, err // from netconn: already classified
		}
		var tp *textproto.Error
		if s.Encryption == core.EncryptionSTARTTLS && watch.refused() && errors.As(err, &tp) {
			// go-mail returns the refusal of STARTTLS as the bare reply.
			return nil, core.Classify("STARTTLS", ep.Addr(), fmt.Errorf("%w (server replied %d %s)", core.ErrSTARTTLSNotOffered, tp.Code, tp.Msg))
		}
		err = classifyConnect(ep.Addr(), canceled(ctx, err))
		if token != nil {
			err = token.classify(err)
		}
		return nil, err
	}
	return c, nil
}

// startTLSWatch tells whether the last thing the client sent was
// STARTTLS, no TLS handshake after it: a failure then is the server's
// answer to STARTTLS, which go-mail returns without saying so.
type startTLSWatch struct {
	net.Conn
	sent, after atomic.Bool
}

func (w *startTLSWatch) Write(p []byte) (int, error) {
	if w.sent.Load() {
		w.after.Store(true)
	} else if len(p) >= 8 && strings.EqualFold(string(p[:8]), "STARTTLS") {
		w.sent.Store(true)
	}
	return w.Conn.Write(p)
}

func (w *startTLSWatch) refused() bool { return w.sent.Load() && !w.after.Load() }

// classifyConnect sorts the errors of dialling, TLS and AUTH.
func classifyConnect(server string, err error) error {
	var tp *textproto.Error
	switch {
	case strings.Contains(err.Error(), "does not support STARTTLS"):
		// go-mail v0.8.1 reports this with a plain error; it stops before
		// AUTH, so no credential was sent.
		return core.Classify("STARTTLS", server, core.ErrSTARTTLSNotOffered)
	case strings.HasPrefix(err.Error(), "SMTP AUTH failed") && errors.As(err, &tp) && tp.Code >= 500:
		return &core.Error{Kind: core.KindAuth, Op: "login", Server: server, Err: fmt.Errorf("%d %s", tp.Code, tp.Msg)}
	case errors.Is(err, gomail.ErrNoSupportedAuthDiscovered), strings.Contains(err.Error(), "does not support SMTP AUTH"):
		return &core.Error{Kind: core.KindConfig, Op: "login", Server: server, Err: errors.New("the server offers no login method Tributary can use on this connection; check the encryption setting, or turn authentication off")}
	}
	return core.Classify("connect", server, err)
}

// Test connects, checks TLS, logs in (when authentication is enabled) and
// quits, as "Test connection" does.
func Test(ctx context.Context, s core.SMTPSettings, password string, opts *netconn.Options) error {
	return TestWith(ctx, s, core.Credential{Password: password}, opts)
}

// TestWith is Test with a password or an OAuth2 access token.
func TestWith(ctx context.Context, s core.SMTPSettings, cred core.Credential, opts *netconn.Options) error {
	c, err := connect(ctx, s, cred, opts)
	if err != nil {
		return err
	}
	c.Quit()
	return nil
}

// Send hands one raw message to the server for the envelope sender and
// recipients over a connection of its own. Errors are as Session.Send's,
// plus *core.Error for connection, TLS and login problems.
func Send(ctx context.Context, s core.SMTPSettings, password, from string, rcpts []string, raw io.Reader, opts *netconn.Options) error {
	// Checked before connecting: a stored outbox item may predate Build's
	// check, and a bad address is a setting to fix, not to retry.
	if _, _, err := envelope(s.Server().Addr(), from, rcpts); err != nil {
		return err
	}
	sess, err := Open(ctx, s, password, opts)
	if err != nil {
		return err
	}
	defer sess.Close()
	return sess.Send(ctx, from, rcpts, raw)
}

// envelope writes the envelope's paths as RFC 5321 wants them, or refuses
// an address that would inject ESMTP parameters.
func envelope(server, from string, rcpts []string) (string, []string, error) {
	fromPath, err := envelopePath(from)
	if err != nil {
		return "", nil, &core.Error{Kind: core.KindConfig, Op: "MAIL FROM", Server: server, Err: err}
	}
	rcptPaths := make([]string, len(rcpts))
	for i, r := range rcpts {
		if rcptPaths[i], err = envelopePath(r); err != nil {
			return "", nil, &core.Error{Kind: core.KindConfig, Op: "RCPT TO", Server: server, Err: err}
		}
	}
	return fromPath, rcptPaths, nil
}

// Session is one logged-in connection to an SMTP server that sends any
// number of messages, so an outbox of many messages costs one login.
type Session struct {
	c      *gosmtp.Client
	server string
	used   bool
}

// Open connects, checks TLS and logs in. The connection lives until
// Close, or until ctx is done.
func Open(ctx context.Context, s core.SMTPSettings, password string, opts *netconn.Options) (*Session, error) {
	return OpenWith(ctx, s, core.Credential{Password: password}, opts)
}

// OpenWith is Open with a password or an OAuth2 access token.
func OpenWith(ctx context.Context, s core.SMTPSettings, cred core.Credential, opts *netconn.Options) (*Session, error) {
	c, err := connect(ctx, s, cred, opts)
	if err != nil {
		return nil, err
	}
	return &Session{c: c, server: s.Server().Addr()}, nil
}

// Send hands one raw message to the server. Errors are *RejectedError for
// a refusal (the session stays usable), ErrOutcomeUnknown, a
// configuration *core.Error for an address that cannot be sent to, or
// another *core.Error after which the session is broken and must be
// closed.
func (ss *Session) Send(ctx context.Context, from string, rcpts []string, raw io.Reader) error {
	c, server := ss.c, ss.server
	fromPath, rcptPaths, err := envelope(server, from, rcpts)
	if err != nil {
		return err
	}
	if ss.used {
		// RSET ends whatever the last message left behind (a refused
		// RCPT, say), so each message starts a clean transaction.
		if err := c.Reset(); err != nil {
			return core.Classify("reset", server, canceled(ctx, err))
		}
	}
	ss.used = true
	// go-mail's Mail and Rcpt write their argument as it is: envelopePath
	// adds the angle brackets RFC 5321 requires and quotes the local part.
	if err := c.Mail(fromPath); err != nil {
		return refusal(ctx, server, "MAIL FROM", err)
	}
	for _, r := range rcptPaths {
		if err := c.Rcpt(r); err != nil {
			return refusal(ctx, server, "RCPT TO "+r, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return refusal(ctx, server, "DATA", err)
	}
	// Until the final dot is written the server cannot accept the message,
	// so a failure while copying is safe to retry.
	if _, err := io.Copy(w, raw); err != nil {
		return core.Classify("send data", server, canceled(ctx, err))
	}
	if err := w.Close(); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			return &RejectedError{Step: "DATA", Code: tp.Code, Msg: tp.Msg}
		}
		return fmt.Errorf("%s: %w (%s)", server, ErrOutcomeUnknown, termsafe.ServerText(err.Error()))
	}
	return nil
}

// Close says QUIT and closes the connection.
func (ss *Session) Close() error {
	ss.c.Quit()
	return ss.c.Close()
}

func refusal(ctx context.Context, server, step string, err error) error {
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return &RejectedError{Step: step, Code: tp.Code, Msg: tp.Msg}
	}
	return core.Classify(strings.ToLower(step), server, canceled(ctx, err))
}

// canceled reports a failure caused by our own cancel as the cancel.
func canceled(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// helo is the name given in EHLO. A fixed, neutral name keeps the user's
// machine name out of every message's Received header.
func helo() string { return "localhost" }
