// Package reply drafts replies and forwards: who a reply goes to, the
// subject prefixes, the thread headers, the attribution line and the
// quote. It is pure logic over a parsed message, so that the GUI's
// composer and the CLI answer mail by the same rules; the engine reads
// the original and the user's own addresses and calls it.
package reply

import (
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
	"github.com/tributary-mail/tributary/core/smtp"
)

// Draft is a reply or a forward, ready to open in a composer or to queue.
type Draft struct {
	// AccountID is the account that received the original: the answer
	// goes out from it.
	AccountID int64
	// Original is the message answered or forwarded, whose flags record
	// that it was.
	Original int64
	// Forward tells a forward from a reply.
	Forward bool
	// Message is what is sent. From, Reply-To and the Bcc-self copy are
	// Identity's; Attachments are files in a private temporary folder
	// for a forward (see RemoveForwardFiles).
	Message smtp.Draft
	// Identity is the identity the answer goes out as (PickIdentity):
	// the composer starts with it chosen, and places its signature.
	Identity core.Identity
}

// QuoteMax bounds the original text a reply or forward carries: an
// entry lays out all of its text, and nobody reads a megabyte of quote.
const QuoteMax = 100 << 10

// ReferencesMax bounds References, keeping the thread's root and the
// most recent ancestors, as RFC 5322 suggests when trimming.
const ReferencesMax = 20

// The prefixes mail clients put before a subject, in several languages,
// so that a reply to "RE: x" or "AW: x" does not become "Re: RE: x".
var (
	replyPrefix   = regexp.MustCompile(`(?i)^(re|aw|sv|antw|vs|ref)(\[\d+\])?\s*:`)
	forwardPrefix = regexp.MustCompile(`(?i)^(fwd?|wg|tr|vb|rv|doorst)(\[\d+\])?\s*:`)
)

// ReplySubject is the subject of a reply to a message with subject s.
func ReplySubject(s string) string { return prefixSubject("Re: ", replyPrefix, s) }

// ForwardSubject is the subject of a forward of a message with subject s.
func ForwardSubject(s string) string { return prefixSubject("Fwd: ", forwardPrefix, s) }

// prefixSubject puts prefix before s unless s already has one like it.
func prefixSubject(prefix string, already *regexp.Regexp, s string) string {
	s = strings.TrimSpace(s)
	if already.MatchString(s) {
		return s
	}
	return strings.TrimSpace(prefix + s)
}

// OwnAddresses are the addresses of the user's identities (every
// account's own and its aliases), lower-cased, as Reply takes them.
func OwnAddresses(ids []core.Identity) map[string]bool {
	own := map[string]bool{}
	for _, id := range ids {
		own[strings.ToLower(id.Email)] = true
	}
	return own
}

// Reply drafts a reply to msg. It goes to Reply-To, else From; a reply to
// one's own message (from Sent) goes to its recipients. With all, the
// other recipients are added (To to To, Cc to Cc), except the user's own
// addresses (own, lower-cased) and anyone already there.
func Reply(msg *mime.Message, own map[string]bool, all bool) smtp.Draft {
	to := msg.ReplyTo
	if len(to) == 0 {
		to = msg.From
		if len(to) > 0 && own[strings.ToLower(to[0].Address)] && len(msg.To) > 0 {
			to = msg.To
		}
	}
	to = append([]*mail.Address(nil), to...)
	var cc []*mail.Address
	if all {
		taken := map[string]bool{}
		for _, x := range to {
			taken[strings.ToLower(x.Address)] = true
		}
		keep := func(list []*mail.Address) []*mail.Address {
			var out []*mail.Address
			for _, x := range list {
				key := strings.ToLower(x.Address)
				if key == "" || own[key] || taken[key] {
					continue
				}
				taken[key] = true
				out = append(out, x)
			}
			return out
		}
		to = append(to, keep(msg.To)...)
		cc = keep(msg.Cc)
	}
	return smtp.Draft{
		To:         to,
		Cc:         cc,
		Subject:    ReplySubject(msg.Subject),
		InReplyTo:  msg.MessageID,
		References: References(msg),
		Text:       "\n\n" + Attribution(msg) + "\n" + Quote(msg.Text),
	}
}

