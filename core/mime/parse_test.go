package mime

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/tributary-mail/tributary/core/mailtest/corpus"
)

// want lists what a corpus message must parse to. Empty fields are not
// checked, except those marked.
type want struct {
	messageID  string
	inReplyTo  string
	references []string
	date       string // RFC 3339; "zero" for the zero time
	from       []*mail.Address
	to         []*mail.Address
	subject    string
	text       string // exact
	html       string // substring
	noHTML     bool
	atts       []Attachment // exact when non-nil
	noAtts     bool
	problems   []string // substrings, one per problem, in order; nil means none
	truncated  bool
}

func TestParseCorpus(t *testing.T) {
	tests := []struct {
		file string
		want want
	}{
		{"plain-crlf.eml", want{
			messageID:  "plain-1@example.org",
			inReplyTo:  "older-1@example.com",
			references: []string{"root-1@example.com", "older-1@example.com"},
			date:       "2026-03-03T09:15:00+01:00",
			from:       []*mail.Address{{Name: "Alice Example", Address: "alice@example.org"}},
			to:         []*mail.Address{{Name: "Bob", Address: "bob@example.com"}, {Address: "carol@example.com"}},
			subject:    "Lunch on Friday?",
			text:       "Hi Bob,\n\nAre we still on for lunch on Friday?\n\n> Last time you said the new place was good.\n\nAlice\n",
			noHTML:     true,
			noAtts:     true,
		}},
		{"utf8-qp.eml", want{
			from:    []*mail.Address{{Name: "Jürgen Müller", Address: "juergen@example.de"}},
			subject: "Grüße aus Köln",
			text:    "Liebe Grüße aus Köln! Das Wetter ist schön, 20 °C.\nZeile mit sehr langem Inhalt, der umbrochen werden muss, weil quoted-printable nur 76 Zeichen erlaubt.\n",
		}},
		{"japanese-iso2022jp.eml", want{
			from:    []*mail.Address{{Name: "山田太郎", Address: "taro@example.jp"}},
			subject: "日本語の件名",
			text:    "こんにちは、世界。\nテストメールです。\n",
		}},
		{"japanese-sjis.eml", want{
			subject: "お見積もりのご案内",
			text:    "お世話になっております。\nよろしくお願いいたします。\n",
		}},
		{"alternative.eml", want{
			subject: "Weekly digest",
			text:    "Plain version of the digest.",
			html:    "<p>HTML version of the <b>digest</b>.</p>",
			noAtts:  true,
		}},
		{"html-only.eml", want{
			text: "Sale now\n\nUp to 50% off & more.\n\n- Shoes\n- Hats\n\nVisit our shop <https://shop.example.com/sale>.",
			html: "<h1>Sale&nbsp;now</h1>",
		}},
		{"mixed-pdf.eml", want{
			date: "2026-03-07T12:00:00-05:00",
			text: "Please find your invoice attached.",
			atts: []Attachment{{Filename: "passwd", ContentType: "application/pdf", Size: 1540, Part: []int{2}}},
		}},
		{"rfc2231.eml", want{
			text: "Three files.",
			atts: []Attachment{
				{Filename: "€ rates 2026.txt", ContentType: "application/octet-stream", Size: 3, Part: []int{2}},
				{Filename: "very long name split over three lines.dat", ContentType: "application/octet-stream", Size: 3, Part: []int{3}},
				{Filename: "Prüfung.txt", ContentType: "application/octet-stream", Size: 5, Part: []int{4}},
			},
		}},
		{"nested-rfc822.eml", want{
			subject: "Fwd: Quarterly numbers",
			text:    "See the forwarded message.",
			noHTML:  true,
			atts:    []Attachment{{Filename: "Quarterly numbers — Q1.eml", ContentType: "message/rfc822", Size: 364, Part: []int{2}}},
		}},
		{"related-inline.eml", want{
			text: "Our logo:",
			html: `<img src="cid:logo@example.com">`,
			atts: []Attachment{
				{Filename: "attachment-1.png", ContentType: "image/png", Size: 70, Part: []int{1, 2}, Inline: true, ContentID: "logo@example.com"},
				{Filename: "photo.png", ContentType: "image/png", Size: 70, Part: []int{2}},
			},
		}},
		{"no-content-type.eml", want{
			text: "A body without MIME headers is text/plain in US-ASCII.\n",
		}},
		{"broken-boundary.eml", want{
			text:     "First part is fine.",
			atts:     []Attachment{{Filename: "data.bin", ContentType: "application/octet-stream", Size: 64, Part: []int{2}}},
			problems: []string{"body: no closing boundary"},
		}},
		{"invalid-base64.eml", want{
			text:     "Hello world!",
			problems: []string{"body: illegal base64 data"},
		}},
		{"bogus-charset.eml", want{
			text:     "Readable ASCII text survives.\n",
			problems: []string{`body: unknown charset "x-no-such-charset"`},
		}},
		{"header-only.eml", want{
			messageID: "hdr-1@example.com",
			date:      "2026-03-14T12:00:00Z",
			subject:   "Nothing below",
			noHTML:    true,
			noAtts:    true,
		}},
		{"broken-headers.eml", want{
			messageID: "hdrs-2@example.com",
			date:      "zero",
			from:      []*mail.Address{{Name: "Good Sender", Address: "good@example.com"}},
			to: []*mail.Address{
				{Address: "ok@example.com"},
				{Address: "<<not an address>>"},
				{Address: `"Unclosed <x@example.com`},
			},
			subject: "caf\uFFFD and café",
			text:    "Body still readable.\n",
			problems: []string{
				"header: Date",
				`header: To address "<<not an address>>"`,
				`header: To address "\"Unclosed`,
				`header: Cc uses unknown charset "x-unknown"`,
				`header: Subject uses unknown charset "x-unknown-charset"`,
			},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := Parse(openTestdata(t, tt.file), nil)
			if err != nil {
				t.Fatalf("Parse(%s) error = %v, want nil", tt.file, err)
			}
			checkMessage(t, tt.file, m, tt.want)
		})
	}
}

