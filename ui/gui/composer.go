package gui

import (
	"context"
	"fmt"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
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

	// saved is the ID of the stored draft this is, 0 for a new message.
	saved int64
}

// quoteMax bounds the original text a reply or forward carries: an
// entry lays out all of its text, and nobody reads a megabyte of quote.
const quoteMax = 100 << 10

// referencesMax bounds References, keeping the thread's root and the
// most recent ancestors, as RFC 5322 suggests when trimming.
const referencesMax = 20

// ReplyDraft prepares a reply to message id, from the account that
// received it. With all, the other recipients are copied, except the
// user's own addresses.
func (a *App) ReplyDraft(id int64, all bool) (Draft, error) {
	sum, _, msg, err := a.original(a.ctx, id)
	if err != nil {
		return Draft{}, err
	}
	own, err := a.ownAddresses(a.ctx)
	if err != nil {
		return Draft{}, err
	}
	to := msg.ReplyTo
	if len(to) == 0 {
		to = msg.From
		// A reply to one's own message (from Sent) goes to its recipients.
		if len(to) > 0 && own[strings.ToLower(to[0].Address)] && len(msg.To) > 0 {
			to = msg.To
		}
	}
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
		to = append(to[:len(to):len(to)], keep(msg.To)...)
		cc = keep(msg.Cc)
	}
	d := Draft{
		AccountID:  sum.AccountID,
		To:         joinAddressList(to),
		Cc:         joinAddressList(cc),
		Subject:    prefixSubject("Re: ", replyPrefix, subjectOf(msg, sum)),
		InReplyTo:  msg.MessageID,
		References: references(msg),
		Body:       "\n\n" + attribution(msg) + "\n" + quoteText(msg.Text),
	}
	return d, nil
}

// ForwardDraft prepares a forward of message id: the original headers and
// text, and its attachments, extracted to a private temporary folder.
func (a *App) ForwardDraft(id int64) (Draft, error) {
	sum, blob, msg, err := a.original(a.ctx, id)
	if err != nil {
		return Draft{}, err
	}
	var head strings.Builder
	head.WriteString("\n\n---------- Forwarded message ----------\n")
	fmt.Fprintf(&head, "From: %s\n", addressLine(msg.From, sum.From()))
	if !msg.Date.IsZero() {
		fmt.Fprintf(&head, "Date: %s\n", msg.Date.Local().Format("Mon, 2 Jan 2006 at 15:04"))
	}
	fmt.Fprintf(&head, "Subject: %s\n", subjectOf(msg, sum))
	if s := addressLine(msg.To, ""); s != "" {
		fmt.Fprintf(&head, "To: %s\n", s)
	}
	if s := addressLine(msg.Cc, ""); s != "" {
		fmt.Fprintf(&head, "Cc: %s\n", s)
	}
	head.WriteString("\n")
	d := Draft{
		AccountID: sum.AccountID,
		Subject:   prefixSubject("Fwd: ", forwardPrefix, subjectOf(msg, sum)),
		Body:      head.String() + clipQuote(msg.Text),
	}
	d.Attachments, err = a.forwardAttachments(blob, msg.Attachments)
	return d, err
}

// forwardDirPattern names the folders ForwardDraft extracts into, so that
// sending can remove them, and nothing else.
const forwardDirPattern = "tributary-forward-*"

