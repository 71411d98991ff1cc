// Package mailto parses mailto: URIs (RFC 6068), which the desktop hands
// to Tributary as the system's mail handler, into the fields of a new
// message.
package mailto

import (
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"strings"
	"unicode/utf8"
)

// MaxLen bounds a URI: browsers cap theirs far below, and a body longer
// than this is no link.
const MaxLen = 1 << 20

// Message is what a mailto: URI fills in. Bodies have "\n" line breaks.
type Message struct {
	To, Cc, Bcc []*mail.Address
	Subject     string
	Body        string
	// InReplyTo is a Message-ID with its angle brackets, as in the header.
	InReplyTo string
	// Ignored names the header fields left out: any other than to, cc,
	// bcc, subject, body and in-reply-to, as RFC 6068 §7 advises (a link
	// must not set From, Sender or the like), and repeats of the single
	// ones.
	Ignored []string
}

// ErrNotMailto is a string that is not a mailto: URI.
var ErrNotMailto = errors.New("mailto: not a mailto: URI")

// Is reports whether s looks like a mailto: URI, as a command-line
// argument would: it starts with the scheme, in any case.
func Is(s string) bool {
	return len(s) >= 7 && strings.EqualFold(s[:7], "mailto:")
}

// Parse reads a mailto: URI. Addresses may be in the path, separated by
// commas, and in to= fields (`mailto:?to=ann@example.com`); cc, bcc,
// subject, body and in-reply-to are taken, percent-decoded as UTF-8
// (a "+" stays a plus sign), and a subject may also be an RFC 2047
// encoded word. The error names the part that is wrong.
func Parse(uri string) (Message, error) {
	var m Message
	if !Is(uri) {
		return m, ErrNotMailto
	}
	if len(uri) > MaxLen {
		return m, fmt.Errorf("mailto: the link is longer than %d KB", MaxLen>>10)
	}
	rest := uri[len("mailto:"):]
	// A fragment has no meaning here (RFC 6068 §2), and a literal "#"
	// cannot be part of an address.
	rest, _, _ = strings.Cut(rest, "#")
	path, query, _ := strings.Cut(rest, "?")
	if err := m.addAddresses(&m.To, "address", path); err != nil {
		return m, err
	}
	seen := map[string]bool{}
	for field := range strings.SplitSeq(query, "&") {
		if field == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(field, "=")
		name, err := decode(rawName)
		if err != nil {
			return m, fmt.Errorf("mailto: field name %q: %w", rawName, err)
		}
		name = strings.ToLower(name)
		switch name {
		case "to":
			err = m.addAddresses(&m.To, "to", rawValue)
		case "cc":
			err = m.addAddresses(&m.Cc, "cc", rawValue)
		case "bcc":
			err = m.addAddresses(&m.Bcc, "bcc", rawValue)
		case "subject", "body", "in-reply-to":
			if seen[name] {
				m.Ignored = append(m.Ignored, name)
				continue
			}
			seen[name] = true
			var v string
			if v, err = decode(rawValue); err != nil {
				err = fmt.Errorf("mailto: %s: %w", name, err)
				break
			}
			switch name {
			case "subject":
				m.Subject = subject(v)
			case "body":
				m.Body = strings.ReplaceAll(strings.ReplaceAll(v, "\r\n", "\n"), "\r", "\n")
			default:
				m.InReplyTo = strings.TrimSpace(v)
			}
		default:
			m.Ignored = append(m.Ignored, name)
		}
		if err != nil {
			return m, err
		}
	}
	return m, nil
}

// addAddresses decodes raw and appends its comma-separated addresses.
func (m *Message) addAddresses(list *[]*mail.Address, what, raw string) error {
	s, err := decode(raw)
	if err != nil {
		return fmt.Errorf("mailto: %s %q: %w", what, raw, err)
	}
	if strings.TrimSpace(s) == "" {
		return nil
	}
	addrs, err := mail.ParseAddressList(s)
	if err != nil {
		return fmt.Errorf("mailto: %s %q is not a list of addresses: %w", what, s, err)
	}
	*list = append(*list, addrs...)
	return nil
}

// decode undoes percent-encoding. The result is taken as UTF-8, with
// what is not replaced, so that it is safe to show.
func decode(s string) (string, error) {
	// PathUnescape, not QueryUnescape: "+" is no space in mailto:.
	v, err := url.PathUnescape(s)
	if err != nil {
		return "", fmt.Errorf("bad percent-encoding: %w", err)
	}
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return v, nil
}

// subject decodes RFC 2047 encoded words, which RFC 6068 §2 allows
// instead of percent-encoded UTF-8, and keeps the text when they are
// broken; line breaks become spaces, as a subject is one line.
func subject(s string) string {
	if strings.Contains(s, "=?") {
		if d, err := new(mime.WordDecoder).DecodeHeader(s); err == nil {
			s = d
		}
	}
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
}
