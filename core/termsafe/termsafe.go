// Package termsafe makes untrusted text (message bodies, headers, server
// replies) safe to write to a terminal. A terminal obeys the control
// characters in what it is given: ESC starts sequences that clear the
// screen, retitle the window or, with OSC 52, write the clipboard; C1
// controls (U+0080–U+009F) do the same on many terminals; bidirectional
// controls reorder what is shown, so that "exe.pdf" can read as "fdp.exe".
//
// Every such character is replaced by a visible escape such as \u001b, in
// the form JSON uses, so that text already encoded as JSON stays valid JSON.
// Invalid UTF-8 becomes U+FFFD, since a stray byte 0x9b is CSI to a
// terminal not in UTF-8 mode. The functions are idempotent.
package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxServerText is how much of a server's text an error keeps: a status
// line is at most 512 bytes (RFC 5321 4.5.3.1.5, RFC 1939 3).
const MaxServerText = 512

// Unsafe reports whether r must not reach a terminal as it is: C0 controls
// (newline and tab included: callers that keep them check first), DEL, C1
// controls and the bidirectional formatting characters.
func Unsafe(r rune) bool {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r == 0x061c, r == 0x200e, r == 0x200f,
		r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

// Text makes s safe for a terminal, keeping its lines: newline and tab stay,
// CRLF becomes a newline, and every other unsafe character is escaped.
func Text(s string) string {
	return clean(strings.ReplaceAll(s, "\r\n", "\n"), false)
}

// Line makes s safe to show on one line, such as a table cell or an error:
// as Text, but newlines, tabs and carriage returns become spaces.
func Line(s string) string {
	return clean(s, true)
}

// ServerText is Line for what a server said, cut to MaxServerText bytes
// and an ellipsis: the one cleaner for server replies that end up in errors.
func ServerText(s string) string {
	return Cut(Line(s), MaxServerText)
}

// Cut shortens s to at most n bytes plus an ellipsis, on a rune boundary.
// Counting the ellipsis in keeps it idempotent.
func Cut(s string, n int) string {
	if len(s) > n+len("…") {
		s = strings.ToValidUTF8(s[:n], "") + "…"
	}
	return s
}

func clean(s string, oneLine bool) string {
	if isSafe(s, oneLine) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i, r := range s {
		switch {
		case r == utf8.RuneError:
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				b.WriteRune(utf8.RuneError)
			} else {
				b.WriteRune(r) // a real U+FFFD
			}
		case r == '\n' || r == '\t' || (oneLine && r == '\r'):
			if oneLine {
				b.WriteByte(' ')
			} else {
				b.WriteRune(r)
			}
		case Unsafe(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isSafe is the fast path: most text has nothing to replace.
func isSafe(s string, oneLine bool) bool {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return false
			}
			continue
		}
		if Unsafe(r) && (oneLine || (r != '\n' && r != '\t')) {
			return false
		}
	}
	return true
}
