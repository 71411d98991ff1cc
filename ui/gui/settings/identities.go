package settings

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

// identitiesTab is Settings' Identities tab: per account, the addresses
// it sends as, to add, edit and remove. The account's own identity is
// edited here only for its settings (its name and address are the
// account's, on the Accounts tab), and is never removed.
type identitiesTab struct {
	s       *settingsWindow
	content *fyne.Container
	list    *fyne.Container
	status  *widget.Label
	gen     int
	rows    []identityRow // as shown
	editor  *identityEditor
}

// identityRow is one identity as listed, with its buttons; remove is nil
// for an account's own.
type identityRow struct {
	identity     core.Identity
	edit, remove *widget.Button
}

// identityEditor is the open add or edit dialog's form.
type identityEditor struct {
	dialog                    dialog.Dialog
	name, email, replyTo, sig *widget.Entry
	bccSelf, plainText        *widget.Check
	orig                      core.Identity
	save                      func() // what the dialog's Save does
	errText                   *widget.Label
	accountName               string
	adding                    bool
}

// identitiesTab makes the tab, read with the accounts (read).
func (s *settingsWindow) identitiesTab() fyne.CanvasObject {
	t := &identitiesTab{s: s, list: container.NewVBox(widget.NewLabel(lang.L("Reading the identities…"))), status: kit.Wrapped("")}
	s.idTab = t
	t.content = container.NewBorder(
		kit.Wrapped(lang.L("Each account sends as its own address and as any alias added here, always through the account's SMTP server. A reply goes out as the identity the message was addressed to.")),
		t.status, nil, nil, container.NewVScroll(t.list))
	return t.content
}

// readIdentities lists the identities as stored now, through run.
func (s *settingsWindow) readIdentities(run func(string, func())) {
	t := s.idTab
	if t == nil {
		return
	}
	t.gen++
	gen := t.gen
	run("list identities", func() {
		accounts, err := s.sh.DB.Accounts(s.sh.Ctx)
		var ids []core.Identity
		if err == nil {
			ids, err = s.sh.DB.Identities(s.sh.Ctx)
		}
		s.sh.Do(func() {
			if gen != t.gen {
				return
			}
			if err != nil {
				t.setStatus(lang.L("Cannot read the identities: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			t.show(accounts, ids)
		})
	})
}

func (t *identitiesTab) setStatus(text string) {
	t.status.SetText(text)
	t.content.Refresh()
}

func (t *identitiesTab) show(accounts []core.Account, ids []core.Identity) {
	t.rows = nil
	t.list.RemoveAll()
	if len(accounts) == 0 {
		t.list.Add(kit.Wrapped(lang.L("No accounts yet: add one on the Accounts tab.")))
	}
	for _, acct := range accounts {
		lines := container.NewVBox()
		for _, id := range ids {
			if id.AccountID != acct.ID {
				continue
			}
			row := identityRow{identity: id}
			row.edit = widget.NewButtonWithIcon(lang.L("Edit"), theme.DocumentCreateIcon(), func() { t.openEditor(acct, id, false) })
			buttons := container.NewHBox(row.edit)
			if !id.Primary() {
				row.remove = widget.NewButtonWithIcon(lang.L("Remove"), theme.DeleteIcon(), func() { t.confirmRemove(acct, id) })
				buttons.Add(row.remove)
			}
			t.rows = append(t.rows, row)
			lines.Add(container.NewBorder(nil, nil, nil, buttons, kit.Wrapped(identitySummary(id))))
		}
		add := widget.NewButtonWithIcon(lang.L("Add identity"), theme.ContentAddIcon(), func() {
			t.openEditor(acct, core.Identity{AccountID: acct.ID, Account: acct.Name, DisplayName: acct.DisplayName}, true)
		})
		lines.Add(container.NewHBox(add, layout.NewSpacer()))
		t.list.Add(widget.NewCard(acct.Name, "", lines))
	}
	t.content.Refresh()
}

// identitySummary is one line about an identity: who, and what it adds.
func identitySummary(id core.Identity) string {
	var parts []string
	who := core.Identity{DisplayName: id.DisplayName, Email: id.Email}.Label()
	if id.Primary() {
		who = lang.L("{{.Identity}} (the account's own)", map[string]any{"Identity": who})
	}
	if id.ReplyTo != "" {
		parts = append(parts, lang.L("replies to {{.Address}}", map[string]any{"Address": id.ReplyTo}))
	}
	if id.BccSelf {
		parts = append(parts, lang.L("a copy to itself"))
	}
	if id.PlainTextOnly {
		parts = append(parts, lang.L("plain text only"))
	}
	if id.Signature != "" {
		parts = append(parts, lang.L("signature"))
	}
	if len(parts) == 0 {
		return who
	}
	return who + "\n" + strings.Join(parts, ", ")
}

// openEditor opens the add (adding) or edit dialog for id of acct.
func (t *identitiesTab) openEditor(acct core.Account, id core.Identity, adding bool) {
	e := &identityEditor{orig: id, accountName: acct.Name, adding: adding,
		name: widget.NewEntry(), email: widget.NewEntry(), replyTo: widget.NewEntry(), sig: widget.NewMultiLineEntry(),
		bccSelf:   widget.NewCheck(lang.L("Send a blind copy of each message to this address"), nil),
		plainText: widget.NewCheck(lang.L("Write in plain text only"), nil), errText: kit.Wrapped("")}
	e.name.SetText(id.DisplayName)
	e.email.SetText(id.Email)
	e.email.SetPlaceHolder(lang.L("alias@example.com"))
	e.replyTo.SetText(id.ReplyTo)
	e.replyTo.SetPlaceHolder(lang.L("optional"))
	e.sig.SetText(id.Signature)
	e.sig.SetMinRowsVisible(5)
	e.sig.SetPlaceHolder(lang.L("Plain text, placed after a \"-- \" line"))
	e.bccSelf.SetChecked(id.BccSelf)
	e.plainText.SetChecked(id.PlainTextOnly)
	if id.Primary() && !adding {
		// The account's own name and address are edited with the account.
		e.name.Disable()
		e.email.Disable()
		e.errText.SetText(lang.L("The name and address are the account's own: change them with the account, on the Accounts tab."))
	}
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Name"), e.name),
		widget.NewFormItem(lang.L("Address"), e.email),
		widget.NewFormItem("Reply-To", e.replyTo), // i18n:ignore (the header's name)
		widget.NewFormItem("", e.bccSelf),
		widget.NewFormItem(lang.L("Signature"), e.sig),
		widget.NewFormItem("", e.plainText),
		widget.NewFormItem("", e.errText),
	}
	title := lang.L("Edit identity")
	if adding {
		title = lang.L("Add an identity to {{.Account}}", map[string]any{"Account": acct.Name})
	}
	e.save = func() { t.save(e) }
	form := widget.NewForm(items...)
	save := widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), e.save)
	save.Importance = widget.HighImportance
	var d dialog.Dialog
	cancel := widget.NewButton(lang.L("Cancel"), func() { d.Hide() })
	d = dialog.NewCustomWithoutButtons(title, container.NewBorder(nil, container.NewHBox(layout.NewSpacer(), cancel, save), nil, nil, form), t.s.win)
	d.SetOnClosed(func() {
		if t.editor == e {
			t.editor = nil
		}
	})
	e.dialog = d
	t.editor = e
	d.Resize(fyne.NewSize(560, 460))
	d.Show()
}

