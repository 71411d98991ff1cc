package mailto

import (
	"errors"
	"net/mail"
	"strings"
	"testing"
)

// list shows addresses as "addr" or "Name <addr>", joined by ", ".
func list(m Message, field string) string {
	addrs := map[string]any{"to": m.To, "cc": m.Cc, "bcc": m.Bcc}[field]
	var out []string
	for _, a := range addrs.([]*mail.Address) {
		// String quotes a local part that needs it, as a header would.
		addr := strings.Trim((&mail.Address{Address: a.Address}).String(), "<>")
		if a.Name != "" {
			addr = a.Name + " <" + addr + ">"
		}
		out = append(out, addr)
	}
	return strings.Join(out, ", ")
}

func TestParse(t *testing.T) {
	tests := []struct {
		name          string
		uri           string
		to, cc, bcc   string
		subject, body string
		inReplyTo     string
		ignored       string
	}{
		// RFC 6068 §6.1
		{name: "one address", uri: "mailto:chris@example.com", to: "chris@example.com"},
		{name: "subject", uri: "mailto:infobot@example.com?subject=current-issue", to: "infobot@example.com", subject: "current-issue"},
		{name: "body", uri: "mailto:infobot@example.com?body=send%20current-issue", to: "infobot@example.com", body: "send current-issue"},
		{name: "body with a line break", uri: "mailto:infobot@example.com?body=send%20current-issue%0D%0Asend%20index", to: "infobot@example.com", body: "send current-issue\nsend index"},
		{name: "in-reply-to", uri: "mailto:list@example.org?In-Reply-To=%3C3469A91.D10AF4C@example.com%3E", to: "list@example.org", inReplyTo: "<3469A91.D10AF4C@example.com>"},
		{name: "subscribe", uri: "mailto:majordomo@example.com?body=subscribe%20bamboo-l", to: "majordomo@example.com", body: "subscribe bamboo-l"},
		{name: "cc and body", uri: "mailto:joe@example.com?cc=bob@example.com&body=hello", to: "joe@example.com", cc: "bob@example.com", body: "hello"},
		{name: "percent in the address", uri: "mailto:gorby%25kremvax@example.com", to: "gorby%kremvax@example.com"},
		{name: "question mark in the address, unknown field", uri: "mailto:unlikely%3Faddress@example.com?blat=foop", to: "unlikely?address@example.com", ignored: "blat"},
		{name: "ampersand in the address", uri: "mailto:Mike%26family@example.org", to: "Mike&family@example.org"},
		// RFC 6068 §6.2
		{name: "quoted at sign", uri: "mailto:%22not%40me%22@example.org", to: `"not@me"@example.org`},
		{name: "quoted backslash", uri: "mailto:%22oh%5C%5Cno%22@example.org", to: `"oh\\no"@example.org`},
		{name: "ugly quoting", uri: "mailto:%22%5C%5C%5C%22it's%5C%20ugly%5C%5C%5C%22%22@example.org", to: `"\\\"it's ugly\\\""@example.org`},
		// RFC 6068 §6.3
		{name: "UTF-8 subject", uri: "mailto:user@example.org?subject=caf%C3%A9", to: "user@example.org", subject: "café"},
		{name: "encoded-word subject, UTF-8", uri: "mailto:user@example.org?subject=%3D%3Futf-8%3FQ%3Fcaf%3DC3%3DA9%3F%3D", to: "user@example.org", subject: "café"},
		{name: "encoded-word subject, Latin-1", uri: "mailto:user@example.org?subject=%3D%3Fiso-8859-1%3FQ%3Fcaf%3DE9%3F%3D", to: "user@example.org", subject: "café"},
		{name: "UTF-8 body", uri: "mailto:user@example.org?subject=Test&body=NATTO%20%E7%B4%8D%E8%B1%86", to: "user@example.org", subject: "Test", body: "NATTO 納豆"},
		{name: "internationalised domain", uri: "mailto:user@%E7%B4%8D%E8%B1%86.example.org?subject=Test&body=NATTO", to: "user@納豆.example.org", subject: "Test", body: "NATTO"},
		// Several addresses, and to= without a path (RFC 6068 §2).
		{name: "two addresses in the path", uri: "mailto:addr1@an.example,addr2@an.example", to: "addr1@an.example, addr2@an.example"},
		{name: "to field alone", uri: "mailto:?to=addr1@an.example,addr2@an.example", to: "addr1@an.example, addr2@an.example"},
		{name: "path and to field", uri: "mailto:addr1@an.example?to=addr2@an.example", to: "addr1@an.example, addr2@an.example"},
		{name: "encoded comma and a name", uri: "mailto:?to=Ann%20Example%20%3Cann@example.com%3E%2C%20bob@example.com&bcc=me@example.com", to: "Ann Example <ann@example.com>, bob@example.com", bcc: "me@example.com"},
		{name: "the issue's example", uri: "mailto:ann@example.com?subject=Hi&body=How%20are%20you%3F", to: "ann@example.com", subject: "Hi", body: "How are you?"},
		{name: "plus stays a plus", uri: "mailto:ann+tag@example.com?subject=1+1", to: "ann+tag@example.com", subject: "1+1"},
		{name: "scheme in capitals, field names in any case", uri: "MAILTO:ann@example.com?SUBJECT=Hi&Cc=bob@example.com", to: "ann@example.com", cc: "bob@example.com", subject: "Hi"},
		// Unsafe fields are ignored (RFC 6068 §7), and so are repeats.
		{name: "unsafe headers", uri: "mailto:ann@example.com?from=boss@example.com&sender=x@example.com&X-Mailer=evil&attach=/etc/passwd&subject=ok", to: "ann@example.com", subject: "ok", ignored: "from sender x-mailer attach"},
		{name: "second subject", uri: "mailto:ann@example.com?subject=one&subject=two", to: "ann@example.com", subject: "one", ignored: "subject"},
		{name: "a subject is one line", uri: "mailto:ann@example.com?subject=one%0D%0Atwo", to: "ann@example.com", subject: "one two"},
		{name: "empty", uri: "mailto:", to: ""},
		{name: "fragment dropped", uri: "mailto:ann@example.com#frag", to: "ann@example.com"},
		{name: "invalid UTF-8 replaced", uri: "mailto:ann@example.com?body=%FF", to: "ann@example.com", body: "\uFFFD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.uri)
			if err != nil {
				t.Fatalf("Parse(%q) = %v", tt.uri, err)
			}
			for _, f := range []struct{ field, got, want string }{
				{"to", list(m, "to"), tt.to}, {"cc", list(m, "cc"), tt.cc}, {"bcc", list(m, "bcc"), tt.bcc},
				{"subject", m.Subject, tt.subject}, {"body", m.Body, tt.body}, {"in-reply-to", m.InReplyTo, tt.inReplyTo},
				{"ignored", strings.Join(m.Ignored, " "), tt.ignored},
			} {
				if f.got != f.want {
					t.Errorf("Parse(%q) %s = %q, want %q", tt.uri, f.field, f.got, f.want)
				}
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, uri string
		not       bool // ErrNotMailto
	}{
		{"another scheme", "http://example.com", true},
		{"no scheme", "ann@example.com", true},
		{"bad percent-encoding", "mailto:ann@example.com?subject=%zz", false},
		{"not an address", "mailto:ann", false},
		{"bad cc", "mailto:ann@example.com?cc=<<", false},
		{"too long", "mailto:ann@example.com?body=" + strings.Repeat("x", MaxLen), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.uri)
			if err == nil {
				t.Fatalf("Parse(%.60q) = nil, want an error", tt.uri)
			}
			if errors.Is(err, ErrNotMailto) != tt.not {
				t.Errorf("Parse(%.60q) = %v, want ErrNotMailto %v", tt.uri, err, tt.not)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add("mailto:ann@example.com?subject=Hi&body=x%0D%0Ay&cc=bob@example.com")
	f.Add("mailto:?to=%22not%40me%22@example.org&bcc=a@b.c")
	f.Fuzz(func(t *testing.T, uri string) {
		m, err := Parse(uri)
		if err != nil {
			return
		}
		if strings.ContainsAny(m.Subject, "\r\n") {
			t.Errorf("Parse(%q) subject %q has a line break", uri, m.Subject)
		}
	})
}
