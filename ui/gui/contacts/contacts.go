// Package contacts is the address book window: the contacts saved and
// collected from mail, "Write to", and vCard import and export.
package contacts

import (
	"net/mail"
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/vcard"
	"github.com/tributary-mail/tributary/ui/gui/composer"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// contactsWindow is the address book: the contacts saved and collected
// from mail, best ranked first, with a search, a form to add, edit and
// remove one, "Write to", and vCard import and export. It reads the
// store and changes it through the engine, and follows EventContacts.
type contactsWindow struct {
	app *Contacts
	win fyne.Window

	all    []core.Contact // as read, best ranked first
	shown  []core.Contact // those the search matches
	list   *widget.List
	search *widget.Entry
	// chosen is the contact in the form: its ID, or for a collected one
	// its address; both empty for a new contact.
	chosenID   int64
	chosenAddr string

	name, emails, phones, notes *widget.Entry
	info                        *widget.Label
	save, remove, write         *widget.Button
	status                      *widget.Label
}

// Contacts is the app's address book window, open or not. Touch it only
// on the UI goroutine.
type Contacts struct {
	*shell.Shell
	open *contactsWindow
	// Compose opens a composer writing to the given addresses.
	Compose func(to string)
}

// New is the address book, not open yet.
func New(sh *shell.Shell) *Contacts { return &Contacts{Shell: sh, Compose: func(string) {}} }

// Handle lists the contacts again after EventContacts, when open. The app
// hands it every event, on the UI goroutine.
func (a *Contacts) Handle(ev engine.Event) {
	if ev.Kind == engine.EventContacts && a.open != nil {
		a.open.refresh()
	}
}

// Open shows the address book, bringing it forward when already open.
func (a *Contacts) Open() {
	if w := a.open; w != nil {
		w.win.Show()
		w.win.RequestFocus()
		w.refresh()
		return
	}
	w := newContactsWindow(a)
	a.open = w
	kit.ShowCentred(w.win)
	w.refresh()
}

func newContactsWindow(a *Contacts) *contactsWindow {
	w := &contactsWindow{app: a, win: a.Fyne.NewWindow(lang.L("Contacts"))}
	w.search = widget.NewEntry()
	w.search.SetPlaceHolder(lang.L("Search names and addresses"))
	w.search.OnChanged = func(string) { w.filter() }
	w.list = widget.NewList(func() int { return len(w.shown) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.Truncation = fyne.TextTruncateEllipsis
			return l
		},
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(w.shown) {
				o.(*widget.Label).SetText(contactLine(w.shown[i]))
			}
		})
	w.list.OnSelected = func(i widget.ListItemID) {
		if i < len(w.shown) {
			w.edit(w.shown[i])
		}
	}
	w.name = widget.NewEntry()
	w.name.SetPlaceHolder(lang.L("Ann Example"))
	w.emails = widget.NewMultiLineEntry()
	w.emails.SetPlaceHolder(lang.L("one address a line"))
	w.emails.SetMinRowsVisible(3)
	w.phones = widget.NewMultiLineEntry()
	w.phones.SetPlaceHolder(lang.L("one number a line"))
	w.phones.SetMinRowsVisible(2)
	w.notes = widget.NewMultiLineEntry()
	w.notes.Wrapping = fyne.TextWrapWord
	w.notes.SetMinRowsVisible(3)
	w.info = widget.NewLabel("")
	w.info.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(lang.L("Name"), w.name),
		widget.NewFormItem(lang.L("Addresses"), w.emails),
		widget.NewFormItem(lang.L("Phones"), w.phones),
		widget.NewFormItem(lang.L("Notes"), w.notes),
	)
	w.save = widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), w.saveContact)
	w.save.Importance = widget.HighImportance
	w.remove = widget.NewButtonWithIcon(lang.L("Remove"), theme.DeleteIcon(), w.confirmRemove)
	w.write = widget.NewButtonWithIcon(lang.L("Write to"), theme.MailComposeIcon(), w.writeTo)
	newContact := widget.NewButtonWithIcon(lang.L("New contact"), theme.ContentAddIcon(), func() {
		w.list.UnselectAll()
		w.edit(core.Contact{})
		w.win.Canvas().Focus(w.name)
	})
	right := container.NewBorder(nil, container.NewHBox(w.save, w.write, w.remove), nil, nil,
		container.NewVScroll(container.NewVBox(form, w.info)))
	left := container.NewBorder(w.search, newContact, nil, nil, w.list)
	split := container.NewHSplit(left, right)
	split.Offset = 0.45
	w.status = widget.NewLabel("")
	w.status.Wrapping = fyne.TextWrapWord
	importButton := widget.NewButtonWithIcon(lang.L("Import vCard…"), theme.FolderOpenIcon(), w.chooseImport)
	exportButton := widget.NewButtonWithIcon(lang.L("Export vCard…"), theme.DocumentSaveIcon(), w.chooseExport)
	bottom := container.NewBorder(nil, nil, nil, container.NewHBox(importButton, exportButton), w.status)
	w.win.SetContent(container.NewBorder(nil, bottom, nil, nil, split))
	w.win.Resize(fyne.NewSize(860, 560))
	w.win.SetOnClosed(func() {
		if a.open == w {
			a.open = nil
		}
	})
	w.edit(core.Contact{})
	return w
}

