package imaptest

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// Fake is a scripted IMAP server for what imapmemserver cannot do:
// CONDSTORE, a NIL body, a server without IDLE. It sends greeting, then
// answers each line the client sends with the lines reply returns, each
// followed by CRLF and sent as is (a line may hold a literal, "{5}\r\nhello").
// reply gets the line's tag and the rest; DONE, which ends IDLE, comes with
// an empty tag. A nil answer is "tag BAD unknown command". Client literals
// (APPEND) are not supported.
type Fake struct {
	Host string // 127.0.0.1
	Port int

	ln net.Listener
	wg sync.WaitGroup

	mu       sync.Mutex
	commands []string
	conns    map[net.Conn]struct{}
	closed   bool
}

// Hangup, as a reply line, sends the lines before it, the last one without
// its CRLF, and then drops the connection: in the middle of a response or
// of a literal.
const Hangup = "\x00hangup"

// StartFake listens on 127.0.0.1:0 and serves until the test ends.
func StartFake(t testing.TB, greeting string, reply func(tag, command string) []string) *Fake {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("imaptest: listen: %v", err)
	}
	f := &Fake{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, ln: ln, conns: map[net.Conn]struct{}{}}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			if f.closed {
				f.mu.Unlock()
				conn.Close()
				return
			}
			f.conns[conn] = struct{}{}
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.serve(conn, greeting, reply)
			}()
		}
	}()
	t.Cleanup(f.Close)
	return f
}

func (f *Fake) serve(conn net.Conn, greeting string, reply func(tag, command string) []string) {
	defer func() {
		conn.Close()
		f.mu.Lock()
		delete(f.conns, conn)
		f.mu.Unlock()
	}()
	w := bufio.NewWriter(conn)
	send := func(lines []string) bool {
		for i, l := range lines {
			if i+1 < len(lines) && lines[i+1] == Hangup {
				w.WriteString(l)
				w.Flush()
				return false
			}
			if l == Hangup {
				w.Flush()
				return false
			}
			// Two writes, not l+CRLF: a test that measures the
			// client's memory sends huge lines, and must not count a copy.
			w.WriteString(l)
			w.WriteString("\r\n")
		}
		return w.Flush() == nil
	}
	if !send([]string{greeting}) {
		return
	}
	r := bufio.NewReader(conn)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		f.mu.Lock()
		f.commands = append(f.commands, line)
		f.mu.Unlock()
		tag, command, ok := strings.Cut(line, " ")
		if !ok {
			tag, command = "", line
		}
		lines := reply(tag, command)
		if lines == nil {
			lines = []string{tag + " BAD unknown command"}
		}
		if !send(lines) {
			return
		}
	}
}

// Commands are the lines clients sent, in order, across connections.
func (f *Fake) Commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.commands...)
}

// Endpoint is the server's address with an encryption.
func (f *Fake) Endpoint(enc core.Encryption) core.Endpoint {
	return core.Endpoint{Host: f.Host, Port: f.Port, Encryption: enc}
}

// Close stops the server and drops its connections.
func (f *Fake) Close() {
	f.mu.Lock()
	f.closed = true
	f.ln.Close()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// Literal writes b as an IMAP literal, "{len}\r\n" then the bytes, to
// put inside a reply line.
func Literal(b []byte) string {
	return "{" + strconv.Itoa(len(b)) + "}\r\n" + string(b)
}
