// Package vcard reads and writes the address book as vCard files: it
// writes vCard 4.0 (RFC 6350) and reads 4.0 and the 3.0 (RFC 2426) that
// Google Contacts and Apple Contacts export. Cards are parsed by
// github.com/emersion/go-vcard; this package wraps its gaps in one place:
// it folds long lines when writing, unescapes "\;" and "\N" when reading,
// takes Apple's TYPE=pref and 4.0's PREF for the preferred address, and
// bounds what it reads.
package vcard

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	govcard "github.com/emersion/go-vcard"

	"github.com/tributary-mail/tributary/core"
)

// MaxSize bounds a file Read accepts: an address book of tens of
// thousands of cards with photos fits.
const MaxSize = 64 << 20

// ErrTooLarge is a file over MaxSize.
var ErrTooLarge = fmt.Errorf("vcard: the file is larger than %d MB", MaxSize>>20)

// Read reads every card of r as a contact. A card Read cannot use
// entirely (an address that is not one, no name and no address) loses
// that part or is skipped, and problems says so, one line each; err is
// for a file that is not a vCard file at all, or broken in the middle.
func Read(r io.Reader) (list []core.Contact, problems []string, err error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("vcard: read: %w", err)
	}
	if len(data) > MaxSize {
		return nil, nil, ErrTooLarge
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, nil, errors.New("vcard: the file is not UTF-8 text")
	}
	data, err = unfold(data)
	if err != nil {
		return nil, nil, err
	}
	dec := govcard.NewDecoder(bytes.NewReader(data))
	for n := 1; ; n++ {
		card, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return list, problems, fmt.Errorf("vcard: card %d: %w", n, err)
		}
		c, notes := contact(card)
		for _, p := range notes {
			problems = append(problems, fmt.Sprintf("card %d (%s): %s", n, label(card), p))
		}
		if err := c.Normalize(); err != nil {
			problems = append(problems, fmt.Sprintf("card %d (%s): skipped: no name and no address", n, label(card)))
			continue
		}
		list = append(list, c)
	}
	if len(list) == 0 && len(problems) == 0 {
		return nil, nil, errors.New("vcard: no cards in the file (a vCard file has BEGIN:VCARD ... END:VCARD)")
	}
	return list, problems, nil
}

// maxLine bounds one property, unfolded: a photo of a few megabytes
// fits.
const maxLine = 4 << 20

// unfold joins folded lines (RFC 6350 §3.2: a line break followed by a
// space or a tab continues the line) and ends every line with CRLF, the
// last one too, so that a last line without its line break still ends
// its card. go-vcard unfolds by appending line after line to a string,
// which takes quadratic time on a property folded into many short
// lines; here it is one pass, and a property longer than maxLine is
// refused.
func unfold(data []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(data) + 2)
	n, lines := 0, 0
	for line := range bytes.SplitSeq(data, []byte("\n")) {
		line = bytes.TrimSuffix(line, []byte("\r"))
		if lines > 0 && len(line) > 0 && (line[0] == ' ' || line[0] == '\t') {
			out.Write(line[1:])
			n += len(line) - 1
		} else {
			if lines > 0 {
				out.WriteString("\r\n")
			}
			out.Write(line)
			n = len(line)
		}
		lines++
		if n > maxLine {
			return nil, fmt.Errorf("vcard: a property is longer than %d MB", maxLine>>20)
		}
	}
	out.WriteString("\r\n")
	return lowerNewlineEscapes(out.Bytes()), nil
}

// lowerNewlineEscapes writes RFC 6350's "\N" as "\n", which go-vcard
// unescapes, in one pass that steps over "\\" (an escaped backslash):
// turning "\N" into a line break after go-vcard has unescaped a value
// would read an escaped backslash followed by N ("\\N", a written
// "\N") as a line break.
func lowerNewlineEscapes(b []byte) []byte {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		if b[i+1] == 'N' {
			b[i+1] = 'n'
		}
		i++ // the escaped character, a backslash included, is done
	}
	return b
}

// label names a card in a problem.
func label(card govcard.Card) string {
	return cmp.Or(text(card.Value(govcard.FieldFormattedName)), text(card.Value(govcard.FieldEmail)), "no name")
}

// contact maps a card's FN (else N), EMAIL, TEL and NOTE; the other
// properties are not kept.
func contact(card govcard.Card) (c core.Contact, problems []string) {
	// A name is one line: its spaces and line breaks become one space.
	c.Name = strings.Join(strings.Fields(text(card.Value(govcard.FieldFormattedName))), " ")
	if c.Name == "" {
		if n := card.Name(); n != nil {
			c.Name = strings.Join(strings.Fields(text(strings.Join([]string{n.HonorificPrefix, n.GivenName, n.AdditionalName, n.FamilyName, n.HonorificSuffix}, " "))), " ")
		}
	}
	for _, f := range preferredFirst(card[govcard.FieldEmail]) {
		e := strings.TrimSpace(text(f.Value))
		if len(e) > 7 && strings.EqualFold(e[:7], "mailto:") {
			e = e[7:]
		}
		if e == "" {
			continue
		}
		if err := core.CheckAddress(e); err != nil {
			problems = append(problems, fmt.Sprintf("address %q left out: %v", e, err))
			continue
		}
		c.Emails = append(c.Emails, e)
	}
	for _, f := range preferredFirst(card[govcard.FieldTelephone]) {
		// 4.0 writes a phone as a tel: URI (VALUE=uri).
		c.Phones = append(c.Phones, strings.TrimPrefix(text(f.Value), "tel:"))
	}
	var notes []string
	for _, f := range card[govcard.FieldNote] {
		notes = append(notes, text(f.Value))
	}
	c.Notes = strings.Join(notes, "\n")
	// FN is required, so a card written for a contact with no name
	// carries the address there.
	if slices.ContainsFunc(c.Emails, func(e string) bool { return strings.EqualFold(e, c.Name) }) {
		c.Name = ""
	}
	return c, problems
}

