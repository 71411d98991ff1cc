package wizard

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/autoconfig"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/shell"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// wizard is the account wizard. It is a window of its own rather than a
// dialog over the main window: the form is long and scrolls, the user may
// want to read mail or the provider's instructions beside it, it opens
// from the Settings window as well as from the main window, and its own
// dialogs (certificate, cleartext, keyring) then sit over the form they
// are about.
//
// A new account takes two steps: the address and password, from which
// autoconfig proposes the servers; then every setting, editable. Editing
// an account opens at the second step, with passwords left blank meaning
// unchanged.
type wizard struct {
	sh     *shell.Shell
	owner  *Wizards
	win    fyne.Window
	orig   *core.Account // the account as stored, when editing
	ctx    context.Context
	cancel context.CancelFunc // when the window closes
	jobs   sync.WaitGroup     // background work, which tests wait for
	closed bool

	// Step 1: address and password.
	step1          *fyne.Container
	address        *widget.Entry
	password       *widget.Entry
	name           *widget.Entry
	addressProblem *widget.Label
	next           *widget.Button
	looking        *fyne.Container // the spinner, what it does, and Cancel
	lookingText    *widget.Label
	lookingSpinner *widget.Activity
	lookupGen      int // bumped to drop the result of a lookup given up
	stopLookup     context.CancelFunc
	filledFor      string             // the address step 2 was filled for
	config         *autoconfig.Config // what the lookup proposed, if anything
	autoName       string             // the account name the form proposed
	copied         [3]string          // the address, name and password last copied to step 2

	// Step 2: every setting.
	step2                           fyne.CanvasObject
	note                            *widget.Label
	noteRow                         *fyne.Container
	accountName, displayName, email *widget.Entry
	// others are the accounts already set up (not the one edited), read
	// when the wizard opens: a new name must differ from theirs, and an
	// address already set up is pointed out (existingRow).
	others                                 []core.Account
	existing                               *widget.Label
	editExisting                           *widget.Button
	existingRow                            *fyne.Container
	smtpHost, smtpPort, smtpUser, smtpPass *widget.Entry
	smtpEncryption, store                  *widget.Select
	smtpAuth                               *widget.Check
	smtpAutoPort                           int
	fields                                 map[string]*field // account and SMTP fields by validation key
	sources                                []*sourceForm
	sourceList                             *fyne.Container
	addSourceButton                        *widget.Button
	general, status                        *widget.Label
	results                                *fyne.Container
	spinner                                *widget.Activity
	back, test, save                       *widget.Button
	filling, valid, busy                   bool
	// cleartextConfirmed lists the servers the user agreed to send a
	// password to in clear; a change of servers asks again.
	cleartextConfirmed string
	// oauth is the OAuth2 sign-in, when the account signs in so.
	oauth wizardOAuth
}

// Wizards are the open account wizards, one per account (0 for a new
// account), so that asking again brings the open one forward. Touch them
// only on the UI goroutine.
type Wizards struct {
	sh   *shell.Shell
	open map[int64]*wizard
	// Autoconfig tunes the server lookup; nil means the defaults. Tests
	// set it so that they never touch the network.
	Autoconfig *autoconfig.Options
	// OAuth replaces the OAuth2 provider and the browser, for tests.
	OAuth OAuthSeams
}

// New is the app's wizards, none open.
func New(sh *shell.Shell) *Wizards { return &Wizards{sh: sh, open: map[int64]*wizard{}} }

// Open opens the account wizard, for a new account when acct is nil.
// An open wizard for the same account is brought forward instead.
func (ws *Wizards) Open(acct *core.Account) { ws.bringUp(acct) }

// IsOpen reports whether a wizard for the account (0: a new one) is open.
func (ws *Wizards) IsOpen(account int64) bool { return ws.open[account] != nil }

// EditSource opens the account's wizard with the source's server focused.
func (ws *Wizards) EditSource(acct core.Account, source int64) {
	w := ws.bringUp(&acct)
	for _, f := range w.sources {
		if f.orig.ID == source {
			w.win.Canvas().Focus(f.host)
		}
	}
}

// AddSource opens the account's wizard with a new source to fill in.
func (ws *Wizards) AddSource(acct core.Account) {
	w := ws.bringUp(&acct)
	f := w.addSource(w.newSource(), "", false)
	w.win.Canvas().Focus(f.host)
	w.validate()
}

// Close closes the account's wizard, if open (the account was removed).
func (ws *Wizards) Close(account int64) {
	if w := ws.open[account]; w != nil {
		w.win.Close()
	}
}

// ForgetSource drops a source removed elsewhere from the account's open
// wizard, which must then neither save it back nor remove it again.
func (ws *Wizards) ForgetSource(account, source int64) {
	if w := ws.open[account]; w != nil {
		w.forgetSource(source)
	}
}

func (ws *Wizards) bringUp(acct *core.Account) *wizard {
	var id int64
	if acct != nil {
		id = acct.ID
	}
	if w := ws.open[id]; w != nil {
		w.win.Show()
		w.win.RequestFocus()
		return w
	}
	w := newWizard(ws, acct)
	ws.open[id] = w
	kit.ShowCentred(w.win)
	return w
}

