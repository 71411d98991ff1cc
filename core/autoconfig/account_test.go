package autoconfig

import (
	"context"
	"reflect"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func TestConfigAccount(t *testing.T) {
	gmail, err := Lookup(context.Background(), "jo@gmail.com", nil) // built in: no network
	if err != nil {
		t.Fatalf("Lookup(jo@gmail.com) = %v, want the built-in settings", err)
	}
	// source is a new source's defaults with the given server.
	source := func(p core.Protocol, host string, port int, enc core.Encryption, user string) core.Source {
		return core.Source{Protocol: p, Host: host, Port: port, Encryption: enc, Username: user,
			Method: core.MethodAutomatic, Interval: core.DefaultInterval, Folder: core.DefaultFolder, LeaveOnServer: true}
	}
	tests := []struct {
		name   string
		config *Config
		email  string
		want   core.Account
	}{
		{
			name: "nothing found", config: nil, email: "ann@example.org",
			want: core.Account{Name: "example.org", Email: "ann@example.org",
				SMTP:    core.SMTPSettings{Port: 587, Encryption: core.EncryptionSTARTTLS, Username: "ann@example.org", Auth: true},
				Sources: []core.Source{source(core.ProtocolIMAP, "", 993, core.EncryptionSSL, "ann@example.org")}},
		},
		{
			name: "built-in provider", config: gmail, email: "jo@gmail.com",
			want: core.Account{Name: "Gmail", Email: "jo@gmail.com",
				SMTP:    core.SMTPSettings{Host: "smtp.gmail.com", Port: 465, Encryption: core.EncryptionSSL, Username: "jo@gmail.com", Auth: true},
				Sources: []core.Source{source(core.ProtocolIMAP, "imap.gmail.com", 993, core.EncryptionSSL, "jo@gmail.com")}},
		},
		{
			name: "POP3 first, own usernames, no provider name",
			config: &Config{
				Incoming: []Server{
					{Protocol: ProtocolPOP3, Host: "pop.example.net", Port: 110, Encryption: core.EncryptionSTARTTLS, Username: "ann"},
					{Protocol: ProtocolIMAP, Host: "imap.example.net", Port: 993, Encryption: core.EncryptionSSL},
				},
				Outgoing: []Server{{Protocol: ProtocolSMTP, Host: "mail.example.net", Port: 25, Encryption: core.EncryptionNone, Username: "ann-smtp"}},
			},
			email: "Ann@Example.net",
			want: core.Account{Name: "Example.net", Email: "Ann@Example.net",
				SMTP:    core.SMTPSettings{Host: "mail.example.net", Port: 25, Encryption: core.EncryptionNone, Username: "ann-smtp", Auth: true},
				Sources: []core.Source{source(core.ProtocolPOP3, "pop.example.net", 110, core.EncryptionSTARTTLS, "ann")}},
		},
		{
			name:   "no servers at all",
			config: &Config{Provider: "Example Mail"}, email: "ann@example.org",
			want: core.Account{Name: "Example Mail", Email: "ann@example.org",
				SMTP:    core.SMTPSettings{Port: 587, Encryption: core.EncryptionSTARTTLS, Username: "ann@example.org", Auth: true},
				Sources: []core.Source{source(core.ProtocolIMAP, "", 993, core.EncryptionSSL, "ann@example.org")}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.config.Account(tt.email)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Account(%q) =\n%+v\nwant\n%+v", tt.email, got, tt.want)
			}
			// With hosts, the proposal is an account that can be saved
			// once the passwords are typed.
			if got.SMTP.Host != "" {
				if err := got.Validate(core.Passwords{SMTP: "pw", Sources: []string{"pw"}}); err != nil {
					t.Errorf("Account(%q).Validate() = %v, want nil", tt.email, err)
				}
			}
		})
	}
}

func TestNewSource(t *testing.T) {
	want := core.Source{Protocol: core.ProtocolIMAP, Port: 993, Encryption: core.EncryptionSSL, Username: "ann@example.org",
		Method: core.MethodAutomatic, Interval: core.DefaultInterval, Folder: core.DefaultFolder, LeaveOnServer: true}
	if got := NewSource("ann@example.org"); !reflect.DeepEqual(got, want) {
		t.Errorf("NewSource() = %+v, want %+v", got, want)
	}
	if got := (Server{Protocol: ProtocolSMTP, Host: "smtp.example.org"}).Source("ann@example.org"); got.Protocol != "" {
		t.Errorf("Server{smtp}.Source() protocol = %q, want none, for validation to report", got.Protocol)
	}
}
