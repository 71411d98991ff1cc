package gui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/smtptest"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
	"github.com/tributary-mail/tributary/ui/gui/shell"
)

// This file holds what the main window's tests of mail being written
// share; the composer's own tests are in package composer.

// composeFixture has two accounts that send through one recording server.
type composeFixture struct {
	*mainFixture
	sink        *smtptest.Server
	alpha, beta core.Account
}

func newComposeFixture(t *testing.T) *composeFixture {
	t.Helper()
	f := &composeFixture{mainFixture: newMainFixture(t), sink: smtptest.Start(t, smtptest.Options{})}
	// These tests send at once.
	f.app.Fyne.Preferences().SetInt(shell.PrefUndoSeconds, 0)
	f.alpha = f.SendingAccount(t, "Alpha", "Al Pha", f.sink.Host, f.sink.Port)
	f.beta = f.SendingAccount(t, "Beta", "Bea Ta", f.sink.Host, f.sink.Port)
	t.Cleanup(func() { guitest.OnUI(f.app.composers.CloseAll) })
	return f
}

// plans is a message to Beta, copied to Alpha and Dave.
func (f *composeFixture) plans(t *testing.T) int64 {
	t.Helper()
	return f.DeliverRaw(t, f.beta, guitest.PlansMessage)
}

// composerWindows are the open composers' windows.
func composerWindows(a *App) []fyne.Window {
	var out []fyne.Window
	guitest.OnUI(func() { out = a.composers.Windows() })
	return out
}

// onlyComposerWindow is the one open composer's window, once its
// accounts are loaded (its From list has them).
func onlyComposerWindow(t *testing.T, a *App) fyne.Window {
	t.Helper()
	guitest.Eventually(t, "one composer open", func() bool { return len(a.composers.Windows()) == 1 })
	win := composerWindows(a)[0]
	guitest.Eventually(t, "the composer's accounts loaded", func() bool {
		from, ok := guitest.FindWidget(win.Content(), func(*widget.Select) bool { return true })
		return ok && len(from.Options) > 0
	})
	return win
}

// composerText is what a composer window shows, its fields' text included.
func composerText(win fyne.Window) string {
	return strings.Join(guitest.VisibleText(win.Content()), "\n")
}