func checkMessage(t *testing.T, name string, m *Message, w want) {
	t.Helper()
	str := func(field, got, want string) {
		t.Helper()
		if want != "" && got != want {
			t.Errorf("Parse(%s).%s = %q, want %q", name, field, got, want)
		}
	}
	str("MessageID", m.MessageID, w.messageID)
	str("InReplyTo", m.InReplyTo, w.inReplyTo)
	str("Subject", m.Subject, w.subject)
	str("Text", m.Text, w.text)
	if w.references != nil && !slices.Equal(m.References, w.references) {
		t.Errorf("Parse(%s).References = %q, want %q", name, m.References, w.references)
	}
	switch {
	case w.date == "zero":
		if !m.Date.IsZero() {
			t.Errorf("Parse(%s).Date = %v, want zero", name, m.Date)
		}
	case w.date != "":
		if got := m.Date.Format(time.RFC3339); got != w.date {
			t.Errorf("Parse(%s).Date = %s, want %s", name, got, w.date)
		}
	}
	if w.from != nil && !reflect.DeepEqual(m.From, w.from) {
		t.Errorf("Parse(%s).From = %s, want %s", name, addrs(m.From), addrs(w.from))
	}
	if w.to != nil && !reflect.DeepEqual(m.To, w.to) {
		t.Errorf("Parse(%s).To = %s, want %s", name, addrs(m.To), addrs(w.to))
	}
	if w.html != "" && !strings.Contains(m.HTML, w.html) {
		t.Errorf("Parse(%s).HTML = %q, want it to contain %q", name, m.HTML, w.html)
	}
	if w.noHTML && m.HTML != "" {
		t.Errorf("Parse(%s).HTML = %q, want empty", name, m.HTML)
	}
	if w.atts != nil && !reflect.DeepEqual(m.Attachments, w.atts) {
		t.Errorf("Parse(%s).Attachments = %+v, want %+v", name, m.Attachments, w.atts)
	}
	if w.noAtts && len(m.Attachments) != 0 {
		t.Errorf("Parse(%s).Attachments = %+v, want none", name, m.Attachments)
	}
	if m.Truncated != w.truncated {
		t.Errorf("Parse(%s).Truncated = %v, want %v", name, m.Truncated, w.truncated)
	}
	if len(m.Problems) != len(w.problems) {
		t.Errorf("Parse(%s).Problems = %q, want %d problems like %q", name, m.Problems, len(w.problems), w.problems)
	} else {
		for i, p := range w.problems {
			if !strings.Contains(m.Problems[i], p) {
				t.Errorf("Parse(%s).Problems[%d] = %q, want it to contain %q", name, i, m.Problems[i], p)
			}
		}
	}
}

