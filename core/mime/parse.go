package mime

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/textproto"
)

// Limits bound what Parse and Extract read. A nil *Limits means
// DefaultLimits, and so does a zero or negative field, so that callers can
// override one limit without restating the others.
type Limits struct {
	MaxParts     int   // MIME entities in total, the message itself included
	MaxDepth     int   // multipart nesting depth; a multipart message has depth 1
	MaxTextBytes int64 // decoded bytes of body text kept, and apart of body HTML; the rest is counted and dropped
	// SkipAttachmentSizes leaves each Attachment's Size 0 instead of
	// decoding the attachment to count its bytes (attached messages are
	// still read, for their subject). The store keeps only how many
	// attachments a message has, and base64-decoding them to size them
	// was a sixth of an IMAP sync's CPU.
	SkipAttachmentSizes bool
	// SkipHTMLText leaves Text empty for a message that has only HTML,
	// instead of deriving it (a whole ParseHTML): the reader builds the
	// HTML's Doc for display anyway and takes the text from it, so that a
	// message is read into the model once.
	SkipHTMLText bool
}

// DefaultLimits are generous for real mail, which rarely has more than a few
// dozen parts or five levels of nesting, and small enough that a hostile
// message costs a few megabytes at most.
var DefaultLimits = Limits{
	MaxParts:     1000,
	MaxDepth:     20,
	MaxTextBytes: 1 << 20,
}

// The errors Parse and Extract wrap when a message exceeds its Limits. Check
// them with errors.Is; the message is then best shown from its raw source.
var (
	ErrTooManyParts = errors.New("mime: too many parts")
	ErrTooDeep      = errors.New("mime: multipart nesting too deep")
)

// Every header block is read under these caps; see the package comment for
// why lines are counted as well as bytes.
const (
	maxHeaderBytes = 1 << 20
	maxHeaderLines = 10000
)

// headerLimitText states the caps in Problems and errors.
const headerLimitText = "larger than 1 MiB or 10000 lines"

var errHeaderTooBig = errors.New("mime: header " + headerLimitText)

// Message is what Parse read from one message: the envelope fields the
// message list and threading need, the body for display and indexing, and a
// description of each attachment.
type Message struct {
	MessageID  string // without angle brackets
	InReplyTo  string // the first id of In-Reply-To, without angle brackets
	References []string
	Date       time.Time // zero if missing or unparseable

	// Addresses are parsed leniently: an address that cannot be parsed is
	// kept as written in Address with an empty Name, so that nobody vanishes
	// from a reply-all.
	From, To, Cc, ReplyTo []*mail.Address
	// DeliveredTo and OriginalTo are the addresses the delivering
	// servers recorded (Delivered-To, X-Original-To; every occurrence),
	// for answering from the alias a message came to.
	DeliveredTo, OriginalTo []*mail.Address

	Subject string // RFC 2047 decoded, in any charset go-message/charset knows

	// Text is the text/plain body, with CRLF turned into LF. Inline
	// text/plain parts outside a multipart/alternative (a mailing list
	// footer, say) are joined with a newline. When the message has no
	// text/plain body, Text is HTMLToText(HTML).
	Text string

	// HTML is the text/html body, unsanitised: display it through
	// ParseHTML, which keeps only what is safe to show. Like Text, inline text/html parts outside an
	// alternative are joined, as Apple Mail splits a body around inline
	// images that way.
	HTML string

	Attachments []Attachment
	Truncated   bool     // some text or HTML was dropped by Limits.MaxTextBytes
	Problems    []string // human-readable notes about what was malformed and how it was handled
}

// Attachment describes one part that is not the body. Its content was
// counted while streaming and not kept; Extract fetches it by Part.
type Attachment struct {
	Filename    string // sanitised with SanitizeFilename; "attachment-N" (plus a common extension) when the part has no name
	ContentType string // lower-case media type without parameters
	Size        int64  // decoded size in bytes, as Extract writes it
	Part        []int  // 1-based path to the part, like IMAP's BODY[1.2]
	Inline      bool   // has a Content-ID and is inline (by disposition, or inside multipart/related): an embedded image, not a file to list
	ContentID   string // without angle brackets, for cid: URLs
}

