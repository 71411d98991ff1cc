// Package wizard is the account wizard: the window that adds an account,
// or edits one, in two steps. Its files follow those steps:
//   - lookup.go: step 1, the address and password, and the lookup of the
//     provider's servers (core/autoconfig) that fills step 2;
//   - form.go: step 2, every setting as a form, with each field's problem
//     and warning under it, and the retrieval sources;
//   - checks.go: validation, "Test connection" and the certificate and
//     cleartext questions;
//   - oauth.go: signing in with OAuth2 instead of a password;
//   - save.go: storing the account and its passwords through the engine.
//
// It uses the shell (the engine, the store, Do and Background) and kit,
// and nothing of the other windows: the main window and Settings open it
// through Wizards.
package wizard

import (
	"context"
	"slices"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/autoconfig"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/gui/shell"
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
