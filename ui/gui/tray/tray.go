// Package tray is the system tray: its menu with the unread count, the
// icon with a badge, and the desktop notifications of new mail, one per
// burst. What its menu does is the App's (Actions): the tray knows no
// window.
package tray

import (
	"cmp"
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/assets"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// Actions are what the tray menu's items do.
type Actions struct {
	ShowMain, ToggleMain, GetMail, Compose, Quit func()
}

// Tray is the app's system tray and notifications.
type Tray struct {
	sh     *shell.Shell
	act    Actions
	notify *notifier
}

// New builds the system tray menu where the platform has a tray.
func New(sh *shell.Shell, act Actions) *Tray {
	t := &Tray{sh: sh, act: act}
	t.notify = &notifier{tray: t}
	if desk, ok := sh.Fyne.(desktop.App); ok {
		desk.SetSystemTrayMenu(t.Menu(0))
		desk.SetSystemTrayIcon(assets.Icon)
	}
	return t
}

// Notify announces new messages, gathered with others that arrive within
// notifyDelay into one notification.
func (t *Tray) Notify(ids []int64) { t.notify.add(ids) }

// Menu is the tray's menu; its first line carries the unread count.
func (t *Tray) Menu(unread int) *fyne.Menu {
	title := lang.L("No unread mail")
	if unread > 0 {
		title = lang.N("{{.Count}} unread", unread, map[string]any{"Count": i18n.Number(unread)})
	}
	status := fyne.NewMenuItem(title, t.act.ShowMain)
	return fyne.NewMenu("Tributary", // i18n:ignore (the app's name)
		status,
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Check mail now"), t.act.GetMail),
		fyne.NewMenuItem(lang.L("Compose"), t.act.Compose),
		fyne.NewMenuItem(lang.L("Show / Hide"), t.act.ToggleMain),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Quit"), t.act.Quit),
	)
}

// SetUnread shows the unified inbox's unread count on the tray icon and
// in its menu.
func (t *Tray) SetUnread(n int) {
	if desk, ok := t.sh.Fyne.(desktop.App); ok {
		desk.SetSystemTrayMenu(t.Menu(n))
		desk.SetSystemTrayIcon(icon(n))
	}
}

// notifyDelay gathers a burst of new mail from several sources into one
// notification.
const notifyDelay = 2 * time.Second

// notifier turns new-mail events into desktop notifications, one per
// burst: a single message names its sender and subject, several are
// counted.
type notifier struct {
	tray    *Tray
	mu      sync.Mutex
	pending []int64
	timer   *time.Timer
}

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
	if note := n.tray.Notification(n.tray.sh.Ctx, ids); note != nil {
		n.tray.sh.Fyne.SendNotification(note)
	}
}

// Notification describes new inbox mail; nil when none of ids is in an
// inbox (mail filed elsewhere is not announced).
func (t *Tray) Notification(ctx context.Context, ids []int64) *fyne.Notification {
	var inbox []core.MessageSummary
	for _, id := range ids {
		m, _, err := t.sh.DB.Message(ctx, id)
		if err == nil && m.Folder == core.DefaultFolder {
			inbox = append(inbox, m)
		}
	}
	switch len(inbox) {
	case 0:
		return nil
	case 1:
		return fyne.NewNotification(lang.L("New mail from {{.Sender}}", map[string]any{"Sender": sender(inbox[0])}), inbox[0].Subject)
	}
	accounts := map[string]bool{}
	for _, m := range inbox {
		accounts[m.Account] = true
	}
	last := inbox[len(inbox)-1]
	body := lang.L("Latest from {{.Sender}}: {{.Subject}}", map[string]any{"Sender": sender(last), "Subject": last.Subject})
	title := lang.L("{{.Messages}} in {{.Accounts}}", map[string]any{
		"Messages": lang.N("{{.Count}} new messages", len(inbox), map[string]any{"Count": i18n.Number(len(inbox))}),
		"Accounts": lang.N("{{.Count}} accounts", len(accounts), map[string]any{"Count": i18n.Number(len(accounts))}),
	})
	return fyne.NewNotification(title, body)
}

// sender names a message's sender as the list does: the name, or the
// address when there is none.
func sender(m core.MessageSummary) string { return cmp.Or(m.FromName, m.FromAddr) }