func addrs(list []*mail.Address) string {
	s := make([]string, len(list))
	for i, a := range list {
		s[i] = fmt.Sprintf("{%q %q}", a.Name, a.Address)
	}
	return "[" + strings.Join(s, " ") + "]"
}

func openTestdata(t *testing.T, name string) io.Reader {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

func TestParseLineEndings(t *testing.T) {
	crlf, err := Parse(openTestdata(t, "plain-crlf.eml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	lf, err := Parse(openTestdata(t, "plain-lf.eml"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(crlf, lf) {
		t.Errorf("Parse(plain-lf.eml) = %+v, want the same as Parse(plain-crlf.eml) = %+v", lf, crlf)
	}
}

// multipartMessage builds a message from a body template; it exists so that
// generated cases read as what they test.
func multipartMessage(contentType, body string) string {
	return "From: gen@example.com\r\nSubject: generated\r\nMIME-Version: 1.0\r\nContent-Type: " +
		contentType + "\r\n\r\n" + body
}

func manyParts(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "--b\r\nContent-Type: application/octet-stream\r\n\r\npart %d\r\n", i)
	}
	b.WriteString("--b--\r\n")
	return multipartMessage(`multipart/mixed; boundary="b"`, b.String())
}

func deepNesting(depth int) string {
	var b strings.Builder
	for i := range depth {
		fmt.Fprintf(&b, "--b%d\r\nContent-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n", i, i+1)
	}
	fmt.Fprintf(&b, "--b%d\r\nContent-Type: text/plain\r\n\r\ndeepest\r\n--b%d--\r\n", depth, depth)
	for i := depth - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "--b%d--\r\n", i)
	}
	return multipartMessage(`multipart/mixed; boundary="b0"`, b.String())
}

func TestParseLimits(t *testing.T) {
	tests := []struct {
		name      string
		msg       string
		lim       *Limits
		wantErr   error
		wantAtts  int
		wantText  string
		wantTrunc bool
	}{
		{name: "5000 parts", msg: manyParts(5000), wantErr: ErrTooManyParts, wantAtts: 999},
		{name: "1000 parts is within the default", msg: manyParts(999), wantAtts: 999},
		{name: "MaxParts 3", msg: manyParts(5), lim: &Limits{MaxParts: 3}, wantErr: ErrTooManyParts, wantAtts: 2},
		{name: "depth 100", msg: deepNesting(100), wantErr: ErrTooDeep},
		{name: "depth 19 is within the default", msg: deepNesting(19), wantText: "deepest"},
		{name: "MaxDepth 2", msg: deepNesting(2), lim: &Limits{MaxDepth: 2}, wantErr: ErrTooDeep},
		{name: "zero fields mean defaults", msg: deepNesting(19), lim: &Limits{}, wantText: "deepest"},
		{
			name:      "text over MaxTextBytes",
			msg:       "Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.Repeat("ab", 100),
			lim:       &Limits{MaxTextBytes: 11},
			wantText:  "ababababab" + "a",
			wantTrunc: true,
		},
		{
			name:      "limit inside a multibyte rune",
			msg:       "Content-Type: text/plain; charset=utf-8\r\n\r\n" + strings.Repeat("ü", 10),
			lim:       &Limits{MaxTextBytes: 5},
			wantText:  "üü",
			wantTrunc: true,
		},
		{
			name:      "HTML-only text is capped too",
			msg:       "Content-Type: text/html\r\n\r\n<p>" + strings.Repeat("x", 50) + "</p>",
			lim:       &Limits{MaxTextBytes: 20},
			wantText:  strings.Repeat("x", 17),
			wantTrunc: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.msg), tt.lim)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Parse(%s) error = %v, want %v", tt.name, err, tt.wantErr)
			}
			if m == nil {
				t.Fatalf("Parse(%s) = nil *Message, want what was read", tt.name)
			}
			if m.Subject != "generated" && strings.HasPrefix(tt.msg, "From: gen") {
				t.Errorf("Parse(%s).Subject = %q, want %q", tt.name, m.Subject, "generated")
			}
			if len(m.Attachments) != tt.wantAtts {
				t.Errorf("Parse(%s) has %d attachments, want %d", tt.name, len(m.Attachments), tt.wantAtts)
			}
			if tt.wantText != "" && m.Text != tt.wantText {
				t.Errorf("Parse(%s).Text = %q, want %q", tt.name, m.Text, tt.wantText)
			}
			if m.Truncated != tt.wantTrunc {
				t.Errorf("Parse(%s).Truncated = %v, want %v", tt.name, m.Truncated, tt.wantTrunc)
			}
		})
	}
}

