package gui

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/engine"
	"github.com/tributary-mail/tributary/ui/gui/kit"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// accountState is what the sidebar shows of one account besides its
// folders: the sources whose last sync failed, and those syncing now.
// One status line for all accounts lost an account's error within
// seconds to another's "up to date"; here each account keeps its own,
// until that account's sources sync again or the user dismisses it.
type accountState struct {
	failing  map[int64]sourceFailure // by source ID; 0 for a failure of no one source
	progress map[int64][2]int        // done and total, by source ID, while syncing
}

// sourceFailure is one source's last failure.
type sourceFailure struct {
	label string
	err   error
	at    time.Time
}

// state returns the account's state, making it on first use.
func (w *MainWindow) state(account string) *accountState {
	if w.states == nil {
		w.states = map[string]*accountState{}
	}
	s := w.states[account]
	if s == nil {
		s = &accountState{failing: map[int64]sourceFailure{}, progress: map[int64][2]int{}}
		w.states[account] = s
	}
	return s
}

// failed records a source's failure; it stays until the source syncs.
func (w *MainWindow) failed(ev engine.Event) {
	s := w.state(ev.Account)
	delete(s.progress, ev.SourceID)
	s.failing[ev.SourceID] = sourceFailure{label: cmp.Or(ev.Label, ev.Account), err: ev.Err, at: time.Now()}
	w.navList.Refresh()
}

// synced clears what a source's good sync resolves: its own failure, and
// one that belonged to no source. Another source's failure, of this or
// another account, stays.
func (w *MainWindow) synced(ev engine.Event) {
	s := w.state(ev.Account)
	delete(s.progress, ev.SourceID)
	delete(s.failing, ev.SourceID)
	delete(s.failing, 0)
	w.navList.Refresh()
}

// progressed shows how far a source's sync has come.
func (w *MainWindow) progressed(ev engine.Event) {
	w.state(ev.Account).progress[ev.SourceID] = [2]int{ev.Done, ev.Total}
	w.navList.Refresh()
}

// dismiss forgets an account's failures.
func (w *MainWindow) dismiss(account string) {
	if s := w.states[account]; s != nil {
		clear(s.failing)
	}
	w.navList.Refresh()
}

// accountError sums up an account's failures for its tooltip: "" when
// it has none.
func (w *MainWindow) accountError(account string) string {
	s := w.states[account]
	if s == nil || len(s.failing) == 0 {
		return ""
	}
	var lines []string
	for _, id := range sortedKeys(s.failing) {
		f := s.failing[id]
		lines = append(lines, labelled(f.label, f.err))
	}
	return strings.Join(lines, "\n")
}

// accountProgress says how far an account's syncs have come, "42%", or
// "" when none runs.
func (w *MainWindow) accountProgress(account string) string {
	s := w.states[account]
	if s == nil || len(s.progress) == 0 {
		return ""
	}
	var done, total int
	for _, p := range s.progress {
		done, total = done+p[0], total+p[1]
	}
	if total <= 0 {
		return "…"
	}
	return fmt.Sprintf("%d%%", done*100/total)
}

