package wizard

import (
	"errors"
	"fmt"
	"image/color"
	"slices"
	"strconv"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/autoconfig"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

// The choices of the form's Select widgets, worded for the user. SSL/TLS
// and STARTTLS are the protocols' own names, the same in every language;
// the others are looked up when a form is made (choiceNone and the rest),
// and the code maps a Select's text back through the same functions, so
// that nothing decides by the English words.
const (
	choiceSSL      = "SSL/TLS"
	choiceSTARTTLS = "STARTTLS"
)

func choiceNone() string    { return lang.L("None") }
func choiceKeyring() string { return lang.L("System keyring") }
func choiceFile() string    { return lang.L("Password file (readable only by you)") }
func choiceAuto() string    { return lang.L("Automatic") }
func choiceManual() string  { return lang.L("Manual") }

var protocolChoices = []string{"POP3", "IMAP"}

func encryptionChoices() []string { return []string{choiceNone(), choiceSSL, choiceSTARTTLS} }
func storeChoices() []string      { return []string{choiceKeyring(), choiceFile()} }
func methodChoices() []string     { return []string{choiceAuto(), choiceManual()} }

func EncryptionChoice(e core.Encryption) string {
	switch e {
	case core.EncryptionSSL:
		return choiceSSL
	case core.EncryptionSTARTTLS:
		return choiceSTARTTLS
	}
	return choiceNone()
}

// encryptionOf maps a choice back; "" (nothing chosen) stays "" so that
// validation names it rather than defaulting to plain text.
func encryptionOf(choice string) core.Encryption {
	switch choice {
	case choiceNone():
		return core.EncryptionNone
	case choiceSSL:
		return core.EncryptionSSL
	case choiceSTARTTLS:
		return core.EncryptionSTARTTLS
	}
	return ""
}

func ProtocolChoice(p core.Protocol) string { return strings.ToUpper(string(p)) }

func protocolOf(choice string) core.Protocol {
	p, _ := core.ParseProtocol(choice)
	return p
}

func storeChoice(s core.PasswordStore) string {
	if s == core.PasswordStoreFile {
		return choiceFile()
	}
	return choiceKeyring()
}

func storeOf(choice string) core.PasswordStore {
	if choice == choiceFile() {
		return core.PasswordStoreFile
	}
	return core.PasswordStoreKeyring
}

// unchangedPassword stands in, for validation only, for a password left
// blank while editing: the one saved before stays where it is.
const unchangedPassword = "unchanged"

// field is one labelled input of the account form, with lines under it for
// its validation problem and for a warning.
type field struct {
	label   *fyne.Container
	problem *widget.Label
	warning *widget.Label
	cell    *fyne.Container
}

// labelWidth is the width of the form's label column, the same in every
// section, so that the inputs line up down the whole form.
const labelWidth = 180

func newField(label string, input fyne.CanvasObject) *field {
	l := widget.NewLabel(label)
	spacer := canvas.NewRectangle(color.Transparent)
	spacer.SetMinSize(fyne.NewSize(labelWidth, 0))
	f := &field{label: container.NewStack(spacer, l), problem: widget.NewLabel(""), warning: widget.NewLabel("")}
	f.problem.Importance = widget.DangerImportance
	f.warning.Importance = widget.WarningImportance
	f.problem.Wrapping, f.warning.Wrapping = fyne.TextWrapWord, fyne.TextWrapWord
	f.problem.Hide()
	f.warning.Hide()
	f.cell = container.NewVBox(input, f.problem, f.warning)
	return f
}

func (f *field) setProblem(text string) bool { return setOptional(f.problem, text) }
func (f *field) setWarning(text string) bool { return setOptional(f.warning, text) }

// setShown shows or hides the whole row, label included.
func (f *field) setShown(shown bool) {
	if shown {
		f.label.Show()
		f.cell.Show()
	} else {
		f.label.Hide()
		f.cell.Hide()
	}
}

// setOptional shows l with text, or hides it when text is empty. It
// reports whether that changed l's size, so that the caller lays the form
// out again: a container does not notice a child shown, hidden or grown.
func setOptional(l *widget.Label, text string) (changed bool) {
	if text == "" {
		if l.Visible() {
			l.Hide()
			return true
		}
		return false
	}
	if l.Text != text {
		l.SetText(text)
		changed = true
	}
	if !l.Visible() {
		l.Show()
		changed = true
	}
	return changed
}

func setEnabled(w fyne.Disableable, on bool) {
	switch {
	case on && w.Disabled():
		w.Enable()
	case !on && !w.Disabled():
		w.Disable()
	}
}

// formGrid lays fields out in two columns, labels on the left.
func formGrid(fields ...*field) *fyne.Container {
	objs := make([]fyne.CanvasObject, 0, 2*len(fields))
	for _, f := range fields {
		objs = append(objs, f.label, f.cell)
	}
	return container.New(layout.NewFormLayout(), objs...)
}

// portIsAuto reports whether a port entry holds nothing, or the value the
// form itself last put there: only then may a change of encryption or
// protocol replace it. A port the user typed stays.
func portIsAuto(e *widget.Entry, auto int) bool {
	t := strings.TrimSpace(e.Text)
	return t == "" || t == strconv.Itoa(auto)
}

// collector turns entry texts into numbers, noting each one that is not.
type collector struct{ problems core.ValidationError }

func (c *collector) number(e *widget.Entry, key, label string) int {
	t := strings.TrimSpace(e.Text)
	n, err := strconv.Atoi(t)
	if err != nil {
		problem := lang.L("\"{{.Text}}\" is not a whole number", map[string]any{"Text": t})
		if t == "" {
			problem = lang.L("is required")
		}
		c.problems = append(c.problems, core.FieldError{Field: key, Label: label, Problem: problem})
	}
	return n
}

// sourceForm is the part of the form for one retrieval source.
type sourceForm struct {
	w    *wizard
	orig core.Source // as loaded: keeps the ID and what the form does not show

	box    *fyne.Container
	title  *widget.Label
	remove *widget.Button

	protocol, encryption                 *widget.Select
	host, port, username, password       *widget.Entry
	interval, folder, deleteAfter, boxes *widget.Entry
	samePassword, leave                  *widget.Check
	method                               *widget.RadioGroup
	autoPort                             int

	fields map[string]*field // by the last part of the validation key
}

// newSourceForm makes the form part for s. With same, its password is the
// SMTP password.
func newSourceForm(w *wizard, s core.Source, password string, same bool) *sourceForm {
	f := &sourceForm{w: w, orig: s, fields: map[string]*field{}}
	changed := func(string) { w.changed() }

	f.protocol = widget.NewSelect(protocolChoices, func(string) { f.protocolChanged() })
	f.host = widget.NewEntry()
	f.host.SetPlaceHolder("imap.example.com") // i18n:ignore (a host name)
	f.port = widget.NewEntry()
	f.encryption = widget.NewSelect(encryptionChoices(), func(string) { f.encryptionChanged() })
	f.username = widget.NewEntry()
	f.password = widget.NewPasswordEntry()
	if w.orig != nil && s.ID != 0 {
		f.password.SetPlaceHolder(lang.L("Leave blank to keep the saved password"))
	}
	f.samePassword = widget.NewCheck(lang.L("Same as the SMTP password"), func(bool) { f.samePasswordChanged() })
	f.method = widget.NewRadioGroup(methodChoices(), func(string) { f.methodChanged() })
	f.method.Horizontal = true
	f.method.Required = true
	f.interval = widget.NewEntry()
	f.folder = widget.NewEntry()
	f.leave = widget.NewCheck(lang.L("Leave messages on the server"), func(bool) { f.leaveChanged() })
	f.deleteAfter = widget.NewEntry()
	f.boxes = widget.NewEntry()
	f.boxes.SetPlaceHolder(lang.L("All subscribed mailboxes"))
	for _, e := range []*widget.Entry{f.host, f.port, f.username, f.password, f.interval, f.folder, f.deleteAfter, f.boxes} {
		e.OnChanged = changed
	}

	f.fields["protocol"] = newField(lang.L("Protocol"), f.protocol)
	f.fields["host"] = newField(lang.L("Server address"), f.host)
	f.fields["port"] = newField(lang.L("Port"), f.port)
	f.fields["encryption"] = newField(lang.L("Encryption"), f.encryption)
	f.fields["username"] = newField(lang.L("Username"), f.username)
	f.fields["password"] = newField(lang.L("Password"), container.NewVBox(f.samePassword, f.password))
	f.fields["method"] = newField(lang.L("Retrieval"), container.NewVBox(f.method,
		container.NewBorder(nil, nil, widget.NewLabel(lang.L("every")), widget.NewLabel(lang.L("minutes")), f.interval)))
	f.fields["interval"] = f.fields["method"]
	f.fields["folder"] = newField(lang.L("Destination folder"), f.folder)
	f.fields["leave_on_server"] = newField("", f.leave)
	f.fields["delete_after_days"] = newField(lang.L("Delete from server after"),
		container.NewBorder(nil, nil, nil, widget.NewLabel(lang.L("days (0: never)")), f.deleteAfter))
	f.fields["imap_folders"] = newField(lang.L("Mailboxes to sync"), f.boxes)

	f.title = widget.NewLabelWithStyle(lang.L("Retrieval"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.remove = widget.NewButtonWithIcon(lang.L("Remove this source"), theme.DeleteIcon(), func() { w.removeSource(f) })
	f.remove.Importance = widget.LowImportance
	grid := formGrid(f.fields["protocol"], f.fields["host"], f.fields["port"], f.fields["encryption"],
		f.fields["username"], f.fields["password"], f.fields["method"], f.fields["folder"],
		f.fields["leave_on_server"], f.fields["delete_after_days"], f.fields["imap_folders"])
	f.box = container.NewVBox(widget.NewSeparator(), container.NewBorder(nil, nil, nil, f.remove, f.title), grid)

	f.set(s, password, same)
	return f
}

// set fills the form part from s.
func (f *sourceForm) set(s core.Source, password string, same bool) {
	defer f.w.hold()()
	f.protocol.SetSelected(ProtocolChoice(s.Protocol))
	f.host.SetText(s.Host)
	f.encryption.SetSelected(EncryptionChoice(s.Encryption))
	f.port.SetText(portText(s.Port))
	f.autoPort = s.Port
	f.username.SetText(s.Username)
	f.password.SetText(password)
	f.samePassword.SetChecked(same)
	method := choiceAuto()
	if s.Method == core.MethodManual {
		method = choiceManual()
	}
	f.method.SetSelected(method)
	interval := s.Interval
	if interval <= 0 {
		interval = core.DefaultInterval
	}
	f.interval.SetText(strconv.Itoa(int(interval / time.Minute)))
	f.folder.SetText(s.Folder)
	f.leave.SetChecked(s.LeaveOnServer)
	f.deleteAfter.SetText(strconv.Itoa(s.DeleteAfterDays))
	f.boxes.SetText(strings.Join(s.IMAPFolders, ", "))
	f.refreshShown()
}

func portText(p int) string {
	if p == 0 {
		return ""
	}
	return strconv.Itoa(p)
}

// refreshShown shows the fields that apply to the protocol and choices.
func (f *sourceForm) refreshShown() {
	pop3 := protocolOf(f.protocol.Selected) == core.ProtocolPOP3
	// The placeholder shows a host name of the protocol chosen.
	if pop3 {
		f.host.SetPlaceHolder("pop.example.com") // i18n:ignore (a host name)
	} else {
		f.host.SetPlaceHolder("imap.example.com") // i18n:ignore (a host name)
	}
	// IMAP mailboxes keep their own names (INBOX is the Inbox), so the
	// destination folder and the deletion policy are POP3's alone.
	f.fields["folder"].setShown(pop3)
	f.fields["leave_on_server"].setShown(pop3)
	f.fields["delete_after_days"].setShown(pop3)
	f.fields["imap_folders"].setShown(!pop3)
	defer f.w.relayout()
	setEnabled(f.deleteAfter, f.leave.Checked)
	setEnabled(f.interval, f.method.Selected != choiceManual())
	if f.samePassword.Checked {
		f.password.Hide()
	} else {
		f.password.Show()
	}
}

func (f *sourceForm) protocolChanged() {
	w := f.w
	if !w.filling {
		p := protocolOf(f.protocol.Selected)
		// A server the lookup proposed for this protocol replaces one it
		// proposed for the other; a server the user typed stays.
		if s := w.proposed(p); s != nil && (strings.TrimSpace(f.host.Text) == "" || w.wasProposed(f.host.Text)) {
			release := w.hold()
			f.host.SetText(s.Host)
			f.encryption.SetSelected(EncryptionChoice(s.Encryption))
			f.port.SetText(portText(s.Port))
			f.autoPort = s.Port
			if s.Username != "" {
				f.username.SetText(s.Username)
			}
			release()
		} else {
			f.defaultPort()
		}
	}
	f.refreshShown()
	w.changed()
}

func (f *sourceForm) encryptionChanged() {
	if !f.w.filling {
		f.defaultPort()
	}
	f.w.changed()
}

// defaultPort puts the standard port for the protocol and encryption in
// the port entry, unless the user typed one.
func (f *sourceForm) defaultPort() {
	if !portIsAuto(f.port, f.autoPort) {
		return
	}
	p, e := protocolOf(f.protocol.Selected), encryptionOf(f.encryption.Selected)
	if p == "" || e == "" {
		return
	}
	f.autoPort = core.DefaultSourcePort(p, e)
	f.port.SetText(strconv.Itoa(f.autoPort))
}

func (f *sourceForm) samePasswordChanged() {
	f.refreshShown()
	f.w.changed()
}

func (f *sourceForm) methodChanged() {
	f.refreshShown()
	f.w.changed()
}

func (f *sourceForm) leaveChanged() {
	f.refreshShown()
	f.w.changed()
}

// collect reads the source back, with its password. n numbers it from 1,
// as the validation keys do.
func (f *sourceForm) collect(n int, smtpPassword string, c *collector) (core.Source, string) {
	key := func(k string) string { return fmt.Sprintf("source.%d.%s", n, k) }
	num := map[string]any{"Number": n}
	s := f.orig
	s.Protocol = protocolOf(f.protocol.Selected)
	s.Host = strings.TrimSpace(f.host.Text)
	s.Port = c.number(f.port, key("port"), lang.L("Retrieval {{.Number}} port", num))
	s.Encryption = encryptionOf(f.encryption.Selected)
	s.Username = strings.TrimSpace(f.username.Text)
	s.Method = core.MethodAutomatic
	if f.method.Selected == choiceManual() {
		s.Method = core.MethodManual
		if m, err := strconv.Atoi(strings.TrimSpace(f.interval.Text)); err == nil {
			s.Interval = time.Duration(m) * time.Minute
		}
		if s.Interval <= 0 {
			s.Interval = core.DefaultInterval // kept for when it is switched back
		}
	} else {
		s.Interval = time.Duration(c.number(f.interval, key("interval"), lang.L("Retrieval {{.Number}} interval", num))) * time.Minute
	}
	s.IMAPFolders = nil
	if s.Protocol == core.ProtocolPOP3 {
		s.Folder = strings.TrimSpace(f.folder.Text)
		s.LeaveOnServer = f.leave.Checked
		s.DeleteAfterDays = 0
		if f.leave.Checked {
			s.DeleteAfterDays = c.number(f.deleteAfter, key("delete_after_days"), lang.L("Retrieval {{.Number}} delete after days", num))
		}
	} else {
		if s.Folder == "" {
			s.Folder = core.DefaultFolder
		}
		for _, b := range strings.Split(f.boxes.Text, ",") {
			if b = strings.TrimSpace(b); b != "" {
				s.IMAPFolders = append(s.IMAPFolders, b)
			}
		}
	}
	password := f.password.Text
	if f.samePassword.Checked {
		password = smtpPassword
	}
	return s, password
}

// collect reads the whole form back: the account, its passwords (blank
// means unchanged when editing), and every problem, those of entries that
// are not numbers first, then those of core's validation.
func (w *wizard) collect() (core.Account, core.Passwords, core.ValidationError) {
	var c collector
	a := core.Account{
		Name:          strings.TrimSpace(w.accountName.Text),
		DisplayName:   strings.TrimSpace(w.displayName.Text),
		Email:         strings.TrimSpace(w.email.Text),
		PasswordStore: storeOf(w.store.Selected),
		SMTP: core.SMTPSettings{
			Host:       strings.TrimSpace(w.smtpHost.Text),
			Port:       c.number(w.smtpPort, "smtp.port", lang.L("SMTP port")),
			Username:   strings.TrimSpace(w.smtpUser.Text),
			Encryption: encryptionOf(w.smtpEncryption.Selected),
			Auth:       w.smtpAuth.Checked,
		},
	}
	if w.orig != nil {
		a.ID = w.orig.ID
	}
	pw := core.Passwords{SMTP: w.smtpPass.Text}
	for i, f := range w.sources {
		s, p := f.collect(i+1, w.smtpPass.Text, &c)
		s.AccountID = a.ID
		a.Sources = append(a.Sources, s)
		pw.Sources = append(pw.Sources, p)
	}
	problems := c.problems
	if other, ok := w.namedLike(a.Name); ok {
		problems = append(problems, core.FieldError{Field: "name", Label: lang.L("Account name"),
			Problem: lang.L("another account is called \"{{.Name}}\" already; choose another name", map[string]any{"Name": other.Name})})
	}
	if p := w.applyOAuth(&a, &pw); p != nil {
		problems = append(problems, *p)
	}
	var found core.ValidationError
	if err := a.Validate(w.passwordsToCheck(a, pw)); !errors.As(err, &found) && err != nil {
		found = core.ValidationError{{Field: "", Label: lang.L("Account"), Problem: err.Error()}}
	}
	for _, p := range found {
		if !slices.ContainsFunc(problems, func(q core.FieldError) bool { return q.Field == p.Field }) {
			problems = append(problems, p)
		}
	}
	return a, pw, problems
}

// passwordsToCheck is what validation sees: when editing, a blank password
// of a server that has one saved in the same store means "unchanged".
func (w *wizard) passwordsToCheck(a core.Account, pw core.Passwords) core.Passwords {
	if w.orig == nil || a.PasswordStore != w.orig.PasswordStore {
		return pw
	}
	check := core.Passwords{SMTP: pw.SMTP, Sources: slices.Clone(pw.Sources)}
	if check.SMTP == "" && w.orig.SMTP.Auth {
		check.SMTP = unchangedPassword
	}
	for i, s := range a.Sources {
		if check.Sources[i] == "" && s.ID != 0 {
			check.Sources[i] = unchangedPassword
		}
	}
	return check
}

// fieldsByKey maps every validation key to the field that shows it.
func (w *wizard) fieldsByKey() map[string]*field {
	m := make(map[string]*field, len(w.fields)+12*len(w.sources))
	for k, f := range w.fields {
		m[k] = f
	}
	for i, s := range w.sources {
		for k, f := range s.fields {
			m[fmt.Sprintf("source.%d.%s", i+1, k)] = f
		}
	}
	return m
}

// showProblems puts each problem under its field; one whose field is not
// on screen goes to the general line above the buttons, so that nothing
// keeps Save disabled without saying why.
func (w *wizard) showProblems(problems core.ValidationError) {
	keyed := w.fieldsByKey()
	texts := map[*field][]string{}
	var general []string
	for _, p := range problems {
		if f := keyed[p.Field]; f != nil && f.cell.Visible() {
			texts[f] = append(texts[f], p.Error())
		} else {
			general = append(general, p.Error())
		}
	}
	changed := false
	for _, f := range keyed {
		changed = f.setProblem(strings.Join(texts[f], "\n")) || changed
	}
	changed = setOptional(w.general, strings.Join(general, "\n")) || changed
	if changed {
		w.relayout()
	}
}

// cleartextServers names the servers the form would send a password to
// without encryption.
func cleartextServers(a core.Account) []string {
	var out []string
	if a.SMTP.Auth && a.SMTP.Encryption == core.EncryptionNone {
		out = append(out, "SMTP "+a.SMTP.Server().Addr())
	}
	for _, s := range a.Sources {
		if s.Encryption == core.EncryptionNone {
			out = append(out, ProtocolChoice(s.Protocol)+" "+s.Server().Addr())
		}
	}
	return out
}

// cleartextWarning is shown under an encryption of None that would carry
// a password.
func cleartextWarning() string {
	return lang.L("Without encryption the password travels in clear, readable on the network; you will be asked to confirm.")
}

func (w *wizard) updateWarnings() {
	smtp := ""
	if w.smtpAuth.Checked && encryptionOf(w.smtpEncryption.Selected) == core.EncryptionNone {
		smtp = cleartextWarning()
	}
	changed := w.fields["smtp.encryption"].setWarning(smtp)
	for _, s := range w.sources {
		warn := ""
		if encryptionOf(s.encryption.Selected) == core.EncryptionNone {
			warn = cleartextWarning()
		}
		changed = s.fields["encryption"].setWarning(warn) || changed
	}
	if changed {
		w.relayout()
	}
}

// namedLike finds another account with this name, compared as the store
// does (names are unique, whatever their case).
func (w *wizard) namedLike(name string) (core.Account, bool) {
	for _, o := range w.others {
		if name != "" && strings.EqualFold(o.Name, name) {
			return o, true
		}
	}
	return core.Account{}, false
}

// uniqueName is name, or "name 2", "name 3"... when another account has it.
func (w *wizard) uniqueName(name string) string {
	for n, try := 2, name; ; n++ {
		if _, taken := w.namedLike(try); !taken {
			return try
		}
		try = fmt.Sprintf("%s %d", name, n)
	}
}

// sameAddress finds another account set up for addr.
func (w *wizard) sameAddress(addr string) (core.Account, bool) {
	for _, o := range w.others {
		if strings.EqualFold(o.Email, strings.TrimSpace(addr)) {
			return o, true
		}
	}
	return core.Account{}, false
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