// errReader fails after its data, as a dropped connection or a bad disk does.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		return n, e.err
	}
	return n, err
}

var errDisk = errors.New("disk on fire")

func TestParseErrors(t *testing.T) {
	hugeHeader := "Subject: big\r\nX-Junk: " + strings.Repeat("x", 2<<20) + "\r\n\r\nbody"
	manyLines := "Subject: many\r\n" + strings.Repeat("a:\r\n", 20000) + "\r\nbody"
	mixed, err := os.ReadFile("testdata/mixed-pdf.eml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		r           io.Reader
		wantErr     error // matched with errors.Is; nil means any non-nil error
		wantSubject string
	}{
		{"I/O error in the header", &errReader{strings.NewReader("Subject: x\r\nFrom: a@b"), errDisk}, errDisk, ""},
		{"I/O error in an attachment", &errReader{bytes.NewReader(mixed[:len(mixed)-200]), errDisk}, errDisk, "Your invoice"},
		{"header over 1 MiB", strings.NewReader(hugeHeader), nil, "big"},
		{"header over 10000 lines", strings.NewReader(manyLines), nil, "many"},
		{"binary junk", strings.NewReader("\x00\x01\x02 \xff\xfe garbage without a colon\r\n\r\n"), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(tt.r, nil)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("Parse(%s) error = %v, want %v", tt.name, err, tt.wantErr)
			}
			if m == nil {
				t.Fatalf("Parse(%s) = nil *Message, want what was read", tt.name)
			}
			if m.Subject != tt.wantSubject {
				t.Errorf("Parse(%s).Subject = %q, want %q", tt.name, m.Subject, tt.wantSubject)
			}
		})
	}
}

