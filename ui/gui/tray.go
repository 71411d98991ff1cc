package gui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/assets"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// setupTray builds the system tray menu where the platform has a tray.
func (a *App) setupTray() {
	desk, ok := a.Fyne.(desktop.App)
	if !ok {
		return
	}
	desk.SetSystemTrayMenu(a.trayMenu(0))
	desk.SetSystemTrayIcon(assets.Icon)
}

// trayMenu is the tray's menu; its first line carries the unread count.
func (a *App) trayMenu(unread int) *fyne.Menu {
	title := lang.L("No unread mail")
	if unread > 0 {
		title = lang.N("{{.Count}} unread", unread, map[string]any{"Count": i18n.Number(unread)})
	}
	status := fyne.NewMenuItem(title, a.showMain)
	return fyne.NewMenu("Tributary", // i18n:ignore (the app's name)
		status,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Check mail now"), func() { a.main.getMail() }),
		fyne.NewMenuItem(lang.L("Compose"), func() { a.showMain(); a.OpenComposer(Draft{}) }),
		fyne.NewMenuItem(lang.L("Show / Hide"), a.toggleMain),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Quit"), a.quit),
	)
}

// setUnread shows the unified inbox's unread count on the tray icon and
// in its menu.
func (a *App) setUnread(n int) {
	if desk, ok := a.Fyne.(desktop.App); ok {
		desk.SetSystemTrayMenu(a.trayMenu(n))
		desk.SetSystemTrayIcon(trayIcon(n))
	}
}

func (a *App) showMain() {
	a.main.inTray = false
	a.main.win.Show()
	a.main.win.RequestFocus()
}

func (a *App) toggleMain() {
	if a.main.inTray {
		a.showMain()
		return
	}
	a.main.inTray = true
	a.main.win.Hide()
}

// notifyDelay gathers a burst of new mail from several sources into one
// notification.
const notifyDelay = 2 * time.Second

// notifier turns new-mail events into desktop notifications, one per
// burst: a single message names its sender and subject, several are
// counted.
type notifier struct {
	app     *App
	mu      sync.Mutex
	pending []int64
	timer   *time.Timer
}

func newNotifier(a *App) *notifier { return &notifier{app: a} }

func (n *notifier) add(ids []int64) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.pending = append(n.pending, ids...)
	if n.timer == nil {
		n.timer = time.AfterFunc(notifyDelay, n.flush)
	}
}

func (n *notifier) flush() {
	n.mu.Lock()
	ids := n.pending
	n.pending, n.timer = nil, nil
	n.mu.Unlock()
	if note := n.app.notification(n.app.Ctx, ids); note != nil {
		n.app.Fyne.SendNotification(note)
	}
}

// notification describes new inbox mail; nil when none of ids is in an
// inbox (mail filed elsewhere is not announced).
func (a *App) notification(ctx context.Context, ids []int64) *fyne.Notification {
	var inbox []core.MessageSummary
	for _, id := range ids {
		m, _, err := a.DB.Message(ctx, id)
		if err == nil && m.Folder == core.DefaultFolder {
			inbox = append(inbox, m)
		}
	}
	switch len(inbox) {
	case 0:
		return nil
	case 1:
		return fyne.NewNotification(lang.L("New mail from {{.Sender}}", map[string]any{"Sender": senderName(inbox[0])}), inbox[0].Subject)
	}
	accounts := map[string]bool{}
	for _, m := range inbox {
		accounts[m.Account] = true
	}
	last := inbox[len(inbox)-1]
	body := lang.L("Latest from {{.Sender}}: {{.Subject}}", map[string]any{"Sender": senderName(last), "Subject": last.Subject})
	title := lang.L("{{.Messages}} in {{.Accounts}}", map[string]any{
		"Messages": lang.N("{{.Count}} new messages", len(inbox), map[string]any{"Count": i18n.Number(len(inbox))}),
		"Accounts": lang.N("{{.Count}} accounts", len(accounts), map[string]any{"Count": i18n.Number(len(accounts))}),
	})
	return fyne.NewNotification(title, body)
}
