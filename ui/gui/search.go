package gui

import (
	"errors"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// searchEntry is the search box. Escape clears it, and the window's
// shortcuts work in it: an Entry takes every shortcut typed in it, so
// those it has no use for are handed to the window. Delete and the other
// editing keys stay the box's own.
type searchEntry struct {
	widget.Entry
	keys     *kit.Keymap
	onEscape func()
	clear    *kit.ToolButton // the × inside the box, shown while there is text
}

var _ fyne.Shortcutable = (*searchEntry)(nil)

func newSearchEntry(keys *kit.Keymap, onEscape func()) *searchEntry {
	e := &searchEntry{keys: keys, onEscape: onEscape}
	e.ExtendBaseWidget(e)
	return e
}

// TypedKey clears the search on Escape.
func (e *searchEntry) TypedKey(k *fyne.KeyEvent) {
	if k.Name == fyne.KeyEscape {
		e.onEscape()
		return
	}
	e.Entry.TypedKey(k)
}

// TypedShortcut runs the window's shortcuts, and leaves the rest (copy,
// paste, select all, undo) to the Entry.
func (e *searchEntry) TypedShortcut(s fyne.Shortcut) {
	if !e.keys.Shortcut(s) {
		e.Entry.TypedShortcut(s)
	}
}

// newSearch makes the search box, its clear button and the results heading.
func (w *MainWindow) newSearch() {
	w.search = newSearchEntry(w.keys, w.clearSearch)
	w.search.SetPlaceHolder(lang.L("Search all accounts"))
	w.search.OnChanged = w.onSearch
	w.search.clear = w.button("", theme.ContentClearIcon(), lang.L("Clear the search (Esc)"), w.clearSearch)
	w.search.clear.Importance = widget.LowImportance
	w.search.clear.Hide()
	w.search.ActionItem = w.search.clear
	w.heading = widget.NewLabel("")
	w.heading.Truncation = fyne.TextTruncateEllipsis
	w.heading.Hide()
}

// clearSearch empties the search box, which brings back the folder. With
// the box empty already, Escape goes back to the list.
func (w *MainWindow) clearSearch() {
	if w.search.Text == "" {
		w.win.Canvas().Focus(w.list)
		return
	}
	w.search.SetText("")
}

// showHeading says above the list what a search found: how many
// messages (more than n: the list holds the newest n), or that none
// match, or why the search could not run.
func (w *MainWindow) showHeading(search string, n int, more bool, err error) {
	// The pane lays out again, so that a hidden heading leaves no gap.
	defer w.listPane.Refresh()
	if search == "" {
		w.heading.Hide()
		return
	}
	switch {
	case err != nil:
		// A query the store refused is explained as it is (where, and
		// what was expected), without the steps that led to it.
		var qe *storage.QueryError
		if errors.As(err, &qe) {
			err = qe
		}
		w.heading.SetText(lang.L("Cannot search for “{{.Search}}”: {{.Error}}", map[string]any{"Search": search, "Error": err.Error()}))
	case more:
		w.heading.SetText(lang.L("More than {{.Count}} results for “{{.Search}}”: the newest {{.Count}} are listed; add words or operators to find older ones", map[string]any{"Count": i18n.Number(n), "Search": search}))
	case n == 0:
		w.heading.SetText(lang.L("No messages match “{{.Search}}”", map[string]any{"Search": search}))
	default:
		w.heading.SetText(lang.N("{{.Count}} results for “{{.Search}}”", n, map[string]any{"Count": i18n.Number(n), "Search": search}))
	}
	w.heading.Show()
}

func (w *MainWindow) query() storage.ListQuery {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.current
	if s := strings.TrimSpace(w.search.Text); s != "" {
		// Search always covers every account and folder.
		q = storage.ListQuery{Search: s}
	}
	return q
}

// onSearch answers as the user types: each keystroke restarts a short
// wait, so a fast typist causes one query, not one per letter.
func (w *MainWindow) onSearch(text string) {
	if text != "" {
		w.drafts.hide() // a search is of messages
	}
	w.showEmptyTrash()
	w.search.clear.Hidden = text == ""
	w.search.Refresh()
	w.mu.Lock()
	w.searchGen++
	gen := w.searchGen
	w.mu.Unlock()
	// Counted as the app's background work, so that Wait never returns
	// while a search is about to start more of it.
	w.app.Background("search as you type", func() {
		select {
		case <-time.After(150 * time.Millisecond):
		case <-w.app.Ctx.Done():
			return
		}
		w.mu.Lock()
		stale := gen != w.searchGen
		w.mu.Unlock()
		if !stale {
			w.app.Do(w.reloadList)
		}
	})
}
