// Package gui is Tributary's desktop front end, built with Fyne. Widgets
// never wait on the network: work runs in goroutines that talk to the
// engine and storage, and every widget change from a goroutine goes
// through fyne.Do. Only main.go creates the fyne.App, so this package is
// tested with fyne.io/fyne/v2/test and needs no display.
package gui

import (
	"context"
	"sync"
	"time"

	"fyne.io/fyne/v2"

	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/mailto"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/composer"
	"github.com/tributary-mail/tributary/ui/gui/contacts"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/reader"
	"github.com/tributary-mail/tributary/ui/gui/settings"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/gui/tray"
	"github.com/tributary-mail/tributary/ui/gui/wizard"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// Preference keys.
const (
	// prefListLayout is listCompact or listThreeLines; unset, the width
	// of the window decides (startCompact).
	prefListLayout = "listLayout"
	// The main window's size and the panes' widths (split offsets).
	prefWindowWidth  = "window.width"
	prefWindowHeight = "window.height"
	prefSidebarPane  = "pane.sidebar"
	prefListPane     = "pane.list"
)

const (
	listCompact    = "compact"
	listThreeLines = "threeLines"
	// The main window's size at first start; at widths over compactFrom
	// the list starts with one line per message.
	mainWidth, mainHeight = 1100, 700
	compactFrom           = 1000
)

// App is the desktop program: its main window, its dialogs and windows,
// the tray, and notifications, over one engine and one store.
type App struct {
	*shell.Shell

	main *MainWindow
	// The other windows and parts, touched only on the UI goroutine.
	wizards   *wizard.Wizards
	settings  *settings.Settings
	composers *composer.Composers // and the outbox
	contacts  *contacts.Contacts
	readers   *reader.Host // what the message readers share
	tray      *tray.Tray

	// minimized keeps the main window in the tray at start (start at login).
	minimized bool
	// followed is closed when the event follower has stopped, after ctx
	// is done; only then can no more background work start from it.
	followed chan struct{}
	// firstPage logs the first list shown, once.
	firstPage sync.Once
}

// processStart is about when the process started: package variables are
// set before main runs.
var processStart = time.Now()

// New builds the app. ctx bounds all background work.
func New(ctx context.Context, fa fyne.App, db *storage.DB, e *engine.Engine) *App {
	i18n.Load()
	a := &App{Shell: shell.New(ctx, fa, db, e), followed: make(chan struct{})}
	a.wizards = wizard.New(a.Shell)
	a.settings = settings.New(a.Shell, a.wizards)
	a.settings.MailMoved = func() { a.main.reload() }
	a.composers = composer.New(a.Shell)
	a.composers.Toasts = func() *kit.ToastLayer { return a.main.toasts }
	a.composers.ShowError = func(err error) { a.main.showError(err) }
	a.contacts = contacts.New(a.Shell)
	a.contacts.Compose = func(to string) { a.composers.Open(composer.Draft{To: to}) }
	a.readers = reader.NewHost(a.Shell)
	a.readers.MainWindow = func() fyne.Window { return a.main.win }
	a.readers.ShowError = func(err error) { a.main.showError(err) }
	a.readers.ForwardAsAttachment = a.forwardAsAttachment
	a.main = newMainWindow(a)
	a.tray = tray.New(a.Shell, tray.Actions{
		ShowMain:   a.showMain,
		ToggleMain: a.toggleMain,
		GetMail:    func() { a.main.getMail() },
		Compose:    func() { a.showMain(); a.composers.Open(composer.Draft{}) },
		Quit:       a.quit,
	})
	// Subscribed before anything can change, so that every open window
	// hears of every change, whichever window or front end made it.
	go a.follow(e.Subscribe())
	return a
}

// SetVersion gives the version Settings shows (main reads it from
// FyneApp.toml).
func (a *App) SetVersion(v string) { a.settings.Version = v }

// OfferDemo puts "Try it with demo accounts" on the first-run screen;
// start runs the demo (main.go starts `tributary demo` on a data directory
// of its own, so the user's data is never touched).
func (a *App) OfferDemo(start func() error) {
	a.main.demo = start
	a.main.demoButton.Show()
}

// Main returns the main window.
func (a *App) Main() *MainWindow { return a.main }

// Start shows the main window and begins following the engine. With no
// account yet, the first-run screen offers the wizard.
func (a *App) Start() {
	a.main.reload()
	a.main.readPending()
	if a.minimized && a.HasTray() {
		return
	}
	a.main.win.Show()
}

// ShowMain brings the main window forward, from any goroutine: a second
// launch of the app asks for it through the control socket.
func (a *App) ShowMain() {
	a.Do(func() {
		a.main.win.Show()
		a.main.win.RequestFocus()
	})
}

// Run starts the app and blocks until it quits.
func (a *App) Run() {
	a.Start()
	a.Fyne.Run()
}

// quit remembers the main window's layout and ends the app.
func (a *App) quit() {
	a.main.saveLayout()
	a.Fyne.Quit()
}

// follow turns engine events into UI updates until the app stops.
func (a *App) follow(sub *engine.Subscription) {
	defer close(a.followed)
	defer sub.Close()
	for {
		select {
		case <-a.Ctx.Done():
			return
		case ev, ok := <-sub.C():
			if !ok {
				return
			}
			a.main.handle(ev)
			switch ev.Kind {
			case engine.EventNewMail:
				a.tray.Notify(ev.MessageIDs)
			case engine.EventDrafts:
				a.Do(a.main.drafts.refresh)
				a.main.refreshCounts() // the sidebar counts the drafts
			case engine.EventAccounts:
				a.Do(a.accountsChanged)
			}
			a.Do(func() {
				a.settings.Handle(ev)
				a.composers.Handle(ev)
				a.contacts.Handle(ev)
			})
		}
	}
}

// Wait blocks until background work started so far has finished, so the
// store can be closed under it without losing a write. Once ctx is done
// (the app quits) it first waits for the event follower to stop, which
// may still be starting work, and afterwards removes the temporary
// copies of opened attachments.
func (a *App) Wait() {
	quitting := a.Ctx.Err() != nil
	if quitting {
		<-a.followed
	}
	a.Shell.Wait()
	if quitting {
		a.readers.RemoveOpened()
	}
}

// accountsChanged brings every open window up to date after accounts,
// sources or pins changed, on the engine's EventAccounts: the engine has
// picked the change up itself, whoever made it.
func (a *App) accountsChanged() {
	a.main.reload()
}

// SetLogFile gives the log file Settings shows and diagnostics read.
func (a *App) SetLogFile(path string) { a.settings.LogFile = path }

// StartMinimized keeps the main window hidden at start, in the tray, as
// the start-at-login entry asks. Without a tray the window shows anyway:
// there would be no other way to reach the app.
func (a *App) StartMinimized() { a.minimized = true }

// OpenSettings opens the Settings window, or brings it forward.
func (a *App) OpenSettings() { a.settings.Open() }

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

// ComposeMailto opens a composer filled from a mailto: link, from any
// goroutine (a second launch hands its link over the control socket).
func (a *App) ComposeMailto(m mailto.Message) { a.composers.ComposeMailto(m) }

// forwardAsAttachment opens a composer forwarding message id whole, as
// the reader's "Forward as attachment" asks.
func (a *App) forwardAsAttachment(id int64) {
	a.Background("forward as attachment", func() {
		d, err := a.composers.ForwardAsAttachmentDraft(id)
		a.Do(func() {
			if err != nil {
				a.main.showError(err)
				return
			}
			a.composers.Open(d)
		})
	})
}
