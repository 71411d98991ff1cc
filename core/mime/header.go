package mime

import (
	"bytes"
	"io"
	stdmime "mime"
	"net/mail"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	msgmail "github.com/emersion/go-message/mail"
)

// envelope fills the Message's header fields. Each field is decoded on its
// own, so one broken field costs only itself.
func (w *walker) envelope(h message.Header) {
	m := w.msg
	if m == nil {
		return
	}
	mh := msgmail.Header{Header: h}
	if id, err := mh.MessageID(); err == nil {
		m.MessageID = cleanText(id)
	} else if ids := lenientIDs(h.Get("Message-Id")); len(ids) > 0 {
		m.MessageID = ids[0]
	}
	if ids := msgIDs(mh, "In-Reply-To"); len(ids) > 0 {
		m.InReplyTo = ids[0]
	}
	m.References = capList(w, "References", msgIDs(mh, "References"))
	m.Date = w.date(mh)
	m.From = capList(w, "From", w.addresses(h, "From"))
	m.To = capList(w, "To", w.addresses(h, "To"))
	m.Cc = capList(w, "Cc", w.addresses(h, "Cc"))
	m.ReplyTo = capList(w, "Reply-To", w.addresses(h, "Reply-To"))
	m.DeliveredTo = capList(w, "Delivered-To", w.addresses(h, "Delivered-To"))
	m.OriginalTo = capList(w, "X-Original-To", w.addresses(h, "X-Original-To"))
	m.Subject = w.decodeText("header: Subject", h.Get("Subject"))
}

// maxListItems bounds the addresses per field and the References kept. Each
// costs about twenty times its bytes in the header, and no real message
// shows more; a list of spam victims is no loss.
const maxListItems = 1000

func capList[T any](w *walker, field string, list []T) []T {
	if len(list) <= maxListItems {
		return list
	}
	w.notef("header: %s lists %d items; kept the first %d", field, len(list), maxListItems)
	return slices.Clone(list[:maxListItems]) // and let the rest be collected
}

func msgIDs(h msgmail.Header, key string) []string {
	ids, err := h.MsgIDList(key)
	if err != nil {
		return lenientIDs(h.Get(key))
	}
	for i, id := range ids {
		ids[i] = cleanText(id) // go-message lets invalid UTF-8 through
	}
	return ids
}