// Parse reads one message from r. It streams: text is kept up to
// Limits.MaxTextBytes and attachments are only counted. It never panics.
//
// A message whose body is malformed still yields a *Message holding the
// header fields and parts that could be read, with Problems saying what was
// skipped. The error is non-nil only when no header can be read at all, when
// r fails (the error wraps r's), or when a limit is exceeded; errors.Is then
// matches ErrTooManyParts or ErrTooDeep, and the *Message holds what was read
// before the limit. The returned *Message is never nil.
func Parse(r io.Reader, lim *Limits) (msg *Message, err error) {
	msg = &Message{}
	w := &walker{lim: lim.orDefault(), msg: msg}
	defer recoverPanic(&err)
	err = w.run(r)
	w.finish()
	return msg, err
}

// Extract copies the decoded content of the part at path (as in
// Attachment.Part) to w and returns the number of bytes written. The bytes
// are transfer-decoded only, never charset-converted, so a saved file is
// exactly what the sender attached. Path [1] of a message that is not
// multipart is its body, as in IMAP.
func Extract(r io.Reader, path []int, w io.Writer, lim *Limits) (n int64, err error) {
	if len(path) == 0 || slices.ContainsFunc(path, func(i int) bool { return i < 1 }) {
		return 0, fmt.Errorf("mime: extract: invalid part path %v; paths are 1-based, like IMAP's BODY[1.2]", path)
	}
	wk := &walker{lim: lim.orDefault(), target: slices.Clone(path), out: w}
	defer recoverPanic(&err)
	err = wk.run(r)
	if err == nil && !wk.found {
		err = fmt.Errorf("mime: extract: the message has no part %s", dotted(path))
	}
	return wk.copied, err
}

func (l *Limits) orDefault() Limits {
	out := DefaultLimits
	if l == nil {
		return out
	}
	if l.MaxParts > 0 {
		out.MaxParts = l.MaxParts
	}
	if l.MaxDepth > 0 {
		out.MaxDepth = l.MaxDepth
	}
	if l.MaxTextBytes > 0 {
		out.MaxTextBytes = l.MaxTextBytes
	}
	out.SkipAttachmentSizes = l.SkipAttachmentSizes
	out.SkipHTMLText = l.SkipHTMLText
	return out
}

// panicError reports a panic inside the parser or a library under it. The
// API promises not to panic on hostile mail, since one bad message would
// otherwise crash the client every time the inbox shows it; the stack is kept
// for the bug report and for the fuzz targets, which treat it as a failure.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string {
	return fmt.Sprintf("mime: internal error while reading the message (please report it): %v", e.value)
}

func recoverPanic(err *error) {
	if v := recover(); v != nil {
		*err = &panicError{value: v, stack: debug.Stack()}
	}
}

// walker walks the MIME tree of one message. Parse and Extract share it so
// that both number parts, apply limits and skip broken parts identically: a
// path Parse reports is the part Extract finds.
type walker struct {
	lim   Limits
	src   *sourceReader
	parts int

	// Parse: msg is filled in; text and html collect the body.
	msg                  *Message
	text, html           bytes.Buffer
	textParts, htmlParts int

	// Extract: the part at target is copied to out.
	target []int
	out    io.Writer
	copied int64
	found  bool
}

// partInfo is what the walker needs from a part's header. It is taken out
// once so that the header itself, up to a few megabytes, is not kept alive
// while the part's children are walked.
type partInfo struct {
	path        []int // nil for the message itself
	mediaType   string
	params      map[string]string
	encoding    string // Content-Transfer-Encoding, lower-case
	disposition string
	filename    string
	contentID   string
}

