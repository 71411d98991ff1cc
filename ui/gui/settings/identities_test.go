package settings

import (
	"context"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

func TestSettingsIdentities(t *testing.T) {
	f := newSettingsFixture(t)
	acct := f.AddAccount(t, "Work")
	s := f.openSettings()
	tab := s.idTab
	var rows []identityRow
	guitest.OnUI(func() { rows = tab.rows })
	if len(rows) != 1 || rows[0].identity.Email != acct.Email || rows[0].remove != nil {
		t.Fatalf("Identities tab rows = %+v, want the account's own, without Remove", rows)
	}

	// Add an alias.
	s.do(func() {
		s.tabs.SelectIndex(settingsTab(t, s, "Identities"))
		guitest.TapButton(t, s.win, "Add identity")
		e := tab.editor
		if e == nil {
			t.Fatal("Add identity opened no editor")
		}
		e.email.SetText("not an address")
		e.save()
		if !strings.Contains(e.errText.Text, "Email address") {
			t.Errorf("editor says %q for a bad address, want the problem named", e.errText.Text)
		}
		e.name.SetText("Work Sales")
		e.email.SetText("sales@example.test")
		e.replyTo.SetText("team@example.test")
		e.bccSelf.SetChecked(true)
		test.Type(e.sig, "Sales\nACME")
		e.plainText.SetChecked(true)
		e.save()
	})
	guitest.Eventually(t, "the alias listed", func() bool { return len(tab.rows) == 2 })
	ids, err := f.DB.AccountIdentities(context.Background(), acct.ID)
	if err != nil || len(ids) != 2 {
		t.Fatalf("stored identities = %+v, %v", ids, err)
	}
	if a := ids[1]; a.DisplayName != "Work Sales" || a.Email != "sales@example.test" || a.ReplyTo != "team@example.test" || !a.BccSelf || a.Signature != "Sales\nACME" || !a.PlainTextOnly {
		t.Errorf("stored alias = %+v", a)
	}
	guitest.OnUI(func() {
		if tab.editor != nil {
			t.Error("the editor stayed open after saving")
		}
		if got := strings.Join(guitest.VisibleText(tab.list), " "); !strings.Contains(got, "replies to team@example.test, a copy to itself, plain text only, signature") {
			t.Errorf("tab shows %q", got)
		}
	})

	// The account's own identity: a signature, its address fixed.
	s.do(func() {
		test.Tap(tab.rows[0].edit)
		e := tab.editor
		if !e.email.Disabled() || !e.name.Disabled() {
			t.Error("the account's own name and address are editable here")
		}
		e.sig.SetText("Work")
		e.save()
	})
	guitest.Eventually(t, "own signature stored", func() bool {
		ids, _ := f.DB.AccountIdentities(context.Background(), acct.ID)
		return len(ids) == 2 && ids[0].Signature == "Work" && ids[0].Email == acct.Email
	})

	// Remove the alias.
	s.do(func() { test.Tap(tab.rows[1].remove) })
	s.do(func() { guitest.TapButton(t, s.win, "Remove identity") })
	guitest.Eventually(t, "alias removed", func() bool {
		ids, _ := f.DB.AccountIdentities(context.Background(), acct.ID)
		return len(ids) == 1
	})
	guitest.Eventually(t, "the tab lists one identity", func() bool { return len(tab.rows) == 1 })
}