func (a *App) forwardAttachments(blob string, atts []mime.Attachment) ([]string, error) {
	var files []mime.Attachment
	for _, att := range atts {
		if !att.Inline { // inline parts belong to the HTML, which is not forwarded
			files = append(files, att)
		}
	}
	if len(files) == 0 {
		return nil, nil
	}
	dir, err := os.MkdirTemp("", forwardDirPattern)
	if err != nil {
		return nil, fmt.Errorf("cannot make a folder for the attachments: %w", err)
	}
	used := map[string]bool{}
	var paths []string
	for _, att := range files {
		name := uniqueName(att.Filename, used)
		f, err := os.OpenFile(filepath.Join(dir, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("cannot write attachment %s: %w", name, err)
		}
		if err := a.extractAttachment(blob, att, f); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		paths = append(paths, f.Name())
	}
	return paths, nil
}

// uniqueName returns name, or "name (2).ext" and so on when taken.
func uniqueName(name string, used map[string]bool) string {
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

// removeForwardFiles deletes the folders ForwardDraft made for paths, once
// the message no longer needs them. Files the user picked are never
// touched: only folders named by forwardDirPattern in the temporary
// directory are.
func removeForwardFiles(paths []string) {
	tmp := filepath.Clean(os.TempDir())
	prefix := strings.TrimSuffix(forwardDirPattern, "*")
	for _, p := range paths {
		dir := filepath.Dir(p)
		if filepath.Dir(dir) == tmp && strings.HasPrefix(filepath.Base(dir), prefix) {
			os.RemoveAll(dir)
		}
	}
}

// original reads a message to reply to or forward. A message whose file
// is gone can still be answered from its summary.
func (a *App) original(ctx context.Context, id int64) (core.MessageSummary, string, *mime.Message, error) {
	sum, blob, err := a.db.Message(ctx, id)
	if err != nil {
		return sum, "", nil, fmt.Errorf("cannot read message %d: %w", id, err)
	}
	fallback := &mime.Message{MessageID: sum.MessageID, Subject: sum.Subject, Date: sum.Date}
	if sum.FromAddr != "" {
		fallback.From = []*mail.Address{{Name: sum.FromName, Address: sum.FromAddr}}
	}
	f, err := a.db.OpenBlob(blob)
	if err != nil {
		a.log.Warn("answering a message from its summary", "message", id, "error", err)
		return sum, blob, fallback, nil
	}
	defer f.Close()
	msg, _ := mime.Parse(f, nil) // never nil; a malformed message gives what could be read
	if msg.MessageID == "" {
		msg.MessageID = sum.MessageID
	}
	if len(msg.From) == 0 {
		msg.From = fallback.From
	}
	return sum, blob, msg, nil
}

// ownAddresses are the addresses of every account, lower-cased.
func (a *App) ownAddresses(ctx context.Context) (map[string]bool, error) {
	accounts, err := a.db.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	own := map[string]bool{}
	for _, acct := range accounts {
		own[strings.ToLower(acct.Email)] = true
	}
	return own, nil
}

func subjectOf(msg *mime.Message, sum core.MessageSummary) string {
	if msg.Subject != "" {
		return msg.Subject
	}
	return sum.Subject
}

// The prefixes mail clients put before a subject, in several languages,
// so that a reply to "RE: x" or "AW: x" does not become "Re: RE: x".
var (
	replyPrefix   = regexp.MustCompile(`(?i)^(re|aw|sv|antw|vs|ref)(\[\d+\])?\s*:`)
	forwardPrefix = regexp.MustCompile(`(?i)^(fwd?|wg|tr|vb|rv|doorst)(\[\d+\])?\s*:`)
)

// prefixSubject puts prefix before s unless s already has one like it.
func prefixSubject(prefix string, already *regexp.Regexp, s string) string {
	s = strings.TrimSpace(s)
	if already.MatchString(s) {
		return s
	}
	return strings.TrimSpace(prefix + s)
}

// references continues the thread: the original's References (or its
// In-Reply-To when it has none) and then its own Message-ID.
func references(msg *mime.Message) []string {
	refs := append([]string(nil), msg.References...)
	if len(refs) == 0 && msg.InReplyTo != "" {
		refs = []string{msg.InReplyTo}
	}
	if msg.MessageID != "" {
		refs = append(refs, msg.MessageID)
	}
	if len(refs) > referencesMax {
		refs = append(refs[:1], refs[len(refs)-referencesMax+1:]...)
	}
	return refs
}

// attribution is the line above the quote.
func attribution(msg *mime.Message) string {
	who := "You"
	if len(msg.From) > 0 {
		who = core.DisplayAddress(msg.From[0].Name, msg.From[0].Address)
	}
	if msg.Date.IsZero() {
		return who + " wrote:"
	}
	return fmt.Sprintf("On %s, %s wrote:", msg.Date.Local().Format("Mon, 2 Jan 2006 at 15:04"), who)
}

// quoteText quotes a text the way mail clients do: "> " before each line,
// ">" before lines already quoted, so that quote levels stay readable.
func quoteText(text string) string {
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
	if len(text) <= quoteMax {
		return text
	}
	cut := quoteMax
	for cut > 0 && text[cut]&0xC0 == 0x80 {
		cut--
	}
	return text[:cut] + "\n[…]"
}

// joinAddressList writes addresses for an address entry.
func joinAddressList(list []*mail.Address) string {
	parts := make([]string, 0, len(list))
	for _, x := range list {
		if x.Address != "" {
			parts = append(parts, formatAddress(x))
		}
	}
	return strings.Join(parts, ", ")
}

// formatAddress writes an address as a person would type it, quoting the
// name only when net/mail needs it to read it back: "Ann <a@x.example>",
// "\"Doe, Jane\" <j@x.example>".
func formatAddress(x *mail.Address) string {
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
func parseAddresses(s string) ([]*mail.Address, error) {
	s = strings.TrimRight(strings.TrimSpace(s), ", \t")
	if s == "" {
		return nil, nil
	}
	return mail.ParseAddressList(s)
}

// addressError says what is wrong with an address entry, naming the
// first part that is not an address when the list splits cleanly.
func addressError(s string, err error) string {
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if _, perr := mail.ParseAddress(part); perr != nil {
			return fmt.Sprintf("%q is not an email address (%s). Write it like name@example.com; separate addresses with commas.",
				clipRunes(part, 60), strings.TrimPrefix(perr.Error(), "mail: "))
		}
	}
	return fmt.Sprintf("This is not a list of email addresses (%s). Write them like name@example.com, separated by commas.",
		strings.TrimPrefix(err.Error(), "mail: "))
}
