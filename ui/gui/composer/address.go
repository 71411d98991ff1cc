package composer

import (
	"net/mail"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/tributary-mail/tributary/core"
)

// composeEntry is an entry of the composer. Ctrl+Enter (Cmd+Enter on a
// Mac) sends from any of them: a focused entry receives shortcuts before
// the window does, so each entry passes that one on. It also lets an
// address field steer its suggestions with the arrow keys.
type composeEntry struct {
	widget.Entry
	onSend      func()
	onKey       func(*fyne.KeyEvent) bool // true: handled
	onFocusLost func()
}

func newComposeEntry(multiLine bool) *composeEntry {
	e := &composeEntry{}
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

// isSendShortcut reports Ctrl+Enter, or Cmd+Enter on a Mac.
func isSendShortcut(s fyne.Shortcut) bool {
	cs, ok := s.(*desktop.CustomShortcut)
	return ok && (cs.KeyName == fyne.KeyReturn || cs.KeyName == fyne.KeyEnter) &&
		(cs.Modifier == fyne.KeyModifierShortcutDefault || cs.Modifier == fyne.KeyModifierControl)
}

// TypedShortcut sends on Ctrl+Enter and leaves the rest to the entry.
func (e *composeEntry) TypedShortcut(s fyne.Shortcut) {
	if isSendShortcut(s) && e.onSend != nil {
		e.onSend()
		return
	}
	e.Entry.TypedShortcut(s)
}

// TypedKey lets the owner handle a key before the entry does.
func (e *composeEntry) TypedKey(k *fyne.KeyEvent) {
	if e.onKey != nil && e.onKey(k) {
		return
	}
	e.Entry.TypedKey(k)
}

// FocusLost checks the field once the user leaves it.
func (e *composeEntry) FocusLost() {
	e.Entry.FocusLost()
	if e.onFocusLost != nil {
		e.onFocusLost()
	}
}

// suggestionsMax is how many completions show under an address field.
const suggestionsMax = 6

// suggestionLinger is how long suggestions stay after the field loses
// the focus.
const suggestionLinger = 300 * time.Millisecond

// addressField is an address entry with its error line and completions
// from the addresses already seen.
type addressField struct {
	c           *composer
	entry       *composeEntry
	problem     *widget.Label
	suggestions *fyne.Container
	// panel holds the suggestions over the fields below, on the
	// composer's floating layer, so that they move no field.
	panel     *fyne.Container
	matches   []*mail.Address
	highlight int
	box       *fyne.Container
}

func newAddressField(c *composer, placeholder string) *addressField {
	f := &addressField{c: c, entry: newComposeEntry(false), highlight: -1}
	f.entry.SetPlaceHolder(placeholder)
	f.entry.onKey = f.key
	f.entry.onFocusLost = func() {
		f.check()
		// Clicking a suggestion takes the focus first: let the click
		// land before the suggestions go.
		time.AfterFunc(suggestionLinger, func() {
			c.app.Do(func() {
				if c.win.Canvas().Focused() != f.entry {
					f.hideSuggestions()
				}
			})
		})
	}
	f.problem = widget.NewLabel("")
	f.problem.Importance = widget.DangerImportance
	f.problem.Wrapping = fyne.TextWrapWord
	f.problem.Hide()
	f.suggestions = container.NewVBox()
	bg := canvas.NewRectangle(theme.Color(theme.ColorNameOverlayBackground))
	bg.StrokeColor = theme.Color(theme.ColorNameShadow)
	bg.StrokeWidth = 1
	f.panel = container.NewStack(bg, f.suggestions)
	f.panel.Hide()
	c.float.Add(f.panel)
	f.box = container.NewVBox(f.entry, f.problem)
	return f
}

// parse reads the field.
func (f *addressField) parse() ([]*mail.Address, error) { return parseAddresses(f.entry.Text) }

// check shows or clears the field's error, and reports whether it is valid.
func (f *addressField) check() bool {
	_, err := f.parse()
	if err != nil {
		f.showProblem(addressError(err))
		return false
	}
	f.hideProblem()
	return true
}

func (f *addressField) showProblem(s string) {
	f.problem.SetText(s)
	f.problem.Show()
	f.c.relayout()
}

func (f *addressField) hideProblem() {
	if f.problem.Visible() {
		f.problem.Hide()
		f.c.relayout()
	}
}

// changed follows typing: an error shown is rechecked, so it goes as soon
// as the text is right, and completions follow the word being typed.
func (f *addressField) changed() {
	if f.problem.Visible() {
		if _, err := f.parse(); err == nil {
			f.hideProblem()
		}
	}
	f.suggest()
}

// token is the address being typed: what follows the last comma.
func (f *addressField) token() (before, word string) {
	t := f.entry.Text
	i := strings.LastIndexByte(t, ',')
	return t[:i+1], strings.TrimSpace(t[i+1:])
}

func (f *addressField) suggest() {
	before, word := f.token()
	if word == "" {
		f.hideSuggestions()
		return
	}
	taken := map[string]bool{}
	if list, err := parseAddresses(before); err == nil {
		for _, x := range list {
			taken[strings.ToLower(x.Address)] = true
		}
	}
	f.matches = matchAddresses(f.c.known, word, taken, suggestionsMax)
	if len(f.matches) == 0 {
		f.hideSuggestions()
		return
	}
	f.highlight = -1
	f.showSuggestions()
}

func (f *addressField) showSuggestions() {
	f.suggestions.Objects = nil
	for i, m := range f.matches {
		b := widget.NewButton(core.DisplayAddress(m.Name, m.Address), func() { f.accept(m) })
		b.Alignment = widget.ButtonAlignLeading
		b.Importance = widget.LowImportance
		if i == f.highlight {
			b.Importance = widget.HighImportance
		}
		f.suggestions.Objects = append(f.suggestions.Objects, b)
	}
	f.suggestions.Refresh()
	d := fyne.CurrentApp().Driver()
	pos := d.AbsolutePositionForObject(f.entry).Subtract(d.AbsolutePositionForObject(f.c.float))
	pos.Y += f.entry.Size().Height
	f.panel.Move(pos)
	f.panel.Resize(fyne.NewSize(f.entry.Size().Width, f.panel.MinSize().Height))
	f.panel.Show()
	f.c.float.Refresh()
}

// suggesting reports whether the suggestions are on screen.
func (f *addressField) suggesting() bool { return f.panel.Visible() }

func (f *addressField) hideSuggestions() {
	if len(f.matches) == 0 && !f.panel.Visible() {
		return
	}
	f.matches, f.highlight = nil, -1
	f.suggestions.Objects = nil
	f.panel.Hide()
	f.c.float.Refresh()
}

// accept replaces the word being typed with a suggestion.
func (f *addressField) accept(m *mail.Address) {
	before, _ := f.token()
	if before != "" {
		before += " "
	}
	text := before + FormatAddress(m) + ", "
	f.hideSuggestions()
	f.entry.SetText(text)
	f.hideSuggestions() // SetText typed the address again
	f.entry.CursorColumn = len([]rune(text))
	f.entry.Refresh()
	f.c.win.Canvas().Focus(f.entry)
}

// key moves through the suggestions with the arrow keys, picks one with
// Enter and closes them with Escape.
func (f *addressField) key(k *fyne.KeyEvent) bool {
	if len(f.matches) == 0 {
		return false
	}
	switch k.Name {
	case fyne.KeyDown:
		f.highlight = (f.highlight + 1) % len(f.matches)
	case fyne.KeyUp:
		f.highlight = (f.highlight - 1 + len(f.matches)) % len(f.matches)
	case fyne.KeyReturn, fyne.KeyEnter:
		if f.highlight < 0 {
			return false
		}
		f.accept(f.matches[f.highlight])
		return true
	case fyne.KeyEscape:
		f.hideSuggestions()
		return true
	default:
		return false
	}
	f.showSuggestions()
	return true
}

// matchAddresses finds up to max known addresses where the address, or a
// word of the name, starts with word; known is best ranked first
// (storage.KnownAddresses: how often and how recently one wrote to each),
// and so are the matches.
func matchAddresses(known []*mail.Address, word string, taken map[string]bool, max int) []*mail.Address {
	word = strings.ToLower(strings.TrimSpace(word))
	if word == "" {
		return nil
	}
	var out []*mail.Address
	for _, k := range known {
		if len(out) == max {
			break
		}
		addr := strings.ToLower(k.Address)
		if taken[addr] {
			continue
		}
		hit := strings.HasPrefix(addr, word)
		if !hit {
			name := strings.ToLower(k.Name)
			hit = strings.HasPrefix(name, word)
			for _, w := range strings.Fields(name) {
				hit = hit || strings.HasPrefix(strings.Trim(w, `"'(),`), word)
			}
		}
		if hit {
			out = append(out, k)
		}
	}
	return out
}
