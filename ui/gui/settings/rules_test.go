package settings

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// rulesTabOf selects the Rules tab and returns its content.
func rulesTabOf(t *testing.T, s *settingsWindow) fyne.CanvasObject {
	t.Helper()
	var tab *container.TabItem
	for _, it := range s.tabs.Items {
		if it.Text == "Rules" {
			tab = it
		}
	}
	if tab == nil {
		t.Fatal("Settings has no Rules tab")
	}
	s.do(func() { s.tabs.Select(tab) })
	return tab.Content
}

func entryByPlaceholder(t *testing.T, o fyne.CanvasObject, start string) *widget.Entry {
	t.Helper()
	e, ok := guitest.FindWidget(o, func(e *widget.Entry) bool { return strings.HasPrefix(e.PlaceHolder, start) })
	if !ok {
		t.Fatalf("no entry with placeholder %q", start)
	}
	return e
}

func checkByText(t *testing.T, o fyne.CanvasObject, text string) *widget.Check {
	t.Helper()
	c, ok := guitest.FindWidget(o, func(c *widget.Check) bool { return c.Text == text })
	if !ok {
		t.Fatalf("no %q check", text)
	}
	return c
}

func TestSettingsRulesTab(t *testing.T) {
	f := newSettingsFixture(t)
	a := f.AddAccount(t, "Work")
	ctx := context.Background()
	in, err := f.DB.FolderByRole(ctx, a.ID, core.RoleInbox)
	if err != nil {
		t.Fatal(err)
	}
	for i, subj := range []string{"Invoice 1001", "Invoice 1002", "Lunch"} {
		raw := fmt.Sprintf("From: Billing <billing@example.test>\r\nTo: work@example.test\r\nSubject: %s\r\nMessage-ID: <r%d@x>\r\n\r\nbody\r\n", subj, i)
		if _, _, err := f.DB.Deliver(ctx, core.Delivery{AccountID: a.ID, FolderID: in}, strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	s := f.openSettings()
	tab := rulesTabOf(t, s)
	var name, match, moveTo *widget.Entry
	guitest.OnUI(func() {
		name = entryByPlaceholder(t, tab, "Announcements")
		match = entryByPlaceholder(t, tab, "from:news")
		moveTo = entryByPlaceholder(t, tab, "a folder")
	})
	text := func() string {
		var out string
		guitest.OnUI(func() { out = strings.Join(guitest.VisibleText(tab), "\n") })
		return out
	}
	if !strings.Contains(text(), "No rules yet") {
		t.Errorf("Rules tab = %q, want it to say there are no rules", text())
	}

	// A malformed query is explained as it is typed, and not saved.
	s.do(func() {
		test.Type(name, "Bills")
		test.Type(match, "frm:billing")
	})
	if got := text(); !strings.Contains(got, `The query does not read: at character 1: unknown operator "frm:"`) {
		t.Errorf("Rules tab with a malformed query = %q, want the parser's words", got)
	}
	s.do(func() { test.Tap(guitest.FindButton(tab, "Save rule")) })
	if got := text(); !strings.Contains(got, `Not saved: rule "Bills", match: at character 1: unknown operator "frm:"`) {
		t.Errorf("after Save = %q, want the rule refused with the parser's words", got)
	}
	if rs, _ := f.DB.Rules(ctx); len(rs) != 0 {
		t.Fatalf("rules stored = %+v, want none", rs)
	}

	// Test shows what the query matches today.
	s.do(func() {
		match.SetText("")
		test.Type(match, "subject:invoice")
		test.Tap(guitest.FindButton(tab, "Test"))
	})
	got := text()
	if !strings.Contains(got, "Matches 2 stored messages today.") || !strings.Contains(got, "Invoice 1001") || strings.Contains(got, "Lunch —") {
		t.Errorf("after Test = %q, want 2 matches listed (the invoices)", got)
	}

	s.do(func() {
		test.Type(moveTo, "Bills")
		test.Tap(checkByText(t, tab, "Mark read"))
		test.Tap(guitest.FindButton(tab, "Save rule"))
	})
	rs, err := f.DB.Rules(ctx)
	if err != nil || len(rs) != 1 || rs[0].Match != "subject:invoice" || len(rs[0].Actions) != 2 {
		t.Fatalf("rules stored = %+v, %v, want Bills with move and read", rs, err)
	}
	// The list is read again twice, by the save and on the engine's
	// EventRules (not counted in the window's jobs): the later one shows.
	guitest.Eventually(t, "the saved rule listed", func() bool {
		return strings.Contains(strings.Join(guitest.VisibleText(tab), "\n"), "1. Bills — subject:invoice → move to Bills, mark read")
	})

	// Run now on the Inbox files today's invoices.
	s.do(func() { test.Tap(guitest.FindButton(tab, "Run now")) })
	if got := text(); !strings.Contains(got, `Ran rule "Bills" on every Inbox: 2 messages matched.`) {
		t.Errorf("after Run now = %q", got)
	}
	if n, _ := f.DB.Count(ctx, storage.ListQuery{Search: "in:Bills is:read"}); n != 2 {
		t.Errorf("read messages in Bills = %d, want 2", n)
	}

	// Remove takes it away.
	s.do(func() { test.Tap(guitest.FindButton(tab, "Remove")) })
	if rs, _ := f.DB.Rules(ctx); len(rs) != 0 {
		t.Errorf("rules after Remove = %+v, want none", rs)
	}
}