// text finishes what go-vcard's unescaping leaves, "\;" (escaped in
// 3.0 and in compound values; "\N" is lowered before, see
// lowerNewlineEscapes), and it drops control characters, as Write does.
func text(s string) string { return clean(strings.ReplaceAll(s, `\;`, ";")) }

// preferredFirst orders fields by preference: 4.0's PREF (1 is the
// most preferred), or Apple's TYPE=pref, keeping the file's order
// otherwise.
func preferredFirst(fields []*govcard.Field) []*govcard.Field {
	rank := func(f *govcard.Field) int {
		if p, err := strconv.Atoi(f.Params.Get(govcard.ParamPreferred)); err == nil && p >= 1 && p <= 100 {
			return p
		}
		if f.Params.HasType("pref") {
			return 1
		}
		return 101
	}
	out := slices.Clone(fields)
	slices.SortStableFunc(out, func(a, b *govcard.Field) int { return cmp.Compare(rank(a), rank(b)) })
	return out
}

// Write writes contacts as vCard 4.0, one card each, with CRLF line
// breaks and lines folded at 75 octets. The first address of a contact
// is its preferred one (PREF=1).
func Write(w io.Writer, list []core.Contact) error {
	bw := bufio.NewWriter(w)
	enc := govcard.NewEncoder(&folder{w: bw})
	for _, c := range list {
		card := govcard.Card{}
		card.SetValue(govcard.FieldVersion, "4.0")
		fn := c.Name
		if fn == "" && len(c.Emails) > 0 {
			fn = c.Emails[0]
		}
		card.SetValue(govcard.FieldFormattedName, clean(fn))
		for i, e := range c.Emails {
			f := &govcard.Field{Value: clean(e), Params: govcard.Params{}}
			if i == 0 && len(c.Emails) > 1 {
				f.Params.Set(govcard.ParamPreferred, "1")
			}
			card.Add(govcard.FieldEmail, f)
		}
		for _, p := range c.Phones {
			p = clean(p)
			if strings.HasPrefix(p, "tel:") {
				// Read takes one "tel:" off (4.0's URI form): a number
				// that itself starts so keeps its own.
				p = "tel:" + p
			}
			card.AddValue(govcard.FieldTelephone, p)
		}
		if c.Notes != "" {
			card.SetValue(govcard.FieldNote, clean(c.Notes))
		}
		if err := enc.Encode(card); err != nil {
			return fmt.Errorf("vcard: write %s: %w", cmp.Or(c.Name, fn), err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("vcard: write: %w", err)
	}
	return nil
}

// clean makes every line break one "\n" (which go-vcard escapes) and
// drops the other control characters, which no vCard value may hold.
func clean(s string) string {
	s = strings.NewReplacer("\r\n", "\n", "\r", "\n").Replace(s)
	return strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\n' && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// foldAt is the longest line RFC 6350 §3.2 wants, in octets, without
// the line break.
const foldAt = 75

// folder folds the lines go-vcard writes (each one whole, ending in
// CRLF): a long line goes on in lines that start with a space, cut
// between UTF-8 characters.
type folder struct {
	w    io.Writer
	line []byte
}

func (f *folder) Write(p []byte) (int, error) {
	f.line = append(f.line, p...)
	for {
		i := bytes.Index(f.line, []byte("\r\n"))
		if i < 0 {
			return len(p), nil
		}
		if err := f.fold(f.line[:i]); err != nil {
			return 0, err
		}
		f.line = f.line[i+2:]
	}
}

func (f *folder) fold(line []byte) error {
	limit := foldAt
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		if _, err := f.w.Write(append(append([]byte{}, line[:cut]...), "\r\n "...)); err != nil {
			return err
		}
		line = line[cut:]
		limit = foldAt - 1 // the leading space counts
	}
	_, err := f.w.Write(append(append([]byte{}, line...), "\r\n"...))
	return err
}

// WriteFile writes contacts to path as Write does. The file is written
// beside its place and renamed over it, so a failed export leaves no
// half a file, and it is readable by the user only (an address book is
// private).
func WriteFile(path string, list []core.Contact) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".contacts-*.vcf")
	if err != nil {
		return fmt.Errorf("vcard: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := Write(tmp, list); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("vcard: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("vcard: %w", err)
	}
	return nil
}