// save checks and stores the editor's identity through the engine; the
// dialog stays open, saying what is wrong, until it is saved.
func (t *identitiesTab) save(e *identityEditor) {
	id := e.orig
	id.DisplayName = strings.TrimSpace(e.name.Text)
	id.Email = strings.TrimSpace(e.email.Text)
	id.ReplyTo = strings.TrimSpace(e.replyTo.Text)
	id.BccSelf, id.PlainTextOnly = e.bccSelf.Checked, e.plainText.Checked
	id.Signature = e.sig.Text
	if err := id.Validate(); err != nil {
		e.errText.SetText(err.Error())
		return
	}
	e.errText.SetText(lang.L("Saving…"))
	t.s.run("save identity", func() {
		var err error
		if e.adding {
			err = t.s.sh.Engine.AddIdentity(t.s.sh.Ctx, &id)
		} else {
			err = t.s.sh.Engine.SaveIdentity(t.s.sh.Ctx, &id)
		}
		t.s.sh.Do(func() {
			if err != nil {
				e.errText.SetText(lang.L("Not saved: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			e.dialog.Hide()
			t.setStatus(lang.L("Saved the identity {{.Address}} of {{.Account}}.", map[string]any{"Address": id.Email, "Account": e.accountName}))
		})
	})
}

func (t *identitiesTab) confirmRemove(acct core.Account, id core.Identity) {
	msg := kit.Wrapped(lang.L("Remove the identity {{.Address}} from {{.Account}}?\n\nMail already sent or received stays as it is; nothing changes on the mail servers.",
		map[string]any{"Address": id.Email, "Account": acct.Name}))
	kit.ShowConfirm(lang.L("Remove identity"), lang.L("Remove identity"), lang.L("Cancel"), msg, func(ok bool) {
		if !ok {
			return
		}
		t.s.run("remove identity", func() {
			err := t.s.sh.Engine.RemoveIdentity(t.s.sh.Ctx, acct.ID, id.Email)
			t.s.sh.Do(func() {
				if err != nil {
					t.setStatus(lang.L("The identity {{.Address}} was not removed: {{.Error}}", map[string]any{"Address": id.Email, "Error": err}))
					return
				}
				t.setStatus(lang.L("The identity {{.Address}} was removed.", map[string]any{"Address": id.Email}))
			})
		})
	}, t.s.win, fyne.NewSize(460, 220))
}
