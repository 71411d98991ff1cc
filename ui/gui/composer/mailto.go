package composer

import (
	"strings"

	"github.com/tributary-mail/tributary/core/mailto"
)

// ComposeMailto opens a composer filled from a mailto: link, from any
// goroutine: a second launch (`tributary mailto:...`, as the desktop runs
// the mail handler) hands its link over the control socket, and the
// first launch passes its own link here once the app runs.
func (a *Composers) ComposeMailto(m mailto.Message) {
	d := mailtoDraft(m)
	a.Do(func() { a.Open(d) })
}

// mailtoDraft is the composer's draft of a link. Its fields were
// ignored ones dropped already (mailto.Parse), so nothing but the
// recipients, subject, body and the message answered comes from a link.
func mailtoDraft(m mailto.Message) Draft {
	d := Draft{
		To:      joinAddressList(m.To),
		Cc:      joinAddressList(m.Cc),
		Bcc:     joinAddressList(m.Bcc),
		Subject: m.Subject,
		Body:    m.Body,
	}
	if id := strings.Trim(strings.TrimSpace(m.InReplyTo), "<>"); id != "" && !strings.ContainsAny(id, " <>") {
		d.InReplyTo = id
		d.References = []string{id}
	}
	return d
}
