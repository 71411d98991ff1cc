package autoconfig

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
)

// DefaultProbeTimeout bounds a NetProber's connect, and then each reply,
// when NetProber.Dial is nil. A mail server greets within a second; a
// guess must not keep the wizard waiting on hosts that do not exist.
const DefaultProbeTimeout = 3 * time.Second

// Bounds on what a probed server may send: the longest line (IMAP
// capability lists are the long ones) and the lines in one reply.
const (
	maxProbeLine  = 16 << 10
	maxProbeLines = 100
)

// NetProber probes a server over the network: it connects (with TLS for
// SSL servers, verified as core/netconn does), reads the greeting, asks
// for the capabilities (IMAP CAPABILITY, POP3 CAPA, SMTP EHLO) and, for a
// STARTTLS server, requires STARTTLS (POP3: STLS) among them. It never
// logs in, and it says goodbye politely (LOGOUT, QUIT) without waiting.
type NetProber struct {
	// Dial tunes the connection, pins included; nil means
	// DefaultProbeTimeout to connect and for each reply.
	Dial *netconn.Options
}

var _ Prober = NetProber{}

// Probe confirms s, or says why not. Errors are classified with
// core.Classify; a STARTTLS server that does not offer it gives one for
// which errors.Is(err, core.ErrSTARTTLSNotOffered) holds.
func (p NetProber) Probe(ctx context.Context, s Server) error {
	opts := p.Dial
	if opts == nil {
		opts = &netconn.Options{DialTimeout: DefaultProbeTimeout, IOTimeout: DefaultProbeTimeout}
	}
	ep := s.Endpoint()
	switch s.Encryption {
	case core.EncryptionNone, core.EncryptionSSL, core.EncryptionSTARTTLS:
	default:
		return &core.Error{Kind: core.KindConfig, Op: "probe", Server: ep.Addr(),
			Err: fmt.Errorf("autoconfig: unknown encryption %q", s.Encryption)}
	}
	var dialogue func(c *probeConn, needTLS bool) error
	switch s.Protocol {
	case ProtocolIMAP:
		dialogue = (*probeConn).imap
	case ProtocolPOP3:
		dialogue = (*probeConn).pop3
	case ProtocolSMTP:
		dialogue = (*probeConn).smtp
	default:
		return &core.Error{Kind: core.KindConfig, Op: "probe", Server: ep.Addr(),
			Err: fmt.Errorf("autoconfig: unknown protocol %q", s.Protocol)}
	}
	conn, err := netconn.Dial(ctx, ep, opts)
	if err != nil {
		return err
	}
	defer conn.Close()
	c := &probeConn{r: bufio.NewReaderSize(conn, maxProbeLine), w: conn}
	return core.Classify("probe "+s.Protocol, ep.Addr(), dialogue(c, s.Encryption == core.EncryptionSTARTTLS))
}

type probeConn struct {
	r *bufio.Reader
	w io.Writer
}

func (c *probeConn) line() (string, error) {
	b, err := c.r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", fmt.Errorf("server sent a line longer than %d bytes", maxProbeLine)
	}
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

func (c *probeConn) send(cmd string) error {
	_, err := io.WriteString(c.w, cmd+"\r\n")
	return err
}

// bye says goodbye; the answer does not matter, and neither does an error.
func (c *probeConn) bye(cmd string) { _ = c.send(cmd) }

func unexpected(what, line string) error {
	return fmt.Errorf("expected %s, got %q; is this the right port for the protocol?", what, truncate(line))
}

func hasWord(words []string, w string) bool {
	for _, x := range words {
		if strings.EqualFold(x, w) {
			return true
		}
	}
	return false
}

// imap reads the greeting (RFC 9051 §7.1.1/§7.1.4/§7.1.5) and the
// CAPABILITY response.
func (c *probeConn) imap(needTLS bool) error {
	greeting, err := c.line()
	if err != nil {
		return err
	}
	switch g := strings.ToUpper(greeting); {
	case strings.HasPrefix(g, "* BYE"):
		return fmt.Errorf("server refused the connection: %q", truncate(greeting))
	case !strings.HasPrefix(g, "* OK") && !strings.HasPrefix(g, "* PREAUTH"):
		return unexpected("an IMAP greeting", greeting)
	}
	if err := c.send("P1 CAPABILITY"); err != nil {
		return err
	}
	var caps []string
	for range maxProbeLines {
		l, err := c.line()
		if err != nil {
			return err
		}
		f := strings.Fields(l)
		switch {
		case len(f) >= 2 && f[0] == "*" && strings.EqualFold(f[1], "CAPABILITY"):
			caps = f[2:]
		case len(f) >= 2 && f[0] == "P1":
			if !strings.EqualFold(f[1], "OK") {
				return unexpected("OK to CAPABILITY", l)
			}
			c.bye("P2 LOGOUT")
			if needTLS && !hasWord(caps, "STARTTLS") {
				return fmt.Errorf("imap capability: %w", core.ErrSTARTTLSNotOffered)
			}
			return nil
		}
	}
	return fmt.Errorf("no end to the CAPABILITY response after %d lines", maxProbeLines)
}

