package reply

import (
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core/mime"
)

// TestReplyQuotesHTMLAsText: a reply to HTML mail quotes what the
// message says, as text: no markup, no script or style content, links
// kept as addresses, blocks on lines of their own.
func TestReplyQuotesHTMLAsText(t *testing.T) {
	const html = `<html><head><title>T</title><style>p{color:red}</style></head><body>` +
		`<p>Hello <b>Bob</b>,</p><script>alert(1)</script><p onclick="x()">See <a href="https://x.example/a">the page</a> &amp; more.</p>` +
		`<ul><li>one</li><li>two</li></ul><img src="https://t.example/p.gif" alt="pixel"></body></html>`
	tests := []struct {
		name    string
		raw     string
		want    []string // in the reply
		wantFwd []string // in the forward
		notWant []string
	}{
		{
			name:    "HTML only",
			raw:     "From: a@x.example\r\nSubject: s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html + "\r\n",
			want:    []string{"> Hello Bob,\n>\n> See the page <https://x.example/a> & more.\n", "> - one\n> - two\n"},
			wantFwd: []string{"\nHello Bob,\n\nSee the page <https://x.example/a> & more.\n", "- one\n- two"},
			notWant: []string{"<p", "<b>", "alert", "color:red", "onclick", "&amp;", "p.gif"},
		},
		{
			name: "alternative: the sender's own text",
			raw: "From: a@x.example\r\nSubject: s\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n" +
				"--b\r\nContent-Type: text/plain\r\n\r\nHello Bob, in text.\r\n--b\r\nContent-Type: text/html\r\n\r\n" + html + "\r\n--b--\r\n",
			want:    []string{"> Hello Bob, in text.\n"},
			wantFwd: []string{"\nHello Bob, in text."},
			notWant: []string{"<p", "the page"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, err := mime.Parse(strings.NewReader(tt.raw), nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range []struct {
				kind, text string
				want       []string
			}{{"Reply", Reply(msg, nil, false).Text, tt.want}, {"Forward", Forward(msg).Text, tt.wantFwd}} {
				for _, w := range d.want {
					if !strings.Contains(d.text, w) {
						t.Errorf("%s().Text = %q, want it to contain %q", d.kind, d.text, w)
					}
				}
				for _, w := range tt.notWant {
					if strings.Contains(d.text, w) {
						t.Errorf("%s().Text = %q, want no %q", d.kind, d.text, w)
					}
				}
			}
		})
	}
}
