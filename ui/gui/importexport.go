package gui

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/control"
	"github.com/tributary-mail/tributary/core/mailbox"
	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// The File menu brings mail in from other clients and takes it out, in
// the formats the CLI's import and export read and write, through the
// same code (core/control): one way to do each.

// setupMainMenu gives the main window its File menu.
func (w *MainWindow) setupMainMenu() {
	file := fyne.NewMenu(lang.X("menu.file", "File"),
		fyne.NewMenuItem(lang.L("Import mail…"), w.openImport),
		fyne.NewMenuItem(lang.L("Export mail…"), w.openExport),
		fyne.NewMenuItem(lang.L("Save message as…"), w.saveMessageAs),
		fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem(lang.L("Settings…"), w.app.OpenSettings),
	)
	w.win.SetMainMenu(fyne.NewMainMenu(file))
}

// transfer is the progress dialog of one import or export: a count that
// grows as messages go by, and a Cancel that stops the work.
type transfer struct {
	dlg    dialog.Dialog
	count  *widget.Label
	cancel context.CancelFunc
	ctx    context.Context
}

func (w *MainWindow) startTransfer(title string) *transfer {
	t := &transfer{count: widget.NewLabel(lang.L("Starting…"))}
	t.ctx, t.cancel = context.WithCancel(w.app.Ctx)
	bar := widget.NewProgressBarInfinite()
	t.dlg = dialog.NewCustom(title, lang.L("Cancel"), container.NewVBox(bar, t.count), w.win)
	t.dlg.SetOnClosed(t.cancel)
	t.dlg.Show()
	return t
}

// progress shows n messages done, in the words of done, from any
// goroutine, at most a few times a second so that a fast import is not
// slowed by its display.
func (t *transfer) progress(a *App, done func(n int) string) func(int) {
	var last time.Time
	return func(n int) {
		if now := time.Now(); now.Sub(last) > 100*time.Millisecond {
			last = now
			a.Do(func() { t.count.SetText(done(n)) })
		}
	}
}

// finish closes the progress dialog and says what happened.
func (t *transfer) finish(w *MainWindow, title, summary string, err error) {
	t.dlg.Hide() // its OnClosed cancels t.ctx: the work is done by now
	text := summary
	if err != nil {
		text += "\n\n" + lang.L("Some mail could not be handled:") + "\n" + firstLines(err.Error(), 10)
	}
	dialog.ShowInformation(title, text, w.win)
}

// firstLines keeps a long joined error readable in a dialog.
func firstLines(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append(lines[:n], lang.L("… and {{.Count}} more", map[string]any{"Count": i18n.Number(len(lines) - n)}))
	}
	return strings.Join(lines, "\n")
}

// pathRow is an entry for a path, kept as typed, with a Browse… button
// that fills it from the system's chooser: a file, or a folder.
func (w *MainWindow) pathRow(entry *widget.Entry, folder bool) fyne.CanvasObject {
	browse := widget.NewButtonWithIcon(lang.L("Browse…"), theme.FolderOpenIcon(), func() {
		if folder {
			dialog.ShowFolderOpen(func(dir fyne.ListableURI, err error) {
				if err == nil && dir != nil {
					entry.SetText(dir.Path())
				}
			}, w.win)
			return
		}
		dialog.ShowFileOpen(func(f fyne.URIReadCloser, err error) {
			if err == nil && f != nil {
				entry.SetText(f.URI().Path())
				f.Close()
			}
		}, w.win)
	})
	return container.NewBorder(nil, nil, nil, browse, entry)
}

// openImport asks what to import (an mbox or .eml file, or a Maildir
// folder) into which account and folder, then imports it with progress.
func (w *MainWindow) openImport() {
	a := w.app
	a.Background("list accounts", func() {
		accounts, err := a.DB.Accounts(a.Ctx)
		a.Do(func() {
			if err != nil {
				w.showError(err)
				return
			}
			if len(accounts) == 0 {
				dialog.ShowInformation(lang.L("Import mail"), lang.L("Add an account first: imported mail goes into one of its folders."), w.win)
				return
			}
			w.showImport(accounts)
		})
	})
}

