package imap

import (
	"bytes"
	"io"
	"maps"
	"net"
	"testing"
	"time"
)

func TestGmailTapTranslate(t *testing.T) {
	for _, tc := range []struct {
		name, line, want string
		ids              map[uint32]uint64
	}{
		{"last", "* 3 FETCH (UID 7 X-GM-MSGID 1278455344230334865)\r\n", "* 3 FETCH (UID 7)\r\n", map[uint32]uint64{3: 1278455344230334865}},
		{"first", "* 3 FETCH (X-GM-MSGID 12 UID 7 FLAGS (\\Seen))\r\n", "* 3 FETCH (UID 7 FLAGS (\\Seen))\r\n", map[uint32]uint64{3: 12}},
		{"middle, lower case", "* 10 fetch (UID 7 x-gm-msgid 12 RFC822.SIZE 5)\r\n", "* 10 fetch (UID 7 RFC822.SIZE 5)\r\n", map[uint32]uint64{10: 12}},
		{"largest", "* 1 FETCH (X-GM-MSGID 18446744073709551615)\r\n", "* 1 FETCH ()\r\n", map[uint32]uint64{1: 1<<64 - 1}},
		{"absent", "* 3 FETCH (UID 7)\r\n", "* 3 FETCH (UID 7)\r\n", map[uint32]uint64{}},
		{"not a number", "* 3 FETCH (UID 7 X-GM-MSGID abc)\r\n", "* 3 FETCH (UID 7 X-GM-MSGID abc)\r\n", map[uint32]uint64{}},
		{"too large", "* 3 FETCH (X-GM-MSGID 18446744073709551616)\r\n", "* 3 FETCH (X-GM-MSGID 18446744073709551616)\r\n", map[uint32]uint64{}},
		{"other item's name", "* 3 FETCH (UID 7 YX-GM-MSGID 5)\r\n", "* 3 FETCH (UID 7 YX-GM-MSGID 5)\r\n", map[uint32]uint64{}},
		{"not a FETCH", "* OK X-GM-MSGID 5\r\n", "* OK X-GM-MSGID 5\r\n", map[uint32]uint64{}},
		{"tagged", "T1 OK X-GM-MSGID 5\r\n", "T1 OK X-GM-MSGID 5\r\n", map[uint32]uint64{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tap := &gmailTap{ids: map[uint32]uint64{}}
			if got := string(tap.translate([]byte(tc.line))); got != tc.want {
				t.Errorf("translate(%q) = %q, want %q", tc.line, got, tc.want)
			}
			if !maps.Equal(tap.ids, tc.ids) {
				t.Errorf("translate(%q) noted %v, want %v", tc.line, tap.ids, tc.ids)
			}
		})
	}
}

// byteConn serves its bytes one at a time and records what is written.
type byteConn struct {
	net.Conn
	r       *bytes.Reader
	written bytes.Buffer
	writes  int
}

func (c *byteConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	b, err := c.r.ReadByte()
	if err != nil {
		return 0, err
	}
	p[0] = b
	return 1, nil
}

func (c *byteConn) Write(p []byte) (int, error) {
	c.writes++
	return c.written.Write(p)
}

func (c *byteConn) SetDeadline(time.Time) error { return nil }