func TestParseLenient(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want want
	}{
		{
			name: "empty input",
			msg:  "",
			want: want{problems: []string{"no header fields"}},
		},
		{
			name: "mbox From line",
			msg:  "From alice@example.org Tue Mar  3 09:15:00 2026\r\nSubject: mbox\r\n\r\nhi\r\n",
			want: want{subject: "mbox", text: "hi\n"},
		},
		{
			name: "malformed header line ends the header",
			msg:  "Subject: kept\r\nthis line has no colon\r\nbody line\r\n",
			want: want{subject: "kept", text: "body line\n", problems: []string{"header: message: malformed MIME header line"}},
		},
		{
			name: "unquoted boundary with '='",
			msg:  "Content-Type: multipart/mixed; boundary=----=_Part_1\r\n\r\n------=_Part_1\r\nContent-Type: text/plain\r\n\r\nfound\r\n------=_Part_1--\r\n",
			want: want{text: "found", problems: []string{"malformed Content-Type"}},
		},
		{
			name: "multipart without boundary",
			msg:  "Content-Type: multipart/mixed\r\n\r\nraw text\r\n",
			want: want{text: "raw text\n", problems: []string{"without a boundary"}},
		},
		{
			name: "boundary never appears",
			msg:  "Content-Type: multipart/mixed; boundary=x\r\n\r\n--y\r\n\r\ntext\r\n",
			want: want{noAtts: true, problems: []string{`boundary "x" never appears`}},
		},
		{
			name: "unreadable Content-Type",
			msg:  "Content-Type: ???\r\n\r\nshown anyway\r\n",
			want: want{text: "shown anyway\n", problems: []string{"malformed Content-Type", "unreadable Content-Type"}},
		},
		{
			name: "Content-Type with a comment",
			msg:  "Content-Type: text/plain; charset=iso-8859-1 (Western)\r\n\r\ncaf\xe9\r\n",
			want: want{text: "café\n", problems: []string{"malformed Content-Type"}},
		},
		{
			name: "unknown transfer encoding",
			msg:  "Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f\r\n",
			want: want{text: "begin 644 f\n", problems: []string{`unknown Content-Transfer-Encoding "x-uuencode"`}},
		},
		{
			name: "invalid UTF-8 is replaced",
			msg:  "Content-Type: text/plain; charset=utf-8\r\nSubject: a\xffb\r\n\r\nx\xfey\r\n",
			want: want{subject: "a\uFFFDb", text: "x\uFFFDy\n"},
		},
		{
			name: "latin-1 body",
			msg:  "Content-Type: text/plain; charset=iso-8859-1\r\n\r\ncaf\xe9\r\n",
			want: want{text: "café\n"},
		},
		{
			name: "text part with a filename is an attachment",
			msg: "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n" +
				"--b\r\nContent-Type: text/plain; name=notes.txt\r\n\r\nnotes\r\n" +
				"--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment\r\n\r\n<p>page</p>\r\n--b--\r\n",
			want: want{text: "body", noHTML: true, atts: []Attachment{
				{Filename: "notes.txt", ContentType: "text/plain", Size: 5, Part: []int{2}},
				{Filename: "attachment-2.html", ContentType: "text/html", Size: 11, Part: []int{3}},
			}},
		},
		{
			name: "mailing list footer is joined",
			msg: "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: multipart/alternative; boundary=a\r\n\r\n" +
				"--a\r\nContent-Type: text/plain\r\n\r\nhello\r\n--a\r\nContent-Type: text/plain\r\n\r\nignored alternative\r\n--a--\r\n" +
				"--b\r\nContent-Type: text/plain\r\n\r\n-- \r\nlist footer\r\n--b--\r\n",
			want: want{text: "hello\n-- \nlist footer"},
		},
		{
			name: "message/rfc822 without subject",
			msg:  "Content-Type: message/rfc822\r\n\r\nFrom: x@example.com\r\n\r\nbody\r\n",
			want: want{atts: []Attachment{{Filename: "message.eml", ContentType: "message/rfc822", Size: 29, Part: []int{1}}}},
		},
		{
			name: "digest parts default to message/rfc822",
			msg:  "Content-Type: multipart/digest; boundary=d\r\n\r\n--d\r\n\r\nSubject: one\r\n\r\n1\r\n--d--\r\n",
			want: want{atts: []Attachment{{Filename: "one.eml", ContentType: "message/rfc822", Size: 17, Part: []int{1}}}},
		},
		{
			name: "part header over the line limit",
			msg: "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nfirst\r\n" +
				"--b\r\n" + strings.Repeat("X-A: 1\r\n", 12000) + "\r\nsecond\r\n--b--\r\n",
			want: want{text: "first", problems: []string{"part header (or the text before the first part) is larger than 1 MiB"}},
		},
		{
			name: "quoted-printable line longer than 4 KiB",
			msg:  "Content-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + strings.Repeat("a", 10000) + "=\r\nb\r\n",
			want: want{text: strings.Repeat("a", 10000) + "b\n"},
		},
		{
			name: "RFC 2047 filename and lenient dates",
			msg: "Date: 2026-03-03T09:15:00Z\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n" +
				"Content-Type: application/pdf; name=\"=?UTF-8?B?w7xiZXIucGRm?=\"\r\nContent-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n",
			want: want{date: "2026-03-03T09:15:00Z", atts: []Attachment{{Filename: "über.pdf", ContentType: "application/pdf", Size: 3, Part: []int{1}}}},
		},
		{
			name: "lenient message ids",
			msg:  "Message-ID: <no-at-sign>\r\nIn-Reply-To: bare@example.com\r\nReferences: <a@x> junk <b@y>\r\n\r\n",
			want: want{messageID: "no-at-sign", inReplyTo: "bare@example.com", references: []string{"a@x", "b@y"}},
		},
		{
			name: "group syntax",
			msg:  "To: undisclosed-recipients:;\r\nCc: Team: a@example.com, b@example.com;\r\n\r\n",
			want: want{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.msg), nil)
			if err != nil {
				t.Fatalf("Parse(%s) error = %v, want nil", tt.name, err)
			}
			checkMessage(t, tt.name, m, tt.want)
		})
	}
}

