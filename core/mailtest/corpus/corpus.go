// Package corpus makes a deterministic mail corpus for benchmarks: message i
// of a corpus is the same bytes on every machine and in every run, so that
// scripts/bench.sh, the Go benchmarks and anyone repeating a measurement
// work on the same mail.
//
// The mix follows issue 10: most messages are 2–8 KB of plain text, about
// 10% are HTML multipart/alternative of 20–60 KB, and about 3% carry a
// base64 attachment of 200 KB–1 MB.
package corpus

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"time"
)

// Kind is the shape of one message of the corpus.
type Kind int

// The kinds of message in the corpus.
const (
	Text       Kind = iota // text/plain, 2–8 KB
	HTML                   // multipart/alternative with text and HTML, 20–60 KB
	Attachment             // multipart/mixed with a base64 attachment, 200 KB–1 MB
)

// KindOf says which kind message i is: 3 in every 100 carry an
// attachment, 10 in every 100 are HTML, the rest text.
func KindOf(i int) Kind {
	switch r := i % 100; {
	case r == 17 || r == 50 || r == 83:
		return Attachment
	case r%10 == 4:
		return HTML
	default:
		return Text
	}
}

// Base is the Date of message 0; each next message is a minute later.
var Base = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// MessageID is the Message-ID (without angle brackets) of message i.
func MessageID(i int) string { return fmt.Sprintf("bench-%d@corpus.example.test", i) }

var words = []string{
	"mail", "account", "server", "inbox", "message", "folder", "river", "delta",
	"tributary", "source", "retrieval", "schedule", "password", "sender", "reply",
	"forward", "meeting", "report", "invoice", "quarter", "budget", "project",
	"release", "planning", "notes", "the", "a", "of", "and", "to", "in", "is",
	"that", "for", "on", "with", "as", "was", "at", "by", "it", "from", "alpha",
	"bravo", "charlie", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
	"kilo", "lima", "monday", "tuesday", "wednesday", "thursday", "friday",
	"weekend", "morning", "evening", "café", "naïve", "straße",
}

// Message returns the raw bytes (CRLF line ends) of message i.
func Message(i int) []byte {
	rng := rand.New(rand.NewPCG(uint64(i), 0x7269766572))
	var b bytes.Buffer
	sender := rng.IntN(50)
	fmt.Fprintf(&b, "From: Sender %d <sender%d@corpus.example.test>\r\n", sender, sender)
	b.WriteString("To: Bench <bench@example.test>\r\n")
	fmt.Fprintf(&b, "Subject: %s %s %s (%d)\r\n", pick(rng), pick(rng), pick(rng), i)
	fmt.Fprintf(&b, "Date: %s\r\n", Base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	fmt.Fprintf(&b, "Message-ID: <%s>\r\n", MessageID(i))
	b.WriteString("MIME-Version: 1.0\r\n")
	switch KindOf(i) {
	case Text:
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		text(&b, rng, 2048+rng.IntN(6*1024))
	case HTML:
		boundary := fmt.Sprintf("=_alt_%d", i)
		size := 20*1024 + rng.IntN(40*1024)
		fmt.Fprintf(&b, "Content-Type: multipart/alternative; boundary=%q\r\n\r\n", boundary)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", boundary)
		text(&b, rng, size/4)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", boundary)
		html(&b, rng, size*3/4)
		fmt.Fprintf(&b, "--%s--\r\n", boundary)
	case Attachment:
		boundary := fmt.Sprintf("=_mixed_%d", i)
		size := 200*1024 + rng.IntN(824*1024)
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n", boundary)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n", boundary)
		text(&b, rng, 3000)
		fmt.Fprintf(&b, "--%s\r\nContent-Type: application/octet-stream; name=\"data-%d.bin\"\r\n", boundary, i)
		fmt.Fprintf(&b, "Content-Disposition: attachment; filename=\"data-%d.bin\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", i)
		attachment(&b, rng, size*3/4)
		fmt.Fprintf(&b, "--%s--\r\n", boundary)
	}
	return b.Bytes()
}

func pick(rng *rand.Rand) string { return words[rng.IntN(len(words))] }

// text writes about size bytes of words in lines of at most 72 bytes.
func text(b *bytes.Buffer, rng *rand.Rand, size int) {
	end := b.Len() + size
	line := 0
	for b.Len() < end {
		w := pick(rng)
		if line > 0 && line+1+len(w) > 72 {
			b.WriteString("\r\n")
			line = 0
		} else if line > 0 {
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	b.WriteString("\r\n")
}

// html writes about size bytes of paragraphs with some markup.
func html(b *bytes.Buffer, rng *rand.Rand, size int) {
	end := b.Len() + size
	b.WriteString("<html><head><style>p { margin: 0 }</style></head><body>\r\n")
	for b.Len() < end {
		b.WriteString("<p>")
		for n := 8 + rng.IntN(8); n > 0; n-- {
			if rng.IntN(6) == 0 {
				fmt.Fprintf(b, "<b>%s</b> ", pick(rng))
			} else {
				b.WriteString(pick(rng))
				b.WriteByte(' ')
			}
		}
		b.WriteString("</p>\r\n")
	}
	b.WriteString("</body></html>\r\n")
}

// attachment writes n pseudo-random bytes base64-encoded in 76-column lines.
func attachment(b *bytes.Buffer, rng *rand.Rand, n int) {
	raw := make([]byte, 57) // 57 bytes make one 76-column line
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(raw)))
	for n > 0 {
		k := min(n, len(raw))
		for j := range k {
			raw[j] = byte(rng.Uint32())
		}
		base64.StdEncoding.Encode(enc, raw[:k])
		b.Write(enc[:base64.StdEncoding.EncodedLen(k)])
		b.WriteString("\r\n")
		n -= k
	}
}
