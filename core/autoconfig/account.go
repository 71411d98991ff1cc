package autoconfig

import (
	"strings"

	"github.com/tributary-mail/tributary/core"
)

// What a new account starts with when nothing was proposed: the usual
// encryptions on their standard ports, and no host, for the user to
// complete. IMAP over SSL is what most providers offer; SMTP submission
// with STARTTLS on 587 is what RFC 6409 and most providers expect.
var (
	manualIncoming = Server{Protocol: ProtocolIMAP, Encryption: core.EncryptionSSL,
		Port: core.DefaultSourcePort(core.ProtocolIMAP, core.EncryptionSSL)}
	manualOutgoing = Server{Protocol: ProtocolSMTP, Encryption: core.EncryptionSTARTTLS,
		Port: core.DefaultSMTPPortFor(core.EncryptionSTARTTLS)}
)

// Account turns the proposal into a new account for email, as the wizard
// shows it and `tributary account add` could take it: named after the
// provider (or, without one, the address's domain), sending through the
// first outgoing server with authentication on, and retrieving from the
// first incoming server (see Server.Source). An empty username becomes
// email; Lookup has already resolved Thunderbird's placeholders.
//
// A nil c, when the lookup found nothing or was cancelled, gives the
// standard ports and encryptions with no hosts. DisplayName and
// PasswordStore are left for the caller, which knows them.
func (c *Config) Account(email string) core.Account {
	in, out := manualIncoming, manualOutgoing
	name := email[strings.LastIndexByte(email, '@')+1:]
	if c != nil {
		if c.Provider != "" {
			name = c.Provider
		}
		if len(c.Incoming) > 0 {
			in = c.Incoming[0]
		}
		if len(c.Outgoing) > 0 {
			out = c.Outgoing[0]
		}
	}
	return core.Account{
		Name:    name,
		Email:   email,
		SMTP:    out.SMTP(email),
		Sources: []core.Source{in.Source(email)},
	}
}

// SMTP is s as an account's SMTP settings, with authentication on (every
// provider's submission server asks for it). An empty username becomes
// email.
func (s Server) SMTP(email string) core.SMTPSettings {
	return core.SMTPSettings{Host: s.Host, Port: s.Port, Encryption: s.Encryption,
		Username: orEmail(s.Username, email), Auth: true}
}

// Source is s as a new retrieval source, with a new source's defaults:
// automatic retrieval every core.DefaultInterval, POP3 mail delivered to
// core.DefaultFolder and left on the server, every subscribed IMAP
// mailbox. An empty username becomes email. A protocol core does not
// know (such as ProtocolSMTP) is left empty, for validation to report.
func (s Server) Source(email string) core.Source {
	p, _ := core.ParseProtocol(s.Protocol)
	return core.Source{Protocol: p, Host: s.Host, Port: s.Port, Encryption: s.Encryption,
		Username: orEmail(s.Username, email), Method: core.MethodAutomatic, Interval: core.DefaultInterval,
		Folder: core.DefaultFolder, LeaveOnServer: true}
}

// NewSource is the source a new account, or a source added to one, starts
// with when nothing was proposed: IMAP over SSL on its standard port, with
// Server.Source's defaults and no host.
func NewSource(email string) core.Source { return manualIncoming.Source(email) }

func orEmail(user, email string) string {
	if user == "" {
		return email
	}
	return user
}
