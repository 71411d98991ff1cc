package smtp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	alice = &mail.Address{Name: "Alice Example", Address: "alice@example.com"}
	bob   = &mail.Address{Name: "Bob", Address: "bob@example.org"}
	carol = &mail.Address{Name: "Carol", Address: "carol@example.net"}
	dave  = &mail.Address{Name: "Dave Hidden", Address: "dave@example.com"}
)

// build runs Build and parses what it wrote.
func build(t *testing.T, d Draft) (id string, raw []byte, msg *mail.Message) {
	t.Helper()
	var buf bytes.Buffer
	id, err := Build(d, &buf)
	if err != nil {
		t.Fatalf("Build(%q) = %v, want nil", d.Subject, err)
	}
	msg, err = mail.ReadMessage(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatalf("Build(%q) wrote %q, which does not parse: %v", d.Subject, buf.Bytes(), err)
	}
	return id, buf.Bytes(), msg
}

// rawHeader returns the header block of raw, folded lines included.
func rawHeader(raw []byte) string {
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	return string(head)
}

func isASCII(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool { return r > 0x7e })
}

func TestBuildFrom(t *testing.T) {
	tests := []struct {
		name string
		from *mail.Address
	}{
		{"ASCII name", &mail.Address{Name: "Alice Example", Address: "alice@example.com"}},
		{"no name", &mail.Address{Address: "alice@example.com"}},
		{"Latin name with a comma", &mail.Address{Name: "Zoë Ünïcode, Jr.", Address: "zoe@example.com"}},
		{"name with quotes", &mail.Address{Name: `Alice "Al" Example`, Address: "alice@example.com"}},
		{"CJK name", &mail.Address{Name: "山田 太郎", Address: "taro@example.jp"}},
		{"emoji name", &mail.Address{Name: "Ana 🌊 Tributary", Address: "ana@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, raw, msg := build(t, Draft{From: tt.from, To: []*mail.Address{bob}, Text: "hi"})
			if h := rawHeader(raw); !isASCII(h) {
				t.Errorf("Build(From %q) header = %q, want only ASCII (RFC 2047 encoded words)", tt.from.Name, h)
			}
			got, err := msg.Header.AddressList("From")
			if err != nil || len(got) != 1 {
				t.Fatalf("Build(From %q) From = %q, %v, want one address", tt.from.Name, msg.Header.Get("From"), err)
			}
			if *got[0] != *tt.from {
				t.Errorf("Build(From %q) From decodes to %+v, want %+v", tt.from.Name, *got[0], *tt.from)
			}
		})
	}
}

func TestBuildHeaders(t *testing.T) {
	long := "Grüße aus Köln — 日本語のテキスト — " + strings.Repeat("ünïcödé wörds ", 12)
	tests := []struct {
		name   string
		draft  Draft
		header string
		want   string // decoded
	}{
		{"ASCII subject", Draft{Subject: "Lunch on Friday?"}, "Subject", "Lunch on Friday?"},
		{"non-ASCII subject", Draft{Subject: "Grüße, café"}, "Subject", "Grüße, café"},
		{"CJK subject", Draft{Subject: "会議の議題"}, "Subject", "会議の議題"},
		{"emoji subject", Draft{Subject: "Launch 🚀 today"}, "Subject", "Launch 🚀 today"},
		{"long folded non-ASCII subject", Draft{Subject: long}, "Subject", long},
		{"In-Reply-To", Draft{InReplyTo: "abc.123@mail.example.org"}, "In-Reply-To", "<abc.123@mail.example.org>"},
		{"References", Draft{References: []string{"one@example.org", "two@example.net"}}, "References", "<one@example.org> <two@example.net>"},
		{"many References fold", Draft{References: manyIDs(8)}, "References", "<" + strings.Join(manyIDs(8), "> <") + ">"},
		{"Cc", Draft{Cc: []*mail.Address{carol}}, "Cc", `"Carol" <carol@example.net>`},
		{"Reply-To", Draft{ReplyTo: &mail.Address{Address: "team@example.org"}}, "Reply-To", "<team@example.org>"},
		{"no Reply-To", Draft{}, "Reply-To", ""},
	}
	dec := new(mime.WordDecoder)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.draft
			d.From, d.To, d.Text = alice, []*mail.Address{bob}, "body"
			_, raw, msg := build(t, d)
			if h := rawHeader(raw); !isASCII(h) {
				t.Errorf("Build() header = %q, want only ASCII", h)
			}
			got, err := dec.DecodeHeader(msg.Header.Get(tt.header))
			if err != nil || got != tt.want {
				t.Errorf("Build() %s = %q (decoded %q, %v), want %q", tt.header, msg.Header.Get(tt.header), got, err, tt.want)
			}
		})
	}
}