// scope is what a part inherits from the multiparts around it.
type scope struct {
	noText, noHTML bool          // an earlier alternative already supplied the text or HTML body
	related        bool          // the parent is multipart/related, whose parts with a Content-ID are embedded
	digest         bool          // the parent is multipart/digest, where parts default to message/rfc822
	parent         *budgetReader // the parent's body, to tell a message cut short from a broken part
}

func (w *walker) extracting() bool { return w.target != nil }

func (w *walker) run(r io.Reader) error {
	w.src = &sourceReader{r: r}
	budget := &budgetReader{r: w.src}
	budget.limit()
	br := bufio.NewReader(budget)
	skipMboxFromLine(br)
	th, err := textproto.ReadHeader(br)
	budget.unlimit()
	h := message.Header{Header: th}
	if err != nil {
		switch {
		case w.src.err != nil:
			return w.ioError()
		case budget.exceeded:
			w.envelope(h)
			return fmt.Errorf("mime: the message header is %s; the message is malformed or hostile, show its raw source instead", headerLimitText)
		case th.Len() == 0:
			return fmt.Errorf("mime: the message has no readable header (%s); it may not be an email", clip(err.Error()))
		}
		w.notef("header: %s; the lines after it were read as the body", clip(err.Error()))
	} else if th.Len() == 0 {
		w.notef("header: the message has no header fields")
	}
	w.envelope(h)
	info := w.describe(h, nil, false)
	return w.walk(info, br, 0, scope{})
}

// skipMboxFromLine drops the "From sender date" line that mbox files and
// some servers put before the header; it is not a header field, and
// textproto would reject the whole header because of it.
func skipMboxFromLine(br *bufio.Reader) {
	if b, err := br.Peek(5); err == nil && string(b) == "From " {
		for {
			_, err := br.ReadSlice('\n')
			if err != bufio.ErrBufferFull {
				return
			}
		}
	}
}

func (w *walker) walk(pi partInfo, body io.Reader, depth int, sc scope) error {
	w.parts++
	if w.parts > w.lim.MaxParts {
		return fmt.Errorf("%w: %s is past the limit of %d parts", ErrTooManyParts, partName(pi.path), w.lim.MaxParts)
	}
	if strings.HasPrefix(pi.mediaType, "multipart/") {
		if pi.params["boundary"] != "" {
			return w.walkMultipart(pi, body, depth+1, sc)
		}
		w.notef("%s: %s without a boundary; shown as plain text", partName(pi.path), pi.mediaType)
		pi.mediaType, pi.params = "text/plain", nil
	}
	err := w.leaf(pi, body, sc)
	if w.src.err != nil {
		return w.ioError()
	}
	return err
}

func (w *walker) walkMultipart(pi partInfo, body io.Reader, depth int, sc scope) error {
	if depth > w.lim.MaxDepth {
		return fmt.Errorf("%w: %s is nested %d deep, past the limit of %d", ErrTooDeep, partName(pi.path), depth, w.lim.MaxDepth)
	}
	if w.extracting() {
		if len(pi.path) > 0 && slices.Equal(pi.path, w.target) {
			// IMAP's BODY[n] of a multipart is its raw body; do the same.
			return w.copyOut(pi, body)
		}
		if !isPrefix(pi.path, w.target) {
			return nil
		}
	}
	budget := &budgetReader{r: body}
	mr := textproto.NewMultipartReader(budget, pi.params["boundary"])
	child := scope{
		related: pi.mediaType == "multipart/related",
		digest:  pi.mediaType == "multipart/digest",
		parent:  budget,
	}
	alternative := pi.mediaType == "multipart/alternative"
	var altText, altHTML bool
	for i := 1; ; i++ {
		// NextPart reads the part's header (and, before the first part,
		// the preamble) with no limit of its own.
		budget.limit()
		p, err := mr.NextPart()
		budget.unlimit()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if w.src.err != nil {
				return w.ioError()
			}
			w.brokenMultipart(pi, i, budget, err)
			return nil
		}
		path := append(slices.Clip(pi.path), i)
		cpi := w.describe(message.Header{Header: p.Header}, path, child.digest)
		p.Header = textproto.Header{}
		csc := child
		csc.noText, csc.noHTML = sc.noText, sc.noHTML
		if alternative {
			csc.noText = csc.noText || altText
			csc.noHTML = csc.noHTML || altHTML
		}
		textBefore, htmlBefore := w.textParts, w.htmlParts
		if err := w.walk(cpi, p, depth, csc); err != nil {
			return err
		}
		if w.found {
			return nil
		}
		altText = altText || w.textParts > textBefore
		altHTML = altHTML || w.htmlParts > htmlBefore
		// Drain here rather than in NextPart, where it would count against
		// the header budget. A read error resurfaces from NextPart.
		if _, err := io.Copy(io.Discard, p); err != nil && w.src.err != nil {
			return w.ioError()
		}
	}
}

