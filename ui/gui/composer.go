package gui

// Draft is what the composer opens with.
type Draft struct {
	AccountID   int64
	To, Cc, Bcc string
	Subject     string
	Body        string
	InReplyTo   string
	References  []string
	Attachments []string
}

// OpenComposer opens a composer window.
func (a *App) OpenComposer(d Draft) {}

// ReplyDraft prepares a reply to message id.
func (a *App) ReplyDraft(id int64, all bool) (Draft, error) { return Draft{}, nil }

// ForwardDraft prepares a forward of message id.
func (a *App) ForwardDraft(id int64) (Draft, error) { return Draft{}, nil }

// OpenOutbox shows the outbox.
func (a *App) OpenOutbox() {}
