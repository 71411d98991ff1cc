package imap

import (
	"bytes"
	"net"
	"strconv"
	"sync"
)

// Gmail (X-GM-EXT-1) lists one message in every label it has: INBOX,
// [Gmail]/All Mail and each label's mailbox, under a UID of each, with
// one X-GM-MSGID in all of them. The sync asks for X-GM-MSGID before the
// bodies and links the messages the store already has (see fetchBatch),
// so that each body is downloaded once.
//
// go-imap has no X-GM-MSGID item and fails a FETCH reply that holds one,
// so ioConn speaks it for imapclient, as it speaks LSUB: while a gmailTap
// is armed, the next FETCH command written asks for X-GM-MSGID as well,
// and each "* n FETCH (...)" line read has its X-GM-MSGID taken out and
// noted by sequence number before imapclient parses the rest.

// capGmail is the capability of Gmail's IMAP extensions.
const capGmail = "X-GM-EXT-1"

// gmailItem is the FETCH item of Gmail's message ID.
var gmailItem = []byte("X-GM-MSGID")

// maxTapLine bounds a reply line the tap holds while it waits for the
// line's end. A FETCH of UID, size, flags and date is far shorter; a
// longer line is handed on as it is, and imapclient fails the command if
// it holds an X-GM-MSGID.
const maxTapLine = 64 << 10

// gmailTap rewrites one FETCH command and its replies (see above). It
// lives below ioConn's LSUB translation; the reader goroutine calls read,
// the connection's owner arm and disarm.
type gmailTap struct {
	mu      sync.Mutex
	armed   bool   // replies are translated
	command []byte // the command being written, until its CRLF
	writing bool   // the next command written gains the item
	in      []byte // read, not yet a whole line
	scanned int    // how much of in is known to hold no line end
	out     []byte // translated, not yet handed out
	buf     []byte // the reader's, for reads while in holds a part line
	err     error  // the read error to report once out is drained
	ids     map[uint32]uint64
}

// arm makes the next FETCH command ask for X-GM-MSGID and the replies be
// translated, until disarm.
func (t *gmailTap) arm() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.armed, t.writing, t.ids = true, true, map[uint32]uint64{}
}

// disarm stops translating and returns the X-GM-MSGID of each sequence
// number that the replies named. Bytes already read but not handed out
// still are, as they came.
func (t *gmailTap) disarm() map[uint32]uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := t.ids
	t.armed, t.writing, t.ids, t.command = false, false, nil, nil
	return ids
}

// write sends p, or while the command is being armed gathers it: imapclient
// writes a long command (a UID set of hundreds of numbers) in pieces, and
// the item goes at its end. It reports whether it took p.
func (t *gmailTap) write(conn net.Conn, p []byte) (bool, int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.writing {
		return false, 0, nil
	}
	t.command = append(t.command, p...)
	if !bytes.HasSuffix(t.command, []byte("\r\n")) {
		return true, len(p), nil
	}
	cmd := t.command
	t.command, t.writing = nil, false
	// "tag UID FETCH set (items)\r\n": the list closes last.
	if end := len(cmd) - len("\r\n") - 1; end > 0 && cmd[end] == ')' {
		cmd = append(cmd[:end:end], append(append([]byte(" "), gmailItem...), cmd[end:]...)...)
	}
	if _, err := conn.Write(cmd); err != nil {
		return true, 0, err
	}
	return true, len(p), nil
}

// read reads from conn into p. While armed it hands out whole lines only,
// translated; once the tap holds nothing and is not armed, it reads
// straight into p. Whether to translate is decided after the bytes
// arrive: the reader goroutine is usually blocked here already when the
// tap is armed.
func (t *gmailTap) read(conn net.Conn, p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.out) == 0 {
		if t.err != nil {
			err := t.err
			t.err = nil
			return 0, err
		}
		direct := len(t.in) == 0
		buf := p
		if !direct {
			if t.buf == nil {
				t.buf = make([]byte, 4096)
			}
			buf = t.buf
		}
		t.mu.Unlock()
		n, err := conn.Read(buf)
		t.mu.Lock()
		if direct && !t.armed {
			return n, err
		}
		t.in = append(t.in, buf[:n]...)
		t.err = err
		t.process(err != nil)
	}
	n := copy(p, t.out)
	t.out = t.out[n:]
	if len(t.out) == 0 {
		t.out = nil
	}
	return n, nil
}

// process moves what was read to out: each whole line translated while
// armed; the rest too when the stream ended, the tap is disarmed, or the
// line is too long to hold.
func (t *gmailTap) process(ended bool) {
	for {
		i := bytes.IndexByte(t.in[t.scanned:], '\n')
		if i < 0 {
			t.scanned = len(t.in)
			break
		}
		i += t.scanned
		t.scanned = 0
		line := t.in[:i+1]
		if t.armed {
			line = t.translate(line)
		}
		t.out = append(t.out, line...)
		t.in = t.in[i+1:]
	}
	if ended || !t.armed || len(t.in) > maxTapLine {
		t.out = append(t.out, t.in...)
		t.in, t.scanned = nil, 0
	}
	if len(t.in) == 0 {
		t.in = nil
	}
}

// translate takes every "X-GM-MSGID n" out of a "* seq FETCH (...)" line
// and notes n for seq. Any other line is left as it is.
func (t *gmailTap) translate(line []byte) []byte {
	rest, ok := bytes.CutPrefix(line, []byte("* "))
	if !ok || len(line) > maxTapLine {
		return line
	}
	sp := bytes.IndexByte(rest, ' ')
	if sp <= 0 {
		return line
	}
	seq, err := strconv.ParseUint(string(rest[:sp]), 10, 32)
	if err != nil || len(rest) < sp+len(" FETCH (") || !bytes.EqualFold(rest[sp:sp+len(" FETCH (")], []byte(" FETCH (")) {
		return line
	}
	pos := len("* ") + sp + len(" FETCH (")
	out := append(make([]byte, 0, len(line)), line[:pos]...)
	for {
		i := indexFold(line[pos:], gmailItem)
		if i < 0 {
			return append(out, line[pos:]...)
		}
		i += pos
		// The byte before the item as it goes out: a removal may have
		// just ended at i.
		prev := line[i-1]
		if i == pos {
			prev = out[len(out)-1]
		}
		j := i + len(gmailItem)
		k := j + 1
		for k < len(line) && line[k] >= '0' && line[k] <= '9' {
			k++
		}
		var id uint64
		valid := (prev == ' ' || prev == '(') && j < len(line) && line[j] == ' '
		if valid {
			id, err = strconv.ParseUint(string(line[j+1:k]), 10, 64)
			valid = err == nil
		}
		if !valid {
			// Inside another item's name, or not a number: left for
			// imapclient to refuse.
			out = append(out, line[pos:j]...)
			pos = j
			continue
		}
		t.ids[uint32(seq)] = id
		out = append(out, line[pos:i]...)
		switch {
		case prev == ' ':
			out = out[:len(out)-1] // " X-GM-MSGID n"
		case k < len(line) && line[k] == ' ':
			k++ // "(X-GM-MSGID n UID 4)"
		}
		pos = k
	}
}

// indexFold is bytes.Index, ignoring ASCII case.
func indexFold(s, sep []byte) int {
	for i := 0; i+len(sep) <= len(s); i++ {
		if bytes.EqualFold(s[i:i+len(sep)], sep) {
			return i
		}
	}
	return -1
}
