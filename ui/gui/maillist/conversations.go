package maillist

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"fyne.io/fyne/v2/lang"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/mailtext"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// ReadConversationPage reads page number page of the conversations of q:
// the newest message of each, as rows, and the conversations by thread
// ID.
func ReadConversationPage(ctx context.Context, db *storage.DB, q storage.ListQuery, page int) ([]core.MessageSummary, map[int64]core.ThreadSummary, error) {
	q.Limit, q.Offset = PageSize, page*PageSize
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

// ReadConversations is readList for conversations: the first page, and
// the row of sel's conversation, looked for on the first
// conversationsFollow pages. The count is the rows read, plus one while
// the last page read was full (see pageCache.threads).
func ReadConversations(ctx context.Context, db *storage.DB, q storage.ListQuery, sel core.MessageSummary) (Listed, error) {
	l := Listed{Pages: map[int][]core.MessageSummary{}, Convs: map[int64]core.ThreadSummary{}, At: -1, Threads: true}
	if q.Search != "" {
		// The heading says how many conversations a search found:
		// counted here, as a search's list is seldom the whole store.
		n, err := db.CountThreads(ctx, q)
		if err != nil {
			return l, fmt.Errorf("%s: %w", lang.L("count the conversations"), err)
		}
		l.Found = n
	}
	for page := 0; page < conversationsFollow; page++ {
		rows, convs, err := ReadConversationPage(ctx, db, q, page)
		if err != nil {
			return l, err
		}
		l.Pages[page] = rows
		maps.Copy(l.Convs, convs)
		l.Count = page*PageSize + len(rows)
		full := len(rows) == PageSize
		if full {
			l.Count++
		}
		if i := slices.IndexFunc(rows, func(m core.MessageSummary) bool { return m.ThreadID == sel.ThreadID }); sel.ID != 0 && i >= 0 {
			l.At = page*PageSize + i
			return l, nil
		}
		if sel.ID == 0 || !full {
			return l, nil
		}
	}
	return l, nil
}

// SetConversation shows conversation t on the row, by its newest message
// m: who took part, the subject, how many messages and how many unread,
// and the date of the newest.
func (r *Row) SetConversation(m core.MessageSummary, t core.ThreadSummary) {
	v := messageView(m, false)
	v.from = cmp.Or(strings.Join(t.Participants, ", "), v.from)
	v.bold = t.Unread > 0
	v.subject = cmp.Or(t.Subject, v.subject)
	if t.Count > 1 { // a message alone is a message
		v.count = ConversationCount(t)
	}
	v.date = mailtext.ShortDate(t.Date)
	r.show(v)
}

// ConversationCount is a conversation row's count: "3", or "3 · 1 new".
func ConversationCount(t core.ThreadSummary) string {
	if t.Unread > 0 {
		return lang.L("{{.Count}} · {{.Unread}} new", map[string]any{"Count": i18n.Number(t.Count), "Unread": i18n.Number(t.Unread)})
	}
	return i18n.Number(t.Count)
}

// conversationsFollow is how many pages of conversations readConversations
// reads, at most, to find the selected message's conversation: a list of
// conversations has no order to bisect by the message, and reading
// further down is rarely worth it, since the selection is almost always
// near the top after new mail.
const conversationsFollow = 10
