package gui

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/data/binding"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// settingsWindow lists the accounts, each with its sources, to edit and
// remove them, and holds the app's preferences. Editing goes through the
// wizard, so that one form, with one validation, changes accounts.
type settingsWindow struct {
	app         *App
	win         fyne.Window
	content     *fyne.Container // the Accounts tab
	tabs        *container.AppTabs
	accounts    *fyne.Container
	status      *widget.Label
	closeToTray *widget.Check
	deleteNoAsk *widget.Check // the delete confirmation's "Don't ask again", to take back
	rows        []accountRow  // as shown
	gen         int           // bumped on every reload, so a late one is dropped
	jobs        sync.WaitGroup
	idTab       *identitiesTab // the Identities tab (settings_identities.go)
	rules       *rulesPane     // the Rules tab (settings_rules.go)
}

// accountRow is one account as listed, with its buttons.
type accountRow struct {
	account                 core.Account
	edit, addSource, remove *widget.Button
	sources                 []sourceRow
}

// sourceRow is one retrieval source as listed, with its buttons.
type sourceRow struct {
	source       core.Source
	edit, remove *widget.Button
}

// OpenSettings lists the accounts for editing and removal. An open
// Settings window is brought forward instead.
func (a *App) OpenSettings() { a.openSettings() }

func (a *App) openSettings() *settingsWindow {
	if s := a.settings; s != nil {
		s.win.Show()
		s.win.RequestFocus()
		s.reload()
		return s
	}
	s := newSettingsWindow(a)
	a.settings = s
	kit.ShowCentred(s.win)
	s.reload()
	return s
}

func newSettingsWindow(a *App) *settingsWindow {
	s := &settingsWindow{app: a, win: a.Fyne.NewWindow(lang.L("Accounts and settings"))}
	s.accounts = container.NewVBox(widget.NewLabel(lang.L("Reading the accounts…")))
	s.status = kit.Wrapped("")
	s.closeToTray = widget.NewCheckWithData(lang.L("Close to tray: when the main window is closed, keep running and checking mail"),
		binding.BindPreferenceBool(prefCloseToTray, a.Fyne.Preferences()))
	s.deleteNoAsk = widget.NewCheckWithData(lang.L("Delete from the Trash for good without asking first"),
		binding.BindPreferenceBool(prefDeleteWithoutAsking, a.Fyne.Preferences()))
	prefs := container.NewVBox(s.closeToTray, s.deleteNoAsk, s.startAtLogin())
	if !a.hasTray() {
		s.closeToTray.Disable()
		prefs.Add(kit.Wrapped(lang.L("This desktop offers no system tray, so closing the main window quits Tributary.")))
	}
	prefs.Add(widget.NewSeparator())
	prefs.Add(s.about())
	add := widget.NewButtonWithIcon(lang.L("Add account"), theme.ContentAddIcon(), func() { a.OpenWizard(nil) })
	add.Importance = widget.HighImportance
	s.win.SetOnClosed(func() {
		if a.settings == s {
			a.settings = nil
		}
	})
	s.content = container.NewBorder(nil,
		container.NewVBox(s.status, container.NewHBox(add)),
		nil, nil,
		container.NewVScroll(s.accounts))
	// One tab per subject; a feature with settings of its own adds its
	// tab here, between Accounts and Preferences.
	s.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Accounts"), s.content),
		container.NewTabItem(lang.L("Identities"), s.identitiesTab()),
		container.NewTabItem(lang.X("settings.tab.sending", "Sending"), s.sendingTab()),
		container.NewTabItem(lang.L("Rules"), s.rulesTab()),
		container.NewTabItem(lang.L("Preferences"), container.NewVScroll(prefs)),
	)
	s.win.SetContent(container.NewBorder(nil,
		container.NewHBox(layout.NewSpacer(), widget.NewButton(lang.L("Close"), s.win.Close)),
		nil, nil, s.tabs))
	s.win.Resize(fyne.NewSize(640, 620))
	return s
}

// run does fn in the background, counted in s.jobs.
func (s *settingsWindow) run(what string, fn func()) {
	s.jobs.Add(1)
	s.app.Background(what, func() {
		defer s.jobs.Done()
		fn()
	})
}

// reload reads the accounts again and lists them, as work of this window
// (counted in jobs).
func (s *settingsWindow) reload() { s.read(s.run) }

// refresh is reload on the engine's EventAccounts. That comes at any
// time, from outside the window, so it is not counted in jobs: what
// waits for the window's own work need not wait for it.
func (s *settingsWindow) refresh() { s.read(s.app.Background) }