// showAccountError opens the details of an account's failures, from a
// click on its warning mark, with Dismiss to clear them.
func (w *MainWindow) showAccountError(account string) {
	s := w.states[account]
	if s == nil || len(s.failing) == 0 {
		return
	}
	box := container.NewVBox()
	for _, id := range sortedKeys(s.failing) {
		f := s.failing[id]
		box.Add(widget.NewLabelWithStyle(f.label, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
		box.Add(kit.Wrapped(lang.L("{{.Error}} (at {{.Time}})", map[string]any{
			"Error": strings.TrimPrefix(strings.TrimPrefix(f.err.Error(), f.label), ": "), "Time": i18n.Time(f.at)})))
	}
	box.Add(kit.Wrapped(lang.L("The mark stays until this mail is retrieved again, or until you dismiss it. Get mail, in the toolbar, tries again now.")))
	if s.needsSignIn() {
		// The provider refused the saved OAuth2 sign-in: only signing in
		// again helps, in the account's wizard.
		box.Add(widget.NewButtonWithIcon(lang.L("Sign in again"), theme.LoginIcon(), func() { w.signInAgain(account) }))
	}
	kit.ShowConfirm(lang.L("{{.Account}}: the last sync failed", map[string]any{"Account": account}), lang.L("Dismiss"), lang.L("Close"), box, func(ok bool) {
		if ok {
			w.dismiss(account)
		}
	}, w.win, fyne.NewSize(520, 280))
}

// needsSignIn reports whether a failure is a refused OAuth2 sign-in.
func (s *accountState) needsSignIn() bool {
	for _, f := range s.failing {
		var si *core.SignInError
		if errors.As(f.err, &si) {
			return true
		}
	}
	return false
}

// signInAgain opens the account's wizard, whose Sign in button replaces
// the refused sign-in.
func (w *MainWindow) signInAgain(account string) {
	w.app.Background("open the account", func() {
		acct, err := w.app.DB.AccountByName(w.app.Ctx, account)
		w.app.Do(func() {
			if err != nil {
				w.showError(err)
				return
			}
			w.app.wizards.Open(&acct)
		})
	})
}

// labelled writes err after the source's label, unless the engine's
// error names the source already ("Home (POP3 x): ...").
func labelled(label string, err error) string {
	if text := err.Error(); label == "" || strings.HasPrefix(text, label) {
		return text
	}
	return label + ": " + err.Error()
}

// cmpOr returns a, or b when a is empty.
func sortedKeys[V any](m map[int64]V) []int64 {
	keys := make([]int64, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// navRow is one sidebar entry: a folder with its unread count, or an
// account with its warning mark and sync progress.
type navRow struct {
	widget.BaseWidget
	label, count *widget.Label
	mark         *warnMark
}

func newNavRow(tips *kit.TipLayer) *navRow {
	r := &navRow{label: widget.NewLabel("Folder"), count: widget.NewLabel("0"), mark: newWarnMark(tips)} // i18n:ignore (stand-ins the list replaces before a row shows)
	r.label.Truncation = fyne.TextTruncateEllipsis
	r.ExtendBaseWidget(r)
	return r
}

func (r *navRow) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(container.NewBorder(nil, nil, nil, container.NewHBox(r.mark, r.count), r.label))
}

// warnMark is an account's warning sign: its tip is the last error, and
// a click opens the details.
type warnMark struct {
	widget.Icon
	tip   string
	tips  *kit.TipLayer
	onTap func()
}

var (
	_ desktop.Hoverable = (*warnMark)(nil)
	_ fyne.Tappable     = (*warnMark)(nil)
)

func newWarnMark(tips *kit.TipLayer) *warnMark {
	m := &warnMark{tips: tips}
	m.Resource = theme.NewErrorThemedResource(theme.WarningIcon())
	m.ExtendBaseWidget(m)
	m.Hide()
	return m
}

// MouseIn shows the error as a tooltip.
func (m *warnMark) MouseIn(*desktop.MouseEvent) {
	if m.tip != "" {
		m.tips.Show(m, m.tip)
	}
}

// MouseMoved: see MouseIn.
func (m *warnMark) MouseMoved(*desktop.MouseEvent) {}

// MouseOut hides the tooltip.
func (m *warnMark) MouseOut() { m.tips.Hide(m) }

// Tapped opens the details.
func (m *warnMark) Tapped(*fyne.PointEvent) {
	m.tips.Hide(m)
	if m.onTap != nil {
		m.onTap()
	}
}

// setPending lists, per account, the changes waiting for the servers
// and those a server refused, with Discard for the latter.
func (w *MainWindow) setPending(p []core.PendingChanges) {
	w.pending = p
	w.notices.RemoveAll()
	type sum struct {
		waiting, failed int
		lastError       string
		failedSources   []int64
	}
	var names []string
	sums := map[string]*sum{}
	for _, c := range p {
		s := sums[c.Account]
		if s == nil {
			s = &sum{}
			sums[c.Account] = s
			names = append(names, c.Account)
		}
		s.waiting += c.Waiting
		s.failed += c.Failed
		if c.Failed > 0 {
			s.failedSources = append(s.failedSources, c.SourceID)
			if c.LastError != "" {
				s.lastError = c.LastError
			}
		}
	}
	slices.Sort(names)
	for _, name := range names {
		s := sums[name]
		if s.waiting > 0 {
			w.notices.Add(kit.Wrapped(lang.N("{{.Count}} changes waiting for {{.Account}}", s.waiting, map[string]any{"Count": i18n.Number(s.waiting), "Account": name})))
		}
		if s.failed > 0 {
			v := map[string]any{"Count": i18n.Number(s.failed), "Account": name, "Error": s.lastError}
			text := lang.N("The server refused {{.Count}} changes for {{.Account}}", s.failed, v)
			if s.lastError != "" {
				text = lang.N("The server refused {{.Count}} changes for {{.Account}}: {{.Error}}", s.failed, v)
			}
			sources := s.failedSources
			discard := widget.NewButton(lang.L("Discard"), func() { w.discardFailed(sources) })
			w.notices.Add(container.NewBorder(nil, nil, nil, discard, kit.Wrapped(text)))
		}
	}
	w.notices.Refresh()
}

// discardFailed forgets the refused changes of sources; the engine's
// EventPending then updates the notices.
func (w *MainWindow) discardFailed(sources []int64) {
	w.app.Background("discard failed changes", func() {
		for _, id := range sources {
			if err := w.app.Engine.DiscardFailedChanges(w.app.Ctx, id); err != nil {
				w.app.Do(func() { w.showError(err) })
				return
			}
		}
	})
}

// readPending reads the changes waiting at start; EventPending keeps
// them up to date from then on.
func (w *MainWindow) readPending() {
	w.app.Background("read pending changes", func() {
		p, err := w.app.Engine.PendingChanges(w.app.Ctx)
		w.app.Do(func() {
			if w.pendingHeard {
				return // an EventPending came meanwhile, newer than this
			}
			if err != nil {
				w.showError(fmt.Errorf("%s: %w", lang.L("cannot count the changes waiting for the servers"), err))
				return
			}
			w.setPending(p)
		})
	})
}
