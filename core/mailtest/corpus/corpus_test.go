package corpus

import (
	"bytes"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core/mime"
)

func TestMessage(t *testing.T) {
	tests := []struct {
		name     string
		i        int
		kind     Kind
		min, max int
	}{
		{"text", 0, Text, 2 << 10, 9 << 10},
		{"html", 4, HTML, 20 << 10, 62 << 10},
		{"attachment", 17, Attachment, 200 << 10, 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if k := KindOf(tt.i); k != tt.kind {
				t.Fatalf("KindOf(%d) = %d, want %d", tt.i, k, tt.kind)
			}
			raw := Message(tt.i)
			if n := len(raw); n < tt.min || n > tt.max {
				t.Errorf("len(Message(%d)) = %d, want %d–%d", tt.i, n, tt.min, tt.max)
			}
			if !bytes.Equal(raw, Message(tt.i)) {
				t.Errorf("Message(%d) differs between calls", tt.i)
			}
			m, err := mime.Parse(bytes.NewReader(raw), nil)
			if err != nil {
				t.Fatalf("mime.Parse(Message(%d)) = %v", tt.i, err)
			}
			if m.MessageID != MessageID(tt.i) {
				t.Errorf("Message-ID = %q, want %q", m.MessageID, MessageID(tt.i))
			}
			if len(m.Text) < 1000 {
				t.Errorf("text of message %d is %d bytes, want a body", tt.i, len(m.Text))
			}
			if got, want := strings.Contains(m.HTML, "<p>"), tt.kind == HTML; got != want {
				t.Errorf("message %d has an HTML body = %v, want %v", tt.i, got, want)
			}
			if got, want := len(m.Attachments) > 0, tt.kind == Attachment; got != want {
				t.Errorf("message %d has attachments = %v, want %v", tt.i, got, want)
			}
		})
	}
}

func TestMix(t *testing.T) {
	var count [3]int
	for i := range 1000 {
		count[KindOf(i)]++
	}
	if count[Attachment] != 30 || count[HTML] != 100 {
		t.Errorf("in 1000 messages: %d with attachments, %d HTML; want 30 and 100", count[Attachment], count[HTML])
	}
}
