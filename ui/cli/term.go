package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"

	"github.com/tributary-mail/tributary/core/termsafe"
)

// Everything the CLI prints may hold text a sender or a server chose
// (subjects, bodies, names, server replies), and a terminal obeys the
// control characters in it: an ESC sequence can clear the screen and fake
// a prompt, OSC 52 can write the clipboard. So every line goes through
// termsafe, by one of the helpers below; only show --raw writes bytes as
// they are.

// printLine writes one line, made safe as a whole: a newline inside an
// argument becomes a space instead of a line the program never wrote.
func printLine(w io.Writer, format string, args ...any) {
	io.WriteString(w, termsafe.Line(fmt.Sprintf(format, args...))+"\n")
}

// printText writes text of several lines, such as a message body.
func printText(w io.Writer, text string) {
	io.WriteString(w, termsafe.Text(text)+"\n")
}

// cell is one table cell: clipped to n runes (0 means no limit) and made
// safe, with tabs and newlines turned to spaces so the columns hold.
func cell(s string, n int) string {
	if n > 0 {
		s = clip(s, n)
	}
	return termsafe.Line(s)
}

// printJSON writes v as indented JSON. encoding/json escapes C0 controls
// but lets DEL, C1 and bidi controls through; termsafe escapes those the
// way JSON does, so the output stays valid JSON with the same meaning.
func printJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	_, err := io.WriteString(w, termsafe.Text(buf.String()))
	return err
}

// terminal is a writer that knows whether it is a terminal; tests use it.
type terminal interface{ IsTerminal() bool }

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	switch w := w.(type) {
	case terminal:
		return w.IsTerminal()
	case *os.File:
		return term.IsTerminal(int(w.Fd()))
	}
	return false
}
