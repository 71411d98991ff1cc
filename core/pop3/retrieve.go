package pop3

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/tributary-mail/tributary/core"
)

// retrWindow is how many RETR commands are sent ahead of the reply being
// read when the server offers PIPELINING (RFC 2449): enough to hide the
// round trip per message, few enough that the commands never fill a
// socket buffer while the server is busy writing.
const retrWindow = 16

// RetrieveEach retrieves messages nums in order and hands each to deliver
// as a stream of its raw RFC 5322 bytes (dot-unstuffed, every line ending
// in CRLF), read straight from the connection, so that a message is never
// held in memory. Where the server offers PIPELINING the RETR commands go
// ahead of the replies, which removes the round trip per message.
//
// deliver must read r to its end to take the message: a read error (a
// message over MaxMessageSize gives one wrapping ErrMessageTooLarge, a
// dropped connection one of kind core.KindNetwork) means the message is
// incomplete and must be discarded; RetrieveEach then returns that error,
// classified. An error of deliver's own is returned as it is; the session
// goes on only when no other reply was in flight, otherwise the
// connection is closed. Nothing is deleted either way, as DELE takes
// effect only at Quit.
func (c *Client) RetrieveEach(ctx context.Context, nums []int, deliver func(num int, r io.Reader) error) error {
	window := 1
	if c.pipelining {
		window = retrWindow
	}
	// go-pop3 reads replies line by line and keeps nothing buffered once
	// a reply is read whole, so the replies to RETR can be read here, and
	// go-pop3 reads on where this reader stops.
	br := bufio.NewReaderSize(c.w, 64<<10)
	tooLarge := fmt.Errorf("%w (the limit is %d bytes)", ErrMessageTooLarge, c.maxSize)
	sent := 0
	for i, num := range nums {
		for sent < len(nums) && sent < i+window {
			cmd := "RETR " + strconv.Itoa(nums[sent])
			if err := c.call(ctx, "retrieve", "pop3 retr "+strconv.Itoa(nums[sent]), maxShortReply, errReplyTooLarge, func() error {
				return c.pc.Send(cmd)
			}); err != nil {
				return err
			}
			sent++
		}
		var deliverErr, streamErr error
		step := "pop3 retr " + strconv.Itoa(num)
		err := c.call(ctx, "retrieve", step, c.maxSize+c.maxSize/16+maxShortReply, tooLarge, func() error {
			line, err := readLine(br)
			if err != nil {
				return err
			}
			if _, err := parseStatus(line); err != nil {
				return err
			}
			d := &dotReader{br: br, max: c.maxSize, tooLarge: tooLarge, bol: true}
			deliverErr = deliver(num, d)
			// deliver took what it wanted; the rest of the reply must go.
			_, err = io.Copy(io.Discard, d)
			streamErr = d.err
			if errors.Is(streamErr, ErrMessageTooLarge) {
				// Read on to the end of the reply, as far as the wire's
				// bound allows: a message a little over the limit then
				// leaves the session in step.
				d.err, d.max = nil, math.MaxInt64
				if _, err := io.Copy(io.Discard, d); err != nil {
					c.drop(errClosed)
				}
				return nil // reported below
			}
			return err
		})
		switch {
		case errors.Is(streamErr, ErrMessageTooLarge):
			if sent > i+1 {
				c.drop(errClosed)
			}
			return core.Classify("retrieve", c.server, fmt.Errorf("%s: %w", step, streamErr))
		case deliverErr != nil && streamErr != nil:
			// The message broke off: what the connection says counts,
			// classified like any failed read.
			c.drop(errClosed)
			return core.Classify("retrieve", c.server, fmt.Errorf("%s: %w", step, streamErr))
		case deliverErr != nil:
			// The reply was read to its end: the session is in step
			// unless more replies are in flight.
			if sent > i+1 {
				c.drop(errClosed)
			}
			return deliverErr
		case err != nil:
			// A -ERR keeps the session in step only with nothing in
			// flight behind it.
			if sent > i+1 {
				c.drop(errClosed)
			}
			return err
		}
	}
	return nil
}

// readLine reads one status line without its line end.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, errors.New("status line too long")
	}
	if err != nil {
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

// parseStatus reads a +OK or -ERR status line as go-pop3 does, so that
// replyFrom makes the same errors of it.
func parseStatus(line []byte) ([]byte, error) {
	switch {
	case bytes.Equal(line, []byte("+OK")):
		return nil, nil
	case bytes.HasPrefix(line, []byte("+OK ")):
		return line[4:], nil
	case bytes.Equal(line, []byte("-ERR")):
		return nil, errors.New(goPOP3BareErr)
	case bytes.HasPrefix(line, []byte("-ERR ")):
		return nil, errors.New(string(line[5:]))
	}
	return nil, fmt.Errorf("%s%s. Neither -ERR, nor +OK", goPOP3Unparsed, line)
}

// dotReader reads a multi-line reply up to its terminating ".", undoing
// the dot-stuffing and turning a bare LF into CRLF, as go-pop3 does.
type dotReader struct {
	br       *bufio.Reader
	max      int64 // bytes a message may have
	tooLarge error
	n        int64
	pending  []byte // what is left of the current line
	scratch  []byte // a line whose LF became CRLF
	bol      bool   // the next byte read starts a line
	done     bool
	err      error
}

func (d *dotReader) Read(p []byte) (int, error) {
	for len(d.pending) == 0 {
		if d.done {
			return 0, io.EOF
		}
		if d.err != nil {
			return 0, d.err
		}
		line, err := d.br.ReadSlice('\n')
		full := err == nil
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			d.err = err
			return 0, err
		}
		if d.bol && line[0] == '.' {
			if full && (bytes.Equal(line, []byte(".\r\n")) || bytes.Equal(line, []byte(".\n"))) {
				d.done = true
				return 0, io.EOF
			}
			line = line[1:]
		}
		d.bol = full
		if full && !bytes.HasSuffix(line, []byte("\r\n")) {
			d.scratch = append(append(d.scratch[:0], line[:len(line)-1]...), '\r', '\n')
			line = d.scratch
		}
		d.pending = line
	}
	if left := d.max - d.n; int64(len(d.pending)) > left {
		// Never hand out a byte past the limit.
		if left <= 0 {
			d.err = d.tooLarge
			return 0, d.err
		}
		p = p[:min(int64(len(p)), left)]
	}
	n := copy(p, d.pending)
	d.pending = d.pending[n:]
	d.n += int64(n)
	return n, nil
}
