package gui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/composer"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// draftsView is the list pane while a Drafts entry of the sidebar is
// chosen: the saved drafts, newest first, of every account (the unified
// Drafts) or of one; a click opens one in the composer. Drafts live in
// their own table, not among the messages, hence a list of its own.
type draftsView struct {
	w       *MainWindow
	list    *widget.List
	drafts  []storage.Draft
	account int64 // 0: every account
	shown   bool  // the list pane shows the drafts
}

func newDraftsView(w *MainWindow) *draftsView {
	v := &draftsView{w: w}
	v.list = widget.NewList(func() int { return len(v.drafts) }, composer.NewDraftRow, func(i widget.ListItemID, o fyne.CanvasObject) {
		if i < len(v.drafts) {
			composer.ShowDraftRow(v.drafts[i], o)
		}
	})
	v.list.OnSelected = func(i widget.ListItemID) {
		v.list.UnselectAll()
		if i < len(v.drafts) {
			w.app.composers.Open(composer.DraftFromStore(v.drafts[i]))
		}
	}
	return v
}

// show puts the drafts of account (0: all) in the list pane and reads them.
func (v *draftsView) show(account int64) {
	v.account, v.shown = account, true
	w := v.w
	w.clearSelection()
	w.listPane.Objects[0] = v.list
	w.listPane.Refresh()
	v.refresh()
}

// hide gives the list pane back to the messages.
func (v *draftsView) hide() {
	if !v.shown {
		return
	}
	v.shown = false
	w := v.w
	w.listPane.Objects[0] = w.list
	w.heading.Hide()
	w.listPane.Refresh()
}

// refresh reads the drafts again, after one was saved, sent or discarded.
func (v *draftsView) refresh() {
	if !v.shown {
		return
	}
	w := v.w
	account := v.account
	w.app.Background("read drafts", func() {
		all, err := w.app.DB.Drafts(w.app.Ctx)
		w.app.Do(func() {
			if !v.shown || v.account != account {
				return
			}
			if err != nil {
				w.status.Set(lang.L("Cannot read the drafts: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			v.drafts = v.drafts[:0]
			for _, d := range all {
				if account == 0 || d.AccountID == account {
					v.drafts = append(v.drafts, d)
				}
			}
			w.heading.SetText(draftsHeading(len(v.drafts)))
			w.heading.Show()
			v.list.Refresh()
			w.listPane.Refresh()
		})
	})
}

func draftsHeading(n int) string {
	if n == 0 {
		return lang.L("No drafts")
	}
	return lang.N("{{.Count}} drafts", n, map[string]any{"Count": i18n.Number(n)})
}
