package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"

	"github.com/tributary-mail/tributary/core"
)

// The conversations view: the message list shows one row per
// conversation (storage.ThreadRows, which threads across folders and
// accounts), newest activity first. A row is its conversation's newest
// message, so that opening it shows that message in the reader, with the
// rest of the conversation stacked above it (ui/gui/reader), and the
// toolbar acts, as always, on the message the reader shows. The selection
// stays a message; its row is the one of its conversation.

// prefConversations remembers whether the list shows conversations.
const prefConversations = "listConversations"

// conversationsIcon is the toolbar's toggle: a stack of messages.
var conversationsIcon fyne.Resource = theme.NewThemedResource(fyne.NewStaticResource("conversations.svg", []byte(
	`<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="#000000">`+
		`<path d="M7 3h13a1 1 0 0 1 1 1v9h-2V5H7z"/>`+
		`<path d="M4 7h13a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zm1 3v2h11v-2zm0 4v2h8v-2z"/>`+
		`</svg>`)))

// toggleConversations switches the list between conversations and single
// messages, and remembers the choice. The message shown stays selected:
// in the new list its row is found again.
func (w *MainWindow) toggleConversations() {
	w.conversations = !w.conversations
	w.app.Fyne.Preferences().SetBool(prefConversations, w.conversations)
	if w.conversations {
		w.status.Set(lang.L("Showing conversations"))
	} else {
		w.status.Set(lang.L("Showing single messages"))
	}
	w.reloadList()
}

// rowHolds reports whether list row r stands for message m: in
// conversations, the row of m's conversation.
func (w *MainWindow) rowHolds(r, m core.MessageSummary) bool {
	if w.rows.ShowsThreads() {
		return r.ThreadID == m.ThreadID
	}
	return r.ID == m.ID
}
