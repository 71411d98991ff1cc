package gui

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailbox"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// dialogEntry is the entry of the dialog on top that holds text now (or
// has it as placeholder).
func dialogEntry(t *testing.T, win fyne.Window, has func(*widget.Entry) bool) *widget.Entry {
	t.Helper()
	e, ok := guitest.FindWidget(win.Canvas().Overlays().Top(), has)
	if !ok {
		t.Fatalf("no such entry in the dialog %q", guitest.DialogText(win))
	}
	return e
}

func waitDialog(t *testing.T, win fyne.Window, text string) string {
	t.Helper()
	var got string
	guitest.Eventually(t, "a dialog saying "+text, func() bool {
		got = guitest.DialogText(win)
		return strings.Contains(got, text)
	})
	return got
}

func TestImportExportAndSaveAsFromTheFileMenu(t *testing.T) {
	f := newMainFixture(t)
	work := f.Account(t, "Work")
	guitest.OnUI(f.app.Start)
	w := f.app.Main()
	win := w.win
	if menu := win.MainMenu(); menu == nil || menu.Items[0].Label != "File" || len(menu.Items[0].Items) < 3 {
		t.Fatalf("main menu %+v, want File with Import, Export, Save as", menu)
	}

	// An mbox of three messages, one with a From_ line in its body.
	dir := t.TempDir()
	var mbox bytes.Buffer
	mw := mailbox.NewMboxWriter(&mbox)
	var sent [][]byte
	for i := range 3 {
		raw := fmt.Appendf(nil, "From: Bob <bob@example.test>\r\nTo: work@example.test\r\nSubject: imported %d\r\nMessage-ID: <imp%d@example.test>\r\nDate: Mon, 2 Nov 2026 10:0%d:00 +0000\r\n\r\nFrom the old client, %d.\r\n", i, i, i, i)
		sent = append(sent, raw)
		if err := mw.Write(mailbox.Envelope{Sender: "bob@example.test", Date: time.Date(2026, 11, 2, 10, i, 0, 0, time.UTC)}, bytes.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	mw.Flush()
	src := filepath.Join(dir, "old.mbox")
	if err := os.WriteFile(src, mbox.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}

	guitest.OnUI(w.openImport)
	waitDialog(t, win, "Into folder")
	guitest.OnUI(func() {
		dialogEntry(t, win, func(e *widget.Entry) bool { return strings.HasPrefix(e.PlaceHolder, "an mbox") }).SetText(src)
		dialogEntry(t, win, func(e *widget.Entry) bool { return e.Text == core.DefaultFolder }).SetText("Old mail")
		guitest.TapButton(t, win, "Import")
	})
	got := waitDialog(t, win, "Import finished")
	if !strings.Contains(got, "Read 3 messages; 3 new in Old mail") {
		t.Errorf("import says %q", got)
	}
	var folder int64
	folders, err := f.DB.Folders(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, fo := range folders {
		if fo.AccountID == work.ID && fo.Name == "Old mail" {
			folder = fo.ID
		}
	}
	if n, _ := f.DB.Count(context.Background(), storage.ListQuery{FolderID: folder}); n != 3 {
		t.Errorf("%d messages in Old mail, want 3", n)
	}
	guitest.OnUI(func() { guitest.TapButton(t, win, "OK") })

	// Export the folder shown, as Maildir.
	guitest.Eventually(t, "Old mail in the sidebar", func() bool {
		found := false
		for _, n := range w.nav {
			found = found || n.query.FolderID == folder
		}
		return found
	})
	guitest.OnUI(func() { w.navList.Select(navIndex(t, w, "Old mail", work.ID)) })
	guitest.Eventually(t, "three rows", func() bool { return w.rows.Len() == 3 })
	dest := filepath.Join(dir, "out")
	guitest.OnUI(w.openExport)
	waitDialog(t, win, "The folder shown")
	guitest.OnUI(func() {
		dialogEntry(t, win, func(e *widget.Entry) bool { return strings.Contains(e.Text, "Tributary export") }).SetText(dest)
		radio, _ := guitest.FindWidget(win.Canvas().Overlays().Top(), func(r *widget.RadioGroup) bool { return len(r.Options) == 2 && r.Options[1] == "Maildir" })
		radio.SetSelected("Maildir")
		guitest.TapButton(t, win, "Export")
	})
	got = waitDialog(t, win, "Export finished")
	if !strings.Contains(got, "Wrote 3 messages from 1 folder") {
		t.Errorf("export says %q", got)
	}
	msgs, err := mailbox.MaildirMessages(dest)
	if err != nil || len(msgs) != 3 {
		t.Fatalf("Maildir %s holds %d messages (%v), want 3", dest, len(msgs), err)
	}
	for _, m := range msgs {
		raw, _ := os.ReadFile(m.Path)
		if !bytes.Equal(raw, sent[0]) && !bytes.Equal(raw, sent[1]) && !bytes.Equal(raw, sent[2]) {
			t.Errorf("exported %s differs from every imported message: %q", m.Path, raw)
		}
	}
	guitest.OnUI(func() { guitest.TapButton(t, win, "OK") })

	// Save the open message as .eml, byte for byte.
	guitest.OnUI(func() { w.list.Select(0) })
	guitest.Eventually(t, "a message open", func() bool { _, ok := w.selectedMessage(); return ok })
	eml := filepath.Join(dir, "one.eml")
	guitest.OnUI(w.saveMessageAs)
	waitDialog(t, win, "Save message as")
	guitest.OnUI(func() {
		dialogEntry(t, win, func(e *widget.Entry) bool { return strings.HasSuffix(e.Text, ".eml") }).SetText(eml)
		guitest.TapButton(t, win, "Save")
	})
	var raw []byte
	guitest.Eventually(t, "the .eml written", func() bool {
		raw, err = os.ReadFile(eml)
		return err == nil && len(raw) > 0
	})
	if !bytes.Equal(raw, sent[2]) {
		t.Errorf("saved .eml %q, want the newest message %q", raw, sent[2])
	}
}
