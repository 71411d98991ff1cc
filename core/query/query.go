// Package query is Tributary's one search language: what a person types in
// the search box, in `tributary search`, and in a rule. It only parses;
// storage maps a Query onto its index and listing columns.
//
// A query is a list of terms, all of which must hold. A term is a free word
// (matched as a prefix, so results appear while the last word is half
// typed), a quoted phrase, or an operator such as from:ann; any term may be
// negated with a leading "-". See README.md for the table of operators.
//
// A malformed query is an error that says where and what was expected,
// never a query that silently matches nothing.
package query

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind is what a term tests.
type Kind int

// The kinds of term. Text is a free word or a quoted phrase, matched
// anywhere in the subject, the addresses and the body.
const (
	Text Kind = iota
	From
	To
	Cc
	Subject
	Header // header:NAME:VALUE
	HasAttachment
	Unread
	Read
	Flagged
	In      // in:FOLDER, a folder name or a role such as sent
	Account // account:NAME
	Before  // before:DATE, earlier than that day
	After   // after:DATE, on that day or later
	Larger  // larger:SIZE, strictly more bytes
	Smaller // smaller:SIZE, strictly fewer bytes
)

// Term is one condition of a query.
type Term struct {
	Kind Kind
	Not  bool // the term was negated with "-"
	// Value is the text to find (Text, From, To, Cc, Subject, Header), the
	// folder (In) or the account (Account), as typed, unquoted.
	Value string
	// Phrase is true when Value was quoted: its words must appear in that
	// order, and the last word is not taken as a prefix.
	Phrase bool
	Header string    // the header's name, for Header
	Date   time.Time // midnight UTC of the day named, for Before and After
	Size   int64     // bytes, for Larger and Smaller
	Pos    int       // byte offset of the term in the query, for messages
}

// Query is a parsed query: every term must hold. The empty query matches
// every message.
type Query struct {
	Terms []Term
}

// SyntaxError says what is wrong with a query and where.
type SyntaxError struct {
	Query string
	Pos   int // byte offset
	Msg   string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("at character %d: %s", utf8.RuneCountInString(e.Query[:e.Pos])+1, e.Msg)
}

// ErrSyntax is wrapped by every SyntaxError, for errors.Is.
var ErrSyntax = errors.New("query: syntax error")

// ErrUnsupported is wrapped when a query is well formed but the one
// answering it cannot test a term (the store keeps only some headers).
var ErrUnsupported = errors.New("query: term not supported here")

// Unwrap makes errors.Is(err, ErrSyntax) hold.
func (e *SyntaxError) Unwrap() error { return ErrSyntax }

// operators maps each operator name to its parser.
var operators = map[string]func(p *parser, t *Term, v string, quoted bool) error{
	"from":    textOp(From),
	"to":      textOp(To),
	"cc":      textOp(Cc),
	"subject": textOp(Subject),
	"header":  parseHeader,
	"has": func(p *parser, t *Term, v string, quoted bool) error {
		if strings.EqualFold(v, "attachment") || strings.EqualFold(v, "attachments") {
			t.Kind = HasAttachment
			return nil
		}
		return p.errorf(p.vpos, "expected has:attachment, found has:%s", v)
	},
	"is": func(p *parser, t *Term, v string, quoted bool) error {
		switch strings.ToLower(v) {
		case "unread":
			t.Kind = Unread
		case "read":
			t.Kind = Read
		case "flagged", "starred":
			t.Kind = Flagged
		default:
			return p.errorf(p.vpos, "expected is:unread, is:read or is:flagged, found is:%s", v)
		}
		return nil
	},
	"in":      func(p *parser, t *Term, v string, quoted bool) error { t.Kind, t.Value = In, v; return nil },
	"account": func(p *parser, t *Term, v string, quoted bool) error { t.Kind, t.Value = Account, v; return nil },
	"before":  dateOp(Before),
	"after":   dateOp(After),
	"larger":  sizeOp(Larger),
	"smaller": sizeOp(Smaller),
}

func textOp(k Kind) func(p *parser, t *Term, v string, quoted bool) error {
	return func(p *parser, t *Term, v string, quoted bool) error {
		t.Kind, t.Value, t.Phrase = k, v, quoted
		return nil
	}
}