func (w *walker) brokenMultipart(pi partInfo, i int, budget *budgetReader, err error) {
	name := partName(pi.path)
	switch {
	case budget.exceeded:
		w.notef("%s: a part header (or the text before the first part) is %s; the rest of this multipart was skipped", name, headerLimitText)
	case budget.eof && i == 1:
		w.notef("%s: boundary %q never appears; its content was skipped", name, clip(pi.params["boundary"]))
	case budget.eof:
		w.notef("%s: no closing boundary, the message may be cut short; kept the %d parts before the end", name, i-1)
	default:
		w.notef("%s: %s; the rest of this multipart was skipped", name, clip(err.Error()))
	}
}

func (w *walker) leaf(pi partInfo, body io.Reader, sc scope) error {
	if w.extracting() {
		if !slices.Equal(imapPath(pi.path), w.target) {
			return nil
		}
		return w.copyOut(pi, w.transferDecoder(pi, body))
	}
	r := w.transferDecoder(pi, body)
	isBody := (pi.mediaType == "text/plain" || pi.mediaType == "text/html") &&
		pi.disposition != "attachment" && pi.filename == ""
	switch {
	case !isBody:
		w.attachment(pi, r, sc)
	case pi.mediaType == "text/plain" && !sc.noText:
		w.readText(pi, r, &w.text, sc)
		w.textParts++
	case pi.mediaType == "text/html" && !sc.noHTML:
		w.readText(pi, r, &w.html, sc)
		w.htmlParts++
	}
	// Otherwise the part is an alternative to a body already chosen; the
	// enclosing multipart drains it.
	return nil
}

func (w *walker) copyOut(pi partInfo, r io.Reader) error {
	w.found = true
	n, err := io.Copy(w.out, r)
	w.copied = n
	if err != nil {
		return fmt.Errorf("mime: extract %s: %w", partName(pi.path), err)
	}
	return nil
}

// transferDecoder undoes the Content-Transfer-Encoding. An unknown encoding
// is noted and the part is kept as it is, which beats showing nothing.
func (w *walker) transferDecoder(pi partInfo, body io.Reader) io.Reader {
	switch pi.encoding {
	case "", "7bit", "8bit", "binary":
		return body
	case "quoted-printable":
		// mime/quotedprintable fails on lines longer than its 4 KiB buffer,
		// which broken mailers do send; it reuses a bufio.Reader this big.
		return goMessageDecoder(pi.encoding, bufio.NewReaderSize(body, 64<<10))
	case "base64":
		return goMessageDecoder(pi.encoding, body)
	}
	w.notef("%s: unknown Content-Transfer-Encoding %q; kept undecoded", partName(pi.path), clip(pi.encoding))
	return body
}

