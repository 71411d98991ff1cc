package composer

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// outboxWindow lists the outbox, with what each message's state allows,
// and the saved drafts. The user decides about a message whose outcome is
// unknown: it is never sent again without being asked.
type outboxWindow struct {
	app  *Composers
	win  fyne.Window
	tabs *container.AppTabs

	items    []core.OutboxItem
	list     *widget.List
	selected int64 // outbox ID, 0 for none
	detail   *widget.Label
	retry    *widget.Button
	remove   *widget.Button
	markSent *widget.Button
	again    *widget.Button
	unsend   *widget.Button // back to the drafts, unsent

	drafts      []storage.Draft
	draftList   *widget.List
	draftChosen int64
	openDraft   *widget.Button
	dropDraft   *widget.Button

	status *widget.Label
}

// OpenOutbox shows the outbox, bringing it forward when already open,
// and reads it afresh.
func (a *Composers) OpenOutbox() {
	if w := a.outbox; w != nil {
		w.win.Show()
		w.win.RequestFocus()
		w.refresh()
		return
	}
	w := newOutboxWindow(a)
	a.outbox = w
	kit.ShowCentred(w.win)
	w.refresh()
}

// OpenDrafts shows the saved drafts: the outbox window at its Drafts tab.
func (a *Composers) OpenDrafts() {
	a.OpenOutbox()
	if w := a.outbox; w != nil {
		w.tabs.SelectIndex(1)
	}
}

func newOutboxWindow(a *Composers) *outboxWindow {
	w := &outboxWindow{app: a, win: a.Fyne.NewWindow(lang.L("Outbox"))}
	w.list = widget.NewList(func() int { return len(w.items) }, NewDraftRow, w.updateRow)
	w.list.OnSelected = func(i widget.ListItemID) {
		if i < len(w.items) {
			w.selected = w.items[i].ID
			w.showDetail()
		}
	}
	w.detail = widget.NewLabel(lang.L("Select a message to see what can be done with it."))
	w.detail.Wrapping = fyne.TextWrapWord
	w.retry = widget.NewButtonWithIcon(lang.L("Retry now"), theme.MailSendIcon(), func() { w.withSelected(w.sendNow) })
	w.markSent = widget.NewButtonWithIcon(lang.L("Mark as sent"), theme.ConfirmIcon(), func() { w.withSelected(w.confirmSent) })
	w.again = widget.NewButtonWithIcon(lang.L("Send again"), theme.MailSendIcon(), func() { w.withSelected(w.confirmAgain) })
	w.remove = widget.NewButtonWithIcon(lang.L("Delete"), theme.DeleteIcon(), func() { w.withSelected(w.confirmDelete) })
	w.unsend = widget.NewButtonWithIcon(lang.L("Back to drafts"), theme.DocumentCreateIcon(), func() { w.withSelected(w.backToDrafts) })
	actions := container.NewHBox(w.retry, w.unsend, w.markSent, w.again, w.remove)
	outbox := container.NewBorder(nil, container.NewVBox(widget.NewSeparator(), w.detail, actions), nil, nil, w.list)

	w.draftList = widget.NewList(func() int { return len(w.drafts) }, NewDraftRow, w.updateDraftRow)
	w.draftList.OnSelected = func(i widget.ListItemID) {
		if i < len(w.drafts) {
			w.draftChosen = w.drafts[i].ID
			w.showDraftActions()
		}
	}
	w.openDraft = widget.NewButtonWithIcon(lang.L("Open"), theme.DocumentCreateIcon(), w.openChosenDraft)
	w.dropDraft = widget.NewButtonWithIcon(lang.L("Delete"), theme.DeleteIcon(), w.deleteChosenDraft)
	drafts := container.NewBorder(nil, container.NewHBox(w.openDraft, w.dropDraft), nil, nil, w.draftList)

	w.tabs = container.NewAppTabs(container.NewTabItem(lang.L("Outbox"), outbox), container.NewTabItem(lang.L("Drafts"), drafts))
	w.status = widget.NewLabel("")
	w.status.Wrapping = fyne.TextWrapWord
	refresh := widget.NewButtonWithIcon(lang.L("Refresh"), theme.ViewRefreshIcon(), w.refresh)
	w.win.SetContent(container.NewBorder(nil, container.NewBorder(nil, nil, nil, refresh, w.status), nil, nil, w.tabs))
	w.win.Resize(fyne.NewSize(760, 520))
	w.win.SetOnClosed(func() {
		if a.outbox == w {
			a.outbox = nil
		}
	})
	w.showDetail()
	w.showDraftActions()
	return w
}