func parseHeader(p *parser, t *Term, v string, quoted bool) error {
	name, value, ok := strings.Cut(v, ":")
	if !ok || name == "" || !isHeaderName(name) {
		return p.errorf(p.vpos, "expected header:NAME:VALUE, such as header:List-Id:announce, found header:%s", v)
	}
	t.Kind, t.Header, t.Value = Header, name, value
	return nil
}

// isHeaderName reports whether s is a field name (RFC 5322 2.2: printable
// ASCII but the colon).
func isHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' || s[i] == ':' {
			return false
		}
	}
	return true
}

func dateOp(k Kind) func(p *parser, t *Term, v string, quoted bool) error {
	return func(p *parser, t *Term, v string, quoted bool) error {
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			return p.errorf(p.vpos, "expected a date such as 2026-12-01 after %s, found %q", opName(k), v)
		}
		t.Kind, t.Date = k, d
		return nil
	}
}

func sizeOp(k Kind) func(p *parser, t *Term, v string, quoted bool) error {
	return func(p *parser, t *Term, v string, quoted bool) error {
		n, err := ParseSize(v)
		if err != nil {
			return p.errorf(p.vpos, "expected a size such as 500K or 2M after %s, found %q", opName(k), v)
		}
		t.Kind, t.Size = k, n
		return nil
	}
}

// ParseSize reads a size in bytes, optionally with a K, M or G suffix
// (powers of 1024), as larger: takes it.
func ParseSize(s string) (int64, error) {
	mult := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mult = 1 << 10
		case 'm', 'M':
			mult = 1 << 20
		case 'g', 'G':
			mult = 1 << 30
		}
		if mult != 1 {
			s = s[:n-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("query: %q is not a size", s)
	}
	return n * mult, nil
}

// opName is the operator that makes a kind, with its colon.
func opName(k Kind) string {
	switch k {
	case From:
		return "from:"
	case To:
		return "to:"
	case Cc:
		return "cc:"
	case Subject:
		return "subject:"
	case Header:
		return "header:"
	case HasAttachment:
		return "has:"
	case Unread, Read, Flagged:
		return "is:"
	case In:
		return "in:"
	case Account:
		return "account:"
	case Before:
		return "before:"
	case After:
		return "after:"
	case Larger:
		return "larger:"
	case Smaller:
		return "smaller:"
	}
	return ""
}

type parser struct {
	s    string
	pos  int
	vpos int // where the value of the operator being read starts
}