func newWizard(ws *Wizards, acct *core.Account) *wizard {
	w := &wizard{sh: ws.sh, owner: ws, fields: map[string]*field{}}
	w.ctx, w.cancel = context.WithCancel(ws.sh.Ctx)
	title := lang.L("Add a mail account")
	if acct != nil {
		orig := *acct
		orig.Sources = slices.Clone(acct.Sources)
		w.orig = &orig
		title = lang.L("Edit account {{.Name}}", map[string]any{"Name": acct.Name})
	}
	w.win = ws.sh.Fyne.NewWindow(title)
	w.win.SetOnClosed(w.onClosed)
	w.buildStep2()
	w.readOthers()
	if acct == nil {
		w.buildStep1()
		w.win.SetContent(w.step1)
		w.win.Canvas().Focus(w.address)
	} else {
		w.fillFromAccount(*w.orig)
		w.showStep2()
	}
	w.win.Resize(fyne.NewSize(660, 720))
	return w
}

func (w *wizard) onClosed() {
	w.closed = true
	w.cancel()
	var id int64
	if w.orig != nil {
		id = w.orig.ID
	}
	if w.owner.open[id] == w {
		delete(w.owner.open, id)
	}
}

// run does fn in the background, counted in w.jobs.
func (w *wizard) run(what string, fn func()) {
	w.jobs.Add(1)
	w.sh.Background(what, func() {
		defer w.jobs.Done()
		fn()
	})
}

// hold suppresses validation and automatic defaults while the form is
// filled in by the program; call what it returns to let go.
func (w *wizard) hold() func() {
	was := w.filling
	w.filling = true
	return func() { w.filling = was }
}

// relayout lays step 2 out again after a part of it was shown, hidden or
// resized.
func (w *wizard) relayout() {
	if !w.filling {
		w.step2.Refresh()
	}
}

// changed is called on every edit of step 2.
func (w *wizard) changed() {
	if !w.filling {
		// Results of a test are of the settings tested, not these.
		if !w.busy && w.results != nil && len(w.results.Objects) > 0 {
			w.results.RemoveAll()
			w.relayout()
		}
		w.validate()
	}
}

