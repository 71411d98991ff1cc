package autoconfig

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func TestBuiltinTable(t *testing.T) {
	seen := map[string]string{}
	for _, p := range builtinProviders {
		t.Run(p.name+" "+p.domains[0], func(t *testing.T) {
			if p.note == "" {
				t.Errorf("%s has no note", p.name)
			}
			for _, d := range p.domains {
				if other, dup := seen[d]; dup {
					t.Errorf("domain %s is in %s and %s", d, other, p.name)
				}
				seen[d] = p.name
				a, err := parseAddress("someone@" + d)
				if err != nil || a.domain != d {
					t.Errorf("domain %q is not in the form addresses are looked up by (%v)", d, err)
				}
			}
			c := builtin(mustAddress(t, "someone@"+p.domains[0]))
			settled := &Config{Incoming: c.Incoming, Outgoing: c.Outgoing}
			if err := settled.settle(); err != nil {
				t.Fatalf("%s: %v", p.name, err)
			}
			// The table must already be in order of preference.
			if !reflect.DeepEqual(settled.Incoming, c.Incoming) || !reflect.DeepEqual(settled.Outgoing, c.Outgoing) {
				t.Errorf("%s servers are not in order of preference", p.name)
			}
			for _, s := range append(c.Incoming, c.Outgoing...) {
				if err := s.check(); err != nil {
					t.Errorf("%s server %+v: %v", p.name, s, err)
				}
				if s.Encryption == core.EncryptionNone {
					t.Errorf("%s server %+v has no encryption", p.name, s)
				}
				if strings.Contains(s.Username, "%") {
					t.Errorf("%s username %q still has a placeholder", p.name, s.Username)
				}
			}
		})
	}
}

// refusingFetcher fails the test if any network step runs.
type refusingFetcher struct{ t *testing.T }

func (f refusingFetcher) Fetch(_ context.Context, url string) ([]byte, error) {
	f.t.Errorf("Fetch(%q) called; the built-in table should have answered", url)
	return nil, context.Canceled
}

func TestBuiltinProposesOAuth2(t *testing.T) {
	for _, tc := range []struct {
		email, oauth string
	}{
		{"a@gmail.com", "google"},
		{"a@outlook.com", "microsoft"},
		{"a@hotmail.com", "microsoft"},
		{"a@office365.com", "microsoft"},
		{"a@yahoo.com", ""},
		{"a@icloud.com", ""},
	} {
		c := builtin(mustAddress(t, tc.email))
		if c.OAuth != tc.oauth {
			t.Errorf("builtin(%s).OAuth = %q, want %q", tc.email, c.OAuth, tc.oauth)
		}
		want := core.AuthMethod("")
		if tc.oauth != "" {
			want = core.AuthOAuth2
		}
		for _, s := range append(c.Incoming, c.Outgoing...) {
			if s.Auth != want {
				t.Errorf("builtin(%s) server %s Auth = %q, want %q", tc.email, s.Host, s.Auth, want)
			}
		}
	}
}