func (p *parser) errorf(pos int, format string, args ...any) error {
	return &SyntaxError{Query: p.s, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads a query. Words are separated by white space; a word that
// starts with a letters-only name and a colon is an operator, and an
// unknown one is an error (quote the word to search for it as text).
func Parse(s string) (Query, error) {
	if !utf8.ValidString(s) {
		return Query{}, &SyntaxError{Query: strings.ToValidUTF8(s, "\uFFFD"), Msg: "the query is not valid UTF-8"}
	}
	p := &parser{s: s}
	var q Query
	for {
		p.skipSpace()
		if p.pos >= len(s) {
			return q, nil
		}
		t, err := p.term()
		if err != nil {
			return Query{}, err
		}
		q.Terms = append(q.Terms, t)
	}
}

func (p *parser) skipSpace() {
	for p.pos < len(p.s) {
		r, n := utf8.DecodeRuneInString(p.s[p.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		p.pos += n
	}
}

// term reads one term at p.pos, which is not white space.
func (p *parser) term() (Term, error) {
	t := Term{Pos: p.pos}
	if p.s[p.pos] == '-' {
		t.Not = true
		p.pos++
		if p.pos >= len(p.s) || p.atSpace() {
			return t, p.errorf(t.Pos, `expected a word, a "phrase" or an operator after "-"`)
		}
	}
	start := p.pos
	if p.s[p.pos] == '"' {
		v, err := p.quoted()
		if err != nil {
			return t, err
		}
		if !hasWord(v) {
			return t, p.errorf(start, "expected a letter or digit inside the quotes")
		}
		t.Kind, t.Value, t.Phrase = Text, v, true
		return t, nil
	}
	// An operator: letters, then a colon.
	name := ""
	for i := p.pos; i < len(p.s); i++ {
		c := p.s[i]
		if c == ':' && i > p.pos {
			name = p.s[p.pos:i]
			break
		}
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			break
		}
	}
	if name == "" {
		v := p.bare()
		if !hasWord(v) {
			return t, p.errorf(start, "expected a letter or digit in %q (quote punctuation to search for it)", v)
		}
		t.Kind, t.Value = Text, v
		return t, nil
	}
	op, ok := operators[strings.ToLower(name)]
	if !ok {
		return t, p.errorf(start, "unknown operator %q; known are from:, to:, cc:, subject:, header:, has:, is:, in:, account:, before:, after:, larger: and smaller: (put the word in quotes to search for it as text)", name+":")
	}
	p.pos += len(name) + 1
	t.Pos = start // messages point at the operator, not the "-"
	p.vpos = p.pos
	var v string
	quoted := false
	switch {
	case p.pos >= len(p.s) || p.atSpace():
		return t, p.errorf(p.pos, "expected a value after %q", name+":")
	case p.s[p.pos] == '"':
		var err error
		if v, err = p.quoted(); err != nil {
			return t, err
		}
		quoted = true
	default:
		v = p.bare()
	}
	if v == "" {
		return t, p.errorf(p.pos-2, "expected a value inside the quotes after %q", name+":")
	}
	if err := op(p, &t, v, quoted); err != nil {
		return t, err
	}
	if (t.Kind == From || t.Kind == To || t.Kind == Cc || t.Kind == Subject) && !hasWord(v) {
		return t, p.errorf(p.vpos, "expected a letter or digit after %q", name+":")
	}
	return t, nil
}

func (p *parser) atSpace() bool {
	r, _ := utf8.DecodeRuneInString(p.s[p.pos:])
	return unicode.IsSpace(r)
}

// bare reads up to the next white space. A quote inside a word is part of
// it: only a quote that starts a term or a value opens a phrase.
func (p *parser) bare() string {
	start := p.pos
	for p.pos < len(p.s) && !p.atSpace() {
		_, n := utf8.DecodeRuneInString(p.s[p.pos:])
		p.pos += n
	}
	return p.s[start:p.pos]
}

// quoted reads a "…" phrase at p.pos. Inside, \" is a quote and \\ a
// backslash.
func (p *parser) quoted() (string, error) {
	open := p.pos
	p.pos++
	var b strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			if p.pos < len(p.s) && !p.atSpace() {
				return "", p.errorf(p.pos, "expected a space after the closing quote")
			}
			return b.String(), nil
		case c == '\\' && p.pos+1 < len(p.s) && (p.s[p.pos+1] == '"' || p.s[p.pos+1] == '\\'):
			b.WriteByte(p.s[p.pos+1])
			p.pos += 2
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
	return "", p.errorf(open, "the quote opened here is not closed")
}

// hasWord reports whether s has a letter or digit: the index keeps only
// those, so a term without one could match nothing.
func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// Words splits text the way the full-text index does, into runs of
// letters and digits.
func Words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// String writes the query back in canonical form: Parse(q.String()) gives
// the same terms (but their positions).
func (q Query) String() string {
	parts := make([]string, len(q.Terms))
	for i, t := range q.Terms {
		parts[i] = t.String()
	}
	return strings.Join(parts, " ")
}

// String writes one term as Parse reads it.
func (t Term) String() string {
	var s string
	switch t.Kind {
	case Text:
		s = value(t.Value, t.Phrase)
	case From, To, Cc, Subject, In, Account:
		s = opName(t.Kind) + value(t.Value, t.Phrase)
	case Header:
		s = "header:" + value(t.Header+":"+t.Value, false)
	case HasAttachment:
		s = "has:attachment"
	case Unread:
		s = "is:unread"
	case Read:
		s = "is:read"
	case Flagged:
		s = "is:flagged"
	case Before, After:
		s = opName(t.Kind) + t.Date.Format("2006-01-02")
	case Larger, Smaller:
		s = opName(t.Kind) + strconv.FormatInt(t.Size, 10)
	}
	if t.Not {
		s = "-" + s
	}
	return s
}

// value quotes v when it must be quoted to read back the same.
func value(v string, phrase bool) string {
	if !phrase && v != "" && v[0] != '"' && strings.IndexFunc(v, unicode.IsSpace) < 0 {
		return v
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}