func (w *wizard) buildStep1() {
	w.address = widget.NewEntry()
	w.address.SetPlaceHolder(lang.L("you@example.com"))
	w.address.OnChanged = func(string) { w.checkAddress() }
	w.address.OnSubmitted = func(string) { w.onNext() }
	w.password = widget.NewPasswordEntry()
	w.password.OnSubmitted = func(string) { w.onNext() }
	w.name = widget.NewEntry()
	w.name.SetPlaceHolder(lang.L("Ann Example"))
	w.name.OnSubmitted = func(string) { w.onNext() }
	w.addressProblem = widget.NewLabel("")
	w.addressProblem.Importance = widget.DangerImportance
	w.addressProblem.Hide()

	w.next = widget.NewButtonWithIcon(lang.L("Next"), theme.NavigateNextIcon(), w.onNext)
	w.next.IconPlacement = widget.ButtonIconTrailingText
	w.next.Importance = widget.HighImportance
	w.next.Disable()
	cancel := widget.NewButton(lang.L("Cancel"), w.win.Close)

	w.lookingSpinner = widget.NewActivity()
	w.lookingText = widget.NewLabel("")
	w.looking = container.NewHBox(w.lookingSpinner, w.lookingText, layout.NewSpacer(),
		widget.NewButtonWithIcon(lang.L("Cancel lookup"), theme.CancelIcon(), w.cancelLookup))
	w.looking.Hide()

	grid := container.New(layout.NewFormLayout(),
		widget.NewLabel(lang.L("Email address")), container.NewVBox(w.address, w.addressProblem),
		widget.NewLabel(lang.L("Password")), w.password,
		widget.NewLabel(lang.L("Your name")), w.name)
	intro := kit.Wrapped(lang.L("Tributary looks up your provider's server settings from your address. You can check and change every one of them on the next page."))
	w.step1 = container.NewBorder(
		container.NewVBox(widget.NewLabelWithStyle(lang.L("Add a mail account"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), intro),
		container.NewVBox(w.looking, container.NewHBox(layout.NewSpacer(), cancel, w.next)),
		nil, nil,
		container.NewVBox(grid))
}

// checkAddress enables Next for a valid address and explains an invalid one.
func (w *wizard) checkAddress() {
	addr := strings.TrimSpace(w.address.Text)
	err := core.CheckAddress(addr)
	problem := ""
	if err != nil && addr != "" {
		problem = lang.L("Email address") + ": " + err.Error()
	}
	if setOptional(w.addressProblem, problem) {
		w.step1.Refresh()
	}
	setEnabled(w.next, err == nil && !w.looking.Visible())
}

// onNext looks up the settings for the address, then shows step 2.
func (w *wizard) onNext() {
	addr := strings.TrimSpace(w.address.Text)
	if core.CheckAddress(addr) != nil || w.looking.Visible() {
		return
	}
	if addr == w.filledFor {
		// Back and Next again: keep the settings as edited, take the
		// identity from step 1.
		w.fillIdentity()
		w.showStep2()
		return
	}
	w.lookupGen++
	gen := w.lookupGen
	ctx, stop := context.WithCancel(w.ctx)
	w.stopLookup = stop
	w.lookingText.SetText(lang.L("Looking up the settings for {{.Domain}}…", map[string]any{"Domain": domainOf(addr)}))
	w.looking.Show()
	w.step1.Refresh()
	w.lookingSpinner.Start()
	w.next.Disable()
	opts := w.owner.Autoconfig
	w.run("autoconfig", func() {
		cfg, err := autoconfig.Lookup(ctx, addr, opts)
		w.sh.Do(func() {
			if gen != w.lookupGen || w.closed {
				return // given up on
			}
			w.endLookup()
			w.prefill(addr, cfg, err)
			w.showStep2()
		})
	})
}

// cancelLookup gives up the lookup at once and leaves the settings to be
// entered by hand; its result, when it comes, is dropped.
func (w *wizard) cancelLookup() {
	if !w.looking.Visible() {
		return
	}
	w.lookupGen++
	w.endLookup()
	w.prefill(strings.TrimSpace(w.address.Text), nil, context.Canceled)
	w.filledFor = "" // Back and Next tries the lookup again
	w.showStep2()
}

func (w *wizard) endLookup() {
	if w.stopLookup != nil {
		w.stopLookup()
		w.stopLookup = nil
	}
	w.lookingSpinner.Stop()
	w.looking.Hide()
	w.step1.Refresh()
	w.checkAddress()
}

func domainOf(addr string) string { return addr[strings.LastIndexByte(addr, '@')+1:] }

// lookupSource describes Config.Source for the note.
func lookupSource(source string) string {
	switch source {
	case autoconfig.SourceBuiltin:
		return lang.L("from Tributary's list of providers")
	case autoconfig.SourceAutoconfig:
		return lang.L("from your provider's configuration server")
	case autoconfig.SourceWellKnown:
		return lang.L("from your provider's website")
	case autoconfig.SourceISPDB:
		return lang.L("from Thunderbird's provider database")
	case autoconfig.SourceMXISPDB:
		return lang.L("from Thunderbird's provider database, for the provider that receives your mail")
	case autoconfig.SourceGuess:
		return lang.L("by trying common server names; check them with Test connection")
	}
	return ""
}

// readOthers reads the other accounts, then checks the form again.
func (w *wizard) readOthers() {
	w.sh.Background("read the accounts", func() {
		all, err := w.sh.DB.Accounts(w.ctx)
		w.sh.Do(func() {
			if err != nil {
				return // the store refuses a clash on Save all the same
			}
			w.others = slices.DeleteFunc(all, func(o core.Account) bool { return w.orig != nil && o.ID == w.orig.ID })
			if w.filledFor != "" {
				w.offerExisting(w.filledFor)
				w.validate()
			}
		})
	})
}

// offerExisting warns when addr is set up already, and offers to add a
// retrieval source to that account instead: the same mailbox by POP3 and
// IMAP belongs in one account, not two.
func (w *wizard) offerExisting(addr string) {
	other, ok := w.sameAddress(addr)
	if !ok || w.orig != nil {
		w.existingRow.Hide()
		return
	}
	w.existing.SetText(lang.L("{{.Address}} is set up already, as the account \"{{.Name}}\". To fetch its mail another way too (POP3 beside IMAP, say), add a retrieval source to that account instead.",
		map[string]any{"Address": addr, "Name": other.Name}))
	w.editExisting.SetText(lang.L("Edit {{.Name}}", map[string]any{"Name": other.Name}))
	w.editExisting.OnTapped = func() {
		w.owner.Open(&other)
		w.win.Close()
	}
	w.existingRow.Show()
}

// prefill fills step 2 for addr from what the lookup found, or, when it
// found nothing, with what is known, for the user to complete.
func (w *wizard) prefill(addr string, cfg *autoconfig.Config, err error) {
	defer w.hold()()
	w.filledFor, w.config = addr, cfg
	w.fillIdentity()
	// A nil cfg gives the standard ports and no hosts, to complete by hand.
	acct := cfg.Account(addr)
	switch {
	case cfg != nil:
		note := lang.L("Settings for {{.Name}} found {{.Source}}.", map[string]any{"Name": acct.Name, "Source": lookupSource(cfg.Source)})
		if cfg.Note != "" {
			note += "\n" + providerNote(cfg.Note)
		}
		w.setNote(note, widget.MediumImportance)
	case errors.Is(err, context.Canceled):
		w.setNote(lang.L("Lookup cancelled: enter your provider's server settings below."), widget.WarningImportance)
	case errors.Is(err, autoconfig.ErrNotFound):
		w.setNote(lang.L("No settings were found for {{.Domain}}: enter your provider's server settings below.", map[string]any{"Domain": domainOf(addr)}), widget.WarningImportance)
	default:
		w.setNote(lang.L("The settings could not be looked up ({{.Error}}): enter your provider's server settings below.", map[string]any{"Error": err}), widget.WarningImportance)
	}
	if t := strings.TrimSpace(w.accountName.Text); t == "" || t == w.autoName {
		w.autoName = w.uniqueName(acct.Name)
		w.accountName.SetText(w.autoName)
	}
	w.offerExisting(addr)
	w.smtpHost.SetText(acct.SMTP.Host)
	w.smtpEncryption.SetSelected(EncryptionChoice(acct.SMTP.Encryption))
	w.smtpPort.SetText(portText(acct.SMTP.Port))
	w.smtpAutoPort = acct.SMTP.Port
	w.smtpAuth.SetChecked(acct.SMTP.Auth)
	w.smtpUser.SetText(acct.SMTP.Username)
	for len(w.sources) > 0 {
		w.dropSource(w.sources[0])
	}
	for _, s := range acct.Sources {
		w.addSource(s, "", true)
	}
	if o, ok := w.oauthProposed(); ok {
		w.useOAuth(o)
	}
}

// fillIdentity copies into step 2 what step 1 has that step 2 did not get
// yet, so that going back and forth keeps what was typed in step 2.
func (w *wizard) fillIdentity() {
	defer w.hold()()
	for i, c := range []struct {
		from string
		to   *widget.Entry
	}{
		{strings.TrimSpace(w.address.Text), w.email},
		{strings.TrimSpace(w.name.Text), w.displayName},
		{w.password.Text, w.smtpPass},
	} {
		if c.from != w.copied[i] {
			c.to.SetText(c.from)
			w.copied[i] = c.from
		}
	}
}

func (w *wizard) setNote(text string, importance widget.Importance) {
	w.note.Importance = importance
	w.note.SetText(text)
	if text == "" {
		w.noteRow.Hide()
	} else {
		w.noteRow.Show()
	}
	w.relayout()
}

// proposed is the lookup's first server for protocol p, if any.
func (w *wizard) proposed(p core.Protocol) *autoconfig.Server {
	if w.config == nil {
		return nil
	}
	for i, s := range w.config.Incoming {
		if s.Protocol == string(p) {
			return &w.config.Incoming[i]
		}
	}
	return nil
}

// wasProposed reports whether host is one the lookup proposed, rather than
// one the user typed.
func (w *wizard) wasProposed(host string) bool {
	return w.config != nil && slices.ContainsFunc(w.config.Incoming, func(s autoconfig.Server) bool { return s.Host == strings.TrimSpace(host) })
}

func (w *wizard) showStep2() {
	w.win.SetContent(w.step2)
	w.validate()
	w.relayout()
}

func (w *wizard) buildStep2() {
	changed := func(string) { w.changed() }
	entry := func(placeholder string) *widget.Entry {
		e := widget.NewEntry()
		e.SetPlaceHolder(placeholder)
		e.OnChanged = changed
		return e
	}
	w.accountName = entry(lang.L("Work, Home, Gmail…"))
	w.store = widget.NewSelect(storeChoices(), changed)
	// The default, set before anything listens: the keyring, unless a
	// missing keyring made the user choose the file before.
	w.store.Selected = choiceKeyring()
	if core.PasswordStore(w.sh.Fyne.Preferences().String(PrefPasswordStore)) == core.PasswordStoreFile {
		w.store.Selected = choiceFile()
	}
	w.displayName = entry(lang.L("Ann Example"))
	w.email = entry(lang.L("you@example.com"))
	w.smtpHost = entry("smtp.example.com")
	w.smtpPort = entry("")
	w.smtpEncryption = widget.NewSelect(encryptionChoices(), func(string) { w.smtpEncryptionChanged() })
	w.smtpAuth = widget.NewCheck(lang.L("Enable authentication"), func(bool) { w.smtpAuthChanged() })
	w.smtpUser = entry("")
	w.smtpPass = widget.NewPasswordEntry()
	w.smtpPass.OnChanged = changed
	if w.orig != nil {
		w.smtpPass.SetPlaceHolder(lang.L("Leave blank to keep the saved password"))
	}

	fields := []struct {
		key, label string
		input      fyne.CanvasObject
	}{
		{"name", lang.L("Account name"), w.accountName},
		{"password_store", lang.L("Keep passwords in"), w.store},
		{"display_name", lang.L("Display name"), w.displayName},
		{"email", lang.L("Email address"), w.email},
		{"smtp.host", lang.L("Server address"), w.smtpHost},
		{"smtp.port", lang.L("Port"), w.smtpPort},
		{"smtp.encryption", lang.L("Encryption"), w.smtpEncryption},
		{"smtp.auth", "", w.smtpAuth},
		{"smtp.username", lang.L("Username"), w.smtpUser},
		{"smtp.password", lang.L("Password"), w.smtpPass},
	}
	for _, f := range fields {
		w.fields[f.key] = newField(f.label, f.input)
	}
	account := formGrid(w.fields["name"], w.fields["password_store"])
	smtp := formGrid(w.fields["display_name"], w.fields["email"], w.fields["smtp.host"], w.fields["smtp.port"],
		w.fields["smtp.encryption"], w.fields["smtp.auth"], w.fields["smtp.username"], w.fields["smtp.password"])
	w.sourceList = container.NewVBox()
	w.addSourceButton = widget.NewButtonWithIcon(lang.L("Add another retrieval source"), theme.ContentAddIcon(), func() {
		s := w.addSource(w.newSource(), "", false)
		w.win.Canvas().Focus(s.host)
		w.validate()
	})
	form := container.NewVBox(
		kit.Heading(lang.L("Account")), account,
		w.buildOAuthRow(),
		kit.Heading(lang.L("Sending (SMTP)")), smtp,
		w.sourceList,
		container.NewHBox(w.addSourceButton),
	)

	w.note = kit.Wrapped("")
	w.noteRow = container.NewBorder(nil, nil, widget.NewIcon(theme.InfoIcon()), nil, w.note)
	w.noteRow.Hide()
	w.existing = kit.Wrapped("")
	w.editExisting = widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), nil)
	w.existingRow = container.NewBorder(nil, nil, widget.NewIcon(theme.NewWarningThemedResource(theme.WarningIcon())), w.editExisting, w.existing)
	w.existingRow.Hide()
	title := lang.L("Check your account settings")
	if w.orig != nil {
		title = lang.L("Account {{.Name}}", map[string]any{"Name": w.orig.Name})
	}
	header := container.NewVBox(widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}), w.noteRow, w.existingRow)

	w.results = container.NewVBox()
	w.general = kit.Wrapped("")
	w.general.Importance = widget.DangerImportance
	w.general.Hide()
	w.status = kit.Wrapped("")
	w.spinner = widget.NewActivity()
	w.spinner.Hide()
	w.back = widget.NewButtonWithIcon(lang.L("Back"), theme.NavigateBackIcon(), func() { w.win.SetContent(w.step1) })
	if w.orig != nil {
		w.back.Hide()
	}
	w.test = widget.NewButtonWithIcon(lang.L("Test connection"), theme.MediaPlayIcon(), w.onTest)
	w.save = widget.NewButtonWithIcon(lang.L("Save"), theme.DocumentSaveIcon(), w.onSave)
	w.save.Importance = widget.HighImportance
	cancel := widget.NewButton(lang.L("Cancel"), w.win.Close)
	footer := container.NewVBox(widget.NewSeparator(), w.results, w.general,
		container.NewBorder(nil, nil, w.spinner, nil, w.status),
		container.NewHBox(w.back, layout.NewSpacer(), w.test, cancel, w.save))
	w.step2 = container.NewBorder(header, footer, nil, nil, kit.FormScroll(form))
}

