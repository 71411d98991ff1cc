package diag

import (
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func TestRedact(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"address", "login failed for ann.lee@example.com", "login failed for a…@example.com"},
		{"two addresses", "bob@a.example, carol@b.example", "b…@a.example, c…@b.example"},
		{"linux home", "/home/ann/.config/Tributary", "/home/…/.config/Tributary"},
		{"windows home", `C:\Users\ann\AppData`, `C:\Users\…\AppData`},
		{"nothing to hide", "imap.example.com:993", "imap.example.com:993"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Redact(tc.in); got != tc.want {
				t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestReportNamesServersNotSecrets(t *testing.T) {
	a := core.Account{
		Name: "Work", Email: "ann@example.com", PasswordStore: core.PasswordStoreKeyring,
		SMTP:    core.SMTPSettings{Host: "smtp.example.com", Port: 587, Username: "ann", Encryption: core.EncryptionSTARTTLS, Auth: true},
		Sources: []core.Source{{Protocol: core.ProtocolIMAP, Host: "imap.example.com", Port: 993, Username: "ann@example.com", Encryption: core.EncryptionSSL, Method: core.MethodAutomatic}},
	}
	got := Report(Info{
		Version: "1.2.3", DataDir: "/home/ann/.config/Tributary", LogFile: "/home/ann/.local/state/Tributary/tributary.log",
		Accounts: []core.Account{a},
		Problems: []string{"time=x level=WARN msg=\"login refused\" user=ann@example.com detail=\x1b[2J"},
	})
	for _, want := range []string{"Tributary 1.2.3", "smtp.example.com:587 starttls", "IMAP imap.example.com:993 ssl", "Accounts: 1", "Last problems logged: 1", "login refused"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	for _, leak := range []string{"ann@", "/home/ann", "user ann,", "\x1b"} {
		if strings.Contains(got, leak) {
			t.Errorf("report shows %q:\n%s", leak, got)
		}
	}
}