// lenientIDs takes whatever sits between angle brackets, or failing that
// the words of the field: threading works better on a slightly wrong id
// than on none.
func lenientIDs(v string) []string {
	var ids []string
	for rest := v; ; {
		i := strings.IndexByte(rest, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(rest[i+1:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(rest[i+1 : i+1+j]); id != "" {
			ids = append(ids, cleanText(id))
		}
		rest = rest[i+1+j+1:]
	}
	if len(ids) == 0 {
		for _, f := range strings.Fields(v) {
			ids = append(ids, cleanText(f))
		}
	}
	return ids
}

// dateLayouts are forms seen in the wild that net/mail rejects.
var dateLayouts = []string{
	time.RFC3339,
	"Mon, 2 Jan 2006 15:04:05 -0700 MST",
	"Mon, 2 Jan 2006 15:04:05 MST-0700",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Monday, 2 Jan 2006 15:04:05 -0700",
	"Monday, January 2, 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05",
	time.ANSIC,
	time.UnixDate,
	time.RubyDate,
}

func (w *walker) date(h msgmail.Header) time.Time {
	v := strings.TrimSpace(h.Get("Date"))
	if v == "" {
		return time.Time{}
	}
	if t, err := h.Date(); err == nil {
		return t
	}
	s := strings.Join(strings.Fields(v), " ")
	if i := strings.IndexByte(s, '('); i > 0 {
		s = strings.TrimSpace(s[:i])
	}
	s = strings.ReplaceAll(s, " ,", ",")
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	w.notef("header: Date %q is unreadable; left empty", clip(v))
	return time.Time{}
}

// addresses parses an address field, joining repeated fields. When the list
// does not parse as a whole, each address is tried alone and one that still
// fails is kept as written.
func (w *walker) addresses(h message.Header, key string) []*mail.Address {
	v := strings.TrimSpace(strings.Join(h.Values(key), ", "))
	if v == "" {
		return nil
	}
	p := mail.AddressParser{WordDecoder: w.wordDecoder("header: " + key)}
	if list, err := p.ParseList(v); err == nil {
		for _, a := range list {
			a.Name, a.Address = cleanText(a.Name), cleanText(a.Address)
		}
		return list
	}
	var out []*mail.Address
	for _, item := range splitList(v, ',') {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if a, err := p.Parse(item); err == nil {
			a.Name, a.Address = cleanText(a.Name), cleanText(a.Address)
			out = append(out, a)
			continue
		}
		w.notef("header: %s address %q does not parse; kept as written", key, clip(item))
		out = append(out, &mail.Address{Address: cleanText(item)})
	}
	return out
}

// decodeText decodes RFC 2047 encoded words. Unlike mime.WordDecoder alone,
// it keeps going when a word names an unknown charset: that word is shown
// undecoded and the others still decode.
func (w *walker) decodeText(where, s string) string {
	if !strings.Contains(s, "=?") {
		return cleanText(s)
	}
	out, err := w.wordDecoder(where).DecodeHeader(s)
	if err != nil {
		out = s
	}
	return cleanText(out)
}

// wordDecoder's where names the field in Problems, as "header: To".
func (w *walker) wordDecoder(where string) *stdmime.WordDecoder {
	return &stdmime.WordDecoder{CharsetReader: func(label string, in io.Reader) (io.Reader, error) {
		if r, err := charset.Reader(label, in); err == nil {
			return r, nil
		}
		w.notef("%s uses unknown charset %q; shown undecoded", where, clip(label))
		return in, nil
	}}
}

// cleanText makes header text safe to show on one line: invalid UTF-8 is
// replaced and control characters become spaces.
func cleanText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// describe takes what the walker needs from a part's header.
func (w *walker) describe(h message.Header, path []int, digest bool) partInfo {
	pi := partInfo{path: path}
	pi.mediaType, pi.params = w.contentType(h, path, digest)
	pi.encoding = strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	if v := h.Get("Content-Disposition"); strings.TrimSpace(v) != "" {
		var params map[string]string
		pi.disposition, params = w.parseParams("Content-Disposition", v, path)
		pi.filename = params["filename"]
	}
	if pi.filename == "" {
		pi.filename = pi.params["name"]
	}
	id := strings.TrimSpace(h.Get("Content-Id"))
	id = strings.TrimSuffix(strings.TrimPrefix(id, "<"), ">")
	pi.contentID = cleanText(strings.TrimSpace(id))
	return pi
}

// contentType applies RFC 2045's defaults: text/plain when the field is
// missing or unreadable (message/rfc822 inside a multipart/digest).
func (w *walker) contentType(h message.Header, path []int, digest bool) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		if digest {
			return "message/rfc822", nil
		}
		return "text/plain", nil
	}
	mt, params := w.parseParams("Content-Type", v, path)
	if !validMediaType(mt) {
		w.notef("%s: unreadable Content-Type %q; read as text/plain", partName(path), clip(v))
		return "text/plain", params
	}
	return mt, params
}

// validMediaType reports whether mt is type/subtype made of RFC 2045 token
// characters; a lenient parse can yield anything.
func validMediaType(mt string) bool {
	typ, sub, ok := strings.Cut(mt, "/")
	if !ok || typ == "" || sub == "" {
		return false
	}
	for _, c := range []byte(typ + sub) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?=`, c) >= 0 {
			return false
		}
	}
	return true
}

// parseParams parses a field like Content-Type. Values are decoded from RFC
// 2047 as well as RFC 2231, since mailers use either for file names. A field
// mime.ParseMediaType rejects (duplicate or unquoted odd parameters are
// common) is read leniently, and so are RFC 2231 values in charsets other
// than UTF-8, which mime.ParseMediaType drops.
func (w *walker) parseParams(field, v string, path []int) (string, map[string]string) {
	value, params, err := stdmime.ParseMediaType(v)
	if err != nil {
		w.notef("%s: malformed %s %q; read leniently", partName(path), field, clip(v))
		value, params = lenientParams(v)
	} else if strings.Contains(v, "*=") {
		_, extra := lenientParams(v)
		for k, p := range extra {
			if _, ok := params[k]; !ok {
				params[k] = p
			}
		}
	}
	for k, p := range params {
		if strings.Contains(p, "=?") {
			params[k] = w.decodeText(partName(path)+": "+field+" parameter "+k, p)
		} else {
			params[k] = cleanText(p)
		}
	}
	return strings.ToLower(value), params
}

// lenientParams reads "value; k=v; k*=charset'lang'%xx; k*0*=..." without
// rejecting anything: the first of duplicate parameters wins and anything
// unparseable is skipped.
func lenientParams(v string) (string, map[string]string) {
	items := splitList(v, ';')
	value := strings.ToLower(strings.TrimSpace(items[0]))
	params := make(map[string]string)
	type section struct {
		n       int
		text    string
		encoded bool
	}
	extended := make(map[string][]section)
	for _, item := range items[1:] {
		k, val, ok := strings.Cut(item, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if i := strings.IndexByte(val, '('); i > 0 && val[0] != '"' && strings.HasSuffix(val, ")") {
			val = strings.TrimSpace(val[:i]) // a trailing comment: charset=us-ascii (Plain Text)
		}
		val = unquote(val)
		if base, sect, ok := strings.Cut(k, "*"); ok && base != "" && len(extended[base]) < 1000 {
			// RFC 2231: k*=, k*0=, k*0*=, k*1*= ...
			encoded := sect == "" || strings.HasSuffix(sect, "*")
			n := 0
			if num := strings.TrimSuffix(sect, "*"); num != "" {
				var err error
				if n, err = strconv.Atoi(num); err != nil || n < 0 || n > 999 {
					continue
				}
			}
			extended[base] = append(extended[base], section{n, val, encoded})
			continue
		}
		if _, dup := params[k]; !dup && k != "" {
			params[k] = val
		}
	}
	for base, sections := range extended {
		slices.SortStableFunc(sections, func(a, b section) int { return a.n - b.n })
		var raw bytes.Buffer
		label := ""
		for i, s := range sections {
			text := s.text
			if s.encoded {
				if i == 0 {
					if parts := strings.SplitN(text, "'", 3); len(parts) == 3 {
						label, text = parts[0], parts[2]
					}
				}
				if u, err := url.PathUnescape(text); err == nil {
					text = u
				}
			}
			raw.WriteString(text)
		}
		params[base] = decodeCharset(label, raw.Bytes())
	}
	return value, params
}

// decodeCharset converts a short header value; an unknown charset leaves
// the bytes as they are.
func decodeCharset(label string, b []byte) string {
	switch strings.ToLower(label) {
	case "", "utf-8", "utf8", "us-ascii":
		return string(b)
	}
	r, err := charset.Reader(label, bytes.NewReader(b))
	if err != nil {
		return string(b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		return string(b)
	}
	return string(out)
}

// charsetDecoder converts a text part to UTF-8. An unknown charset is
// noted and the text read as UTF-8, invalid bytes replaced later.
func (w *walker) charsetDecoder(pi partInfo, r io.Reader) io.Reader {
	label := strings.TrimSpace(pi.params["charset"])
	switch strings.ToLower(label) {
	case "", "utf-8", "utf8", "us-ascii":
		return r
	}
	dec, err := charset.Reader(label, r)
	if err != nil {
		w.notef("%s: unknown charset %q; shown as UTF-8", partName(pi.path), clip(label))
		return r
	}
	return dec
}

// splitList splits s at sep outside double quotes, parentheses and angle
// brackets.
func splitList(s string, sep byte) []string {
	var out []string
	quoted, escaped := false, false
	depth, angle := 0, 0
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case c == sep && depth == 0 && angle == 0:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func unquote(s string) string {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return s
	}
	s = s[1 : len(s)-1]
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
