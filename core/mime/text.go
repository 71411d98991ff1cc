package mime

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// snippetRunes is about what a message list row shows at common widths.
const snippetRunes = 160

// Snippet returns a one-line preview of a message body: its first ~160
// runes, skipping quoted lines (">") since they repeat an older message, with
// whitespace runs collapsed to one space. A cut preview ends at a word
// boundary where there is one, followed by "…". It reads only as much of
// text as it needs.
func Snippet(text string) string {
	var b strings.Builder
	n := 0
	space := false
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, ">") {
			continue
		}
		for _, r := range line {
			if unicode.IsSpace(r) || unicode.IsControl(r) {
				space = true
				continue
			}
			need := 1
			if space && n > 0 {
				need = 2 // the space and this rune
			}
			if n+need > snippetRunes {
				s := b.String()
				if !space {
					// Mid-word: end at the last word boundary, unless that
					// loses half the preview (text without spaces).
					if i := strings.LastIndexByte(s, ' '); i > len(s)/2 {
						s = s[:i]
					}
				}
				return s + "…"
			}
			if need == 2 {
				b.WriteByte(' ')
				n++
			}
			space = false
			b.WriteRune(r)
			n++
		}
		space = true
	}
	return b.String()
}

// maxFilenameBytes leaves room under the common 255-byte limit for a
// directory-less save dialog to add " (2)" and the like.
const maxFilenameBytes = 200

// SanitizeFilename makes an attachment's name safe to save on any OS: the
// sender chooses it, and names like "../../.bashrc", "CON", "invoice.pdf\u202Eexe"
// or ones Windows cannot create are attacks or failures waiting to happen.
// It keeps the base name only (after the last / or \), removes control
// characters and every invisible format character (see isInvisible),
// collapses runs of white space to one space, replaces characters Windows forbids
// (<>:"/\|?*) with "_", drops leading and trailing dots and spaces (so no
// hidden files and nothing Windows would silently rename), prefixes reserved
// Windows device names (CON, NUL, COM1, ...) with "_", and shortens the name
// to 200 bytes, keeping the extension. It never returns "": a name with
// nothing left becomes "attachment".
func SanitizeFilename(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	var b strings.Builder
	space := false // a run of white space is pending
	for i, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || isInvisible(r):
			continue // removed without a trace, so "a\u00adb" stays one word
		case isBlank(r):
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(name[i:]); size == 1 {
				b.WriteByte('_') // an invalid byte, not a real U+FFFD
			} else {
				b.WriteRune(r)
			}
		case strings.ContainsRune(`<>:"|?*`, r):
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	name = strings.Trim(b.String(), ". ")
	name = shortenName(name, maxFilenameBytes)
	if name == "" {
		return "attachment"
	}
	if reservedWindowsName(name) {
		name = "_" + name
	}
	return name
}

// isInvisible reports characters that change how a name displays without
// showing: every format character (Unicode category Cf: bidirectional
// overrides that make "gpj.exe" read as "exe.jpg", the soft hyphen, joiners,
// U+2060 and the tag characters U+E0000–U+E007F), variation selectors, and
// the line and paragraph separators.
func isInvisible(r rune) bool {
	switch {
	case unicode.Is(unicode.Cf, r):
		return true
	case r >= 0xfe00 && r <= 0xfe0f, r >= 0xe0100 && r <= 0xe01ef, r >= 0xe0000 && r <= 0xe007f:
		return true
	case r == 0x2028, r == 0x2029:
		return true
	}
	return false
}

// isBlank reports white space and the characters that look like it (the
// Hangul fillers, the blank Braille pattern). A run of them becomes one
// space, so that "file.pdf      .exe" cannot push the real extension out
// of sight.
func isBlank(r rune) bool {
	switch r {
	case 0x115f, 0x1160, 0x3164, 0xffa0, 0x2800:
		return true
	}
	return unicode.IsSpace(r)
}

// shortenName cuts the stem so that the name fits in max bytes, keeping an
// extension of up to 16 bytes so the file still opens with its program.
func shortenName(name string, max int) string {
	if len(name) <= max {
		return name
	}
	ext := ""
	if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= 16 {
		ext = name[i:]
	}
	stem := name[:len(name)-len(ext)]
	cut := max - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	stem = strings.TrimRight(stem[:cut], ". ")
	return strings.TrimLeft(stem+ext, ". ")
}

// reservedWindowsName reports device names Windows reserves with any
// extension ("nul.txt" too), ignoring case and trailing spaces.
func reservedWindowsName(name string) bool {
	stem, _, _ := strings.Cut(name, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) >= 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		switch stem[3:] {
		case "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "¹", "²", "³":
			return true
		}
	}
	return false
}
