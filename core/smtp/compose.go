// Package smtp builds outgoing messages and sends them through an
// account's own SMTP server with go-mail, with the account's encryption
// enforced (STARTTLS is required, never opportunistic) and every outcome
// classified for the outbox: sent, try again later, failed for good, or
// unknown when the connection dropped after the message data was sent.
package smtp

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
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

	// Inline are the files the HTML shows by cid: reference, written with
	// the alternatives in a multipart/related; ignored without HTML.
	Inline []Inline
}

// Inline is a file the HTML alternative shows as <img src="cid:ContentID">.
type Inline struct {
	Path      string
	ContentID string // without angle brackets
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
	if d.HTML == "" {
		d.Inline = nil // nothing would show them
	}
	files := slices.Clone(d.Attachments)
	for _, in := range d.Inline {
		if !validContentID(in.ContentID) {
			return "", fmt.Errorf("smtp: inline image %s: the Content-ID %q is not of the form part@domain", filepath.Base(in.Path), in.ContentID)
		}
		files = append(files, in.Path)
	}
	for _, path := range files {
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
	for _, in := range d.Inline {
		m.EmbedFile(in.Path, gomail.WithFileContentID("<"+in.ContentID+">"))
	}
	for _, path := range d.Attachments {
		if err := attach(m, path); err != nil {
			return "", err
		}
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

// validContentID accepts what a cid: URL and a Content-ID header can both
// carry without quoting: an RFC 5322 dot-atom "left@right".
func validContentID(id string) bool {
	left, right, ok := strings.Cut(id, "@")
	if !ok || left == "" || right == "" || strings.Contains(right, "@") {
		return false
	}
	for _, r := range id {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`<>()[]\,;:"`, r) {
			return false
		}
	}
	return true
}

// MaxAttachedMessage bounds an .eml attachment sent as message/rfc822,
// which is read into memory to be checked; a larger one goes as a file.
const MaxAttachedMessage = 64 << 20

// attach adds the file at path. A file named *.eml that reads as a mail
// message goes as message/rfc822, so that the recipient's client shows it
// as a message (a forward as attachment, or a saved message the user
// attached); RFC 2046 allows no base64 there, so it is sent as 8bit text
// with CRLF line ends, and an .eml that cannot be (a NUL byte, a line over
// SMTP's 998) goes as an ordinary file instead.
func attach(m *gomail.Msg, path string) error {
	if !strings.EqualFold(filepath.Ext(path), ".eml") {
		m.AttachFile(path)
		return nil
	}
	b, ok, err := attachedMessage(path)
	if err != nil {
		return fmt.Errorf("smtp: attachment: %w", err)
	}
	if !ok {
		m.AttachFile(path, gomail.WithFileContentType(gomail.TypeAppOctetStream))
		return nil
	}
	if err := m.AttachReader(filepath.Base(path), bytes.NewReader(b),
		gomail.WithFileContentType(gomail.ContentType("message/rfc822")), gomail.WithFileEncoding(gomail.NoEncoding)); err != nil {
		return fmt.Errorf("smtp: attached message %s: %w", filepath.Base(path), err)
	}
	return nil
}

// attachedMessage reads an .eml file and reports whether it can be sent
// as message/rfc822 without encoding: a header block first, no NUL, no
// line longer than 998 bytes.
func attachedMessage(path string) ([]byte, bool, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, false, err
	}
	if st.Size() > MaxAttachedMessage {
		return nil, false, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, err
	}
	if _, err := mail.ReadMessage(bytes.NewReader(b)); err != nil || bytes.IndexByte(b, 0) >= 0 {
		return nil, false, nil
	}
	b = crlf(b)
	for line := range bytes.SplitSeq(b, []byte("\r\n")) {
		if len(line) > 998 {
			return nil, false, nil
		}
	}
	return b, true, nil
}

// crlf gives a message CRLF line ends, however it was stored: a part
// written without encoding is sent as it is, and SMTP wants CRLF.
func crlf(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	b = bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n"))
	if !bytes.HasSuffix(b, []byte("\r\n")) {
		b = append(b, '\r', '\n')
	}
	return b
}
