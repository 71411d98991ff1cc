package autoconfig

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

func mustAddress(t testing.TB, email string) address {
	t.Helper()
	a, err := parseAddress(email)
	if err != nil {
		t.Fatalf("parseAddress(%q) = %v", email, err)
	}
	return a
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serverXML is one server element; doc wraps elements into a document.
func serverXML(kind, typ, host, port, socket, user string) string {
	return "<" + kind + ` type="` + typ + `"><hostname>` + host + "</hostname><port>" + port +
		"</port><socketType>" + socket + "</socketType><username>" + user + "</username></" + kind + ">"
}

func doc(elems ...string) string {
	return `<clientConfig version="1.1"><emailProvider id="example.com">` + strings.Join(elems, "") + "</emailProvider></clientConfig>"
}

var (
	goodIMAP = serverXML("incomingServer", "imap", "imap.example.com", "993", "SSL", "%EMAILADDRESS%")
	goodSMTP = serverXML("outgoingServer", "smtp", "smtp.example.com", "465", "SSL", "%EMAILADDRESS%")
)

func TestParseConfig(t *testing.T) {
	imap := func(host string, port int, enc core.Encryption, user string) Server {
		return Server{Protocol: ProtocolIMAP, Host: host, Port: port, Encryption: enc, Username: user}
	}
	pop := func(host string, port int, enc core.Encryption, user string) Server {
		return Server{Protocol: ProtocolPOP3, Host: host, Port: port, Encryption: enc, Username: user}
	}
	smtp := func(host string, port int, enc core.Encryption, user string) Server {
		return Server{Protocol: ProtocolSMTP, Host: host, Port: port, Encryption: enc, Username: user}
	}
	const email = "Jane.Doe@Example.com"
	tests := []struct {
		name    string
		email   string // default email
		xml     string
		want    *Config
		wantErr string // substring
	}{
		{
			name: "full Thunderbird file: order of preference, placeholders, exchange ignored",
			xml:  string(readTestdata(t, "example.xml")),
			want: &Config{
				Provider: "Example Mail",
				Incoming: []Server{
					imap("imap.example.com", 993, core.EncryptionSSL, "Jane.Doe"),
					imap("imap.example.com", 143, core.EncryptionSTARTTLS, "Jane.Doe"),
					pop("pop.example.com", 995, core.EncryptionSSL, email),
				},
				Outgoing: []Server{
					smtp("smtp.example.com", 465, core.EncryptionSSL, email),
					smtp("smtp.example.com", 587, core.EncryptionSTARTTLS, email),
				},
				Note: "Turn on IMAP in the settings. (https://mail.example.com/settings/imap)",
			},
		},
		{
			name: "minimal, no display name: the domain stands in",
			xml:  string(readTestdata(t, "minimal.xml")),
			want: &Config{
				Provider: "example.com",
				Incoming: []Server{imap("mail.example.org", 993, core.EncryptionSSL, email)},
				Outgoing: []Server{smtp("mail.example.org", 465, core.EncryptionSSL, email)},
			},
		},
		{
			name: "ISO-8859-1 declared, plain SMTP ranked last but kept",
			xml:  string(readTestdata(t, "latin1.xml")),
			want: &Config{
				Provider: "Müller Mail",
				Incoming: []Server{pop("pop.example.de", 110, core.EncryptionSTARTTLS, email)},
				Outgoing: []Server{smtp("smtp.example.de", 25, core.EncryptionNone, email)},
			},
		},
		{
			name:  "domain placeholder in a host name is the ASCII domain, in a username as typed",
			email: "kim@bücher.example",
			xml: doc(serverXML("incomingServer", "imap", "mail.%EMAILDOMAIN%", "993", "SSL", "%EMAILLOCALPART%+%EMAILDOMAIN%"),
				serverXML("outgoingServer", "smtp", "mail.%EMAILDOMAIN%", "587", "STARTTLS", "%EMAILADDRESS%")),
			want: &Config{
				Provider: "xn--bcher-kva.example",
				Incoming: []Server{imap("mail.xn--bcher-kva.example", 993, core.EncryptionSSL, "kim+bücher.example")},
				Outgoing: []Server{smtp("mail.xn--bcher-kva.example", 587, core.EncryptionSTARTTLS, "kim@bücher.example")},
			},
		},
		{
			name: "duplicates dropped, unknown elements and whitespace ignored, missing username is the address",
			xml: doc("<future><thing/></future>", goodIMAP, goodIMAP,
				`<outgoingServer type="smtp"><hostname> SMTP.Example.com. </hostname><port> 465 </port><socketType>ssl</socketType><extra>x</extra></outgoingServer>`),
			want: &Config{
				Provider: "example.com",
				Incoming: []Server{imap("imap.example.com", 993, core.EncryptionSSL, email)},
				Outgoing: []Server{smtp("smtp.example.com", 465, core.EncryptionSSL, email)},
			},
		},
		{
			name: "OAuth2 at a known provider's host is kept, signing in with it",
			xml: doc(strings.Replace(serverXML("incomingServer", "imap", "outlook.office365.com", "993", "SSL", "x"),
				"<username>", "<authentication>OAuth2</authentication><username>", 1), goodSMTP),
			want: &Config{
				Provider: "example.com",
				Incoming: []Server{{Protocol: ProtocolIMAP, Host: "outlook.office365.com", Port: 993, Encryption: core.EncryptionSSL, Username: "x", Auth: core.AuthOAuth2}},
				Outgoing: []Server{smtp("smtp.example.com", 465, core.EncryptionSSL, email)},
				OAuth:    "microsoft",
			},
		},
		{
			name: "OAuth2-only server skipped, the password one kept",
			xml: doc(strings.Replace(serverXML("incomingServer", "imap", "oauth.example.com", "993", "SSL", "x"),
				"<username>", "<authentication>OAuth2</authentication><username>", 1), goodIMAP, goodSMTP),
			want: &Config{
				Provider: "example.com",
				Incoming: []Server{imap("imap.example.com", 993, core.EncryptionSSL, email)},
				Outgoing: []Server{smtp("smtp.example.com", 465, core.EncryptionSSL, email)},
			},
		},
		{
			name: "note from the visit URL alone; an http URL is not shown",
			xml: doc(goodIMAP, goodSMTP, `<enable visiturl="http://insecure.example.com/"><instruction>Allow apps.</instruction></enable>`,
				`<enable visiturl="https://example.com/apps"/>`),
			want: &Config{
				Provider: "example.com",
				Incoming: []Server{imap("imap.example.com", 993, core.EncryptionSSL, email)},
				Outgoing: []Server{smtp("smtp.example.com", 465, core.EncryptionSSL, email)},
				Note:     "Allow apps.",
			},
		},
		{name: "port out of range", xml: doc(serverXML("incomingServer", "imap", "imap.example.com", "70000", "SSL", "u"), goodSMTP), wantErr: "incoming server 1: port 70000 is outside 1 to 65535"},
		{name: "port zero", xml: doc(goodIMAP, serverXML("outgoingServer", "smtp", "smtp.example.com", "0", "SSL", "u")), wantErr: "outgoing server 1: port 0 is outside"},
		{name: "port not a number", xml: doc(serverXML("incomingServer", "imap", "imap.example.com", "imaps", "SSL", "u"), goodSMTP), wantErr: `port "imaps" is not a number`},
		{name: "host name with a space", xml: doc(serverXML("incomingServer", "imap", "imap example.com", "993", "SSL", "u"), goodSMTP), wantErr: "is not a valid host name"},
		{name: "host name with a leading hyphen", xml: doc(goodIMAP, serverXML("outgoingServer", "smtp", "-smtp.example.com", "465", "SSL", "u")), wantErr: "is not a valid host name"},
		{name: "host name missing", xml: doc(serverXML("incomingServer", "imap", "", "993", "SSL", "u"), goodSMTP), wantErr: "host name is required"},
		{name: "unknown placeholder in host name", xml: doc(serverXML("incomingServer", "imap", "%EMAILADDRESS%", "993", "SSL", "u"), goodSMTP), wantErr: "is not a valid host name"},
		{name: "unknown socket type", xml: doc(serverXML("incomingServer", "imap", "imap.example.com", "993", "TLS1.3", "u"), goodSMTP), wantErr: `socketType "TLS1.3"`},
		{name: "username with a line break", xml: doc(serverXML("incomingServer", "imap", "imap.example.com", "993", "SSL", "a&#13;&#10;LOGIN x"), goodSMTP), wantErr: "username contains control characters"},
		{name: "no outgoing server", xml: doc(goodIMAP), wantErr: "no SMTP server"},
		{name: "only exchange incoming", xml: doc(serverXML("incomingServer", "exchange", "ews.example.com", "443", "SSL", "u"), goodSMTP), wantErr: "no IMAP or POP3 server"},
		{name: "no emailProvider", xml: `<clientConfig version="1.1"/>`, wantErr: "no emailProvider"},
		{name: "HTML page", xml: "<!DOCTYPE html><html><body>Welcome</body></html>", wantErr: "not an autoconfig document"},
		{name: "wrong root element", xml: "<config><emailProvider/></config>", wantErr: "not an autoconfig document"},
		{name: "truncated XML", xml: doc(goodIMAP, goodSMTP)[:80], wantErr: "not an autoconfig document"},
		{name: "empty", xml: "", wantErr: "not an autoconfig document"},
		{name: "unknown encoding", xml: `<?xml version="1.0" encoding="EBCDIC"?>` + doc(goodIMAP, goodSMTP), wantErr: `unsupported encoding "EBCDIC"`},
		{name: "too many servers", xml: doc(strings.Repeat(goodIMAP, maxServers+1), goodSMTP), wantErr: "more than 50 servers"},
		{name: "larger than the cap", xml: doc(goodIMAP, goodSMTP, "<pad>"+strings.Repeat("x", MaxConfigSize)+"</pad>"), wantErr: "larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.email
			if e == "" {
				e = email
			}
			got, err := parseConfig([]byte(tt.xml), mustAddress(t, e))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseConfig() = %+v, %v, want error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseConfig() = %v, want %+v", err, tt.want)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseConfig() =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want string
	}{
		{"collapses white space", "  a\n\tb  c ", 100, "a b c"},
		{"drops control characters", "a\x00b\x1bc", 100, "a b c"},
		{"drops invalid UTF-8", "a\xffb", 100, "ab"},
		{"cuts at a rune boundary", "ééé", 3, "é…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cleanText(tt.in, tt.n); got != tt.want {
				t.Errorf("cleanText(%q, %d) = %q, want %q", tt.in, tt.n, got, tt.want)
			}
		})
	}
}
