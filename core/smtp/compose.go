// Package smtp builds outgoing messages and sends them through an
// account's own SMTP server with go-mail, with the account's encryption
// enforced (STARTTLS is required, never opportunistic) and every outcome
// classified for the outbox: sent, try again later, failed for good, or
// unknown when the connection dropped after the message data was sent.
package smtp

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Draft is a message as the user composed it.
type Draft struct {
	From        *mail.Address
	ReplyTo     *mail.Address // optional: where answers should go instead of From
	To, Cc, Bcc []*mail.Address
	Subject     string
	Text        string // the plain-text body
	HTML        string // optional HTML alternative
	Attachments []string
	InReplyTo   string   // Message-ID of the message replied to, without brackets
	References  []string // without brackets
}

// Recipients are the envelope recipients: To, Cc and Bcc.
func (d Draft) Recipients() []string {
	var out []string
	for _, list := range [][]*mail.Address{d.To, d.Cc, d.Bcc} {
		for _, a := range list {
			out = append(out, a.Address)
		}
	}
	return out
}

// ErrNoRecipients is returned for a draft with nobody to send it to.
var ErrNoRecipients = errors.New("smtp: the message has no recipients")

// Build writes d as an RFC 5322 message to w: UTF-8 with encoded non-ASCII
// headers, a Message-ID and a Date, and a multipart structure when there is
// an HTML alternative or attachments. Bcc recipients are not written. It
// returns the Message-ID without angle brackets.
func Build(d Draft, w io.Writer) (string, error) {
	if len(d.Recipients()) == 0 {
		return "", ErrNoRecipients
	}
	if d.From == nil || d.From.Address == "" {
		return "", errors.New("smtp: the message has no sender")
	}
	// Refused here, before the message is queued, as well as by Send.
	for _, a := range append([]string{d.From.Address}, d.Recipients()...) {
		if _, err := envelopePath(a); err != nil {
			return "", fmt.Errorf("smtp: %w", err)
		}
	}
	for _, path := range d.Attachments {
		// go-mail opens attachments only while writing; check them now so
		// that a missing file is reported before anything is queued.
		f, err := os.Open(path)
		if err != nil {
			return "", fmt.Errorf("smtp: attachment: %w", err)
		}
		f.Close()
	}
	m := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	m.FromMailAddress(d.From)
	m.SetAddrHeaderFromMailAddress(gomail.HeaderTo, d.To...)
	if len(d.Cc) > 0 {
		m.SetAddrHeaderFromMailAddress(gomail.HeaderCc, d.Cc...)
	}
	if d.ReplyTo != nil && d.ReplyTo.Address != "" {
		m.SetAddrHeaderFromMailAddress(gomail.HeaderReplyTo, d.ReplyTo)
	}
	m.Subject(d.Subject)
	// go-mail's SetMessageID names the machine (os.Hostname) in every
	// message; the sender's domain names nothing the user did not choose.
	m.SetMessageIDWithValue(rand.Text() + "@" + d.From.Address[strings.LastIndexByte(d.From.Address, '@')+1:])
	m.SetDate()
	m.SetUserAgent("Tributary")
	if d.InReplyTo != "" {
		m.SetGenHeader(gomail.HeaderInReplyTo, "<"+d.InReplyTo+">")
	}
	if len(d.References) > 0 {
		refs := make([]string, len(d.References))
		for i, r := range d.References {
			refs[i] = "<" + r + ">"
		}
		m.SetGenHeader(gomail.HeaderReferences, strings.Join(refs, " "))
	}
	text := d.Text
	if !strings.HasSuffix(text, "\n") {
		// Without a final line break the message would end mid-line, and
		// SMTP would add one: the Sent copy would differ from what went out.
		text += "\n"
	}
	m.SetBodyString(gomail.TypeTextPlain, text)
	if d.HTML != "" {
		m.AddAlternativeString(gomail.TypeTextHTML, d.HTML)
	}
	for _, path := range d.Attachments {
		m.AttachFile(path)
	}
	if _, err := m.WriteTo(w); err != nil {
		return "", fmt.Errorf("smtp: write message: %w", err)
	}
	ids := m.GetGenHeader(gomail.HeaderMessageID)
	if len(ids) == 0 {
		return "", errors.New("smtp: message has no Message-ID")
	}
	return strings.Trim(ids[0], "<>"), nil
}