// goMessageDecoder uses go-message's decoders (its base64 one tolerates the
// stray spaces real mail has). message.New would also convert the charset of
// text parts, which Parse does itself so that it can note unknown charsets
// and Extract can keep attachments byte-exact; a header holding only the
// encoding gets just the decoding step.
func goMessageDecoder(encoding string, body io.Reader) io.Reader {
	var h message.Header
	h.Set("Content-Transfer-Encoding", encoding)
	e, err := message.New(h, body)
	if err != nil || e == nil {
		return body
	}
	return e.Body
}

func (w *walker) readText(pi partInfo, r io.Reader, buf *bytes.Buffer, sc scope) {
	r = w.charsetDecoder(pi, r)
	max := w.lim.MaxTextBytes
	if buf.Len() > 0 && int64(buf.Len()) < max {
		buf.WriteByte('\n')
	}
	start := buf.Len()
	_, err := buf.ReadFrom(io.LimitReader(r, max-int64(start)))
	if err == nil {
		var dropped int64
		dropped, err = io.Copy(io.Discard, r)
		if dropped > 0 {
			w.msg.Truncated = true
			trimPartialRune(buf, start)
		}
	}
	if err != nil {
		w.readProblem(pi, err, sc, "kept the text before it")
	}
}

// trimPartialRune drops a UTF-8 sequence that the text limit cut in half,
// which would otherwise show as a replacement character.
func trimPartialRune(buf *bytes.Buffer, start int) {
	b := buf.Bytes()[start:]
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			return
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				buf.Truncate(start + len(b) - i)
			}
			return
		}
	}
}

func (w *walker) attachment(pi partInfo, r io.Reader, sc scope) {
	a := Attachment{
		ContentType: pi.mediaType,
		Part:        imapPath(pi.path),
		ContentID:   pi.contentID,
		Inline:      pi.contentID != "" && (pi.disposition == "inline" || pi.disposition == "" && sc.related),
	}
	name := pi.filename
	var err error
	if pi.mediaType == "message/rfc822" || pi.mediaType == "message/global" {
		var subject string
		a.Size, subject, err = w.countMessage(pi, r)
		if name == "" {
			name = "message.eml"
			if strings.TrimSpace(subject) != "" {
				name = subject + ".eml"
			}
		}
	} else if !w.lim.SkipAttachmentSizes {
		a.Size, err = io.Copy(io.Discard, r)
	}
	if name == "" {
		name = "attachment-" + strconv.Itoa(len(w.msg.Attachments)+1) + extensions[pi.mediaType]
	}
	a.Filename = SanitizeFilename(name)
	w.msg.Attachments = append(w.msg.Attachments, a)
	if err != nil {
		w.readProblem(pi, err, sc, "the attachment is incomplete")
	}
}

// extensions name attachments that have no file name, so that a saved file
// opens with the right program. Only unambiguous types are listed.
var extensions = map[string]string{
	"application/pdf":             ".pdf",
	"application/zip":             ".zip",
	"application/pgp-signature":   ".asc",
	"application/pkcs7-signature": ".p7s",
	"image/gif":                   ".gif",
	"image/jpeg":                  ".jpg",
	"image/png":                   ".png",
	"image/webp":                  ".webp",
	"text/calendar":               ".ics",
	"text/csv":                    ".csv",
	"text/html":                   ".html",
	"text/plain":                  ".txt",
	"text/rfc822-headers":         ".txt",
	"message/delivery-status":     ".txt",
}

// countMessage counts an attached message and reads its Subject to name it.
func (w *walker) countMessage(pi partInfo, r io.Reader) (int64, string, error) {
	counter := &countingReader{r: r}
	budget := &budgetReader{r: counter}
	budget.limit()
	h, _ := textproto.ReadHeader(bufio.NewReader(budget))
	subject := w.decodeText(partName(pi.path)+": the attached message's Subject", h.Get("Subject"))
	// Bytes buffered while reading the header were counted already.
	_, err := io.Copy(io.Discard, counter)
	return counter.n, subject, err
}