// fillFromAccount loads a stored account for editing. Passwords stay
// blank: blank means unchanged.
func (w *wizard) fillFromAccount(a core.Account) {
	defer w.hold()()
	w.accountName.SetText(a.Name)
	w.store.SetSelected(storeChoice(a.PasswordStore))
	w.displayName.SetText(a.DisplayName)
	w.email.SetText(a.Email)
	w.smtpHost.SetText(a.SMTP.Host)
	w.smtpEncryption.SetSelected(EncryptionChoice(a.SMTP.Encryption))
	w.smtpPort.SetText(portText(a.SMTP.Port))
	w.smtpAutoPort = a.SMTP.Port
	if a.SMTP.Port != core.DefaultSMTPPortFor(a.SMTP.Encryption) {
		w.smtpAutoPort = 0 // a port chosen by hand stays
	}
	w.smtpAuth.SetChecked(a.SMTP.Auth)
	w.smtpUser.SetText(a.SMTP.Username)
	for _, s := range a.Sources {
		f := w.addSource(s, "", false)
		if s.Port != core.DefaultSourcePort(s.Protocol, s.Encryption) {
			f.autoPort = 0
		}
	}
	w.smtpAuthChanged()
	if a.UsesOAuth() {
		w.useOAuth(a.OAuth)
	}
}

