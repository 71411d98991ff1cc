// Package gui is Tributary's desktop front end, built with Fyne. It never
// touches the network or the database directly from a widget callback:
// it asks the engine and storage, and updates widgets only inside fyne.Do.
// Only main.go creates the fyne.App, so this package is tested with
// fyne.io/fyne/v2/test and needs no display.
package gui

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
)

// pageSize is how many rows the inbox loads at a time.
const pageSize = 200

// Window is the main window: the unified inbox and a status line.
type Window struct {
	win    fyne.Window
	db     *storage.DB
	engine *engine.Engine
	status binding.String
	rows   []core.MessageSummary
	list   *widget.List
}

// NewWindow builds the main window of app over db and e.
func NewWindow(app fyne.App, db *storage.DB, e *engine.Engine) *Window {
	w := &Window{win: app.NewWindow("Tributary"), db: db, engine: e, status: binding.NewString()}
	w.list = widget.NewList(
		func() int { return len(w.rows) },
		func() fyne.CanvasObject {
			return container.NewBorder(nil, nil, widget.NewLabel("2006-01-02 15:04"), nil,
				widget.NewLabel("sender — subject"))
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i >= len(w.rows) {
				return
			}
			m := w.rows[i]
			c := o.(*fyne.Container)
			date := c.Objects[1].(*widget.Label)
			line := c.Objects[0].(*widget.Label)
			date.SetText(m.Date.Local().Format("2006-01-02 15:04"))
			line.SetText(fmt.Sprintf("%s — %s  [%s]", m.From(), m.Subject, m.Account))
			line.TextStyle.Bold = !m.Seen
			line.Refresh()
		})
	getMail := widget.NewButton("Get mail", func() {
		w.status.Set("Checking mail…")
		e.CheckNow()
	})
	statusLine := widget.NewLabelWithData(w.status)
	w.win.SetContent(container.NewBorder(
		container.NewHBox(widget.NewLabelWithStyle("Unified Inbox", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), getMail),
		statusLine, nil, nil, w.list))
	w.win.Resize(fyne.NewSize(900, 600))
	return w
}

// Window returns the Fyne window.
func (w *Window) Window() fyne.Window { return w.win }

// Reload reads the first page of the unified inbox; it may be called from
// any goroutine.
func (w *Window) Reload(ctx context.Context) {
	rows, err := w.db.List(ctx, storage.ListQuery{Limit: pageSize})
	fyne.Do(func() {
		if err != nil {
			w.status.Set("Cannot read the inbox: " + err.Error())
			return
		}
		w.rows = rows
		w.list.Refresh()
		if len(rows) == 0 {
			w.status.Set("No mail yet. Add an account with: tributary account add")
		}
	})
}

// Follow updates the window from engine events until ctx is done.
func (w *Window) Follow(ctx context.Context) {
	sub := w.engine.Subscribe()
	defer sub.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-sub.C():
			if !ok {
				return
			}
			w.handle(ctx, ev)
		}
	}
}

func (w *Window) handle(ctx context.Context, ev engine.Event) {
	switch ev.Kind {
	case engine.EventProgress:
		w.status.Set(fmt.Sprintf("Syncing %s: %d of %d", ev.Label, ev.Done, ev.Total))
	case engine.EventNewMail:
		w.status.Set(fmt.Sprintf("%s: %d new", ev.Label, len(ev.MessageIDs)))
		w.Reload(ctx)
	case engine.EventSynced:
		w.status.Set(fmt.Sprintf("%s: up to date at %s", ev.Label, time.Now().Format("15:04")))
	case engine.EventError:
		slog.Warn("engine error", "error", ev.Err)
		w.status.Set(ev.Err.Error())
	}
}