// read lists the accounts as stored now, in the background through run.
func (s *settingsWindow) read(run func(string, func())) {
	s.readIdentities(run)
	s.gen++
	gen := s.gen
	run("list accounts", func() {
		accounts, err := s.app.DB.Accounts(s.app.Ctx)
		s.app.Do(func() {
			if gen != s.gen {
				return
			}
			if err != nil {
				s.setStatus(lang.L("Cannot read the accounts: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			s.show(accounts)
		})
	})
}

func (s *settingsWindow) show(accounts []core.Account) {
	s.rows = nil
	s.accounts.RemoveAll()
	if len(accounts) == 0 {
		s.accounts.Add(kit.Wrapped(lang.L("No accounts yet. Add one to start gathering your mail here.")))
	}
	for _, acct := range accounts {
		s.accounts.Add(s.card(acct))
	}
	s.content.Refresh()
}

// setStatus says what happened, laying the window out again for it.
func (s *settingsWindow) setStatus(text string) {
	s.status.SetText(text)
	s.content.Refresh()
}

// card shows one account: who it sends as and how, and each source.
func (s *settingsWindow) card(acct core.Account) fyne.CanvasObject {
	row := accountRow{account: acct}
	row.edit = widget.NewButtonWithIcon(lang.L("Edit"), theme.DocumentCreateIcon(), func() { s.app.OpenWizard(&acct) })
	row.addSource = widget.NewButtonWithIcon(lang.L("Add source"), theme.ContentAddIcon(), func() { s.addSource(acct) })
	row.remove = widget.NewButtonWithIcon(lang.L("Remove"), theme.DeleteIcon(), func() { s.confirmRemoveAccount(acct) })
	row.remove.Importance = widget.DangerImportance

	lines := container.NewVBox(kit.Wrapped(smtpSummary(acct)))
	for _, src := range acct.Sources {
		sr := sourceRow{source: src}
		sr.edit = widget.NewButton(lang.L("Edit"), func() { s.editSource(acct, src) })
		sr.remove = widget.NewButton(lang.L("Remove"), func() { s.confirmRemoveSource(acct, src) })
		row.sources = append(row.sources, sr)
		lines.Add(container.NewBorder(nil, nil, widget.NewIcon(theme.DownloadIcon()), container.NewHBox(sr.edit, sr.remove),
			kit.Wrapped(sourceSummary(src))))
	}
	if len(acct.Sources) == 0 {
		lines.Add(kit.Wrapped(lang.L("No retrieval source: this account only sends. Add a source to receive its mail.")))
	}
	lines.Add(container.NewHBox(row.edit, row.addSource, layout.NewSpacer(), row.remove))
	s.rows = append(s.rows, row)

	who := acct.Email
	if acct.DisplayName != "" {
		who = fmt.Sprintf("%s <%s>", acct.DisplayName, acct.Email)
	}
	return widget.NewCard(acct.Name, who, lines)
}

// smtpSummary says how an account sends: "Sends through SMTP
// smtp.example.com:587 (STARTTLS), login as ann; passwords in the system
// keyring".
func smtpSummary(a core.Account) string {
	v := map[string]any{"Server": a.SMTP.Server().Addr(), "Encryption": encryptionChoice(a.SMTP.Encryption), "Username": a.SMTP.Username}
	switch {
	case a.SMTP.Auth && a.PasswordStore == core.PasswordStoreFile:
		return lang.L("Sends through SMTP {{.Server}} ({{.Encryption}}), login as {{.Username}}; passwords in the password file", v)
	case a.SMTP.Auth:
		return lang.L("Sends through SMTP {{.Server}} ({{.Encryption}}), login as {{.Username}}; passwords in the system keyring", v)
	case a.PasswordStore == core.PasswordStoreFile:
		return lang.L("Sends through SMTP {{.Server}} ({{.Encryption}}), without login; passwords in the password file", v)
	}
	return lang.L("Sends through SMTP {{.Server}} ({{.Encryption}}), without login; passwords in the system keyring", v)
}

// sourceSummary says where and when a source retrieves: "POP3
// pop.example.com:995 (SSL/TLS) as ann, every 10 minutes, into Inbox,
// kept on the server for 30 days".
func sourceSummary(s core.Source) string {
	// Each part a sentence piece of its own, so that a translation words
	// each; the pieces are joined with commas in every language.
	parts := []string{lang.L("{{.Protocol}} {{.Server}} ({{.Encryption}}) as {{.Username}}", map[string]any{
		"Protocol": protocolChoice(s.Protocol), "Server": s.Server().Addr(), "Encryption": encryptionChoice(s.Encryption), "Username": s.Username})}
	if s.Method == core.MethodManual {
		parts = append(parts, lang.L("manually"))
	} else {
		parts = append(parts, minutes(s.Interval.Minutes()))
	}
	if s.Protocol == core.ProtocolPOP3 {
		parts = append(parts, lang.L("into {{.Folder}}", map[string]any{"Folder": s.Folder}))
		switch {
		case !s.LeaveOnServer:
			parts = append(parts, lang.L("deleted from the server once retrieved"))
		case s.DeleteAfterDays > 0:
			parts = append(parts, lang.N("kept on the server for {{.Count}} days", s.DeleteAfterDays, map[string]any{"Count": i18n.Number(s.DeleteAfterDays)}))
		default:
			parts = append(parts, lang.L("kept on the server"))
		}
	} else if len(s.IMAPFolders) > 0 {
		parts = append(parts, lang.L("mailboxes {{.Folders}}", map[string]any{"Folders": strings.Join(s.IMAPFolders, ", ")}))
	}
	return strings.Join(parts, ", ")
}

// minutes is how often a source retrieves: "every minute", "every 10
// minutes".
func minutes(m float64) string {
	if m == 1 {
		return lang.L("every minute")
	}
	n := fmt.Sprintf("%g", m)
	if m == float64(int(m)) {
		n = i18n.Number(int(m))
	}
	return lang.L("every {{.Minutes}} minutes", map[string]any{"Minutes": n})
}

// editSource opens the account's wizard at the source.
func (s *settingsWindow) editSource(acct core.Account, src core.Source) {
	w := s.app.openWizard(&acct)
	for _, f := range w.sources {
		if f.orig.ID == src.ID {
			w.win.Canvas().Focus(f.host)
		}
	}
}

// addSource opens the account's wizard with a new source to fill in.
func (s *settingsWindow) addSource(acct core.Account) {
	w := s.app.openWizard(&acct)
	f := w.addSource(w.newSource(), "", false)
	w.win.Canvas().Focus(f.host)
	w.validate()
}

func (s *settingsWindow) confirmRemoveAccount(acct core.Account) {
	msg := kit.Wrapped(lang.L("Remove the account \"{{.Name}}\" ({{.Address}})?\n\nIts mail, folders and outbox are deleted from this computer, and its saved passwords with them. Nothing changes on the mail servers.", map[string]any{"Name": acct.Name, "Address": acct.Email}))
	kit.ShowConfirm(lang.L("Remove account"), lang.L("Remove account"), lang.L("Cancel"), msg, func(ok bool) {
		if ok {
			s.removeAccount(acct)
		}
	}, s.win, fyne.NewSize(460, 240))
}

func (s *settingsWindow) removeAccount(acct core.Account) {
	if w := s.app.wizards[acct.ID]; w != nil {
		w.win.Close()
	}
	s.setStatus(lang.L("Removing {{.Name}}…", map[string]any{"Name": acct.Name}))
	s.run("remove account", func() {
		err := s.app.Engine.RemoveAccount(s.app.Ctx, acct)
		s.app.Do(func() {
			if err != nil {
				s.setStatus(lang.L("The account \"{{.Name}}\" was not removed: {{.Error}}", map[string]any{"Name": acct.Name, "Error": err}))
				return
			}
			s.setStatus(lang.L("The account \"{{.Name}}\" was removed.", map[string]any{"Name": acct.Name}))
		})
	})
}

func (s *settingsWindow) confirmRemoveSource(acct core.Account, src core.Source) {
	msg := kit.Wrapped(lang.L("Stop retrieving {{.Source}} for \"{{.Account}}\"?\n\nThe mail already retrieved stays, and nothing changes on the server.",
		map[string]any{"Source": protocolChoice(src.Protocol) + " " + src.Server().Addr(), "Account": acct.Name}))
	kit.ShowConfirm(lang.L("Remove retrieval source"), lang.L("Remove source"), lang.L("Cancel"), msg, func(ok bool) {
		if ok {
			s.removeSource(acct, src)
		}
	}, s.win, fyne.NewSize(460, 220))
}

func (s *settingsWindow) removeSource(acct core.Account, src core.Source) {
	// An open wizard for the account must not save the source back, nor
	// try to remove it a second time.
	if w := s.app.wizards[acct.ID]; w != nil {
		w.forgetSource(src.ID)
	}
	s.run("remove source", func() {
		err := s.app.Engine.RemoveSource(s.app.Ctx, acct, src)
		s.app.Do(func() {
			if err != nil {
				s.setStatus(lang.L("The source was not removed: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			s.setStatus(lang.L("{{.Protocol}} {{.Server}} no longer retrieves for \"{{.Account}}\".",
				map[string]any{"Protocol": protocolChoice(src.Protocol), "Server": src.Server().Addr(), "Account": acct.Name}))
		})
	})
}

// forgetSource drops a source removed elsewhere from the wizard.
func (w *wizard) forgetSource(id int64) {
	if w.orig == nil {
		return
	}
	w.orig.Sources = slices.DeleteFunc(w.orig.Sources, func(s core.Source) bool { return s.ID == id })
	for _, f := range slices.Clone(w.sources) {
		if f.orig.ID == id {
			w.dropSource(f)
		}
	}
	w.changed()
}
