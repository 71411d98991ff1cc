package autoconfig

import (
	"github.com/tributary-mail/tributary/core"
)

// The built-in table is Go data rather than an embedded XML or JSON file:
// the compiler checks every field and encryption constant, nothing is
// parsed at start-up, so there is no error path for a file that ships
// inside the binary, and a change shows up in review as an ordinary diff.
// A test puts every entry through the same checks as a downloaded
// configuration (Server.check and Config.settle).
//
// Settings are the providers' own published ones for mail apps, as of
// 2025. Usernames use Thunderbird's placeholders, substituted per address.

// provider is one entry of the built-in table.
type provider struct {
	name     string
	domains  []string // lower-case ASCII
	incoming []Server // preferred first, Username a template
	outgoing []Server
	note     string
	// oauth names the built-in OAuth2 provider (core/oauth) its servers
	// sign in with; "" means passwords.
	oauth string
}

const (
	fullAddress = "%EMAILADDRESS%"
	localPart   = "%EMAILLOCALPART%"
)

func imapSSL(host, user string) Server {
	return Server{Protocol: ProtocolIMAP, Host: host, Port: 993, Encryption: core.EncryptionSSL, Username: user}
}

func pop3SSL(host, user string) Server {
	return Server{Protocol: ProtocolPOP3, Host: host, Port: 995, Encryption: core.EncryptionSSL, Username: user}
}

func smtpSSL(host, user string) Server {
	return Server{Protocol: ProtocolSMTP, Host: host, Port: 465, Encryption: core.EncryptionSSL, Username: user}
}

func smtpSTARTTLS(host, user string) Server {
	return Server{Protocol: ProtocolSMTP, Host: host, Port: 587, Encryption: core.EncryptionSTARTTLS, Username: user}
}

