package mailbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tributary-mail/tributary/core"
)

// maxHeader caps how much of a message is read to find its flags; the
// rest streams. It matches go-message's cap on a top-level header.
const maxHeader = 1 << 20

// MboxFlags reads the flags mbox clients keep in a message's own header
// (mutt, Thunderbird, Pine): Status R (read), X-Status F (flagged),
// A (answered) and D (deleted). It returns them with a reader of the
// whole message, unchanged, for the header has to be read first.
func MboxFlags(msg io.Reader) (core.Flags, io.Reader, error) {
	br := bufio.NewReader(msg)
	var head bytes.Buffer
	var f core.Flags
	lineStart := true
	for head.Len() < maxHeader {
		line, err := br.ReadSlice('\n')
		head.Write(line)
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return f, nil, fmt.Errorf("mailbox: read header: %w", err)
		}
		if lineStart && len(bytes.TrimRight(line, "\r\n")) == 0 {
			break // the end of the header
		}
		if lineStart {
			readStatus(string(line), &f)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		lineStart = err == nil
	}
	return f, io.MultiReader(&head, br), nil
}

// readStatus reads one header line's flags, if it holds any.
func readStatus(line string, f *core.Flags) {
	name, value, ok := strings.Cut(line, ":")
	if !ok {
		return
	}
	value = strings.TrimSpace(value)
	switch strings.ToLower(name) {
	case "status":
		f.Seen = f.Seen || strings.ContainsRune(value, 'R')
	case "x-status":
		f.Flagged = f.Flagged || strings.ContainsRune(value, 'F')
		f.Answered = f.Answered || strings.ContainsRune(value, 'A')
		f.Deleted = f.Deleted || strings.ContainsRune(value, 'D')
	}
}
