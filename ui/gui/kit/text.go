package kit

import (
	"os"
	"path/filepath"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"
	"github.com/tributary-mail/tributary/ui/i18n"
	"golang.org/x/text/message"
)

// Heading is a section title: a rule, then the text in bold.
func Heading(text string) fyne.CanvasObject {
	return container.NewVBox(widget.NewSeparator(), widget.NewLabelWithStyle(text, fyne.TextAlignLeading, fyne.TextStyle{Bold: true}))
}

// Wrapped is a label whose text wraps at word boundaries.
func Wrapped(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Wrapping = fyne.TextWrapWord
	return l
}

// Bold is a form's field name: bold, aligned to the field it names.
func Bold(text string) *widget.Label {
	return widget.NewLabelWithStyle(text, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
}

// Selectable is a label whose text can be selected and copied, wrapped
// anywhere (paths and versions have no spaces to wrap at).
func Selectable(text string) *widget.Label {
	l := widget.NewLabel(text)
	l.Selectable = true
	l.Wrapping = fyne.TextWrapBreak
	return l
}

// ClipRunes cuts s to n characters, marking the cut with an ellipsis.
func ClipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// OrNone is s, or "(none)" with the given word when s is empty.
func OrNone(s, none string) string {
	if s == "" {
		return "(" + none + ")"
	}
	return s
}

// HumanSize writes a byte count the way file managers do, with the
// language's decimal mark.
func HumanSize(n int64) string {
	p := message.NewPrinter(i18n.Language())
	switch {
	case n < 1000:
		return lang.N("{{.Count}} bytes", int(n), map[string]any{"Count": i18n.Number(int(n))})
	case n < 1000*1000:
		return p.Sprintf("%.0f kB", float64(n)/1000)
	case n < 1000*1000*1000:
		return p.Sprintf("%.1f MB", float64(n)/1e6)
	}
	return p.Sprintf("%.1f GB", float64(n)/1e9)
}

// ExpandHome reads a leading ~ as the home folder, as the save dialogs do.
func ExpandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~"); ok && (rest == "" || rest[0] == filepath.Separator) {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}