func TestExtract(t *testing.T) {
	pdf := []byte(strings.Repeat("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n", 20))
	png, _ := base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==")
	tests := []struct {
		name       string
		file       string
		path       []int
		want       []byte // exact, or a prefix when wantPrefix
		wantPrefix bool
		wantErr    string
	}{
		{name: "base64 PDF", file: "mixed-pdf.eml", path: []int{2}, want: pdf},
		{name: "text part keeps its bytes", file: "mixed-pdf.eml", path: []int{1}, want: []byte("Please find your invoice attached.")},
		{name: "single-part body is part 1", file: "japanese-sjis.eml", path: []int{1}, want: []byte("\x82\xa8\x90\xa2"), wantPrefix: true},
		{name: "inline image in related", file: "related-inline.eml", path: []int{1, 2}, want: png},
		{name: "attached message", file: "nested-rfc822.eml", path: []int{2}, want: []byte("Message-ID: <inner-1@example.com>\r\n"), wantPrefix: true},
		{name: "multipart gives its raw body", file: "related-inline.eml", path: []int{1}, want: []byte("--r\r\nContent-Type: text/html"), wantPrefix: true},
		{name: "no such part", file: "mixed-pdf.eml", path: []int{3}, wantErr: "has no part 3"},
		{name: "no such nested part", file: "mixed-pdf.eml", path: []int{2, 1}, wantErr: "has no part 2.1"},
		{name: "zero index", file: "mixed-pdf.eml", path: []int{0}, wantErr: "invalid part path"},
		{name: "empty path", file: "mixed-pdf.eml", path: nil, wantErr: "invalid part path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := Extract(openTestdata(t, tt.file), tt.path, &buf, nil)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Extract(%s, %v) error = %v, want %q", tt.file, tt.path, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Extract(%s, %v) error = %v", tt.file, tt.path, err)
			}
			if n != int64(buf.Len()) {
				t.Errorf("Extract(%s, %v) = %d, wrote %d bytes", tt.file, tt.path, n, buf.Len())
			}
			got := buf.Bytes()
			if tt.wantPrefix {
				got = got[:min(len(got), len(tt.want))]
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("Extract(%s, %v) = %q, want %q", tt.file, tt.path, got, tt.want)
			}
		})
	}
}

// TestExtractMatchesParse checks the promise behind Attachment.Size and
// Attachment.Part: Extract finds every part Parse lists, and writes as many
// bytes as Parse counted.
func TestExtractMatchesParse(t *testing.T) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, _ := Parse(bytes.NewReader(raw), nil)
		for _, a := range m.Attachments {
			n, err := Extract(bytes.NewReader(raw), a.Part, io.Discard, nil)
			if n != a.Size {
				t.Errorf("Extract(%s, %v) = %d, %v; want Parse's Size %d", f, a.Part, n, err, a.Size)
			}
		}
	}
}

func TestExtractErrors(t *testing.T) {
	mixed, err := os.ReadFile("testdata/mixed-pdf.eml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		r       io.Reader
		path    []int
		lim     *Limits
		wantErr error
	}{
		{"I/O error", &errReader{bytes.NewReader(mixed[:len(mixed)-200]), errDisk}, []int{2}, nil, errDisk},
		{"too deep", strings.NewReader(deepNesting(100)), slices.Repeat([]int{1}, 101), nil, ErrTooDeep},
		{"too many parts", strings.NewReader(manyParts(50)), []int{40}, &Limits{MaxParts: 10}, ErrTooManyParts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Extract(tt.r, tt.path, io.Discard, tt.lim)
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("Extract(%s) error = %v, want %v", tt.name, err, tt.wantErr)
			}
		})
	}
}

func TestParseNeverPanicsOnTruncation(t *testing.T) {
	// Every prefix of every corpus message must parse without a panic and
	// with valid UTF-8, as a dropped download would deliver.
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i <= len(raw); i += 7 {
			m, err := Parse(bytes.NewReader(raw[:i]), nil)
			var pe *panicError
			if errors.As(err, &pe) {
				t.Fatalf("Parse(%s[:%d]) panicked: %v\n%s", f, i, pe.value, pe.stack)
			}
			if !utf8.ValidString(m.Text) || !utf8.ValidString(m.HTML) || !utf8.ValidString(m.Subject) {
				t.Fatalf("Parse(%s[:%d]) returned invalid UTF-8", f, i)
			}
		}
	}
}

