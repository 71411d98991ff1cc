package wizard

import (
	"context"
	"errors"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/autoconfig"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

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
