// Package guitest holds what the GUI packages' tests share: a stand-in
// for Fyne's UI goroutine, waiting for background work to reach the
// widgets, and finding and pressing widgets as a user would. Only tests
// import it.
package guitest

import (
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// Main runs a GUI package's tests the same on every machine: dates in
// UTC, texts in English.
func Main(m *testing.M) {
	time.Local = time.UTC
	i18n.Use("en")
	os.Exit(m.Run())
}

// uiMu stands in for Fyne's UI goroutine in tests: the test driver runs
// fyne.Do on the caller's goroutine, so widget updates from background
// work and the test's own reads are serialised here instead. It is one
// lock for every package, as there is one UI goroutine for every window.
var uiMu sync.Mutex

// OnUI runs fn as the UI goroutine would: one at a time. Never nest it.
func OnUI(fn func()) {
	uiMu.Lock()
	defer uiMu.Unlock()
	fn()
}

// Eventually waits for background loads to reach the widgets. cond runs
// on the UI goroutine, like every widget access.
func Eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var ok bool
		OnUI(func() { ok = cond() })
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not true within 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// VisibleText gathers the text of every visible label, button and text in
// o, walking into widgets' renderers as the screen would.
func VisibleText(o fyne.CanvasObject) []string {
	if o == nil || !o.Visible() {
		return nil
	}
	switch x := o.(type) {
	case *widget.Label:
		return []string{x.Text}
	case *widget.Button:
		return []string{x.Text}
	case *canvas.Text:
		return []string{x.Text}
	case *fyne.Container:
		var out []string
		for _, c := range x.Objects {
			out = append(out, VisibleText(c)...)
		}
		return out
	case fyne.Widget:
		var out []string
		for _, c := range test.WidgetRenderer(x).Objects() {
			out = append(out, VisibleText(c)...)
		}
		return out
	}
	return nil
}

// FindWidget finds the first visible T in o for which ok holds, looking
// into containers and widgets' renderers.
func FindWidget[T fyne.CanvasObject](o fyne.CanvasObject, ok func(T) bool) (T, bool) {
	var none T
	if o == nil || !o.Visible() {
		return none, false
	}
	if x, is := o.(T); is && ok(x) {
		return x, true
	}
	var children []fyne.CanvasObject
	switch x := o.(type) {
	case *fyne.Container:
		children = x.Objects
	case fyne.Widget:
		children = test.WidgetRenderer(x).Objects()
	}
	for _, c := range children {
		if found, is := FindWidget(c, ok); is {
			return found, true
		}
	}
	return none, false
}

// FindButton finds a visible button labelled label in o.
func FindButton(o fyne.CanvasObject, label string) *widget.Button {
	b, _ := FindWidget(o, func(b *widget.Button) bool { return b.Text == label })
	return b
}

// DialogText is the text of the dialog on top of win, or "" for none.
func DialogText(win fyne.Window) string {
	return strings.Join(VisibleText(win.Canvas().Overlays().Top()), "\n")
}

// TapButton taps the visible button labelled label in a window, the
// dialog on top first. Call it on the UI goroutine (inside OnUI).
func TapButton(t *testing.T, w fyne.Window, label string) {
	t.Helper()
	overlays := w.Canvas().Overlays().List()
	for i := len(overlays) - 1; i >= 0; i-- {
		if b := FindButton(overlays[i], label); b != nil {
			test.Tap(b)
			return
		}
	}
	if b := FindButton(w.Canvas().Content(), label); b != nil {
		test.Tap(b)
		return
	}
	t.Fatalf("no button %q in window %q", label, w.Title())
}

// Retype replaces an entry's text as a user would: select all, type.
func Retype(e *widget.Entry, text string) {
	e.SetText("")
	test.Type(e, text)
}

// PressShortcut types s on c as Fyne's desktop driver routes it
// (triggersShortcut in internal/driver/glfw/window.go, v2.7.1): to the
// focused widget when it takes shortcuts, else to the canvas.
func PressShortcut(c fyne.Canvas, s fyne.Shortcut) {
	if f, ok := c.Focused().(fyne.Shortcutable); ok {
		f.TypedShortcut(s)
		return
	}
	c.(fyne.Shortcutable).TypedShortcut(s)
}

// PressKey types a key on c as the driver routes it (processKeyPressed):
// to the focused widget, else to the canvas's handler.
func PressKey(c fyne.Canvas, name fyne.KeyName) {
	e := &fyne.KeyEvent{Name: name}
	if f := c.Focused(); f != nil {
		f.TypedKey(e)
		return
	}
	if h := c.OnTypedKey(); h != nil {
		h(e)
	}
}

// Ctrl is the platform's command modifier (Ctrl, or Cmd on macOS) plus
// extra, with key.
func Ctrl(key fyne.KeyName, extra fyne.KeyModifier) fyne.Shortcut {
	return &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault | extra}
}

// Window is the open window titled title, or nil: what a test of the
// whole app looks into when the window belongs to another package.
func Window(fa fyne.App, title string) fyne.Window {
	for _, w := range fa.Driver().AllWindows() {
		if w.Title() == title {
			return w
		}
	}
	return nil
}

// Follow hands every engine event to handle on the UI goroutine (sh.Do),
// as the App does for its windows, until the test ends: what a window
// package's fixture runs in place of the App. Call it after NewShell:
// cleanups run last first, so the follower stops before the shell's work
// is waited for, and starts none under that wait.
func Follow(t *testing.T, sh *shell.Shell, handle func(engine.Event)) {
	sub := sh.Engine.Subscribe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range sub.C() {
			sh.Do(func() { handle(ev) })
		}
	}()
	t.Cleanup(func() {
		sub.Close()
		<-done
	})
}
