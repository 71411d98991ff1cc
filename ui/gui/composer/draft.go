package composer

import (
	"net/mail"
	"strings"
	"unicode"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/reply"
)

// Draft is what the composer opens with. Addresses are lists as the user
// types them ("Ann <ann@example.com>, bob@example.com").
type Draft struct {
	AccountID   int64
	To, Cc, Bcc string
	Subject     string
	Body        string
	InReplyTo   string
	References  []string
	Attachments []string
	// PlainTextOnly sends the body as written, without the HTML
	// alternative: the composer's "Plain text only" starts from it.
	PlainTextOnly bool

	// From is the address of the identity to send as, of account
	// AccountID; empty means the account's own.
	From string
	// quote is the quoted original of a reply, the forwarded message of
	// a forward: the signature goes above it.
	quote string

	// saved is the ID of the stored draft this is, 0 for a new message.
	saved int64
	// answers is the message this replies to or forwards, marked
	// answered (forward: forwarded) once the message is sent; 0 for a new
	// message.
	answers int64
	forward bool
}

// ReplyDraft prepares a reply to message id, from the account that
// received it; the engine drafts it (core/reply), so that the CLI answers
// by the same rules. With all, the other recipients are copied, except
// the user's own addresses.
func (a *Composers) ReplyDraft(id int64, all bool) (Draft, error) {
	d, err := a.Engine.ReplyDraft(a.Ctx, id, all)
	if err != nil {
		return Draft{}, err
	}
	return composerDraft(d), nil
}

// ForwardDraft prepares a forward of message id: the original headers and
// text, and its attachments, extracted to a private temporary folder.
func (a *Composers) ForwardDraft(id int64) (Draft, error) {
	d, err := a.Engine.ForwardDraft(a.Ctx, id)
	if err != nil {
		return Draft{}, err
	}
	return composerDraft(d), nil
}

// composerDraft turns the engine's draft into what the composer edits.
func composerDraft(d reply.Draft) Draft {
	m := d.Message
	return Draft{
		answers:     d.Original,
		forward:     d.Forward,
		AccountID:   d.AccountID,
		From:        d.Identity.Email,
		quote:       strings.TrimLeft(m.Text, "\n"),
		To:          joinAddressList(m.To),
		Cc:          joinAddressList(m.Cc),
		Subject:     m.Subject,
		Body:        m.Text,
		InReplyTo:   m.InReplyTo,
		References:  m.References,
		Attachments: m.Attachments,
	}
}

// removeForwardFiles deletes the temporary copies a forward's attachments
// were extracted to, and never a file the user picked.
func removeForwardFiles(paths []string) { reply.RemoveForwardFiles(paths) }

// joinAddressList writes addresses for an address entry.
func joinAddressList(list []*mail.Address) string {
	parts := make([]string, 0, len(list))
	for _, x := range list {
		if x.Address != "" {
			parts = append(parts, FormatAddress(x))
		}
	}
	return strings.Join(parts, ", ")
}

// formatAddress writes an address as a person would type it, quoting the
// name only when net/mail needs it to read it back: "Ann <a@x.example>",
// "\"Doe, Jane\" <j@x.example>".
func FormatAddress(x *mail.Address) string {
	name := strings.TrimSpace(x.Name)
	if name == "" {
		return x.Address
	}
	plain := true
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r >= 0x80 || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r)) {
			plain = false
			break
		}
	}
	if !plain {
		name = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
	}
	return name + " <" + x.Address + ">"
}

// parseAddresses reads an address entry: empty is no addresses, and the
// separator left after picking a completion ("ann@x.example, ") is fine.
func parseAddresses(s string) ([]*mail.Address, error) { return core.ParseAddressList(s) }

// addressError says what is wrong with an address entry, in words.
func addressError(err error) string {
	return lang.L("{{.Problem}}. Separate addresses with commas.", map[string]any{"Problem": err.Error()})
}

// ForwardAsAttachmentDraft prepares a forward of message id with the
// original attached whole (message/rfc822), in a private temporary
// folder.
func (a *Composers) ForwardAsAttachmentDraft(id int64) (Draft, error) {
	d, err := a.Engine.ForwardAsAttachmentDraft(a.Ctx, id)
	if err != nil {
		return Draft{}, err
	}
	return composerDraft(d), nil
}
