package kit

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/driver/desktop"
)

// Keymap holds a window's keyboard commands, so that they work wherever the
// focus is. Fyne hands a key to the focused widget alone: a shortcut reaches
// the canvas only when the focused widget is not a fyne.Shortcutable (an
// Entry is one), and a plain key like Delete only when nothing has the focus.
// So the canvas gets the keymap, and each focusable widget of the window
// (the search box, the lists, the buttons) hands on what it does not use
// itself.
type Keymap struct {
	shortcuts []keyBinding
	keys      map[fyne.KeyName]func()
	// runes are the one-letter commands of a mail list (a archive, # delete,
	// ? help...). They go by the character typed, so '#' and '3' differ,
	// and never reach a text field, which types them.
	runes map[rune]func()
}

type keyBinding struct {
	shortcut fyne.Shortcut
	run      func()
}

// NewKeymap is an empty keymap.
func NewKeymap() *Keymap { return &Keymap{keys: map[fyne.KeyName]func(){}, runes: map[rune]func(){}} }

// AddRunes binds each of the characters in chars to run.
func (k *Keymap) AddRunes(chars string, run func()) {
	for _, r := range chars {
		k.runes[r] = run
	}
}

// TypedRune runs the command bound to r; it reports whether there was one.
func (k *Keymap) TypedRune(r rune) bool {
	if run, ok := k.runes[r]; ok {
		run()
		return true
	}
	return false
}

// AddShortcut binds key with the platform's command modifier (Ctrl, or Cmd
// on macOS) plus extra.
func (k *Keymap) AddShortcut(key fyne.KeyName, extra fyne.KeyModifier, run func()) {
	s := &desktop.CustomShortcut{KeyName: key, Modifier: fyne.KeyModifierShortcutDefault | extra}
	k.shortcuts = append(k.shortcuts, keyBinding{s, run})
}

// AddKey binds a key without modifiers.
func (k *Keymap) AddKey(key fyne.KeyName, run func()) { k.keys[key] = run }

// Shortcut runs s if it is one of the window's; it reports whether it was.
// Shortcuts are told apart by name, as fyne.ShortcutHandler does.
func (k *Keymap) Shortcut(s fyne.Shortcut) bool {
	for _, b := range k.shortcuts {
		if b.shortcut.ShortcutName() == s.ShortcutName() {
			b.run()
			return true
		}
	}
	return false
}

// Key runs the command bound to e's key; it reports whether there was one.
func (k *Keymap) Key(e *fyne.KeyEvent) bool {
	if run, ok := k.keys[e.Name]; ok {
		run()
		return true
	}
	return false
}

// Install makes the keymap the canvas's: for keys typed with nothing
// focused, and shortcuts typed on a widget that takes none.
func (k *Keymap) Install(c fyne.Canvas) {
	for _, b := range k.shortcuts {
		c.AddShortcut(b.shortcut, func(fyne.Shortcut) { b.run() })
	}
	c.SetOnTypedKey(func(e *fyne.KeyEvent) { k.Key(e) })
	c.SetOnTypedRune(func(r rune) { k.TypedRune(r) })
}
