package composer

import (
	"testing"

	"github.com/tributary-mail/tributary/core/mailto"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// The compose op of the control socket (a second `tributary mailto:`)
// opens a composer with every field of the link filled in.
func TestComposeMailtoOpensAFilledComposer(t *testing.T) {
	f := newComposeFixture(t)
	m, err := mailto.Parse("mailto:ann@example.com,Bob%20%3Cbob@example.com%3E?cc=cy@example.com&bcc=dee@example.com&subject=caf%C3%A9&body=line%201%0D%0Aline%202&in-reply-to=%3Corig@example.com%3E&from=evil@example.com")
	if err != nil {
		t.Fatal(err)
	}
	f.composers.ComposeMailto(m) // from another goroutine, as the socket calls it
	c := f.onlyComposer(t)
	guitest.OnUI(func() {
		for _, field := range []struct{ name, got, want string }{
			{"to", c.to.entry.Text, "ann@example.com, Bob <bob@example.com>"},
			{"cc", c.cc.entry.Text, "cy@example.com"},
			{"bcc", c.bcc.entry.Text, "dee@example.com"},
			{"subject", c.subject.Text, "café"},
			{"body", c.body.Text, "line 1\nline 2"},
			{"in-reply-to", c.draft.InReplyTo, "orig@example.com"},
		} {
			if field.got != field.want {
				t.Errorf("composer %s = %q, want %q", field.name, field.got, field.want)
			}
		}
	})
}

func TestMailtoDraft(t *testing.T) {
	tests := []struct {
		name, link, inReplyTo string
	}{
		{"with brackets", "mailto:a@example.com?in-reply-to=%3Cx@y%3E", "x@y"},
		{"none", "mailto:a@example.com", ""},
		{"not a Message-ID", "mailto:a@example.com?in-reply-to=a%20b", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := mailto.Parse(tt.link)
			if err != nil {
				t.Fatal(err)
			}
			if d := mailtoDraft(m); d.InReplyTo != tt.inReplyTo || (tt.inReplyTo != "" && len(d.References) != 1) {
				t.Errorf("mailtoDraft(%s) = %+v, want In-Reply-To %q", tt.link, d, tt.inReplyTo)
			}
		})
	}
}