// newSource is a new source's defaults.
func (w *wizard) newSource() core.Source {
	return autoconfig.NewSource(strings.TrimSpace(w.email.Text))
}

// addSource adds a source's part to the form.
func (w *wizard) addSource(s core.Source, password string, same bool) *sourceForm {
	f := newSourceForm(w, s, password, same)
	setEnabled(f.samePassword, w.smtpAuth.Checked)
	f.fields["password"].setShown(!w.oauth.on)
	w.sources = append(w.sources, f)
	w.sourceList.Add(f.box)
	w.renumber()
	w.relayout()
	return f
}

// removeSource takes a source's part off the form; a stored source is
// removed from the account when the form is saved.
func (w *wizard) removeSource(f *sourceForm) {
	w.dropSource(f)
	w.changed()
}

func (w *wizard) dropSource(f *sourceForm) {
	w.sources = slices.DeleteFunc(w.sources, func(s *sourceForm) bool { return s == f })
	w.sourceList.Remove(f.box)
	w.renumber()
	w.relayout()
}

func (w *wizard) renumber() {
	for i, f := range w.sources {
		title := lang.L("Retrieval")
		if len(w.sources) > 1 {
			title = lang.L("Retrieval source {{.Number}}", map[string]any{"Number": i + 1})
		}
		f.title.SetText(title)
		// A new account needs somewhere to get its mail from; an edited
		// one may give up its last source, as Settings allows.
		if len(w.sources) > 1 || w.orig != nil {
			f.remove.Show()
		} else {
			f.remove.Hide()
		}
	}
}

func (w *wizard) smtpEncryptionChanged() {
	if !w.filling && portIsAuto(w.smtpPort, w.smtpAutoPort) {
		if e := encryptionOf(w.smtpEncryption.Selected); e != "" {
			w.smtpAutoPort = core.DefaultSMTPPortFor(e)
			w.smtpPort.SetText(strconv.Itoa(w.smtpAutoPort))
		}
	}
	w.changed()
}

func (w *wizard) smtpAuthChanged() {
	on := w.smtpAuth.Checked
	setEnabled(w.smtpUser, on)
	setEnabled(w.smtpPass, on)
	if !on {
		// A source that shared the SMTP password keeps it as its own.
		for _, s := range w.sources {
			if s.samePassword.Checked {
				release := w.hold()
				s.password.SetText(w.smtpPass.Text)
				s.samePassword.SetChecked(false)
				release()
			}
		}
	}
	for _, s := range w.sources {
		setEnabled(s.samePassword, on)
	}
	w.changed()
}

// validate checks the whole form, shows every problem under its field,
// and allows Test and Save only when there is none.
func (w *wizard) validate() bool {
	_, _, problems := w.collect()
	w.showProblems(problems)
	w.updateWarnings()
	w.valid = len(problems) == 0
	w.updateButtons()
	return w.valid
}