var builtinProviders = []provider{
	{
		name:     "Gmail",
		domains:  []string{"gmail.com", "googlemail.com"},
		incoming: []Server{imapSSL("imap.gmail.com", fullAddress), pop3SSL("pop.gmail.com", fullAddress)},
		outgoing: []Server{smtpSSL("smtp.gmail.com", fullAddress), smtpSTARTTLS("smtp.gmail.com", fullAddress)},
		note: "Sign in with Google. Gmail refuses your ordinary password in mail apps: to use a password instead, make an app password " +
			"(it needs 2-Step Verification: Google Account → Security → 2-Step Verification → App passwords). " +
			"For POP3, first enable POP in Gmail's settings under Forwarding and POP/IMAP.",
		oauth: "google",
	},
	{
		name: "Yahoo Mail",
		domains: []string{
			"yahoo.com", "ymail.com", "rocketmail.com",
			"yahoo.ca", "yahoo.co.uk", "yahoo.ie", "yahoo.fr", "yahoo.de", "yahoo.it", "yahoo.es",
			"yahoo.com.au", "yahoo.co.nz", "yahoo.co.in", "yahoo.com.br", "yahoo.com.mx", "yahoo.com.ar",
			"yahoo.com.sg", "yahoo.com.hk", "yahoo.com.tw", "yahoo.com.ph", "yahoo.co.id",
		},
		incoming: []Server{imapSSL("imap.mail.yahoo.com", fullAddress), pop3SSL("pop.mail.yahoo.com", fullAddress)},
		outgoing: []Server{smtpSSL("smtp.mail.yahoo.com", fullAddress), smtpSTARTTLS("smtp.mail.yahoo.com", fullAddress)},
		note: "Yahoo Mail refuses your ordinary password in mail apps: it always needs an app password " +
			"(Account info → Account security → Generate app password; 2-step verification must be on to get one).",
	},
	{
		name: "Outlook.com",
		domains: []string{
			"outlook.com", "hotmail.com", "live.com", "msn.com",
			"hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es",
			"live.co.uk", "live.fr", "live.de", "live.nl", "live.ca", "live.com.au",
			"outlook.fr", "outlook.de", "outlook.es", "outlook.it",
		},
		incoming: []Server{imapSSL("outlook.office365.com", fullAddress), pop3SSL("outlook.office365.com", fullAddress)},
		outgoing: []Server{smtpSTARTTLS("smtp-mail.outlook.com", fullAddress)},
		note: "Sign in with Microsoft: Outlook.com refuses passwords in mail apps, even right ones. " +
			"For POP3, also enable POP in Outlook.com's settings under Mail → Forwarding and IMAP.",
		oauth: "microsoft",
	},
	{
		name:     "Microsoft 365",
		domains:  []string{"office365.com"},
		incoming: []Server{imapSSL("outlook.office365.com", fullAddress), pop3SSL("outlook.office365.com", fullAddress)},
		outgoing: []Server{smtpSTARTTLS("smtp.office365.com", fullAddress)},
		note: "Sign in with Microsoft (work or school account): Microsoft 365 turned passwords off for IMAP and POP. " +
			"Your organisation's administrator may have to allow IMAP, POP or SMTP AUTH for your mailbox.",
		oauth: "microsoft",
	},
	{
		name:     "iCloud Mail",
		domains:  []string{"icloud.com", "me.com", "mac.com"},
		incoming: []Server{imapSSL("imap.mail.me.com", localPart)},
		outgoing: []Server{smtpSTARTTLS("smtp.mail.me.com", fullAddress)},
		note: "iCloud Mail needs an app-specific password (account.apple.com → Sign-In and Security → App-Specific Passwords). " +
			"The IMAP username is the part of the address before the @ (jane for jane@icloud.com); SMTP takes the full address.",
	},
	{
		name:     "Fastmail",
		domains:  []string{"fastmail.com", "fastmail.fm"},
		incoming: []Server{imapSSL("imap.fastmail.com", fullAddress), pop3SSL("pop.fastmail.com", fullAddress)},
		outgoing: []Server{smtpSSL("smtp.fastmail.com", fullAddress), smtpSTARTTLS("smtp.fastmail.com", fullAddress)},
		note:     "Fastmail needs an app password, made in Settings → Privacy & Security.",
	},
	{
		name:     "GMX",
		domains:  []string{"gmx.com", "gmx.us", "gmx.co.uk"},
		incoming: []Server{imapSSL("imap.gmx.com", fullAddress), pop3SSL("pop.gmx.com", fullAddress)},
		outgoing: []Server{smtpSSL("mail.gmx.com", fullAddress), smtpSTARTTLS("mail.gmx.com", fullAddress)},
		note: "Enable POP3 and IMAP access in GMX's settings (E-mail settings → POP3 & IMAP) first; " +
			"with two-factor authentication on, use an application-specific password.",
	},
	{
		name:     "GMX",
		domains:  []string{"gmx.net", "gmx.de", "gmx.at", "gmx.ch"},
		incoming: []Server{imapSSL("imap.gmx.net", fullAddress), pop3SSL("pop.gmx.net", fullAddress)},
		outgoing: []Server{smtpSSL("mail.gmx.net", fullAddress), smtpSTARTTLS("mail.gmx.net", fullAddress)},
		note: "Enable POP3 and IMAP access in GMX's settings (E-Mail-Einstellungen → POP3 & IMAP Abruf) first; " +
			"with two-factor authentication on, use an application-specific password.",
	},
	{
		name:     "AOL Mail",
		domains:  []string{"aol.com"},
		incoming: []Server{imapSSL("imap.aol.com", fullAddress), pop3SSL("pop.aol.com", fullAddress)},
		outgoing: []Server{smtpSSL("smtp.aol.com", fullAddress), smtpSTARTTLS("smtp.aol.com", fullAddress)},
		note:     "AOL Mail needs an app password: Account info → Account security → Generate app password.",
	},
	{
		name:     "Zoho Mail",
		domains:  []string{"zoho.com", "zohomail.com"},
		incoming: []Server{imapSSL("imap.zoho.com", fullAddress), pop3SSL("pop.zoho.com", fullAddress)},
		outgoing: []Server{smtpSSL("smtp.zoho.com", fullAddress), smtpSTARTTLS("smtp.zoho.com", fullAddress)},
		note: "Enable IMAP or POP access in Zoho Mail's settings (Mail Accounts → IMAP/POP Access) first; " +
			"with two-factor authentication on, use an app-specific password. " +
			"Accounts in Zoho's EU or India data centres use zoho.eu or zoho.in in place of zoho.com in the server names.",
	},
}

// builtinByDomain indexes builtinProviders.
var builtinByDomain = func() map[string]*provider {
	m := make(map[string]*provider)
	for i := range builtinProviders {
		for _, d := range builtinProviders[i].domains {
			m[d] = &builtinProviders[i]
		}
	}
	return m
}()

// builtin answers from the table, or returns nil for a domain not in it.
func builtin(a address) *Config {
	p := builtinByDomain[a.domain]
	if p == nil {
		return nil
	}
	c := &Config{Provider: p.name, Note: p.note, Source: SourceBuiltin, OAuth: p.oauth}
	var auth core.AuthMethod // empty: a password
	if p.oauth != "" {
		auth = core.AuthOAuth2
	}
	for _, s := range p.incoming {
		s.Username, s.Auth = a.expandUser(s.Username), auth
		c.Incoming = append(c.Incoming, s)
	}
	for _, s := range p.outgoing {
		s.Username, s.Auth = a.expandUser(s.Username), auth
		c.Outgoing = append(c.Outgoing, s)
	}
	return c
}