// contactLine is a contact's row: its name and addresses, and where it
// comes from.
func contactLine(c core.Contact) string {
	s := strings.Join(c.Emails, ", ")
	if c.Name != "" {
		s = c.Name + " — " + s
	}
	if c.Collected() {
		s += "  (" + lang.L("from mail") + ")"
	}
	return strings.TrimSuffix(s, " — ")
}

// refresh reads the address book in the background.
func (w *contactsWindow) refresh() {
	a := w.app
	a.Background("read contacts", func() {
		list, err := a.DB.Contacts(a.Ctx)
		a.Do(func() {
			if err != nil {
				w.status.SetText(lang.L("Cannot read the contacts: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			w.all = list
			w.filter()
		})
	})
}

// filter shows the contacts whose name or an address holds every word
// of the search, keeping the rank order and the selection.
func (w *contactsWindow) filter() {
	words := strings.Fields(strings.ToLower(w.search.Text))
	w.shown = w.shown[:0]
	for _, c := range w.all {
		hay := strings.ToLower(c.Name + " " + strings.Join(c.Emails, " "))
		ok := true
		for _, word := range words {
			ok = ok && strings.Contains(hay, word)
		}
		if ok {
			w.shown = append(w.shown, c)
		}
	}
	w.list.UnselectAll()
	for i, c := range w.shown {
		if w.isChosen(c) {
			w.list.Select(i)
			break
		}
	}
	w.list.Refresh()
}

func (w *contactsWindow) isChosen(c core.Contact) bool {
	if w.chosenID != 0 {
		return c.ID == w.chosenID
	}
	return w.chosenAddr != "" && c.Collected() && len(c.Emails) > 0 && strings.EqualFold(c.Emails[0], w.chosenAddr)
}

// edit puts a contact in the form; the zero Contact is a new one.
func (w *contactsWindow) edit(c core.Contact) {
	w.chosenID, w.chosenAddr = c.ID, ""
	if c.Collected() && len(c.Emails) > 0 {
		w.chosenAddr = c.Emails[0]
	}
	w.name.SetText(c.Name)
	w.emails.SetText(strings.Join(c.Emails, "\n"))
	w.phones.SetText(strings.Join(c.Phones, "\n"))
	w.notes.SetText(c.Notes)
	known := c.ID != 0 || w.chosenAddr != ""
	switch {
	case !known:
		w.info.SetText(lang.L("A new contact."))
	case c.Collected():
		w.info.SetText(lang.L("Collected from mail: you wrote {{.Sent}}, received {{.Received}}. Saving it keeps your changes; mail no longer changes it.",
			map[string]any{"Sent": i18n.Number(c.Sent), "Received": i18n.Number(c.Received)}))
	default:
		w.info.SetText(lang.L("You wrote {{.Sent}}, received {{.Received}}.", map[string]any{"Sent": i18n.Number(c.Sent), "Received": i18n.Number(c.Received)}))
	}
	if known {
		w.remove.Enable()
	} else {
		w.remove.Disable()
	}
	if len(c.Emails) > 0 {
		w.write.Enable()
	} else {
		w.write.Disable()
	}
}

// form reads the contact the form holds.
func (w *contactsWindow) form() core.Contact {
	return core.Contact{ID: w.chosenID, Name: w.name.Text, Emails: splitOn(w.emails.Text, "\r\n,;"), Phones: splitOn(w.phones.Text, "\r\n"), Notes: w.notes.Text}
}

// splitOn splits a field into its values: addresses one a line or
// separated by commas or semicolons, as people paste them; phones one a
// line, since a number may hold a comma ("+1 555 0100, ext. 2").
func splitOn(s, seps string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
}

func (w *contactsWindow) saveContact() {
	c := w.form()
	a := w.app
	w.status.SetText(lang.L("Saving…"))
	a.Background("save contact", func() {
		err := a.Engine.SaveContact(a.Ctx, &c)
		a.Do(func() {
			if err != nil {
				w.status.SetText(lang.L("Not saved: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			w.status.SetText(lang.L("Saved {{.Contact}}.", map[string]any{"Contact": contactName(c)}))
			w.chosenID, w.chosenAddr = c.ID, ""
			w.refresh()
		})
	})
}

func contactName(c core.Contact) string {
	if c.Name != "" {
		return c.Name
	}
	return strings.Join(c.Emails, ", ")
}

func (w *contactsWindow) confirmRemove() {
	var c core.Contact
	for _, x := range w.all {
		if w.isChosen(x) {
			c = x
		}
	}
	if c.ID == 0 && len(c.Emails) == 0 {
		return
	}
	dialog.ShowConfirm(lang.L("Remove contact"), lang.L("Remove {{.Contact}} from the address book? Mail from or to it will not bring it back; add it again by hand or by importing it.",
		map[string]any{"Contact": contactName(c)}), func(ok bool) {
		if !ok {
			return
		}
		a := w.app
		a.Background("remove contact", func() {
			err := a.Engine.DeleteContact(a.Ctx, c)
			a.Do(func() {
				if err != nil {
					w.status.SetText(lang.L("Not removed: {{.Error}}", map[string]any{"Error": err.Error()}))
					return
				}
				w.status.SetText(lang.L("Removed {{.Contact}}.", map[string]any{"Contact": contactName(c)}))
				w.list.UnselectAll()
				w.edit(core.Contact{})
				w.refresh()
			})
		})
	}, w.win)
}

// writeTo opens a composer to the contact's first address.
func (w *contactsWindow) writeTo() {
	c := w.form()
	if len(c.Emails) == 0 {
		return
	}
	w.app.Compose(composer.FormatAddress(&mail.Address{Name: strings.TrimSpace(c.Name), Address: strings.TrimSpace(c.Emails[0])}) + ", ")
}

func (w *contactsWindow) chooseImport() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		w.importFile(path)
	}, w.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".vcf", ".vcard"}))
	d.Show()
}

// importFile reads a vCard file and saves its contacts, all or none.
func (w *contactsWindow) importFile(path string) {
	a := w.app
	w.status.SetText(lang.L("Importing {{.File}}…", map[string]any{"File": filepath.Base(path)}))
	a.Background("import contacts", func() {
		msg := importContacts(a, path)
		a.Do(func() {
			w.status.SetText(msg)
			w.refresh()
		})
	})
}

func importContacts(a *Contacts, path string) string {
	f, err := os.Open(path)
	if err != nil {
		return lang.L("Cannot import: {{.Error}}", map[string]any{"Error": err.Error()})
	}
	list, problems, err := vcard.Read(f)
	f.Close()
	if err != nil {
		return lang.L("Cannot import {{.File}}: {{.Error}}", map[string]any{"File": filepath.Base(path), "Error": err.Error()})
	}
	if len(list) == 0 {
		return lang.L("Nothing imported: no card in {{.File}} has a name or an address.", map[string]any{"File": filepath.Base(path)})
	}
	rep, err := a.Engine.ImportContacts(a.Ctx, list)
	if err != nil {
		return lang.L("Nothing imported: {{.Error}}", map[string]any{"Error": err.Error()})
	}
	n := rep.Added + rep.Merged
	msg := lang.N("Imported {{.Count}} contacts: {{.New}} new, {{.Merged}} merged into contacts with the same address.", n,
		map[string]any{"Count": i18n.Number(n), "New": i18n.Number(rep.Added), "Merged": i18n.Number(rep.Merged)})
	if len(problems) > 0 {
		msg += " " + lang.N("{{.Count}} problems: {{.Problems}}", len(problems),
			map[string]any{"Count": i18n.Number(len(problems)), "Problems": strings.Join(problems, "; ")})
	}
	return msg
}

func (w *contactsWindow) chooseExport() {
	d := dialog.NewFileSave(func(wc fyne.URIWriteCloser, err error) {
		if err != nil || wc == nil {
			return
		}
		path := wc.URI().Path()
		wc.Close()
		w.exportFile(path)
	}, w.win)
	d.SetFileName("contacts.vcf")
	d.Show()
}

// exportFile writes the whole address book as vCard 4.0.
func (w *contactsWindow) exportFile(path string) {
	a := w.app
	a.Background("export contacts", func() {
		n, err := exportContacts(a, path)
		a.Do(func() {
			if err != nil {
				w.status.SetText(lang.L("Not exported: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			w.status.SetText(lang.N("Exported {{.Count}} contacts to {{.Path}}.", n, map[string]any{"Count": i18n.Number(n), "Path": path}))
		})
	})
}

func exportContacts(a *Contacts, path string) (int, error) {
	list, err := a.DB.Contacts(a.Ctx)
	if err != nil {
		return 0, err
	}
	return len(list), vcard.WriteFile(path, list)
}
