package cli

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAutoconfigCommand(t *testing.T) {
	for _, tc := range []struct {
		addr, provider, auth string
	}{
		{"jane@gmail.com", "Gmail", "oauth2"},
		{"jane@outlook.com", "Outlook.com", "oauth2"},
		{"jane@hotmail.com", "Outlook.com", "oauth2"},
		{"jane@office365.com", "Microsoft 365", "oauth2"},
		{"jane@yahoo.com", "Yahoo Mail", "password"},
	} {
		t.Run(tc.addr, func(t *testing.T) {
			code, out, errOut := cliRun(t, t.TempDir(), nil, nil, "autoconfig", tc.addr, "--json")
			if code != 0 {
				t.Fatalf("autoconfig %s --json = exit %d: %s", tc.addr, code, errOut)
			}
			var got autoconfigJSON
			if err := json.Unmarshal([]byte(out), &got); err != nil {
				t.Fatalf("autoconfig --json printed %q: %v", out, err)
			}
			if got.Provider != tc.provider || got.Source != "builtin" || len(got.Incoming) == 0 || len(got.Outgoing) == 0 {
				t.Fatalf("autoconfig %s --json = %+v, want %s from the built-in table with servers", tc.addr, got, tc.provider)
			}
			for _, s := range append(got.Incoming, got.Outgoing...) {
				if s.Auth != tc.auth || s.Host == "" || s.Port == 0 || s.Encryption == "" || s.Protocol == "" {
					t.Errorf("autoconfig %s server %+v, want auth %s and every field", tc.addr, s, tc.auth)
				}
			}
		})
	}
	code, out, _ := cliRun(t, t.TempDir(), nil, nil, "autoconfig", "jane@icloud.com")
	if code != 0 || !strings.Contains(out, "imap imap.mail.me.com:993 ssl, sign in with password as jane") || !strings.Contains(out, "before the @") {
		t.Errorf("autoconfig jane@icloud.com = exit %d, %q, want the IMAP server with the local part and the hint", code, out)
	}
}

// account add --email alone takes the proposal, OAuth2 included; with no
// client ID it stops before sending anyone to sign in.
func TestAccountAddUsesAutoconfig(t *testing.T) {
	code, out, errOut := cliRun(t, t.TempDir(), nil, nil, "account", "add", "--name", "work", "--email", "jane@office365.com", "--password-store", "file")
	if code == 0 {
		t.Fatalf("account add without a client ID = exit 0 (%s)", out)
	}
	if !strings.Contains(out, "using the settings of Microsoft 365") || !strings.Contains(errOut, "OAuth2 client ID: is required") {
		t.Errorf("account add --email jane@office365.com = %q / %q, want the Microsoft 365 settings and a request for a client ID", out, errOut)
	}
}
