package wizard

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/ui/gui/kit"
)

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

// PrefPasswordStore is the preference that is "file" once the user chose
// the password file because no keyring was available: the next wizard
// proposes it.
const PrefPasswordStore = "passwordStore"
