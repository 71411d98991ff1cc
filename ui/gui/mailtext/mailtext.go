// Package mailtext writes the parts of a message the way every window of
// the GUI shows them: the sender's name, a short date, a folder's name.
package mailtext

import (
	"time"

	"fyne.io/fyne/v2/lang"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// FolderName is a folder's name as the app shows it: the inbox
// (core.DefaultFolder) and the special folders under the English names
// the app and most servers give them in the language, as Thunderbird
// shows them; any other name as the server or the user gave it.
func FolderName(name string) string {
	switch name {
	case core.DefaultFolder:
		return lang.L("Inbox")
	case "Sent":
		return lang.X("folder.sent", "Sent")
	case "Drafts":
		return lang.X("folder.drafts", "Drafts")
	case "Trash":
		return lang.X("folder.trash", "Trash")
	case "Junk":
		return lang.X("folder.junk", "Junk")
	case "Archive":
		return lang.X("folder.archive", "Archive")
	}
	return name
}

// SenderName is the sender's name, or the address when there is none.
func SenderName(m core.MessageSummary) string {
	if m.FromName != "" {
		return m.FromName
	}
	return m.FromAddr
}

// ShortDate shows the time for today's mail and the date otherwise.
func ShortDate(t time.Time) string {
	t = t.Local()
	now := time.Now()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return i18n.Time(t)
	}
	if t.Year() == now.Year() {
		return i18n.DayMonth(t)
	}
	return i18n.Date(t)
}