func TestParseBoundsHeaderLists(t *testing.T) {
	tests := []struct {
		name         string
		msg          string
		wantTo       int
		wantRefs     int
		wantProblems int
		lastProblem  string
	}{
		{
			name:         "1500 recipients",
			msg:          "To: " + strings.Repeat("a@example.com, ", 1499) + "z@example.com\r\n\r\n",
			wantTo:       maxListItems,
			wantProblems: 1,
			lastProblem:  "header: To lists 1500 items; kept the first 1000",
		},
		{
			name:         "1500 references",
			msg:          "References: " + strings.Repeat("<a@example.com> ", 1500) + "\r\n\r\n",
			wantRefs:     maxListItems,
			wantProblems: 1,
			lastProblem:  "header: References lists 1500 items",
		},
		{
			name:         "500 encoded words in unknown charsets",
			msg:          "Subject: " + strings.Repeat("=?x-bad?q?a?= ", 500) + "\r\n\r\n",
			wantProblems: maxProblems + 1,
			lastProblem:  "more problems were not listed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(tt.msg), nil)
			if err != nil {
				t.Fatalf("Parse(%s) error = %v", tt.name, err)
			}
			if len(m.To) != tt.wantTo || len(m.References) != tt.wantRefs {
				t.Errorf("Parse(%s) = %d To, %d References; want %d, %d", tt.name, len(m.To), len(m.References), tt.wantTo, tt.wantRefs)
			}
			if len(m.Problems) != tt.wantProblems || !strings.Contains(m.Problems[len(m.Problems)-1], tt.lastProblem) {
				t.Errorf("Parse(%s).Problems = %d, last %q; want %d, last %q", tt.name, len(m.Problems), m.Problems[len(m.Problems)-1], tt.wantProblems, tt.lastProblem)
			}
		})
	}
}

// The store's parse skips decoding attachments: the same message, text
// and attachments (count, names, types, parts), with no sizes.
func TestSkipAttachmentSizes(t *testing.T) {
	raw := corpus.Message(17)
	full, err := Parse(bytes.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	lim := DefaultLimits
	lim.SkipAttachmentSizes = true
	listing, err := Parse(bytes.NewReader(raw), &lim)
	if err != nil {
		t.Fatal(err)
	}
	if len(full.Attachments) == 0 || full.Attachments[0].Size == 0 {
		t.Fatalf("corpus message 17 has attachments %+v; want one with a size", full.Attachments)
	}
	want := slices.Clone(full.Attachments)
	for i := range want {
		want[i].Size = 0
	}
	if !reflect.DeepEqual(listing.Attachments, want) {
		t.Errorf("attachments = %+v, want %+v", listing.Attachments, want)
	}
	if listing.Text != full.Text || listing.Subject != full.Subject {
		t.Errorf("the text or subject differ without sizes: %q/%q", listing.Subject, full.Subject)
	}
}

// The reader's parse leaves an HTML-only message's text to the Doc it
// builds for display; a message with a text part keeps its text.
func TestSkipHTMLText(t *testing.T) {
	lim := DefaultLimits
	lim.SkipHTMLText = true
	for _, c := range []struct {
		name, raw, text string
	}{
		{"HTML only", "Content-Type: text/html\r\n\r\n<p>Hello <b>there</b></p>", ""},
		{"text and HTML", "Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHello there\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>Hello</p>\r\n--b--\r\n", "Hello there"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, err := Parse(strings.NewReader(c.raw), &lim)
			if err != nil || m.HTML == "" || strings.TrimSpace(m.Text) != c.text {
				t.Errorf("Parse = text %q, HTML %q, %v; want text %q and the HTML kept", m.Text, m.HTML, err, c.text)
			}
			if full, _ := Parse(strings.NewReader(c.raw), nil); strings.TrimSpace(full.Text) == "" {
				t.Errorf("without SkipHTMLText the text is empty")
			}
		})
	}
}