func manyIDs(n int) []string {
	var ids []string
	for i := range n {
		ids = append(ids, strings.Repeat("x", 30)+"."+string(rune('a'+i))+"@mail.example.org")
	}
	return ids
}

func TestBuildMessageIDAndDate(t *testing.T) {
	before := time.Now().Add(-time.Second)
	id, raw, msg := build(t, Draft{From: alice, To: []*mail.Address{bob}, Text: "hi"})
	after := time.Now().Add(time.Second)
	if got := msg.Header.Get("Message-ID"); id == "" || got != "<"+id+">" {
		t.Errorf("Build() = %q, header Message-ID %q, want the same ID in brackets", id, got)
	}
	// The ID is named after the sender's domain, never the machine's
	// host name, which would leak into every message sent.
	if _, domain, _ := strings.Cut(id, "@"); domain != "example.com" {
		t.Errorf("Build() Message-ID = %q, want the domain of %s", id, alice.Address)
	}
	if host, err := os.Hostname(); err == nil && host != "example.com" && strings.Contains(string(raw), "@"+host+">") {
		t.Errorf("Build() = %q, which names the host %q", rawHeader(raw), host)
	}
	date, err := msg.Header.Date()
	if err != nil || date.Before(before) || date.After(after) {
		t.Errorf("Build() Date = %q (%v, %v), want now", msg.Header.Get("Date"), date, err)
	}
	again, _, _ := build(t, Draft{From: alice, To: []*mail.Address{bob}, Text: "hi"})
	if again == id {
		t.Errorf("Build() twice = %q, %q, want two different IDs", id, again)
	}
}

func TestBuildBcc(t *testing.T) {
	d := Draft{From: alice, To: []*mail.Address{bob}, Cc: []*mail.Address{carol}, Bcc: []*mail.Address{dave}, Text: "hi"}
	_, raw, msg := build(t, d)
	for _, s := range []string{dave.Address, dave.Name, "Bcc"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("Build(Bcc %s) = %q, want no %q in the message", dave.Address, rawHeader(raw), s)
		}
	}
	if got := msg.Header.Get("To"); !strings.Contains(got, bob.Address) {
		t.Errorf("Build() To = %q, want %s", got, bob.Address)
	}
	want := []string{bob.Address, carol.Address, dave.Address}
	if got := d.Recipients(); !slices.Equal(got, want) {
		t.Errorf("Recipients() = %q, want %q", got, want)
	}
}

// part is a decoded leaf of a MIME tree.
type part struct {
	contentType string // media type only
	filename    string
	contentID   string // the Content-ID header, brackets included
	encoding    string // the Content-Transfer-Encoding header
	body        []byte // transfer encoding undone
}

// walk flattens the MIME tree of an entity into its media types (in
// order, containers included) and its leaves.
func walk(t *testing.T, header map[string][]string, body io.Reader) (types []string, leaves []part) {
	t.Helper()
	h := mail.Header(header)
	mediaType, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	types = append(types, mediaType)
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", mediaType, err)
			}
			ts, ls := walk(t, p.Header, p)
			types, leaves = append(types, ts...), append(leaves, ls...)
		}
		return types, leaves
	}
	switch enc := strings.ToLower(h.Get("Content-Transfer-Encoding")); enc {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("Content-Transfer-Encoding %q", enc)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		t.Fatalf("%s body: %v", mediaType, err)
	}
	var filename string
	if _, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
		filename = dp["filename"]
	}
	return types, []part{{contentType: mediaType, filename: filename, body: b,
		contentID: h.Get("Content-ID"), encoding: strings.ToLower(h.Get("Content-Transfer-Encoding"))}}
}

