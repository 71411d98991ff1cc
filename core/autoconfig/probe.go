package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/pop3"
	"github.com/tributary-mail/tributary/core/smtp"
)

// DefaultProbeTimeout bounds a NetProber's connect, and then each reply,
// when NetProber.Dial is nil. A mail server greets within a second; a
// guess must not keep the wizard waiting on hosts that do not exist.
const DefaultProbeTimeout = 3 * time.Second

// NetProber probes a server over the network with the protocol packages'
// own code (imap.Probe, pop3.Probe, smtp.Probe): it connects as a login
// would, with TLS verified as core/netconn does, reads the greeting and
// what the server offers (IMAP CAPABILITY, POP3 CAPA, SMTP EHLO), and for
// a STARTTLS server requires and negotiates STARTTLS (POP3: STLS). It
// never logs in, and it says goodbye (LOGOUT, QUIT).
type NetProber struct {
	// Dial tunes the connection, pins included; nil means
	// DefaultProbeTimeout to connect and for each reply.
	Dial *netconn.Options
}

var _ Prober = NetProber{}

// Probe confirms s, or says why not. Errors are classified with
// core.Classify; a STARTTLS server that does not offer it gives one for
// which errors.Is(err, core.ErrSTARTTLSNotOffered) holds.
//
// A STARTTLS server whose certificate no root vouches for is confirmed:
// it answered in its protocol and took STARTTLS, which is all a guess
// needs, and the wizard's Test connection then shows the certificate for
// the user to trust. An SSL server's certificate is checked before any
// protocol is spoken, so there a refused certificate is a refused probe.
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
	var err error
	switch s.Protocol {
	case ProtocolIMAP:
		_, err = imap.Probe(ctx, ep, opts)
	case ProtocolPOP3:
		_, err = pop3.Probe(ctx, ep, opts)
	case ProtocolSMTP:
		_, err = smtp.Probe(ctx, ep, opts)
	default:
		return &core.Error{Kind: core.KindConfig, Op: "probe", Server: ep.Addr(),
			Err: fmt.Errorf("autoconfig: unknown protocol %q", s.Protocol)}
	}
	var certErr *core.CertificateError
	if s.Encryption == core.EncryptionSTARTTLS && errors.As(err, &certErr) {
		return nil
	}
	return err
}
