package pop3

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/termsafe"
)

// streamServer serves each connection the next stream of replies whole,
// at once, then closes its side: a client that reads more than the
// stream holds meets EOF at once instead of waiting for a timeout, so a
// fuzz execution never waits.
type streamServer struct {
	ln      net.Listener
	streams chan []byte
}

func startStreamServer(tb testing.TB) *streamServer {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	s := &streamServer{ln: ln, streams: make(chan []byte, 1)}
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			stream := <-s.streams
			go func() {
				defer conn.Close()
				conn.Write(stream)
				conn.(*net.TCPConn).CloseWrite()
				io.Copy(io.Discard, conn) // what the client says, until it closes
			}()
		}
	}()
	tb.Cleanup(func() { ln.Close() })
	return s
}

func (s *streamServer) endpoint() core.Endpoint {
	return core.Endpoint{Host: "127.0.0.1", Port: s.ln.Addr().(*net.TCPAddr).Port, Encryption: core.EncryptionNone}
}

// FuzzSession plays a whole session against arbitrary server bytes: the
// greeting, then the replies to CAPA, USER, PASS, UIDL, LIST, RETR 1 and
// QUIT as one stream. Whatever the server sends, the client must not
// panic, must keep a message within its cap, must report sane listings,
// and every error it returns must be safe to print.
func FuzzSession(f *testing.F) {
	for _, s := range []string{
		"+OK ready\r\n+OK\r\nUIDL\r\nUSER\r\n.\r\n+OK\r\n+OK\r\n+OK\r\n1 a1\r\n2 b2\r\n.\r\n+OK\r\n1 120\r\n2 80\r\n.\r\n+OK\r\nSubject: hi\r\n\r\n..dot\r\n.\r\n+OK bye\r\n",
		"+OK ready\r\n-ERR no CAPA\r\n+OK\r\n-ERR [AUTH] bad password\r\n",
		"+OK ready\r\n+OK\r\n.\r\n+OK\r\n+OK\r\n+OK\r\n1 a1\r\n.\r\n+OK\r\n1 99999999999999999999\r\n.\r\n",
		"+OK ready\r\n+OK\r\n.\r\n+OK\r\n+OK\r\n+OK\r\n1 \x1b]52;c;eA==\x07\r\n.\r\n+OK\r\n1 5\r\n.\r\n+OK\r\nabc",
		"* OK this is IMAP\r\n",
		"+OK\r\n+OK\r\n.\r\n+OK\r\n+OK\r\n-ERR \u009b2J\u202ecleared\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	srv := startStreamServer(f)
	opts := &netconn.Options{DialTimeout: 5 * time.Second, IOTimeout: 5 * time.Second}
	f.Fuzz(func(t *testing.T, stream []byte) {
		srv.streams <- stream
		ctx := context.Background()
		check := func(step string, err error) bool {
			if err == nil {
				return true
			}
			if msg := err.Error(); strings.ContainsFunc(msg, termsafe.Unsafe) {
				t.Fatalf("%s error %q holds characters unsafe for a terminal", step, msg)
			}
			return false
		}
		c, err := Dial(ctx, srv.endpoint(), opts)
		if !check("Dial", err) {
			return
		}
		defer c.Close()
		c.maxSize = 1 << 10
		if !check("Login", c.Login(ctx, "alice", "secret")) {
			return
		}
		list, err := c.List(ctx)
		if !check("List", err) {
			return
		}
		for _, m := range list {
			if m.Num < 1 || m.UIDL == "" || m.Size < 0 {
				t.Fatalf("List() gave %+v", m)
			}
		}
		var buf bytes.Buffer
		n, err := c.Retrieve(ctx, 1, &buf)
		if err == nil && (n != int64(buf.Len()) || n > c.maxSize) {
			t.Fatalf("Retrieve(1) = %d bytes, wrote %d, cap %d", n, buf.Len(), c.maxSize)
		}
		if err != nil && errors.Is(err, ErrMessageTooLarge) && int64(buf.Len()) > c.maxSize {
			t.Fatalf("Retrieve(1) wrote %d bytes past the cap %d", buf.Len(), c.maxSize)
		}
		check("Retrieve", err)
		check("Quit", c.Quit(ctx))
	})
}