func (w *wizard) updateButtons() {
	setEnabled(w.save, w.valid && !w.busy)
	setEnabled(w.test, w.valid && !w.busy)
	setEnabled(w.addSourceButton, !w.busy)
	if !w.busy {
		if w.valid {
			if w.status.Text == invalidHint() {
				w.status.SetText("")
			}
		} else {
			w.status.SetText(invalidHint())
		}
	}
}

func invalidHint() string {
	return lang.L("Correct the settings marked in red to test the connection or save.")
}

// setBusy marks a test or save under way, with what it is doing.
func (w *wizard) setBusy(busy bool, status string) {
	w.busy = busy
	if busy {
		w.spinner.Show()
		w.spinner.Start()
	} else {
		w.spinner.Stop()
		w.spinner.Hide()
	}
	w.status.SetText(status)
	w.updateButtons()
	w.relayout()
}

// confirmCleartext asks before a password is sent without encryption,
// then runs next; it runs next at once when no password would be, or when
// the user already agreed for exactly these servers.
func (w *wizard) confirmCleartext(a core.Account, next func()) {
	servers := cleartextServers(a)
	if len(servers) == 0 || w.cleartextConfirmed == strings.Join(servers, "\n") {
		next()
		return
	}
	msg := kit.Wrapped(lang.L("Encryption is set to None for {{.Servers}}, with a login. The password would travel in clear: anyone on the network between you and the server could read it. Choose SSL/TLS or STARTTLS unless the server is on this computer or a network you trust.",
		map[string]any{"Servers": strings.Join(servers, lang.L(" and "))}))
	kit.ShowConfirm(lang.L("Send the password in clear?"), lang.L("Send in clear"), lang.L("Cancel"), msg, func(ok bool) {
		if ok {
			w.cleartextConfirmed = strings.Join(servers, "\n")
			next()
		}
	}, w.win, fyne.NewSize(480, 260))
}

// onTest runs "Test connection" on the form as it is.
func (w *wizard) onTest() {
	if w.busy || !w.validate() {
		return
	}
	a, pw, _ := w.collect()
	w.confirmCleartext(a, func() { w.runTest(a, pw) })
}

func (w *wizard) runTest(a core.Account, pw core.Passwords) {
	w.results.RemoveAll()
	w.setBusy(true, lang.L("Testing the connection to each server…"))
	ctx := w.ctx
	w.run("test connection", func() {
		results := w.sh.Engine.CheckAccount(ctx, a, &pw)
		w.sh.Do(func() {
			if w.closed {
				return
			}
			w.setBusy(false, "")
			w.showResults(a, results)
			for _, r := range results {
				if c := r.Certificate(); c != nil {
					w.askTrust(c)
					return
				}
			}
		})
	})
}

// showResults writes one line per server.
func (w *wizard) showResults(a core.Account, results []engine.CheckResult) {
	w.results.RemoveAll()
	failed := 0
	first := 0 // an OAuth2 account's token result comes before SMTP's
	if len(results) > 0 && results[0].Role == "OAuth2" {
		first = 1
	}
	for i, r := range results {
		l := kit.Wrapped(resultLine(a, i-first, r))
		l.Importance = widget.SuccessImportance
		if r.Err != nil {
			l.Importance = widget.DangerImportance
			failed++
		}
		w.results.Add(l)
	}
	if failed == 0 {
		w.status.SetText(lang.L("Every server answered and accepted the login."))
	} else {
		w.status.SetText(lang.N("{{.Failed}} of {{.Count}} servers failed the test.", len(results),
			map[string]any{"Failed": i18n.Number(failed), "Count": i18n.Number(len(results))}))
	}
	w.relayout()
}

// resultLine words one server's result: "SMTP mail.example.com:587 —
// connected, TLS OK, login OK", or the failure as the engine words it.
// Result 0 is SMTP, result i the source i-1, as CheckAccount orders them.
func resultLine(a core.Account, i int, r engine.CheckResult) string {
	head := strings.TrimSpace(r.Role + " " + r.Server)
	if r.Err != nil {
		// The engine's errors name the server first; the line already does.
		return head + " — " + strings.TrimPrefix(r.Err.Error(), r.Server+": ")
	}
	if i < 0 {
		return head + " — " + lang.L("token OK")
	}
	enc, login := core.EncryptionSSL, true
	if i == 0 {
		enc, login = a.SMTP.Encryption, a.SMTP.Auth
	} else if i-1 < len(a.Sources) {
		enc = a.Sources[i-1].Encryption
	}
	parts := []string{lang.L("connected"), lang.L("TLS OK"), lang.L("login OK")}
	if a.UsesOAuth() {
		parts[2] = lang.L("token OK, login OK")
	}
	if enc == core.EncryptionNone {
		parts[1] = lang.L("no encryption")
	}
	if !login {
		parts[2] = lang.L("no login (authentication is off)")
	}
	return head + " — " + strings.Join(parts, ", ")
}

// fingerprintLines writes a fingerprint as pairs in lines of eight, so that
// it breaks between pairs, never inside one, and can be read out pair by
// pair against the provider's.
func fingerprintLines(fp string) string {
	pairs := strings.Split(core.FormatFingerprint(fp), ":")
	var lines []string
	for len(pairs) > 8 {
		lines, pairs = append(lines, strings.Join(pairs[:8], ":")+":"), pairs[8:]
	}
	return strings.Join(append(lines, strings.Join(pairs, ":")), "\n")
}

// serverHost is the host of a host:port.
func serverHost(server string) string {
	if h, _, err := net.SplitHostPort(server); err == nil {
		return h
	}
	return server
}

