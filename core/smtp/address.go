package smtp

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// ErrBadAddress is wrapped by the error for an address that cannot go
// into MAIL FROM or RCPT TO safely.
var ErrBadAddress = errors.New("address cannot be used in the SMTP envelope")

// envelopePath writes addr (local@domain, as net/mail returns it: a quoted
// local part comes back unquoted) as an RFC 5321 path in angle brackets.
// go-mail writes its argument as it is, so a local part such as
// `x@evil.example> NOTIFY=NEVER` (from `"x@evil.example> NOTIFY=NEVER"@example.com`
// in a header that reply-all copied) would end the path early and add
// ESMTP parameters. A local part that is not a dot-string is therefore
// quoted, as RFC 5321 4.1.2 requires; one with angle brackets or control
// characters is refused, because servers that parse paths loosely would
// still read a bracket as the end of the path, and no real mailbox needs one.
func envelopePath(addr string) (string, error) {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 || at == len(addr)-1 {
		return "", fmt.Errorf("%q: %w: it is not local-part@domain", addr, ErrBadAddress)
	}
	local, domain := addr[:at], addr[at+1:]
	if !utf8.ValidString(addr) {
		return "", fmt.Errorf("%q: %w: it is not valid UTF-8", addr, ErrBadAddress)
	}
	for _, r := range addr {
		if r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f || r == '<' || r == '>' {
			return "", fmt.Errorf("%q: %w: it contains %q", addr, ErrBadAddress, r)
		}
	}
	for _, r := range domain {
		// A domain, an address literal such as [192.0.2.1], or an
		// internationalised domain; nothing that ends the path or adds
		// a parameter.
		if r == ' ' || r == '\t' || r == '"' || r == '\\' || r == '@' || r == '(' || r == ')' || r == ',' || r == ';' {
			return "", fmt.Errorf("%q: %w: its domain contains %q", addr, ErrBadAddress, r)
		}
	}
	if !isDotString(local) {
		local = quoteLocal(local)
	}
	return "<" + local + "@" + domain + ">", nil
}

// isDotString reports whether s is an RFC 5321 Dot-string (atoms of atext
// joined by single dots), which needs no quoting. Non-ASCII is atext under
// SMTPUTF8 (RFC 6531).
func isDotString(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r >= 0x80:
		case strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r):
		default:
			return false
		}
	}
	return true
}

// quoteLocal writes s as an RFC 5321 Quoted-string: a backslash before
// each double quote and backslash.
func quoteLocal(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		if r == '"' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}
