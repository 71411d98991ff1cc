package demo

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpBackend accepts mail from the demo accounts and delivers it inside
// the demo: to the POP3 account's maildrop when addressed to it, and
// everything else to the IMAP account's INBOX, so that every message sent
// in the demo, a reply to a correspondent included, comes back.
type smtpBackend struct{ d *Servers }

var (
	_ smtp.Backend     = smtpBackend{}
	_ smtp.AuthSession = (*smtpSession)(nil)
)

func (b smtpBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &smtpSession{d: b.d}, nil
}

type smtpSession struct {
	d      *Servers
	authed bool
	to     []string
}

func (s *smtpSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if pass != Password || (user != IMAPAddress && user != POP3Address) {
			return smtp.ErrAuthFailed
		}
		s.authed = true
		return nil
	}), nil
}

func (s *smtpSession) Mail(string, *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	return nil
}

func (s *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, maxMessage+1))
	if err != nil {
		return fmt.Errorf("demo: smtp data: %w", err)
	}
	if len(raw) > maxMessage {
		return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "message too big for the demo"}
	}
	toIMAP := false
	for _, to := range s.to {
		if strings.EqualFold(to, POP3Address) {
			s.d.pop3.add(raw)
		} else {
			toIMAP = true
		}
	}
	if toIMAP {
		if err := s.d.deliverIMAP(raw); err != nil {
			return errors.Join(errors.New("demo: deliver to the IMAP inbox"), err)
		}
	}
	return nil
}

func (s *smtpSession) Reset()        { s.to = nil }
func (s *smtpSession) Logout() error { return nil }