func TestBuildStructure(t *testing.T) {
	dir := t.TempDir()
	binary := []byte("%PDF-1.7\x00\x01\x02\xff\xfe binary\r\nbytes\n" + strings.Repeat("0123456789", 20))
	pdf := filepath.Join(dir, "Quarterly report.pdf")
	if err := os.WriteFile(pdf, binary, 0o600); err != nil {
		t.Fatal(err)
	}
	notes := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notes, []byte("line one\nline two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "photo.png")
	pngBytes := []byte("\x89PNG\r\n\x1a\nnot really a picture")
	if err := os.WriteFile(png, pngBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	// Stored with LF line ends, as some servers hand messages out.
	eml := filepath.Join(dir, "Lunch.eml")
	if err := os.WriteFile(eml, []byte("From: carol@example.net\nSubject: Lunch\n\nGrüße, at noon?\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	notMessage := filepath.Join(dir, "binary.eml")
	if err := os.WriteFile(notMessage, []byte("Subject: x\n\n\x00\x01"), 0o600); err != nil {
		t.Fatal(err)
	}
	const text = "Hello Bob,\n\nGrüße — see you.\n.\n.a line with a leading dot\n"
	const html = "<p>Hello Bob,</p><p>Grüße — see you.</p>"
	crlf := strings.ReplaceAll(text, "\n", "\r\n")
	tests := []struct {
		name        string
		html        string
		attachments []string
		inline      []Inline
		wantTypes   []string
		wantLeaves  []part
	}{
		{
			name:       "plain text",
			wantTypes:  []string{"text/plain"},
			wantLeaves: []part{{contentType: "text/plain", body: []byte(crlf)}},
		},
		{
			name:       "plain text and HTML",
			html:       html,
			wantTypes:  []string{"multipart/alternative", "text/plain", "text/html"},
			wantLeaves: []part{{contentType: "text/plain", body: []byte(crlf)}, {contentType: "text/html", body: []byte(html)}},
		},
		{
			name:        "attachment",
			attachments: []string{pdf},
			wantTypes:   []string{"multipart/mixed", "text/plain", "application/pdf"},
			wantLeaves: []part{
				{contentType: "text/plain", body: []byte(crlf)},
				{contentType: "application/pdf", filename: "Quarterly report.pdf", body: binary},
			},
		},
		{
			name:        "HTML and two attachments",
			html:        html,
			attachments: []string{pdf, notes},
			wantTypes:   []string{"multipart/mixed", "multipart/alternative", "text/plain", "text/html", "application/pdf", "text/plain"},
			wantLeaves: []part{
				{contentType: "text/plain", body: []byte(crlf)},
				{contentType: "text/html", body: []byte(html)},
				{contentType: "application/pdf", filename: "Quarterly report.pdf", body: binary},
				{contentType: "text/plain", filename: "notes.txt", body: []byte("line one\nline two\n")},
			},
		},
		{
			name:      "HTML with an inline image",
			html:      html,
			inline:    []Inline{{Path: png, ContentID: "img1.x@tributary"}},
			wantTypes: []string{"multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png"},
			wantLeaves: []part{
				{contentType: "text/plain", body: []byte(crlf)},
				{contentType: "text/html", body: []byte(html)},
				{contentType: "image/png", filename: "photo.png", contentID: "<img1.x@tributary>", encoding: "base64", body: pngBytes},
			},
		},
		{
			name:        "inline image and attachment",
			html:        html,
			inline:      []Inline{{Path: png, ContentID: "img1.x@tributary"}},
			attachments: []string{pdf},
			wantTypes:   []string{"multipart/mixed", "multipart/related", "multipart/alternative", "text/plain", "text/html", "image/png", "application/pdf"},
			wantLeaves: []part{
				{contentType: "text/plain", body: []byte(crlf)},
				{contentType: "text/html", body: []byte(html)},
				{contentType: "image/png", filename: "photo.png", contentID: "<img1.x@tributary>", encoding: "base64", body: pngBytes},
				{contentType: "application/pdf", filename: "Quarterly report.pdf", encoding: "base64", body: binary},
			},
		},
		{
			name:       "inline image without HTML is left out",
			inline:     []Inline{{Path: png, ContentID: "img1.x@tributary"}},
			wantTypes:  []string{"text/plain"},
			wantLeaves: []part{{contentType: "text/plain", body: []byte(crlf)}},
		},
		{
			name:        "attached message",
			attachments: []string{eml},
			wantTypes:   []string{"multipart/mixed", "text/plain", "message/rfc822"},
			wantLeaves: []part{
				{contentType: "text/plain", body: []byte(crlf)},
				{contentType: "message/rfc822", filename: "Lunch.eml", encoding: "8bit",
					body: []byte("From: carol@example.net\r\nSubject: Lunch\r\n\r\nGrüße, at noon?\r\n")},
			},
		},
		{
			name:        "an .eml that is no message goes as a file",
			attachments: []string{notMessage},
			wantTypes:   []string{"multipart/mixed", "text/plain", "application/octet-stream"},
			wantLeaves: []part{
				{contentType: "text/plain", body: []byte(crlf)},
				{contentType: "application/octet-stream", filename: "binary.eml", encoding: "base64", body: []byte("Subject: x\n\n\x00\x01")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Draft{From: alice, To: []*mail.Address{bob}, Subject: tt.name, Text: text, HTML: tt.html,
				Attachments: tt.attachments, Inline: tt.inline}
			_, raw, msg := build(t, d)
			if i := bareLineEnd(raw); i >= 0 {
				t.Errorf("Build() = %q, want CRLF line endings only; bare CR or LF at byte %d", raw, i)
			}
			if v := msg.Header.Get("MIME-Version"); v != "1.0" {
				t.Errorf("Build() MIME-Version = %q, want 1.0", v)
			}
			types, leaves := walk(t, msg.Header, msg.Body)
			if !slices.Equal(types, tt.wantTypes) {
				t.Errorf("Build() MIME structure = %q, want %q", types, tt.wantTypes)
			}
			if !slices.EqualFunc(leaves, tt.wantLeaves, func(a, b part) bool {
				return a.contentType == b.contentType && a.filename == b.filename && bytes.Equal(a.body, b.body) &&
					(b.contentID == "" || a.contentID == b.contentID) && (b.encoding == "" || a.encoding == b.encoding)
			}) {
				t.Errorf("Build() parts = %q, want %q", leaves, tt.wantLeaves)
			}
		})
	}
}

// bareLineEnd returns the index of the first CR not followed by LF or LF
// not preceded by CR, or -1.
func bareLineEnd(b []byte) int {
	for i, c := range b {
		switch {
		case c == '\r' && (i+1 == len(b) || b[i+1] != '\n'):
			return i
		case c == '\n' && (i == 0 || b[i-1] != '\r'):
			return i
		}
	}
	return -1
}

func TestBuildErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "gone.pdf")
	tests := []struct {
		name    string
		draft   Draft
		wantIs  error // nil: any error
		wantMsg string
	}{
		{"no recipients", Draft{From: alice, Text: "hi"}, ErrNoRecipients, ""},
		{"only empty lists", Draft{From: alice, To: []*mail.Address{}, Cc: []*mail.Address{}, Text: "hi"}, ErrNoRecipients, ""},
		{"no sender", Draft{To: []*mail.Address{bob}, Text: "hi"}, nil, "no sender"},
		{"sender without address", Draft{From: &mail.Address{Name: "Alice"}, To: []*mail.Address{bob}, Text: "hi"}, nil, "no sender"},
		{"missing attachment", Draft{From: alice, To: []*mail.Address{bob}, Text: "hi", Attachments: []string{missing}}, fs.ErrNotExist, "gone.pdf"},
		{"missing inline image", Draft{From: alice, To: []*mail.Address{bob}, Text: "hi", HTML: "<p>hi</p>",
			Inline: []Inline{{Path: missing, ContentID: "a@b"}}}, fs.ErrNotExist, "gone.pdf"},
		{"bad Content-ID", Draft{From: alice, To: []*mail.Address{bob}, Text: "hi", HTML: "<p>hi</p>",
			Inline: []Inline{{Path: missing, ContentID: "a b>@c"}}}, nil, "Content-ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			id, err := Build(tt.draft, &buf)
			switch {
			case err == nil:
				t.Fatalf("Build() = %q, nil, want an error", id)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Errorf("Build() = %v, want errors.Is %v", err, tt.wantIs)
			case !strings.Contains(err.Error(), tt.wantMsg):
				t.Errorf("Build() = %v, want it to mention %q", err, tt.wantMsg)
			}
			if buf.Len() != 0 {
				t.Errorf("Build() wrote %q before failing, want nothing written", buf.Bytes())
			}
		})
	}
}
