// Package core holds Tributary's domain types (accounts, their SMTP settings
// and retrieval sources, folders and messages), their validation, and the
// error classification every protocol package shares. It imports no GUI and
// no storage: storage implements the interfaces core needs, and the front
// ends in ui/ drive core.
package core

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Encryption is how a connection to a mail server is protected.
type Encryption string

// The encryptions a user can choose. STARTTLS is always required, never
// opportunistic: a user who chose it is refused rather than downgraded.
const (
	EncryptionNone     Encryption = "none"
	EncryptionSSL      Encryption = "ssl"
	EncryptionSTARTTLS Encryption = "starttls"
)

// ParseEncryption accepts the names the CLI and the GUI use.
func ParseEncryption(s string) (Encryption, error) {
	switch e := Encryption(strings.ToLower(strings.TrimSpace(s))); e {
	case EncryptionNone, EncryptionSSL, EncryptionSTARTTLS:
		return e, nil
	case "tls", "ssl/tls":
		return EncryptionSSL, nil
	}
	return "", fmt.Errorf("unknown encryption %q: use none, ssl or starttls", s)
}

// Protocol is a retrieval protocol.
type Protocol string

// The retrieval protocols.
const (
	ProtocolPOP3 Protocol = "pop3"
	ProtocolIMAP Protocol = "imap"
)

// ParseProtocol accepts "pop3" or "imap" in any case.
func ParseProtocol(s string) (Protocol, error) {
	switch p := Protocol(strings.ToLower(strings.TrimSpace(s))); p {
	case ProtocolPOP3, ProtocolIMAP:
		return p, nil
	case "pop":
		return ProtocolPOP3, nil
	}
	return "", fmt.Errorf("unknown protocol %q: use pop3 or imap", s)
}

// Method says when a source is retrieved.
type Method string

// The retrieval methods.
const (
	MethodAutomatic Method = "automatic"
	MethodManual    Method = "manual"
)

// ParseMethod accepts "automatic" or "manual".
func ParseMethod(s string) (Method, error) {
	switch m := Method(strings.ToLower(strings.TrimSpace(s))); m {
	case MethodAutomatic, MethodManual:
		return m, nil
	}
	return "", fmt.Errorf("unknown retrieval method %q: use automatic or manual", s)
}

// PasswordStore names where an account's passwords live.
type PasswordStore string

// The password stores. File is only ever used when the user asked for it.
const (
	PasswordStoreKeyring PasswordStore = "keyring"
	PasswordStoreFile    PasswordStore = "file"
)

// ParsePasswordStore accepts "keyring" or "file".
func ParsePasswordStore(s string) (PasswordStore, error) {
	switch p := PasswordStore(strings.ToLower(strings.TrimSpace(s))); p {
	case PasswordStoreKeyring, PasswordStoreFile:
		return p, nil
	}
	return "", fmt.Errorf("unknown password store %q: use keyring or file", s)
}

// AuthMethod is how an account signs in to its servers: with passwords, or
// with OAuth2 access tokens (XOAUTH2 or OAUTHBEARER) from a refresh token.
type AuthMethod string

// The sign-in methods. An empty AuthMethod means AuthPassword, the method
// of every account made before OAuth2 existed.
const (
	AuthPassword AuthMethod = "password"
	AuthOAuth2   AuthMethod = "oauth2"
)

// ParseAuthMethod accepts "password" or "oauth2".
func ParseAuthMethod(s string) (AuthMethod, error) {
	switch m := AuthMethod(strings.ToLower(strings.TrimSpace(s))); m {
	case AuthPassword, AuthOAuth2:
		return m, nil
	case "":
		return AuthPassword, nil
	case "oauth":
		return AuthOAuth2, nil
	}
	return "", fmt.Errorf("unknown sign-in method %q: use password or oauth2", s)
}

// OAuthSettings say where an OAuth2 account's tokens come from. The
// refresh token itself lives in the password store, never here.
type OAuthSettings struct {
	// Provider names a built-in provider ("google", "microsoft"); empty
	// when Issuer is set.
	Provider string
	// Issuer is the OpenID Connect issuer of any other provider, whose
	// endpoints come from its discovery document.
	Issuer string
	// ClientID is the client the refresh token was issued to: a refresh
	// token is bound to it, so it is kept with the account.
	ClientID string
	// Scopes asked for; empty means the provider's defaults.
	Scopes []string
}

