package gui

import (
	"testing"

	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// This file holds what the reader, composer and outbox tests share.

// openComposers returns the composers open now.
func openComposers(a *App) []*composer {
	var out []*composer
	guitest.OnUI(func() {
		for c := range a.mailWindows().composers {
			out = append(out, c)
		}
	})
	return out
}

// onlyComposer returns the one open composer.
func onlyComposer(t *testing.T, a *App) *composer {
	t.Helper()
	cs := openComposers(a)
	if len(cs) != 1 {
		t.Fatalf("%d composers open, want 1", len(cs))
	}
	return cs[0]
}