func (w *MainWindow) showImport(accounts []core.Account) {
	names := make([]string, len(accounts))
	for i, acct := range accounts {
		names[i] = acct.Name
	}
	account := widget.NewSelect(names, nil)
	account.SetSelectedIndex(0)
	folder := widget.NewEntry()
	folder.SetText(core.DefaultFolder)
	file := widget.NewEntry()
	file.SetPlaceHolder(lang.L("an mbox or .eml file, or a Maildir folder"))
	// The choices as shown; the second is a folder.
	kinds := []string{lang.L("File (mbox or .eml)"), lang.L("Maildir folder")}
	kind := widget.NewRadioGroup(kinds, nil)
	kind.Horizontal = true
	kind.SetSelected(kinds[0])
	rows := container.NewStack()
	showRow := func(choice string) {
		rows.Objects = []fyne.CanvasObject{w.pathRow(file, choice == kinds[1])}
		rows.Refresh()
	}
	kind.OnChanged = showRow
	showRow(kind.Selected)
	form := container.New(layout.NewFormLayout(),
		kit.Bold(lang.L("Account")), account,
		kit.Bold(lang.L("Into folder")), folder,
		kit.Bold(lang.X("import.from", "From")), kind,
		layout.NewSpacer(), rows)
	note := kit.Wrapped(lang.L("A Maildir's subfolders (.Sent, .Archive) go into folders of their names. Flags come along; a message already here is not imported twice."))
	kit.ShowConfirm(lang.L("Import mail"), lang.L("Import"), lang.L("Cancel"), container.NewVBox(form, note), func(ok bool) {
		if !ok {
			return
		}
		path := strings.TrimSpace(file.Text)
		if path == "" {
			dialog.ShowError(errors.New(lang.L("choose what to import")), w.win)
			return
		}
		abs, err := filepath.Abs(kit.ExpandHome(path))
		if err != nil {
			dialog.ShowError(err, w.win)
			return
		}
		w.runImport(control.ImportRequest{Account: account.Selected, Folder: strings.TrimSpace(folder.Text), Paths: []string{abs}, Mbox: mailbox.MboxRD})
	}, w.win, fyne.NewSize(620, 0))
}

// runImport imports through the engine, as `tributary import` does.
func (w *MainWindow) runImport(req control.ImportRequest) {
	a := w.app
	t := w.startTransfer(lang.L("Importing into {{.Account}}/{{.Folder}}", map[string]any{"Account": req.Account, "Folder": req.Folder}))
	req.Progress = t.progress(a, func(n int) string {
		return lang.N("Read {{.Count}} messages…", n, map[string]any{"Count": i18n.Number(n)})
	})
	a.Background("import", func() {
		local := &control.Local{Engine: a.Engine, Store: a.DB}
		rep, err := local.Import(t.ctx, req)
		summary := lang.L("Read {{.Messages}}; {{.New}} new", map[string]any{"Messages": messageCount(rep.Seen), "New": i18n.Number(rep.Imported)})
		if len(rep.Into) > 0 {
			summary += lang.L(" in {{.Folders}}", map[string]any{"Folders": strings.Join(rep.Into, ", ")})
		}
		a.Do(func() {
			t.finish(w, lang.L("Import finished"), summary+".", err)
			w.reload()
		})
	})
}

// messageCount is "1 message", "3 messages" in the language.
func messageCount(n int) string {
	return lang.N("{{.Count}} messages", n, map[string]any{"Count": i18n.Number(n)})
}

// Export scopes, as offered; exportScopes shows them.
const (
	exportFolder = iota
	exportAccount
	exportAll
)

func exportScopes() []string {
	return []string{lang.L("The folder shown"), lang.L("Its account"), lang.L("Every account")}
}

// openExport asks what to export (the folder shown, its account, or
// everything), in which format, and where, then exports with progress.
func (w *MainWindow) openExport() {
	a := w.app
	shown := w.current
	a.Background("list folders", func() {
		folders, err := a.DB.Folders(a.Ctx)
		a.Do(func() {
			if err != nil {
				w.showError(err)
				return
			}
			if len(folders) == 0 {
				dialog.ShowInformation(lang.L("Export mail"), lang.L("There is no mail to export yet."), w.win)
				return
			}
			w.showExport(folders, shown)
		})
	})
}