// askTrust shows an untrusted certificate; trusting pins it for that
// server, as the CLI's "account trust" does, and tests again.
func (w *wizard) askTrust(c *core.CertificateError) {
	expires := i18n.DateTime(c.NotAfter.Local())
	if !c.NotAfter.IsZero() && c.NotAfter.Before(time.Now()) {
		expires = lang.L("{{.Date}} (expired)", map[string]any{"Date": expires})
	}
	fingerprint := widget.NewLabelWithStyle(fingerprintLines(c.Fingerprint), fyne.TextAlignLeading, fyne.TextStyle{Monospace: true})
	fingerprint.Selectable = true
	why := lang.L("it is not trusted")
	if c.Err != nil {
		why = c.Err.Error()
	}
	content := container.NewVBox(
		kit.Wrapped(lang.L("The server {{.Server}} presented a certificate that Tributary cannot verify: {{.Reason}}.", map[string]any{"Server": c.Server, "Reason": why})),
		container.New(layout.NewFormLayout(),
			widget.NewLabel(lang.X("certificate.subject", "Subject")), kit.Wrapped(c.Subject),
			widget.NewLabel(lang.L("Issuer")), kit.Wrapped(c.Issuer),
			widget.NewLabel(lang.L("Expires")), widget.NewLabel(expires),
			widget.NewLabel(lang.L("SHA-256 fingerprint")), fingerprint),
		kit.Wrapped(lang.L("Trust it only if this fingerprint matches the one your provider or administrator gave you. Tributary will then accept this certificate, and only this one, from {{.Host}}, on this port and its others.", map[string]any{"Host": serverHost(c.Server)})),
	)
	kit.ShowConfirm(lang.L("Untrusted certificate"), lang.L("Trust this certificate"), lang.L("Cancel"), content, func(ok bool) {
		if ok {
			w.trust(c)
		}
	}, w.win, fyne.NewSize(600, 420))
}

func (w *wizard) trust(c *core.CertificateError) {
	w.setBusy(true, lang.L("Trusting the certificate of {{.Server}}…", map[string]any{"Server": c.Server}))
	w.run("pin certificate", func() {
		err := w.sh.Engine.PinCertificate(w.sh.Ctx, c)
		w.sh.Do(func() {
			if w.closed {
				return
			}
			w.setBusy(false, "")
			if err != nil {
				w.status.SetText(lang.L("The certificate could not be trusted: {{.Error}}", map[string]any{"Error": err}))
				return
			}
			w.sh.Log.Info("certificate trusted", "server", c.Server, "fingerprint", c.Fingerprint)
			if w.validate() {
				a, pw, _ := w.collect()
				w.runTest(a, pw)
			}
		})
	})
}

// onSave validates, asks about cleartext passwords, and stores.
func (w *wizard) onSave() {
	if w.busy || !w.validate() {
		return
	}
	a, pw, _ := w.collect()
	w.confirmCleartext(a, func() { w.runSave(a, pw) })
}

func (w *wizard) runSave(a core.Account, pw core.Passwords) {
	w.setBusy(true, lang.L("Saving…"))
	var orig *core.Account
	if w.orig != nil {
		o := *w.orig
		orig = &o
	}
	w.run("save account", func() {
		saved, err := storeAccount(w.sh.Ctx, w.sh.Engine, orig, a, pw)
		w.sh.Do(func() {
			if err == nil {
				// The engine's EventAccounts brings the open windows up to date.
				w.sh.Log.Info("account saved", "account", saved.Name, "sources", len(saved.Sources))
			}
			if w.closed {
				// Closed while saving: nobody is left to tell but the log.
				if err != nil {
					w.sh.Log.Error("account not saved", "account", a.Name, "error", err)
				}
				return
			}
			w.setBusy(false, "")
			var invalid core.ValidationError
			switch {
			case err == nil:
				w.win.Close()
			case errors.Is(err, secrets.ErrNoKeyring) && a.PasswordStore == core.PasswordStoreKeyring:
				w.sh.Log.Warn("no keyring for the account's passwords", "account", a.Name, "error", err)
				w.offerFileStore()
			case errors.As(err, &invalid):
				w.showProblems(invalid)
				w.status.SetText(lang.L("Not saved: correct the settings marked in red."))
			default:
				w.status.SetText(lang.L("Not saved: {{.Error}}", map[string]any{"Error": err}))
			}
		})
	})
}

// offerFileStore says that there is no keyring and offers, never silently,
// the password file instead.
func (w *wizard) offerFileStore() {
	path := filepath.Join(w.sh.DB.Dir(), secrets.FileName)
	msg := kit.Wrapped(lang.L("Tributary could not reach a system keyring to keep this account's passwords (on Linux it needs a Secret Service, such as GNOME Keyring or KWallet, running and unlocked). Nothing was saved.\n\nYou can start a keyring and save again, or keep this account's passwords in the file {{.Path}}, which only your user account can open. Anyone who can read your files, or a backup of them, could read the passwords there.",
		map[string]any{"Path": path}))
	kit.ShowConfirm(lang.L("No keyring available"), lang.L("Keep passwords in a file"), lang.L("Cancel"), msg, func(ok bool) {
		if !ok {
			w.status.SetText(lang.L("Not saved: no keyring is available for the passwords."))
			return
		}
		w.store.SetSelected(choiceFile())
		// The next new account starts with the file too: without a
		// keyring the question would only come again.
		w.sh.Fyne.Preferences().SetString(PrefPasswordStore, string(core.PasswordStoreFile))
		if w.validate() {
			w.onSave()
		} else {
			w.status.SetText(lang.L("Enter the passwords again: they will be kept in the password file."))
		}
	}, w.win, fyne.NewSize(520, 300))
}

