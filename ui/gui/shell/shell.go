// Package shell is what every window of the GUI shares, and all a window
// may use of the app: the engine (the one door for every change), the
// store it reads, the app's context, running widget updates on the UI
// goroutine (Do) and work off it (Background). A window reaches another
// window only through what that window's package exports, never through
// the App.
package shell

import (
	"context"
	"log/slog"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/storage"
)

// Shell is the app's shared context. Its fields are set once, before any
// window opens, and never change.
type Shell struct {
	Fyne   fyne.App
	DB     *storage.DB
	Engine *engine.Engine
	// Ctx bounds all background work: it ends when the app quits.
	Ctx context.Context
	Log *slog.Logger
	// Do runs a widget update on the UI goroutine: fyne.Do, except in
	// tests, where Fyne's test driver runs it on the caller's goroutine and
	// the tests serialise it themselves (guitest.OnUI).
	Do func(func())

	work sync.WaitGroup // background work in flight
}

// New is the shell of an app over one store and one engine.
func New(ctx context.Context, fa fyne.App, db *storage.DB, e *engine.Engine) *Shell {
	return &Shell{Fyne: fa, DB: db, Engine: e, Ctx: ctx, Log: slog.Default(), Do: fyne.Do}
}

// Background runs fn off the UI goroutine; a panic in it is logged, not fatal.
func (s *Shell) Background(what string, fn func()) {
	s.work.Add(1)
	go func() {
		defer s.work.Done()
		defer func() {
			if r := recover(); r != nil {
				s.Log.Error("recovered from a panic", "in", what, "panic", r)
			}
		}()
		fn()
	}()
}

// Wait blocks until the background work started so far has finished.
func (s *Shell) Wait() { s.work.Wait() }

// HasTray reports whether the desktop offers a system tray.
func (s *Shell) HasTray() bool {
	_, ok := s.Fyne.(desktop.App)
	return ok
}
