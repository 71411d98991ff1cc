package mime

import (
	"bytes"
	"encoding/base64"
	"strings"
	"sync"
	"testing"

	"github.com/tributary-mail/tributary/core/mailtest/corpus"
)

// bigMessage is a 20 MB message: a short text, an HTML body and one large
// base64 attachment, the shape that must not be held in memory.
var bigMessage = sync.OnceValue(func() []byte {
	const size = 20 << 20
	var b bytes.Buffer
	b.Grow(size + 1024)
	b.WriteString("From: Big Sender <big@example.com>\r\nTo: someone@example.com\r\nSubject: Holiday photos\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"big\"\r\n\r\n" +
		"--big\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n" +
		"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + strings.Repeat("Here are the photos from the trip.\r\n", 100) +
		"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>" + strings.Repeat("Here are the photos from the trip.<br>\r\n", 100) + "</p>\r\n--alt--\r\n" +
		"--big\r\nContent-Type: application/zip; name=\"photos.zip\"\r\nContent-Disposition: attachment; filename=\"photos.zip\"\r\n" +
		"Content-Transfer-Encoding: base64\r\n\r\n")
	line := make([]byte, 57) // 76 base64 characters per line
	for i := range line {
		line[i] = byte(i * 7)
	}
	enc := base64.StdEncoding.EncodeToString(line) + "\r\n"
	for b.Len() < size-len("--big--\r\n") {
		b.WriteString(enc)
	}
	b.WriteString("--big--\r\n")
	return b.Bytes()
})

func BenchmarkParse(b *testing.B) {
	raw := bigMessage()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		m, err := Parse(bytes.NewReader(raw), nil)
		if err != nil || len(m.Attachments) != 1 {
			b.Fatalf("Parse(20 MB message) = %d attachments, %v; want 1, nil", len(m.Attachments), err)
		}
	}
}

func BenchmarkExtract(b *testing.B) {
	raw := bigMessage()
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		var n countingWriter
		if _, err := Extract(bytes.NewReader(raw), []int{2}, &n, nil); err != nil {
			b.Fatal(err)
		}
	}
}

type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

func BenchmarkSanitizeHTML(b *testing.B) {
	in := strings.Repeat(`<table width="600"><tr><td style="color: red; background: url(https://t.example/bg.png)">`+
		`<p>Sale <a href="https://shop.example/x">now</a><img src="https://t.example/p.gif"></p></td></tr></table>`, 200)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		SanitizeHTML(in, false)
	}
}

// BenchmarkParseHTML builds the Doc of the same newsletter-like HTML that
// BenchmarkSanitizeHTML cleans: the reader's cost per message shown.
func BenchmarkParseHTML(b *testing.B) {
	in := strings.Repeat(`<table width="600"><tr><td style="color: red; background: url(https://t.example/bg.png)">`+
		`<p>Sale <a href="https://shop.example/x">now</a><img src="https://t.example/p.gif"></p></td></tr></table>`, 200)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		ParseHTML(in)
	}
}

// BenchmarkParseCorpus parses one message of each kind of the benchmark
// corpus (core/mailtest/corpus): the per-message cost of a sync.
func BenchmarkParseCorpus(b *testing.B) {
	for _, bc := range []struct {
		name string
		i    int
	}{{"text", 0}, {"html", 4}, {"attachment", 17}} {
		raw := corpus.Message(bc.i)
		listing := DefaultLimits
		listing.SkipAttachmentSizes = true
		for _, lc := range []struct {
			name string
			lim  *Limits
		}{{"", nil}, {"_listing", &listing}} {
			b.Run(bc.name+lc.name, func(b *testing.B) {
				b.SetBytes(int64(len(raw)))
				b.ReportAllocs()
				for b.Loop() {
					if _, err := Parse(bytes.NewReader(raw), lc.lim); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
