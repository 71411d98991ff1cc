package smtp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/textproto"
	"strings"

	gomail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
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

func (e *RejectedError) Error() string {
	return fmt.Sprintf("server refused %s: %d %s", e.Step, e.Code, e.Msg)
}

// Permanent reports a 5xx refusal: sending again will not help.
func (e *RejectedError) Permanent() bool { return e.Code >= 500 }

// connect dials s, negotiates the account's encryption and logs in.
func connect(ctx context.Context, s core.SMTPSettings, password string, opts *netconn.Options) (*gosmtp.Client, error) {
	ep := s.Server()
	options := []gomail.Option{
		gomail.WithPort(s.Port),
		gomail.WithTimeout(opts.IOTimeoutOrDefault()),
		gomail.WithTLSConfig(netconn.TLSConfig(s.Host, s.Port, opts.PinSet())),
		gomail.WithHELO(helo()),
	}
	switch s.Encryption {
	case core.EncryptionSSL:
		options = append(options, gomail.WithSSL())
	case core.EncryptionSTARTTLS:
		options = append(options, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		options = append(options, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if s.Auth {
		options = append(options, gomail.WithUsername(s.Username), gomail.WithPassword(password))
		if s.Encryption == core.EncryptionNone {
			// The user chose no encryption and confirmed that the password
			// travels in clear; go-mail's discovery would refuse PLAIN.
			options = append(options, gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthSCRAMSHA256, gomail.SMTPAuthSCRAMSHA1, gomail.SMTPAuthCramMD5, "PLAIN-NOENC", "LOGIN-NOENC"))
		} else {
			options = append(options, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover))
		}
	} else {
		options = append(options, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	}
	client, err := gomail.NewClient(s.Host, options...)
	if err != nil {
		return nil, &core.Error{Kind: core.KindConfig, Op: "configure", Server: ep.Addr(), Err: err}
	}
	c, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, classifyConnect(ep.Addr(), err)
	}
	return c, nil
}

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
	c, err := connect(ctx, s, password, opts)
	if err != nil {
		return err
	}
	c.Quit()
	return nil
}

// Send hands one raw message to the server for the envelope sender and
// recipients. Errors are: *core.Error for connection, TLS and login
// problems; *RejectedError for a refusal; or ErrOutcomeUnknown.
func Send(ctx context.Context, s core.SMTPSettings, password, from string, rcpts []string, raw io.Reader, opts *netconn.Options) error {
	server := s.Server().Addr()
	c, err := connect(ctx, s, password, opts)
	if err != nil {
		return err
	}
	defer c.Close()
	// go-mail's SMTP client takes no context after dialling: closing the
	// connection is how a cancel interrupts it.
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	// go-mail gives the whole session one deadline when it connects, but
	// the I/O timeout is per operation: renew it before every step and
	// every chunk of the message, or a large message on a slow link
	// times out, and is retried, and times out again.
	timeout := opts.IOTimeoutOrDefault()
	renew := func() { _ = c.UpdateDeadline(timeout) }
	renew()
	// go-mail's Mail and Rcpt write their argument as it is, and RFC 5321
	// requires the angle brackets; strict servers refuse a bare address.
	if err := c.Mail("<" + from + ">"); err != nil {
		return refusal(ctx, server, "MAIL FROM", err)
	}
	for _, r := range rcpts {
		renew()
		if err := c.Rcpt("<" + r + ">"); err != nil {
			return refusal(ctx, server, "RCPT TO <"+r+">", err)
		}
	}
	renew()
	w, err := c.Data()
	if err != nil {
		return refusal(ctx, server, "DATA", err)
	}
	// Until the final dot is written the server cannot accept the message,
	// so a failure while copying is safe to retry.
	if _, err := io.Copy(w, renewing{raw, renew}); err != nil {
		return core.Classify("send data", server, canceled(ctx, err))
	}
	renew()
	if err := w.Close(); err != nil {
		var tp *textproto.Error
		if errors.As(err, &tp) {
			return &RejectedError{Step: "DATA", Code: tp.Code, Msg: tp.Msg}
		}
		return fmt.Errorf("%s: %w (%v)", server, ErrOutcomeUnknown, err)
	}
	renew()
	c.Quit()
	return nil
}

// renewing calls renew before each read, so that writing what was read
// gets a whole I/O timeout.
type renewing struct {
	r     io.Reader
	renew func()
}

func (r renewing) Read(p []byte) (int, error) {
	r.renew()
	return r.r.Read(p)
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