// storeAccount saves a new account (orig nil) or the edit of orig, with
// its passwords, through the engine, which stores it all or nothing.
// Blank passwords of an edited account are left as they are.
func storeAccount(ctx context.Context, e *engine.Engine, orig *core.Account, acct core.Account, pw core.Passwords) (core.Account, error) {
	if orig == nil {
		err := e.AddAccount(ctx, &acct, pw)
		return acct, err
	}
	if err := e.SaveAccount(ctx, orig, &acct, pw); err != nil {
		return acct, fmt.Errorf("%s: %w", lang.L("changes to account \"{{.Name}}\" not saved", map[string]any{"Name": orig.Name}), err)
	}
	return acct, nil
}

// providerNote is a note of the lookup in the language shown. The notes
// are core/autoconfig's, in English (built-in providers and guessed
// settings); one it does not know yet (a provider's own, say) stays as
// it came. TestProviderNotesTranslated keeps the list in step.
func providerNote(note string) string {
	switch note {
	case "Sign in with Google. Gmail refuses your ordinary password in mail apps: to use a password instead, make an app password (it needs 2-Step Verification: Google Account → Security → 2-Step Verification → App passwords). For POP3, first enable POP in Gmail's settings under Forwarding and POP/IMAP.":
		return lang.L("Sign in with Google. Gmail refuses your ordinary password in mail apps: to use a password instead, make an app password (it needs 2-Step Verification: Google Account → Security → 2-Step Verification → App passwords). For POP3, first enable POP in Gmail's settings under Forwarding and POP/IMAP.")
	case "Yahoo Mail refuses your ordinary password in mail apps: it always needs an app password (Account info → Account security → Generate app password; 2-step verification must be on to get one).":
		return lang.L("Yahoo Mail refuses your ordinary password in mail apps: it always needs an app password (Account info → Account security → Generate app password; 2-step verification must be on to get one).")
	case "Sign in with Microsoft: Outlook.com refuses passwords in mail apps, even right ones. For POP3, also enable POP in Outlook.com's settings under Mail → Forwarding and IMAP.":
		return lang.L("Sign in with Microsoft: Outlook.com refuses passwords in mail apps, even right ones. For POP3, also enable POP in Outlook.com's settings under Mail → Forwarding and IMAP.")
	case "Sign in with Microsoft (work or school account): Microsoft 365 turned passwords off for IMAP and POP. Your organisation's administrator may have to allow IMAP, POP or SMTP AUTH for your mailbox.":
		return lang.L("Sign in with Microsoft (work or school account): Microsoft 365 turned passwords off for IMAP and POP. Your organisation's administrator may have to allow IMAP, POP or SMTP AUTH for your mailbox.")
	case "iCloud Mail needs an app-specific password (account.apple.com → Sign-In and Security → App-Specific Passwords). The IMAP username is the part of the address before the @ (jane for jane@icloud.com); SMTP takes the full address.":
		return lang.L("iCloud Mail needs an app-specific password (account.apple.com → Sign-In and Security → App-Specific Passwords). The IMAP username is the part of the address before the @ (jane for jane@icloud.com); SMTP takes the full address.")
	case "Fastmail needs an app password, made in Settings → Privacy & Security.":
		return lang.L("Fastmail needs an app password, made in Settings → Privacy & Security.")
	case "Enable POP3 and IMAP access in GMX's settings (E-mail settings → POP3 & IMAP) first; with two-factor authentication on, use an application-specific password.":
		return lang.L("Enable POP3 and IMAP access in GMX's settings (E-mail settings → POP3 & IMAP) first; with two-factor authentication on, use an application-specific password.")
	case "Enable POP3 and IMAP access in GMX's settings (E-Mail-Einstellungen → POP3 & IMAP Abruf) first; with two-factor authentication on, use an application-specific password.":
		return lang.L("Enable POP3 and IMAP access in GMX's settings (E-Mail-Einstellungen → POP3 & IMAP Abruf) first; with two-factor authentication on, use an application-specific password.")
	case "AOL Mail needs an app password: Account info → Account security → Generate app password.":
		return lang.L("AOL Mail needs an app password: Account info → Account security → Generate app password.")
	case "Enable IMAP or POP access in Zoho Mail's settings (Mail Accounts → IMAP/POP Access) first; with two-factor authentication on, use an app-specific password. Accounts in Zoho's EU or India data centres use zoho.eu or zoho.in in place of zoho.com in the server names.":
		return lang.L("Enable IMAP or POP access in Zoho Mail's settings (Mail Accounts → IMAP/POP Access) first; with two-factor authentication on, use an app-specific password. Accounts in Zoho's EU or India data centres use zoho.eu or zoho.in in place of zoho.com in the server names.")
	case "These settings were guessed by trying common server names; check them with Test connection.":
		return lang.L("These settings were guessed by trying common server names; check them with Test connection.")
	}
	return note
}

// forgetSource drops a source removed elsewhere from the form.
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

// PrefPasswordStore is the preference that is "file" once the user chose
// the password file because no keyring was available: the next wizard
// proposes it.
const PrefPasswordStore = "passwordStore"