func (w *MainWindow) showExport(folders []core.Folder, shown storage.ListQuery) {
	// scopes are the scopes offered (exportFolder…), shown as labels.
	var scopes []int
	var shownFolder core.Folder
	for _, f := range folders {
		if shown.FolderID != 0 && f.ID == shown.FolderID {
			shownFolder = f
		}
	}
	if shownFolder.ID != 0 {
		scopes = append(scopes, exportFolder, exportAccount)
	}
	scopes = append(scopes, exportAll)
	names := exportScopes()
	var labels []string
	for _, s := range scopes {
		labels = append(labels, names[s])
	}
	scope := widget.NewRadioGroup(labels, nil)
	scope.SetSelected(labels[0])
	format := widget.NewRadioGroup([]string{"mbox", "Maildir"}, nil) // i18n:ignore (format names)
	format.Horizontal = true
	format.SetSelected("mbox")
	dest := widget.NewEntry()
	dest.SetText(filepath.Join(w.app.SaveDir(), lang.L("Tributary export {{.Date}}", map[string]any{"Date": time.Now().Format("2006-01-02")})))
	title := names[exportAll]
	if shownFolder.ID != 0 {
		title = shownFolder.Account + "/" + shownFolder.Name
	}
	form := container.New(layout.NewFormLayout(),
		kit.Bold(lang.X("export.scope", "Export")), scope,
		kit.Bold(lang.L("Format")), format,
		kit.Bold(lang.X("export.to", "To")), w.pathRow(dest, true))
	note := kit.Wrapped(lang.L("Messages are written byte for byte as they were received. The destination must be new or an empty folder; one folder becomes one mbox file or one Maildir, more become a folder per account."))
	kit.ShowConfirm(lang.L("Export mail ({{.Scope}})", map[string]any{"Scope": title}), lang.L("Export"), lang.L("Cancel"), container.NewVBox(form, note), func(ok bool) {
		if !ok {
			return
		}
		var pick []core.Folder
		chosen := exportAll
		if i := slices.Index(labels, scope.Selected); i >= 0 {
			chosen = scopes[i]
		}
		for _, f := range folders {
			switch chosen {
			case exportFolder:
				if f.ID == shownFolder.ID {
					pick = append(pick, f)
				}
			case exportAccount:
				if f.AccountID == shownFolder.AccountID {
					pick = append(pick, f)
				}
			default:
				pick = append(pick, f)
			}
		}
		target := strings.TrimSpace(dest.Text)
		if target == "" {
			dialog.ShowError(errors.New(lang.L("type where to export to")), w.win)
			return
		}
		f := control.FormatMbox
		if format.Selected == "Maildir" {
			f = control.FormatMaildir
		}
		w.runExport(control.ExportRequest{Folders: pick, Format: f, Dest: kit.ExpandHome(target)})
	}, w.win, fyne.NewSize(620, 0))
}

func (w *MainWindow) runExport(req control.ExportRequest) {
	a := w.app
	t := w.startTransfer(lang.L("Exporting to {{.Path}}", map[string]any{"Path": req.Dest}))
	req.Progress = t.progress(a, func(n int) string {
		return lang.N("Wrote {{.Count}} messages…", n, map[string]any{"Count": i18n.Number(n)})
	})
	a.Background("export", func() {
		rep, err := control.Export(t.ctx, a.DB, req)
		summary := lang.L("Wrote {{.Messages}} from {{.Folders}} to {{.Path}}.", map[string]any{
			"Messages": messageCount(rep.Messages),
			"Folders":  lang.N("{{.Count}} folders", rep.Folders, map[string]any{"Count": i18n.Number(rep.Folders)}),
			"Path":     req.Dest,
		})
		a.Do(func() { t.finish(w, lang.L("Export finished"), summary, err) })
	})
}

// saveMessageAs writes the message in the reader to an .eml file, byte
// for byte, asking where as the attachment Save does.
func (w *MainWindow) saveMessageAs() {
	m, ok := w.selectedMessage()
	if !ok {
		dialog.ShowInformation(lang.L("Save message as"), lang.L("Open a message first."), w.win)
		return
	}
	name := control.FileName(strings.TrimSpace(m.Subject))
	if name == "_" {
		name = "message"
	}
	w.app.AskSavePath(lang.L("Save message as"), name+".eml", w.win, func(f io.WriteCloser) error { // i18n:ignore (".eml" is a file name's extension)
		err := control.WriteMessage(w.app.Ctx, w.app.DB, m.ID, f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	})
}