// refresh reads the outbox and the drafts in the background.
func (w *outboxWindow) refresh() {
	a := w.app
	a.Background("read outbox", func() {
		items, err := a.DB.Outbox(a.Ctx, time.Time{})
		drafts, derr := a.DB.Drafts(a.Ctx)
		a.Do(func() {
			if err = errors.Join(err, derr); err != nil {
				w.status.SetText(lang.L("Cannot read the outbox: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			w.items, w.drafts = items, drafts
			w.tabs.Items[0].Text = lang.L("Outbox ({{.Count}})", map[string]any{"Count": i18n.Number(len(items))})
			w.tabs.Items[1].Text = lang.L("Drafts ({{.Count}})", map[string]any{"Count": i18n.Number(len(drafts))})
			w.tabs.Refresh()
			w.list.Refresh()
			w.draftList.Refresh()
			w.reselect()
		})
	})
}

// reselect keeps the selection on the same message across refreshes.
func (w *outboxWindow) reselect() {
	w.list.UnselectAll()
	for i, it := range w.items {
		if it.ID == w.selected {
			w.list.Select(i)
			break
		}
	}
	if _, ok := w.current(); !ok {
		w.selected = 0
	}
	w.showDetail()
	w.draftList.UnselectAll()
	found := false
	for i, d := range w.drafts {
		if d.ID == w.draftChosen {
			w.draftList.Select(i)
			found = true
			break
		}
	}
	if !found {
		w.draftChosen = 0
	}
	w.showDraftActions()
}

func NewDraftRow() fyne.CanvasObject {
	state := widget.NewLabelWithStyle("QUEUED", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	when := widget.NewLabel("")
	summary := widget.NewLabel("")
	summary.Truncation = fyne.TextTruncateEllipsis
	info := widget.NewLabel("")
	info.Truncation = fyne.TextTruncateEllipsis
	info.Importance = widget.LowImportance
	return container.NewVBox(container.NewBorder(nil, nil, state, when, summary), info)
}

// rowParts takes a row made by NewDraftRow apart.
func rowParts(o fyne.CanvasObject) (state, summary, when, info *widget.Label) {
	box := o.(*fyne.Container)
	line := box.Objects[0].(*fyne.Container)
	// A border container keeps its center object first.
	return line.Objects[1].(*widget.Label), line.Objects[0].(*widget.Label), line.Objects[2].(*widget.Label), box.Objects[1].(*widget.Label)
}

func stateImportance(s core.OutboxState) widget.Importance {
	switch s {
	case core.OutboxSent:
		return widget.SuccessImportance
	case core.OutboxFailed:
		return widget.DangerImportance
	case core.OutboxUnknown, core.OutboxRetry:
		return widget.WarningImportance
	}
	return widget.MediumImportance
}

func (w *outboxWindow) updateRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i >= len(w.items) {
		return
	}
	it := w.items[i]
	state, summary, when, info := rowParts(o)
	state.SetText(stateLabel(it))
	state.Importance = stateImportance(it.State)
	state.Refresh()
	summary.SetText(fmt.Sprintf("%s — %s (%s)", kit.OrNone(it.To, lang.L("no recipients")), kit.OrNone(it.Subject, lang.L("no subject")), it.Account))
	when.SetText(whenLabel(it.Created))
	info.SetText(attemptLine(it))
	o.Refresh() // the state and time widths change with the text
}

func (w *outboxWindow) updateDraftRow(i widget.ListItemID, o fyne.CanvasObject) {
	if i < len(w.drafts) {
		ShowDraftRow(w.drafts[i], o)
	}
}

// ShowDraftRow shows d in an outbox row, in the outbox window and in the
// main window's Drafts.
func ShowDraftRow(d storage.Draft, o fyne.CanvasObject) {
	state, summary, when, info := rowParts(o)
	state.SetText(lang.L("Draft"))
	state.Importance = widget.MediumImportance
	state.Refresh()
	summary.SetText(kit.OrNone(strings.TrimSpace(d.Subject), lang.L("no subject")) + " — " + kit.OrNone(strings.TrimSpace(d.To), lang.L("no recipients yet")))
	when.SetText(whenLabel(d.Updated))
	info.SetText(kit.ClipRunes(strings.Join(strings.Fields(d.Body), " "), 200))
	o.Refresh()
}

// attemptLine sums up the attempts at a message.
func attemptLine(it core.OutboxItem) string {
	parts := []string{lang.L("not tried yet")}
	if it.Attempts > 0 {
		parts[0] = lang.N("{{.Count}} attempts", it.Attempts, map[string]any{"Count": i18n.Number(it.Attempts)})
	}
	if it.Scheduled(time.Now()) {
		parts = append(parts, lang.L("scheduled for {{.Time}}", map[string]any{"Time": whenLabel(it.NotBefore)}))
	}
	if it.State == core.OutboxRetry && !it.NextAttempt.IsZero() {
		parts = append(parts, lang.L("next attempt {{.Time}}", map[string]any{"Time": whenLabel(it.NextAttempt)}))
	}
	if it.LastError != "" {
		parts = append(parts, lang.L("last error: {{.Error}}", map[string]any{"Error": it.LastError}))
	}
	return strings.Join(parts, " · ")
}

// whenLabel shows a time of today as its time of day, and others with
// their date, both as the language writes them.
func whenLabel(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.Local()
	now := time.Now()
	if t.Year() == now.Year() && t.YearDay() == now.YearDay() {
		return i18n.Time(t)
	}
	return i18n.DateTime(t)
}

func (w *outboxWindow) current() (core.OutboxItem, bool) {
	for _, it := range w.items {
		if it.ID == w.selected {
			return it, true
		}
	}
	return core.OutboxItem{}, false
}

func (w *outboxWindow) withSelected(fn func(core.OutboxItem)) {
	if it, ok := w.current(); ok {
		fn(it)
	}
}

// showDetail describes the selected message and offers what its state
// allows.
func (w *outboxWindow) showDetail() {
	it, ok := w.current()
	w.retry.Hide()
	w.markSent.Hide()
	w.again.Hide()
	w.unsend.Hide()
	w.retry.SetText(lang.L("Retry now"))
	w.remove.Disable()
	if !ok {
		w.detail.SetText(lang.L("Select a message to see what can be done with it."))
		w.relayout()
		return
	}
	var b strings.Builder
	b.WriteString(lang.L("To: {{.To}}\nSubject: {{.Subject}}\nFrom: {{.From}} ({{.Account}})\nState: {{.State}}, {{.Attempts}}\n", map[string]any{
		"To": kit.OrNone(it.To, lang.L("no recipients")), "Subject": kit.OrNone(it.Subject, lang.L("no subject")),
		"From": it.From, "Account": it.Account, "State": stateLabel(it), "Attempts": attemptLine(it),
	}))
	switch it.State {
	case core.OutboxQueued, core.OutboxRetry, core.OutboxFailed:
		w.retry.Show()
		w.remove.Enable()
		if it.Composition != nil {
			w.unsend.Show()
		}
		if it.Scheduled(time.Now()) {
			w.retry.SetText(lang.L("Send now"))
		}
	case core.OutboxUnknown:
		b.WriteString("\n" + lang.L("The connection was lost after the message was handed to the server, so it may or may not have been delivered. Check with a recipient if you can, then mark it as sent, or send it again (which may deliver it twice)."))
		w.markSent.Show()
		w.again.Show()
		w.remove.Enable()
	case core.OutboxSent:
		w.remove.Enable()
	case core.OutboxSending:
		b.WriteString("\n" + lang.L("Being sent now."))
	}
	w.detail.SetText(strings.TrimSpace(b.String()))
	w.relayout()
}

// relayout lays the window out again after the detail text changed size.
func (w *outboxWindow) relayout() {
	if content := w.win.Content(); content != nil {
		content.Refresh()
	}
}

// sendNow puts a message back in the queue and makes one attempt.
func (w *outboxWindow) sendNow(it core.OutboxItem) {
	a := w.app
	w.status.SetText(lang.L("Sending “{{.Subject}}”…", map[string]any{"Subject": it.Subject}))
	w.retry.Disable()
	w.again.Disable()
	a.Background("retry outbox", func() {
		sent, err := a.Engine.Resend(a.Ctx, it.ID)
		a.Do(func() {
			w.retry.Enable()
			w.again.Enable()
			switch {
			case err == nil:
				w.status.SetText(lang.L("Sent “{{.Subject}}” to {{.To}}.", map[string]any{"Subject": it.Subject, "To": it.To}))
			case sent.ID == 0:
				w.status.SetText(lang.L("Cannot send: {{.Error}}", map[string]any{"Error": err.Error()}))
			default:
				w.status.SetText(SendOutcome(sent, err))
			}
			w.refresh()
		})
	})
}

func (w *outboxWindow) confirmAgain(it core.OutboxItem) {
	dialog.ShowConfirm(lang.L("Send the message again?"),
		lang.L("The server may already have delivered it, so sending again may deliver it twice."), func(ok bool) {
			if ok {
				w.sendNow(it)
			}
		}, w.win)
}

func (w *outboxWindow) confirmSent(it core.OutboxItem) {
	a := w.app
	a.Background("mark sent", func() {
		err := a.Engine.MarkSent(a.Ctx, it.ID)
		a.Do(func() {
			if err != nil {
				w.status.SetText(lang.L("Cannot mark it as sent: {{.Error}}", map[string]any{"Error": err.Error()}))
			} else {
				w.status.SetText(lang.L("“{{.Subject}}” is marked as sent.", map[string]any{"Subject": it.Subject}))
			}
			w.refresh()
		})
	})
}

func (w *outboxWindow) confirmDelete(it core.OutboxItem) {
	text := lang.L("It is removed from the outbox and will not be sent.")
	if it.State == core.OutboxSent {
		text = lang.L("It is removed from the outbox; the copy in Sent stays.")
	}
	dialog.ShowConfirm(lang.L("Delete this message from the outbox?"), text, func(ok bool) {
		if ok {
			w.deleteItem(it)
		}
	}, w.win)
}

func (w *outboxWindow) deleteItem(it core.OutboxItem) {
	a := w.app
	a.Background("delete outbox", func() {
		err := a.Engine.DeleteOutbox(a.Ctx, it.ID)
		a.Do(func() {
			if err != nil {
				w.status.SetText(lang.L("Cannot delete it: {{.Error}}", map[string]any{"Error": err.Error()}))
			}
			w.refresh()
		})
	})
}

func (w *outboxWindow) chosenDraft() (storage.Draft, bool) {
	for _, d := range w.drafts {
		if d.ID == w.draftChosen {
			return d, true
		}
	}
	return storage.Draft{}, false
}

func (w *outboxWindow) showDraftActions() {
	if _, ok := w.chosenDraft(); ok {
		w.openDraft.Enable()
		w.dropDraft.Enable()
	} else {
		w.openDraft.Disable()
		w.dropDraft.Disable()
	}
}

func (w *outboxWindow) openChosenDraft() {
	if d, ok := w.chosenDraft(); ok {
		w.app.Open(DraftFromStore(d))
	}
}

func (w *outboxWindow) deleteChosenDraft() {
	d, ok := w.chosenDraft()
	if !ok {
		return
	}
	dialog.ShowConfirm(lang.L("Delete this draft?"), lang.L("What it holds is lost."), func(ok bool) {
		if !ok {
			return
		}
		a := w.app
		a.Background("delete draft", func() {
			err := a.Engine.DeleteDraft(a.Ctx, d.ID)
			a.Do(func() {
				if err != nil {
					w.status.SetText(lang.L("Cannot delete the draft: {{.Error}}", map[string]any{"Error": err.Error()}))
				}
				w.refresh()
			})
		})
	}, w.win)
}

// stateLabel is a message's state in words; a message waiting for its
// time (undo window, send later) is "Scheduled". The words are core's
// (OutboxState.Label, which the CLI prints), in the user's language.
func stateLabel(it core.OutboxItem) string {
	if it.Scheduled(time.Now()) {
		return lang.L("Scheduled")
	}
	switch it.State {
	case core.OutboxQueued:
		return lang.L("Waiting")
	case core.OutboxSending:
		return lang.L("Sending")
	case core.OutboxSent:
		return lang.L("Sent")
	case core.OutboxRetry:
		return lang.L("Will retry")
	case core.OutboxFailed:
		return lang.L("Failed")
	case core.OutboxUnknown:
		return lang.L("Delivery unknown")
	}
	return it.State.Label()
}

// backToDrafts takes a message that has not gone yet out of the outbox
// and makes it a draft again, opened in a composer.
func (w *outboxWindow) backToDrafts(it core.OutboxItem) {
	a := w.app
	w.unsend.Disable()
	a.Background("outbox back to drafts", func() {
		comp, err := a.Engine.Unqueue(a.Ctx, it.ID)
		a.Do(func() {
			w.unsend.Enable()
			if err != nil {
				w.status.SetText(lang.L("Cannot take it back: {{.Error}}", map[string]any{"Error": err.Error()}))
			} else {
				w.status.SetText(lang.L("“{{.Subject}}” is a draft again.", map[string]any{"Subject": it.Subject}))
				a.Open(DraftFromComposition(comp))
			}
			w.refresh()
		})
	})
}
