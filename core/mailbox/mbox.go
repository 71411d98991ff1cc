// Package mailbox reads and writes the standard mail storage formats that
// other clients import and export: mbox (mboxrd and mboxo) and Maildir
// (with Maildir++ folders). It works on files and streams only; moving
// messages in and out of Tributary's store is the caller's job.
package mailbox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// MboxFormat says how "From " lines inside messages are quoted.
type MboxFormat int

const (
	// MboxRD quotes every line matching ^>*From  with one more ">", so
	// reading removes exactly one and the round trip is exact. It is what
	// Tributary writes.
	MboxRD MboxFormat = iota
	// MboxO quotes only ^From  as >From , which cannot be undone: an
	// original ">From " looks the same. Reading leaves such lines as
	// they are, as Python's mailbox and mutt do.
	MboxO
)

// ErrNotMbox is returned when a file does not start with a "From " line.
var ErrNotMbox = errors.New("mailbox: not an mbox file (it does not start with a \"From \" line)")

// Envelope is an mbox message's separator line: "From SENDER DATE".
type Envelope struct {
	Sender string    // the envelope sender; MAILER-DAEMON when unknown
	Date   time.Time // zero when the line's date cannot be read
}

const (
	fromLine      = "From "
	unknownSender = "MAILER-DAEMON"
	// lineBuffer is how much of a line is looked at at once. Only a
	// line's first bytes decide anything (a separator, a quoted From),
	// so longer lines pass through in pieces.
	lineBuffer = 64 << 10
)

// IsMbox reports whether the start of a file looks like an mbox file.
func IsMbox(head []byte) bool { return bytes.HasPrefix(head, []byte(fromLine)) }

// MboxReader reads the messages of an mbox file one by one, streaming
// each: a message is never held in memory whole.
type MboxReader struct {
	br      *bufio.Reader
	format  MboxFormat
	next    *Envelope // the separator just read, starting the next message
	cur     *mboxBody
	started bool
	err     error
}

// NewMboxReader reads the mbox in r, unquoting as format says.
func NewMboxReader(r io.Reader, format MboxFormat) *MboxReader {
	return &MboxReader{br: bufio.NewReaderSize(r, lineBuffer), format: format}
}

// Next returns the next message's envelope and its bytes, which are
// valid until the next call. It returns io.EOF after the last message,
// and ErrNotMbox when the input does not start with a "From " line.
func (r *MboxReader) Next() (Envelope, io.Reader, error) {
	if r.err != nil {
		return Envelope{}, nil, r.err
	}
	if r.cur != nil {
		if _, err := io.Copy(io.Discard, r.cur); err != nil {
			r.err = err
			return Envelope{}, nil, err
		}
		r.cur = nil
	}
	if !r.started {
		r.started = true
		line, err := r.readSeparator()
		switch {
		case errors.Is(err, io.EOF) && len(line) == 0:
			r.err = io.EOF
			return Envelope{}, nil, io.EOF
		case err != nil && !errors.Is(err, io.EOF):
			r.err = fmt.Errorf("mailbox: read mbox: %w", err)
			return Envelope{}, nil, r.err
		case !IsMbox(line):
			r.err = ErrNotMbox
			return Envelope{}, nil, r.err
		}
		env := parseEnvelope(line)
		r.next = &env
	}
	if r.next == nil { // the last message ended at the end of the input
		r.err = io.EOF
		return Envelope{}, nil, io.EOF
	}
	env := *r.next
	r.next = nil
	r.cur = &mboxBody{r: r, lineStart: true}
	return env, r.cur, nil
}

// readSeparator reads a whole "From " line, however long, keeping its
// first bytes: nothing after the date matters.
func (r *MboxReader) readSeparator() ([]byte, error) {
	chunk, err := r.br.ReadSlice('\n')
	line := append([]byte(nil), chunk...)
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = r.br.ReadSlice('\n')
	}
	return line, err
}

// parseEnvelope reads "From sender Thu Jan  1 00:00:00 1970" leniently.
func parseEnvelope(line []byte) Envelope {
	s := strings.TrimRight(strings.TrimPrefix(string(line), fromLine), "\r\n")
	sender, rest, _ := strings.Cut(s, " ")
	env := Envelope{Sender: sender}
	rest = strings.TrimSpace(rest)
	for _, layout := range []string{time.ANSIC, "Mon Jan _2 15:04:05 MST 2006", "Mon Jan _2 15:04:05 -0700 2006", time.RFC1123Z} {
		if t, err := time.Parse(layout, rest); err == nil {
			env.Date = t
			break
		}
	}
	return env
}

