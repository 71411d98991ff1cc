package settings

import (
	"fmt"
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
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/gui/wizard"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// settingsWindow lists the accounts, each with its sources, to edit and
// remove them, and holds the app's preferences. Editing goes through the
// wizard, so that one form, with one validation, changes accounts.
type settingsWindow struct {
	sh          *shell.Shell
	owner       *Settings
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
	idTab       *identitiesTab // the Identities tab (identities.go)
	rules       *rulesPane     // the Rules tab (rules.go)
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

// Settings is the app's Settings window, open or not. Touch it only on
// the UI goroutine.
type Settings struct {
	sh      *shell.Shell
	wizards *wizard.Wizards
	open    *settingsWindow
	// Version is shown in Settings and in diagnostics; "" in tests and
	// development builds.
	Version string
	// LogFile is shown in Settings and read by diagnostics; "" when the
	// log goes to the terminal.
	LogFile string
	// MailMoved is called when a rule run from Settings moved mail, so
	// that the lists show where it went.
	MailMoved func()
}

// New is the Settings window, not open yet; accounts are edited in wizards.
func New(sh *shell.Shell, wizards *wizard.Wizards) *Settings {
	return &Settings{sh: sh, wizards: wizards, MailMoved: func() {}}
}

// Open lists the accounts for editing and removal. An open Settings
// window is brought forward instead.
func (o *Settings) Open() { o.bringUp() }

func (o *Settings) bringUp() *settingsWindow {
	if s := o.open; s != nil {
		s.win.Show()
		s.win.RequestFocus()
		s.reload()
		return s
	}
	s := newSettingsWindow(o)
	o.open = s
	kit.ShowCentred(s.win)
	s.reload()
	return s
}

// Handle brings an open Settings window up to date after an engine
// event, whoever caused it: the accounts and identities again after
// EventAccounts, the rules after EventRules (tributary rule add while the
// app runs, or a rule ran). The app hands it every event, on the UI
// goroutine.
func (o *Settings) Handle(ev engine.Event) {
	s := o.open
	if s == nil {
		return
	}
	switch ev.Kind {
	case engine.EventAccounts:
		s.refresh()
	case engine.EventRules:
		if s.rules != nil {
			s.rules.refresh()
		}
	}
}

func newSettingsWindow(o *Settings) *settingsWindow {
	sh := o.sh
	s := &settingsWindow{sh: sh, owner: o, win: sh.Fyne.NewWindow(lang.L("Accounts and settings"))}
	s.accounts = container.NewVBox(widget.NewLabel(lang.L("Reading the accounts…")))
	s.status = kit.Wrapped("")
	s.closeToTray = widget.NewCheckWithData(lang.L("Close to tray: when the main window is closed, keep running and checking mail"),
		binding.BindPreferenceBool(shell.PrefCloseToTray, sh.Fyne.Preferences()))
	s.deleteNoAsk = widget.NewCheckWithData(lang.L("Delete from the Trash for good without asking first"),
		binding.BindPreferenceBool(shell.PrefDeleteWithoutAsking, sh.Fyne.Preferences()))
	prefs := container.NewVBox(s.closeToTray, s.deleteNoAsk, s.startAtLogin())
	if !sh.HasTray() {
		s.closeToTray.Disable()
		prefs.Add(kit.Wrapped(lang.L("This desktop offers no system tray, so closing the main window quits Tributary.")))
	}
	prefs.Add(widget.NewSeparator())
	prefs.Add(s.about())
	add := widget.NewButtonWithIcon(lang.L("Add account"), theme.ContentAddIcon(), func() { o.wizards.Open(nil) })
	add.Importance = widget.HighImportance
	s.win.SetOnClosed(func() {
		if o.open == s {
			o.open = nil
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
	s.sh.Background(what, func() {
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
func (s *settingsWindow) refresh() { s.read(s.sh.Background) }

// read lists the accounts as stored now, in the background through run.
func (s *settingsWindow) read(run func(string, func())) {
	s.readIdentities(run)
	s.gen++
	gen := s.gen
	run("list accounts", func() {
		accounts, err := s.sh.DB.Accounts(s.sh.Ctx)
		s.sh.Do(func() {
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
	row.edit = widget.NewButtonWithIcon(lang.L("Edit"), theme.DocumentCreateIcon(), func() { s.owner.wizards.Open(&acct) })
	row.addSource = widget.NewButtonWithIcon(lang.L("Add source"), theme.ContentAddIcon(), func() { s.owner.wizards.AddSource(acct) })
	row.remove = widget.NewButtonWithIcon(lang.L("Remove"), theme.DeleteIcon(), func() { s.confirmRemoveAccount(acct) })
	row.remove.Importance = widget.DangerImportance

	lines := container.NewVBox(kit.Wrapped(smtpSummary(acct)))
	for _, src := range acct.Sources {
		sr := sourceRow{source: src}
		sr.edit = widget.NewButton(lang.L("Edit"), func() { s.owner.wizards.EditSource(acct, src.ID) })
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
	v := map[string]any{"Server": a.SMTP.Server().Addr(), "Encryption": wizard.EncryptionChoice(a.SMTP.Encryption), "Username": a.SMTP.Username}
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
		"Protocol": wizard.ProtocolChoice(s.Protocol), "Server": s.Server().Addr(), "Encryption": wizard.EncryptionChoice(s.Encryption), "Username": s.Username})}
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

func (s *settingsWindow) confirmRemoveAccount(acct core.Account) {
	msg := kit.Wrapped(lang.L("Remove the account \"{{.Name}}\" ({{.Address}})?\n\nIts mail, folders and outbox are deleted from this computer, and its saved passwords with them. Nothing changes on the mail servers.", map[string]any{"Name": acct.Name, "Address": acct.Email}))
	kit.ShowConfirm(lang.L("Remove account"), lang.L("Remove account"), lang.L("Cancel"), msg, func(ok bool) {
		if ok {
			s.removeAccount(acct)
		}
	}, s.win, fyne.NewSize(460, 240))
}

func (s *settingsWindow) removeAccount(acct core.Account) {
	s.owner.wizards.Close(acct.ID)
	s.setStatus(lang.L("Removing {{.Name}}…", map[string]any{"Name": acct.Name}))
	s.run("remove account", func() {
		err := s.sh.Engine.RemoveAccount(s.sh.Ctx, acct)
		s.sh.Do(func() {
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
		map[string]any{"Source": wizard.ProtocolChoice(src.Protocol) + " " + src.Server().Addr(), "Account": acct.Name}))
	kit.ShowConfirm(lang.L("Remove retrieval source"), lang.L("Remove source"), lang.L("Cancel"), msg, func(ok bool) {
		if ok {
			s.removeSource(acct, src)
		}
	}, s.win, fyne.NewSize(460, 220))
}

func (s *settingsWindow) removeSource(acct core.Account, src core.Source) {
	// An open wizard for the account must not save the source back, nor
	// try to remove it a second time.
	s.owner.wizards.ForgetSource(acct.ID, src.ID)
	s.run("remove source", func() {
		err := s.sh.Engine.RemoveSource(s.sh.Ctx, acct, src)
		s.sh.Do(func() {
			if err != nil {
				s.setStatus(lang.L("The source was not removed: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			s.setStatus(lang.L("{{.Protocol}} {{.Server}} no longer retrieves for \"{{.Account}}\".",
				map[string]any{"Protocol": wizard.ProtocolChoice(src.Protocol), "Server": src.Server().Addr(), "Account": acct.Name}))
		})
	})
}