// pop3 reads the greeting and the CAPA listing (RFC 2449). A server
// without CAPA may still take STLS, as core/pop3 allows, so STARTTLS is
// then asked for directly, and the connection closed on its go-ahead.
func (c *probeConn) pop3(needTLS bool) error {
	greeting, err := c.line()
	if err != nil {
		return err
	}
	if !strings.HasPrefix(greeting, "+OK") {
		return unexpected("a POP3 greeting", greeting)
	}
	if err := c.send("CAPA"); err != nil {
		return err
	}
	l, err := c.line()
	if err != nil {
		return err
	}
	if strings.HasPrefix(l, "-ERR") {
		if !needTLS {
			c.bye("QUIT")
			return nil
		}
		if err := c.send("STLS"); err != nil {
			return err
		}
		if l, err = c.line(); err != nil {
			return err
		}
		if !strings.HasPrefix(l, "+OK") {
			return fmt.Errorf("pop3 stls: %w (server replied %q)", core.ErrSTARTTLSNotOffered, truncate(l))
		}
		return nil // the server now waits for a TLS handshake; closing is the goodbye
	}
	if !strings.HasPrefix(l, "+OK") {
		return unexpected("+OK or -ERR to CAPA", l)
	}
	var caps []string
	for range maxProbeLines {
		l, err := c.line()
		if err != nil {
			return err
		}
		if l == "." {
			c.bye("QUIT")
			if needTLS && !hasWord(caps, "STLS") {
				return fmt.Errorf("pop3 capa: %w", core.ErrSTARTTLSNotOffered)
			}
			return nil
		}
		if f := strings.Fields(l); len(f) > 0 {
			caps = append(caps, f[0])
		}
	}
	return fmt.Errorf("no end to the CAPA listing after %d lines", maxProbeLines)
}

// smtp reads the greeting and the EHLO reply (RFC 5321 §4.2), whose lines
// after the first each name an extension.
func (c *probeConn) smtp(needTLS bool) error {
	greeting, err := c.smtpReply()
	if err != nil {
		return err
	}
	if greeting[0] != "220" {
		return unexpected("an SMTP greeting (220)", strings.Join(greeting, " "))
	}
	if err := c.send("EHLO localhost"); err != nil {
		return err
	}
	ehlo, err := c.smtpReply()
	if err != nil {
		return err
	}
	if ehlo[0] != "250" {
		return unexpected("250 to EHLO", strings.Join(ehlo, " "))
	}
	c.bye("QUIT")
	var exts []string
	for _, text := range ehlo[2:] {
		if f := strings.Fields(text); len(f) > 0 {
			exts = append(exts, f[0])
		}
	}
	if needTLS && !hasWord(exts, "STARTTLS") {
		return fmt.Errorf("smtp ehlo: %w", core.ErrSTARTTLSNotOffered)
	}
	return nil
}

// smtpReply reads one possibly multi-line reply and returns its code
// followed by the text of each line.
func (c *probeConn) smtpReply() ([]string, error) {
	var reply []string
	for range maxProbeLines {
		l, err := c.line()
		if err != nil {
			return nil, err
		}
		if len(l) < 3 || (len(l) > 3 && l[3] != ' ' && l[3] != '-') || (reply != nil && l[:3] != reply[0]) {
			return nil, unexpected("an SMTP reply", l)
		}
		for _, d := range l[:3] {
			if d < '0' || d > '9' {
				return nil, unexpected("an SMTP reply", l)
			}
		}
		if reply == nil {
			reply = []string{l[:3]}
		}
		text := ""
		if len(l) > 4 {
			text = l[4:]
		}
		reply = append(reply, text)
		if len(l) == 3 || l[3] == ' ' {
			return reply, nil
		}
	}
	return nil, fmt.Errorf("no end to an SMTP reply after %d lines", maxProbeLines)
}