func TestLookupBuiltin(t *testing.T) {
	gmail := &Config{
		Provider: "Gmail",
		Incoming: []Server{
			{Protocol: ProtocolIMAP, Host: "imap.gmail.com", Port: 993, Encryption: core.EncryptionSSL, Username: "Some.One@GMail.com", Auth: core.AuthOAuth2},
			{Protocol: ProtocolPOP3, Host: "pop.gmail.com", Port: 995, Encryption: core.EncryptionSSL, Username: "Some.One@GMail.com", Auth: core.AuthOAuth2},
		},
		Outgoing: []Server{
			{Protocol: ProtocolSMTP, Host: "smtp.gmail.com", Port: 465, Encryption: core.EncryptionSSL, Username: "Some.One@GMail.com", Auth: core.AuthOAuth2},
			{Protocol: ProtocolSMTP, Host: "smtp.gmail.com", Port: 587, Encryption: core.EncryptionSTARTTLS, Username: "Some.One@GMail.com", Auth: core.AuthOAuth2},
		},
		Note:   builtinByDomain["gmail.com"].note,
		Source: SourceBuiltin,
		OAuth:  "google",
	}
	tests := []struct {
		name         string
		email        string
		want         *Config // checked whole when set
		wantProvider string
		wantIMAPUser string
		wantSMTPUser string
	}{
		{name: "Gmail, domain in any case, username as typed", email: "Some.One@GMail.com", want: gmail},
		{name: "googlemail", email: "a@googlemail.com", wantProvider: "Gmail", wantIMAPUser: "a@googlemail.com", wantSMTPUser: "a@googlemail.com"},
		{name: "Yahoo ccTLD", email: "a@yahoo.co.uk", wantProvider: "Yahoo Mail", wantIMAPUser: "a@yahoo.co.uk", wantSMTPUser: "a@yahoo.co.uk"},
		{name: "Hotmail is Outlook.com", email: "a@hotmail.com", wantProvider: "Outlook.com", wantIMAPUser: "a@hotmail.com", wantSMTPUser: "a@hotmail.com"},
		{name: "iCloud IMAP takes the local part", email: "jane@me.com", wantProvider: "iCloud Mail", wantIMAPUser: "jane", wantSMTPUser: "jane@me.com"},
		{name: "Fastmail", email: "a@fastmail.fm", wantProvider: "Fastmail", wantIMAPUser: "a@fastmail.fm", wantSMTPUser: "a@fastmail.fm"},
		{name: "GMX Germany", email: "a@gmx.de", wantProvider: "GMX", wantIMAPUser: "a@gmx.de", wantSMTPUser: "a@gmx.de"},
		{name: "AOL", email: "a@aol.com", wantProvider: "AOL Mail", wantIMAPUser: "a@aol.com", wantSMTPUser: "a@aol.com"},
		{name: "Zoho", email: "a@zohomail.com", wantProvider: "Zoho Mail", wantIMAPUser: "a@zohomail.com", wantSMTPUser: "a@zohomail.com"},
		{name: "Microsoft 365", email: "a@office365.com", wantProvider: "Microsoft 365", wantIMAPUser: "a@office365.com", wantSMTPUser: "a@office365.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{}
			opts := &Options{Fetcher: refusingFetcher{t}, Resolver: &fakeResolver{rec: rec}, Prober: &fakeProber{rec: rec}}
			got, err := Lookup(context.Background(), tt.email, opts)
			if err != nil {
				t.Fatalf("Lookup(%q) = %v", tt.email, err)
			}
			if calls := rec.list(); len(calls) > 0 {
				t.Errorf("Lookup(%q) made calls %q; the built-in table should have answered", tt.email, calls)
			}
			if tt.want != nil {
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("Lookup(%q) =\n%+v\nwant\n%+v", tt.email, got, tt.want)
				}
				return
			}
			if got.Source != SourceBuiltin || got.Provider != tt.wantProvider ||
				got.Incoming[0].Protocol != ProtocolIMAP || got.Incoming[0].Username != tt.wantIMAPUser ||
				got.Outgoing[0].Username != tt.wantSMTPUser {
				t.Errorf("Lookup(%q) = %+v, want %s from the built-in table with IMAP user %q, SMTP user %q",
					tt.email, got, tt.wantProvider, tt.wantIMAPUser, tt.wantSMTPUser)
			}
		})
	}
}

func TestBuiltinIsACopy(t *testing.T) {
	a := mustAddress(t, "a@gmail.com")
	c := builtin(a)
	c.Incoming[0].Host = "changed.example.com"
	if again := builtin(a); again.Incoming[0].Host != "imap.gmail.com" {
		t.Errorf("builtin() after the caller changed a result = %q, want the table untouched", again.Incoming[0].Host)
	}
}
