package gui

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/mailtext"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// The conversations view: the message list shows one row per
// conversation (storage.ThreadRows, which threads across folders and
// accounts), newest activity first. A row is its conversation's newest
// message, so that opening it shows that message in the reader, with the
// rest of the conversation stacked above it (reader_thread.go), and the
// toolbar acts, as always, on the message the reader shows. The selection
// stays a message; its row is the one of its conversation.

// prefConversations remembers whether the list shows conversations.
const prefConversations = "listConversations"

// conversationsFollow is how many pages of conversations readConversations
// reads, at most, to find the selected message's conversation: a list of
// conversations has no order to bisect by the message, and reading
// further down is rarely worth it, since the selection is almost always
// near the top after new mail.
const conversationsFollow = 10

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
	if w.rows.showsThreads() {
		return r.ThreadID == m.ThreadID
	}
	return r.ID == m.ID
}

// readConversationPage reads page number page of the conversations of q:
// the newest message of each, as rows, and the conversations by thread
// ID.
func readConversationPage(ctx context.Context, db *storage.DB, q storage.ListQuery, page int) ([]core.MessageSummary, map[int64]core.ThreadSummary, error) {
	q.Limit, q.Offset = listPage, page*listPage
	threads, err := db.ThreadRows(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", lang.L("read the conversations"), err)
	}
	rows := make([]core.MessageSummary, len(threads))
	convs := make(map[int64]core.ThreadSummary, len(threads))
	for i, t := range threads {
		rows[i] = t.Newest
		convs[t.ID] = t.ThreadSummary
	}
	return rows, convs, nil
}

// readConversations is readList for conversations: the first page, and
// the row of sel's conversation, looked for on the first
// conversationsFollow pages. The count is the rows read, plus one while
// the last page read was full (see pageCache.threads).
func readConversations(ctx context.Context, db *storage.DB, q storage.ListQuery, sel core.MessageSummary) (listed, error) {
	l := listed{pages: map[int][]core.MessageSummary{}, convs: map[int64]core.ThreadSummary{}, at: -1, threads: true}
	if q.Search != "" {
		// The heading says how many conversations a search found:
		// counted here, as a search's list is seldom the whole store.
		n, err := db.CountThreads(ctx, q)
		if err != nil {
			return l, fmt.Errorf("%s: %w", lang.L("count the conversations"), err)
		}
		l.found = n
	}
	for page := 0; page < conversationsFollow; page++ {
		rows, convs, err := readConversationPage(ctx, db, q, page)
		if err != nil {
			return l, err
		}
		l.pages[page] = rows
		maps.Copy(l.convs, convs)
		l.count = page*listPage + len(rows)
		full := len(rows) == listPage
		if full {
			l.count++
		}
		if i := slices.IndexFunc(rows, func(m core.MessageSummary) bool { return m.ThreadID == sel.ThreadID }); sel.ID != 0 && i >= 0 {
			l.at = page*listPage + i
			return l, nil
		}
		if sel.ID == 0 || !full {
			return l, nil
		}
	}
	return l, nil
}

// setConversation shows conversation t on the row, by its newest message
// m: who took part, the subject, how many messages and how many unread,
// and the date of the newest.
func (r *row) setConversation(m core.MessageSummary, t core.ThreadSummary) {
	r.set(m, false)
	r.from.SetText(cmp.Or(strings.Join(t.Participants, ", "), mailtext.SenderName(m)))
	unread := t.Unread > 0
	r.from.TextStyle.Bold, r.subject.TextStyle.Bold = unread, unread
	r.subject.SetText(cmp.Or(t.Subject, m.Subject, lang.L("(no subject)")))
	r.count.SetText(conversationCount(t))
	r.count.TextStyle.Bold = unread
	r.count.Hidden = t.Count < 2 // a message alone is a message
	r.date.SetText(mailtext.ShortDate(t.Date))
	r.Refresh()
}

// conversationCount is a conversation row's count: "3", or "3 · 1 new".
func conversationCount(t core.ThreadSummary) string {
	if t.Unread > 0 {
		return lang.L("{{.Count}} · {{.Unread}} new", map[string]any{"Count": i18n.Number(t.Count), "Unread": i18n.Number(t.Unread)})
	}
	return i18n.Number(t.Count)
}