// Defaults for new accounts and sources.
const (
	DefaultSMTPPort  = 25
	DefaultInterval  = 10 * time.Minute
	DefaultFolder    = "Inbox"
	MinimumInterval  = time.Minute
	maxNameLength    = 100
	maxDeleteAfter   = 36500
	maxIMAPFolderLen = 1000
)

// DefaultSMTPPortFor is the SMTP port to use when the user gave none: 25 for
// plain SMTP, and the standard submission ports for the encrypted modes.
func DefaultSMTPPortFor(e Encryption) int {
	switch e {
	case EncryptionSSL:
		return 465
	case EncryptionSTARTTLS:
		return 587
	}
	return DefaultSMTPPort
}

// DefaultSourcePort is the standard port of a retrieval protocol for an
// encryption: implicit TLS has its own port, STARTTLS and none share one.
func DefaultSourcePort(p Protocol, e Encryption) int {
	switch {
	case p == ProtocolPOP3 && e == EncryptionSSL:
		return 995
	case p == ProtocolPOP3:
		return 110
	case e == EncryptionSSL:
		return 993
	}
	return 143
}

// Account is one identity: who the mail is from, the SMTP server it is sent
// through, and the sources its mail is retrieved from.
type Account struct {
	ID            int64
	Name          string // unique, chosen by the user: "Work", "Gmail"
	DisplayName   string
	Email         string
	SMTP          SMTPSettings
	PasswordStore PasswordStore
	// Auth is how every server of the account is signed in to; empty
	// means AuthPassword.
	Auth    AuthMethod
	OAuth   OAuthSettings // for AuthOAuth2
	Sources []Source
}

// Credential is what a client signs in with: a password, or, when Token
// is set, an OAuth2 access token (then Password is unused). It is never
// stored: the engine makes one for each sign-in.
type Credential struct {
	Password string
	Token    string
}

// UsesOAuth reports whether the account signs in with OAuth2 tokens.
func (a *Account) UsesOAuth() bool { return a.Auth == AuthOAuth2 }

// From is the account's identity as an RFC 5322 address.
func (a *Account) From() *mail.Address {
	return &mail.Address{Name: a.DisplayName, Address: a.Email}
}

// SMTPSettings say how an account sends mail.
type SMTPSettings struct {
	Host       string
	Port       int
	Username   string
	Encryption Encryption
	Auth       bool // "enable authentication"
}

// Server is the SMTP server's endpoint.
func (s SMTPSettings) Server() Endpoint {
	return Endpoint{Host: s.Host, Port: s.Port, Encryption: s.Encryption}
}

// Source is one place an account's mail is retrieved from.
type Source struct {
	ID         int64
	AccountID  int64
	Protocol   Protocol
	Host       string
	Port       int
	Username   string
	Encryption Encryption
	Method     Method
	Interval   time.Duration // for MethodAutomatic
	// Folder is the local folder POP3 mail is delivered to. IMAP mailboxes
	// keep their own names, with INBOX mapped to the Inbox.
	Folder string
	// LeaveOnServer keeps POP3 messages on the server after retrieval.
	LeaveOnServer bool
	// DeleteAfterDays removes POP3 messages left on the server this many
	// days after retrieval; 0 means never.
	DeleteAfterDays int
	// IMAPFolders lists the IMAP mailboxes to sync; empty means every
	// subscribed mailbox. INBOX and the Sent mailbox are always synced.
	IMAPFolders []string
}

// Server is the source's endpoint.
func (s Source) Server() Endpoint {
	return Endpoint{Host: s.Host, Port: s.Port, Encryption: s.Encryption}
}

// Label names the source for people: "Work (IMAP imap.example.com)".
func (s Source) Label(account string) string {
	return fmt.Sprintf("%s (%s %s)", account, strings.ToUpper(string(s.Protocol)), s.Host)
}

// Endpoint is a server address with its encryption.
type Endpoint struct {
	Host       string
	Port       int
	Encryption Encryption
}

// Addr is host:port, with IPv6 literals bracketed.
func (e Endpoint) Addr() string {
	return joinHostPort(e.Host, e.Port)
}