// Forward drafts a forward of msg: no recipients yet, the original's
// headers and text in the body. Its attachments are the caller's to add,
// as files.
func Forward(msg *mime.Message) smtp.Draft {
	var head strings.Builder
	head.WriteString("\n\n---------- Forwarded message ----------\n")
	fmt.Fprintf(&head, "From: %s\n", addressLine(msg.From))
	if !msg.Date.IsZero() {
		fmt.Fprintf(&head, "Date: %s\n", msg.Date.Local().Format("Mon, 2 Jan 2006 at 15:04"))
	}
	fmt.Fprintf(&head, "Subject: %s\n", msg.Subject)
	if s := addressLine(msg.To); s != "" {
		fmt.Fprintf(&head, "To: %s\n", s)
	}
	if s := addressLine(msg.Cc); s != "" {
		fmt.Fprintf(&head, "Cc: %s\n", s)
	}
	head.WriteString("\n")
	return smtp.Draft{
		Subject: ForwardSubject(msg.Subject),
		Text:    head.String() + clipQuote(msg.Text),
	}
}

// addressLine writes a header's addresses for reading, naming at most
// 20: a forward of a message to a whole company stays readable.
func addressLine(list []*mail.Address) string {
	const shown = 20
	s := core.DisplayAddresses(list[:min(len(list), shown)])
	if len(list) > shown {
		s += fmt.Sprintf(" and %d more", len(list)-shown)
	}
	return s
}

// References continues the thread: the original's References (or its
// In-Reply-To when it has none) and then its own Message-ID.
func References(msg *mime.Message) []string {
	refs := append([]string(nil), msg.References...)
	if len(refs) == 0 && msg.InReplyTo != "" {
		refs = []string{msg.InReplyTo}
	}
	if msg.MessageID != "" {
		refs = append(refs, msg.MessageID)
	}
	if len(refs) > ReferencesMax {
		refs = append(refs[:1], refs[len(refs)-ReferencesMax+1:]...)
	}
	return refs
}

// Attribution is the line above the quote.
func Attribution(msg *mime.Message) string {
	who := "You"
	if len(msg.From) > 0 {
		who = core.DisplayAddress(msg.From[0].Name, msg.From[0].Address)
	}
	if msg.Date.IsZero() {
		return who + " wrote:"
	}
	return fmt.Sprintf("On %s, %s wrote:", msg.Date.Local().Format("Mon, 2 Jan 2006 at 15:04"), who)
}

// Quote quotes a text the way mail clients do: "> " before each line,
// ">" before lines already quoted, so that quote levels stay readable.
func Quote(text string) string {
	text = strings.TrimRight(clipQuote(text), "\n")
	var b strings.Builder
	for line := range strings.SplitSeq(text, "\n") {
		switch {
		case line == "":
			b.WriteString(">\n")
		case strings.HasPrefix(line, ">"):
			b.WriteString(">" + line + "\n")
		default:
			b.WriteString("> " + line + "\n")
		}
	}
	return b.String()
}

func clipQuote(text string) string {
	if len(text) <= QuoteMax {
		return text
	}
	cut := QuoteMax
	for cut > 0 && text[cut]&0xC0 == 0x80 {
		cut--
	}
	return text[:cut] + "\n[…]"
}

// ForwardDirPattern names the folders a forward's attachments are
// extracted into, so that RemoveForwardFiles removes those, and nothing
// else.
const ForwardDirPattern = "tributary-forward-*"

// Attachments returns the attachments of msg a forward carries: inline
// parts belong to the HTML, which is not forwarded.
func Attachments(msg *mime.Message) []mime.Attachment {
	var files []mime.Attachment
	for _, att := range msg.Attachments {
		if !att.Inline {
			files = append(files, att)
		}
	}
	return files
}

// UniqueName returns a safe file name for an attachment: name, or
// "name (2).ext" and so on when taken (used holds lower-cased names).
func UniqueName(name string, used map[string]bool) string {
	if name == "" || filepath.Base(name) != name || name == "." || name == ".." {
		name = "attachment"
	}
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	out := name
	for i := 2; used[strings.ToLower(out)]; i++ {
		out = fmt.Sprintf("%s (%d)%s", stem, i, ext)
	}
	used[strings.ToLower(out)] = true
	return out
}

// RemoveForwardFiles deletes the folders a forward's attachments were
// extracted into, once the message no longer needs them (it is queued,
// or discarded). Files the user picked are never touched: only folders
// named by ForwardDirPattern in the temporary directory are.
func RemoveForwardFiles(paths []string) {
	tmp := filepath.Clean(os.TempDir())
	prefix := strings.TrimSuffix(ForwardDirPattern, "*")
	for _, p := range paths {
		dir := filepath.Dir(p)
		if filepath.Dir(dir) == tmp && strings.HasPrefix(filepath.Base(dir), prefix) {
			os.RemoveAll(dir)
		}
	}
}