func (w *walker) readProblem(pi partInfo, err error, sc scope, consequence string) {
	if w.src.err != nil {
		return // reported to the caller instead
	}
	if errors.Is(err, io.ErrUnexpectedEOF) && sc.parent != nil && sc.parent.eof {
		return // the enclosing multipart reports that the message ends early
	}
	w.notef("%s: %s; %s", partName(pi.path), clip(err.Error()), consequence)
}

func (w *walker) ioError() error {
	return fmt.Errorf("mime: reading message: %w", w.src.err)
}

// maxProblems bounds Problems, since a hostile header can hold thousands of
// broken addresses or encoded words.
const maxProblems = 100

func (w *walker) notef(format string, args ...any) {
	switch {
	case w.msg == nil || len(w.msg.Problems) > maxProblems:
	case len(w.msg.Problems) == maxProblems:
		w.msg.Problems = append(w.msg.Problems, "more problems were not listed")
	default:
		w.msg.Problems = append(w.msg.Problems, fmt.Sprintf(format, args...))
	}
}

// finish turns the collected body into Message fields.
func (w *walker) finish() {
	m := w.msg
	m.Text = w.capText(normalizeText(w.text.String()))
	m.HTML = w.capText(normalizeText(w.html.String()))
	if strings.TrimSpace(m.Text) == "" && m.HTML != "" && !w.lim.SkipHTMLText {
		m.Text = w.capText(HTMLToText(m.HTML))
	}
}

// capText holds s to MaxTextBytes once more, since replacing invalid UTF-8
// can lengthen what the limit let through.
func (w *walker) capText(s string) string {
	if int64(len(s)) <= w.lim.MaxTextBytes {
		return s
	}
	var b bytes.Buffer
	b.WriteString(s[:w.lim.MaxTextBytes])
	trimPartialRune(&b, 0)
	w.msg.Truncated = true
	return b.String()
}

func normalizeText(s string) string {
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\r\n", "\n"), "\uFFFD")
}

// sourceReader remembers the first error from the caller's reader, because
// the multipart reader flattens errors into strings: without it an I/O
// failure would pass for a malformed message.
type sourceReader struct {
	r   io.Reader
	err error
}

func (s *sourceReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err != nil && err != io.EOF && s.err == nil {
		s.err = err
	}
	return n, err
}

// budgetReader caps the bytes and lines read while limit is in force, and
// notes whether its reader reached the end.
type budgetReader struct {
	r        io.Reader
	limited  bool
	bytes    int64
	lines    int
	exceeded bool
	eof      bool
}

func (b *budgetReader) limit() {
	b.limited, b.bytes, b.lines = true, maxHeaderBytes, maxHeaderLines
}

func (b *budgetReader) unlimit() { b.limited = false }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.limited {
		if b.bytes <= 0 || b.lines <= 0 {
			b.exceeded = true
			return 0, errHeaderTooBig
		}
		if int64(len(p)) > b.bytes {
			p = p[:b.bytes]
		}
	}
	n, err := b.r.Read(p)
	if b.limited {
		b.bytes -= int64(n)
		b.lines -= bytes.Count(p[:n], []byte{'\n'})
	}
	if err == io.EOF {
		b.eof = true
	}
	return n, err
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// imapPath numbers a part as IMAP does: the body of a message that is not
// multipart is part 1.
func imapPath(path []int) []int {
	if len(path) == 0 {
		return []int{1}
	}
	return slices.Clone(path)
}

func isPrefix(prefix, path []int) bool {
	return len(prefix) <= len(path) && slices.Equal(prefix, path[:len(prefix)])
}

func dotted(path []int) string {
	s := make([]string, len(path))
	for i, n := range path {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ".")
}

func partName(path []int) string {
	if len(path) == 0 {
		return "body"
	}
	return "part " + dotted(path)
}

// clip shortens a value quoted in a Problem, which may come from a hostile
// header of any length.
func clip(s string) string {
	const max = 100
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "…"
}