// The replies arrive a byte at a time: each line is still translated
// whole, and what follows the command once the tap is disarmed comes
// through as it is.
func TestGmailTapReadsWholeLines(t *testing.T) {
	const in = "* 1 FETCH (X-GM-MSGID 123 UID 4)\r\n* 2 FETCH (UID 5 X-GM-MSGID 456)\r\nT1 OK done\r\n"
	const after = "* 3 FETCH (X-GM-MSGID 789)\r\n"
	conn := &byteConn{r: bytes.NewReader([]byte(in + after))}
	var tap gmailTap
	tap.arm()
	var got []byte
	p := make([]byte, 7)
	for !bytes.HasSuffix(got, []byte("T1 OK done\r\n")) {
		n, err := tap.read(conn, p)
		if err != nil {
			t.Fatalf("read after %q = %v", got, err)
		}
		got = append(got, p[:n]...)
	}
	if want := "* 1 FETCH (UID 4)\r\n* 2 FETCH (UID 5)\r\nT1 OK done\r\n"; string(got) != want {
		t.Errorf("read %q, want %q", got, want)
	}
	if ids := tap.disarm(); !maps.Equal(ids, map[uint32]uint64{1: 123, 2: 456}) {
		t.Errorf("noted %v, want 1 → 123, 2 → 456", ids)
	}
	rest, err := io.ReadAll(readerFunc(func(p []byte) (int, error) { return tap.read(conn, p) }))
	if err != nil || string(rest) != after {
		t.Errorf("after disarm read %q, %v; want %q untouched", rest, err, after)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// A command written in pieces (imapclient's buffer is 4 KiB, a UID set
// can be longer) gains the item at its end, once.
func TestGmailTapWritesTheItem(t *testing.T) {
	conn := &byteConn{r: bytes.NewReader(nil)}
	var tap gmailTap
	tap.arm()
	for _, piece := range []string{"T5 UID FETCH 1,3,5", ",7 (UID RFC822.SIZE)", "\r\n"} {
		if took, n, err := tap.write(conn, []byte(piece)); !took || n != len(piece) || err != nil {
			t.Fatalf("write(%q) = %v, %d, %v; want taken whole", piece, took, n, err)
		}
	}
	if took, _, _ := tap.write(conn, []byte("T6 NOOP\r\n")); took {
		t.Errorf("the next command was taken too, want it written as it is")
	}
	if got, want := conn.written.String(), "T5 UID FETCH 1,3,5,7 (UID RFC822.SIZE X-GM-MSGID)\r\n"; got != want || conn.writes != 1 {
		t.Errorf("sent %q in %d writes, want %q in one", got, conn.writes, want)
	}
}

// chunkConn serves its bytes n at a time.
type chunkConn struct {
	net.Conn
	r *bytes.Reader
	n int
}

func (c *chunkConn) Read(p []byte) (int, error) { return c.r.Read(p[:min(len(p), c.n)]) }

// FuzzGmailTap reads arbitrary replies through an armed tap, in pieces of
// any size: it must not panic, must hand out every byte that is not an
// X-GM-MSGID item, and must leave a reply without one as it is.
func FuzzGmailTap(f *testing.F) {
	f.Add([]byte("* 1 FETCH (X-GM-MSGID 123 UID 4)\r\n* 2 FETCH (UID 5 X-GM-MSGID 456)\r\nT1 OK done\r\n"), uint8(1))
	f.Add([]byte("* 1 FETCH (UID 4 BODY[] {5}\r\nX-GM-\r\n)\r\n"), uint8(3))
	f.Add([]byte("* 9 FETCH (x-gm-msgid 99999999999999999999999 X-GM-MSGID)"), uint8(200))
	f.Add([]byte("* 4294967296 FETCH (X-GM-MSGID 1)\r\n"), uint8(7))
	f.Fuzz(func(t *testing.T, data []byte, chunk uint8) {
		conn := &chunkConn{r: bytes.NewReader(data), n: max(1, int(chunk))}
		var tap gmailTap
		tap.arm()
		got, err := io.ReadAll(readerFunc(func(p []byte) (int, error) { return tap.read(conn, p) }))
		if err != nil {
			t.Fatalf("read = %v", err)
		}
		if len(got) > len(data) {
			t.Fatalf("read %d bytes from %d", len(got), len(data))
		}
		if indexFold(data, gmailItem) < 0 && !bytes.Equal(got, data) {
			t.Fatalf("a reply without X-GM-MSGID came out as %q, want %q", got, data)
		}
		if ids := tap.disarm(); len(ids) > 0 && len(got) == len(data) {
			t.Fatalf("noted %v but took nothing out", ids)
		}
	})
}
