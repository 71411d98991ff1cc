package core

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func validAccount() Account {
	return Account{
		Name: "Work", DisplayName: "Me", Email: "me@example.com", PasswordStore: PasswordStoreKeyring,
		SMTP: SMTPSettings{Host: "smtp.example.com", Port: 587, Username: "me", Encryption: EncryptionSTARTTLS, Auth: true},
		Sources: []Source{{Protocol: ProtocolIMAP, Host: "imap.example.com", Port: 993, Username: "me", Encryption: EncryptionSSL,
			Method: MethodAutomatic, Interval: 10 * time.Minute, Folder: "Inbox"}},
	}
}

func TestValidate(t *testing.T) {
	good := Passwords{SMTP: "pw", Sources: []string{"pw"}}
	tests := []struct {
		name   string
		change func(*Account)
		pw     Passwords
		field  string
		want   string
	}{
		{"valid", func(*Account) {}, good, "", ""},
		{"no name", func(a *Account) { a.Name = " " }, good, "name", "is required"},
		{"bad host", func(a *Account) { a.SMTP.Host = "smtp..example.com" }, good, "smtp.host", "not a valid host name"},
		{"host with space", func(a *Account) { a.Sources[0].Host = "imap example.com" }, good, "source.1.host", "not a valid host name"},
		{"IPv6 literal", func(a *Account) { a.SMTP.Host = "[::1]" }, good, "", ""},
		{"port zero", func(a *Account) { a.SMTP.Port = 0 }, good, "smtp.port", "between 1 and 65535"},
		{"port too big", func(a *Account) { a.Sources[0].Port = 70000 }, good, "source.1.port", "between 1 and 65535"},
		{"address with a name", func(a *Account) { a.Email = "Me <me@example.com>" }, good, "email", "without a name or brackets"},
		{"address without domain", func(a *Account) { a.Email = "me@" }, good, "email", "nothing comes after the @"},
		{"auth without username", func(a *Account) { a.SMTP.Username = "" }, good, "smtp.username", "is required when authentication is enabled"},
		{"auth without password", func(a *Account) {}, Passwords{Sources: []string{"pw"}}, "smtp.password", "is required when authentication is enabled"},
		{"no auth needs no password", func(a *Account) { a.SMTP.Auth = false }, Passwords{Sources: []string{"pw"}}, "", ""},
		{"password with line break", func(a *Account) {}, Passwords{SMTP: "a\r\nQUIT", Sources: []string{"pw"}}, "smtp.password", "line break"},
		{"source without password", func(a *Account) {}, Passwords{SMTP: "pw"}, "source.1.password", "is required"},
		{"interval too short", func(a *Account) { a.Sources[0].Interval = time.Second }, good, "source.1.interval", "at least"},
		{"manual needs no interval", func(a *Account) { a.Sources[0].Method, a.Sources[0].Interval = MethodManual, 0 }, good, "", ""},
		{"negative delete days", func(a *Account) { a.Sources[0].DeleteAfterDays = -1 }, good, "source.1.delete_after_days", "between 0"},
		{"unknown encryption", func(a *Account) { a.SMTP.Encryption = "tls13" }, good, "smtp.encryption", "unknown encryption"},
		{"empty folder", func(a *Account) { a.Sources[0].Folder = "" }, good, "source.1.folder", "is required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := validAccount()
			tc.change(&a)
			err := a.Validate(tc.pw)
			if tc.field == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			var v ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("Validate() = %v, want a ValidationError", err)
			}
			for _, fe := range v {
				if fe.Field == tc.field && strings.Contains(fe.Problem, tc.want) {
					return
				}
			}
			t.Errorf("Validate() = %v, want %s: %s", err, tc.field, tc.want)
		})
	}
}

func TestDefaultPorts(t *testing.T) {
	tests := []struct {
		p    Protocol
		e    Encryption
		want int
	}{
		{ProtocolPOP3, EncryptionSSL, 995}, {ProtocolPOP3, EncryptionSTARTTLS, 110}, {ProtocolPOP3, EncryptionNone, 110},
		{ProtocolIMAP, EncryptionSSL, 993}, {ProtocolIMAP, EncryptionSTARTTLS, 143}, {ProtocolIMAP, EncryptionNone, 143},
	}
	for _, tc := range tests {
		if got := DefaultSourcePort(tc.p, tc.e); got != tc.want {
			t.Errorf("DefaultSourcePort(%s, %s) = %d, want %d", tc.p, tc.e, got, tc.want)
		}
	}
	for e, want := range map[Encryption]int{EncryptionNone: 25, EncryptionSSL: 465, EncryptionSTARTTLS: 587} {
		if got := DefaultSMTPPortFor(e); got != want {
			t.Errorf("DefaultSMTPPortFor(%s) = %d, want %d", e, got, want)
		}
	}
}