// mboxBody streams one message. Each line break is held back until the
// next line shows it is not the separator before a "From " line (or the
// end of the file): that last break is the one the writer added.
type mboxBody struct {
	r         *MboxReader
	buf       []byte
	pendingNL bool
	lineStart bool
	done      bool
}

func (b *mboxBody) Read(p []byte) (int, error) {
	for len(b.buf) == 0 {
		if b.done {
			return 0, io.EOF
		}
		if err := b.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// fill reads the next piece of a line into buf.
func (b *mboxBody) fill() error {
	r := b.r
	chunk, err := r.br.ReadSlice('\n')
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		r.err = fmt.Errorf("mailbox: read mbox: %w", err)
		return r.err
	}
	if b.lineStart && IsMbox(chunk) {
		line := append([]byte(nil), chunk...)
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.br.ReadSlice('\n')
		}
		if err != nil && !errors.Is(err, io.EOF) {
			r.err = fmt.Errorf("mailbox: read mbox: %w", err)
			return r.err
		}
		env := parseEnvelope(line)
		r.next = &env
		b.done = true
		return nil
	}
	if len(chunk) == 0 && errors.Is(err, io.EOF) {
		b.done = true
		return nil
	}
	out := make([]byte, 0, len(chunk)+1)
	if b.pendingNL {
		out = append(out, '\n')
		b.pendingNL = false
	}
	if b.lineStart && r.format == MboxRD && isQuotedFrom(chunk) {
		chunk = chunk[1:]
	}
	if n := len(chunk); n > 0 && chunk[n-1] == '\n' {
		out = append(out, chunk[:n-1]...)
		b.pendingNL = true
		b.lineStart = true
	} else {
		out = append(out, chunk...)
		b.lineStart = false
	}
	b.buf = out
	return nil
}

// isQuotedFrom reports whether a line matches ^>+From .
func isQuotedFrom(line []byte) bool {
	rest := bytes.TrimLeft(line, ">")
	return len(rest) < len(line) && IsMbox(rest)
}

// needsQuote reports whether mboxrd quotes a line: ^>*From .
func needsQuote(line []byte) bool { return IsMbox(bytes.TrimLeft(line, ">")) }

// MboxWriter writes messages to an mboxrd file.
type MboxWriter struct {
	w *bufio.Writer
}

// NewMboxWriter writes mboxrd to w; call Flush at the end.
func NewMboxWriter(w io.Writer) *MboxWriter {
	return &MboxWriter{w: bufio.NewWriterSize(w, lineBuffer)}
}

// Write appends one message: its "From " line, its bytes with From lines
// quoted, and one line break. Readers take that last break off again,
// so a message that does not end in a line break round-trips too.
func (w *MboxWriter) Write(env Envelope, msg io.Reader) error {
	sender := strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, env.Sender)
	if sender == "" {
		sender = unknownSender
	}
	date := env.Date
	if date.IsZero() {
		date = time.Unix(0, 0)
	}
	if _, err := fmt.Fprintf(w.w, "From %s %s\n", sender, date.UTC().Format(time.ANSIC)); err != nil {
		return fmt.Errorf("mailbox: write mbox: %w", err)
	}
	br := bufio.NewReaderSize(msg, lineBuffer)
	lineStart := true
	for {
		chunk, err := br.ReadSlice('\n')
		if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
			return fmt.Errorf("mailbox: read message: %w", err)
		}
		if lineStart && needsQuote(chunk) {
			if err := w.w.WriteByte('>'); err != nil {
				return fmt.Errorf("mailbox: write mbox: %w", err)
			}
		}
		if _, werr := w.w.Write(chunk); werr != nil {
			return fmt.Errorf("mailbox: write mbox: %w", werr)
		}
		lineStart = len(chunk) > 0 && chunk[len(chunk)-1] == '\n'
		if errors.Is(err, io.EOF) {
			break
		}
	}
	if err := w.w.WriteByte('\n'); err != nil {
		return fmt.Errorf("mailbox: write mbox: %w", err)
	}
	return nil
}

// Flush writes out what is buffered.
func (w *MboxWriter) Flush() error {
	if err := w.w.Flush(); err != nil {
		return fmt.Errorf("mailbox: write mbox: %w", err)
	}
	return nil
}
