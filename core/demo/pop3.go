package demo

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
)

// pop3Server is a small POP3 server (RFC 1939 with CAPA, UIDL and TOP)
// for one user, in plain text on loopback. It keeps the maildrop in
// memory; DELE takes effect at QUIT, as the RFC says.
type pop3Server struct {
	user, pass string
	ln         net.Listener
	log        *slog.Logger
	wg         sync.WaitGroup

	mu     sync.Mutex
	drop   []pop3Message
	next   int
	locked bool
	conns  map[net.Conn]struct{}
}

type pop3Message struct {
	uidl string
	raw  []byte
}

// maxPOP3Line bounds a command line; RFC 2449 allows 255 octets.
const maxPOP3Line = 1024

func listenPOP3(user, pass string, log *slog.Logger) (*pop3Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo: pop3 listen: %w", err)
	}
	s := &pop3Server{user: user, pass: pass, ln: ln, log: log, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// add appends a message; UIDLs follow the order of addition, so the same
// seed gives the same UIDLs, and a client that saw them does not fetch
// them again after a restart.
func (s *pop3Server) add(raw []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	s.drop = append(s.drop, pop3Message{uidl: fmt.Sprintf("demo-%06d", s.next), raw: raw})
}

func (s *pop3Server) close() {
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *pop3Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				if r := recover(); r != nil {
					s.log.Error("demo pop3 session panicked", "panic", r)
				}
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serve(c)
		}()
	}
}

// pop3Session is one connection's state, touched by its goroutine only.
type pop3Session struct {
	s      *pop3Server
	w      *bufio.Writer
	user   string
	authed bool
	drop   []pop3Message
	dele   []bool
}

func (s *pop3Server) serve(c net.Conn) {
	ses := &pop3Session{s: s, w: bufio.NewWriter(c)}
	r := bufio.NewReaderSize(c, maxPOP3Line)
	defer ses.unlock()
	ses.reply("+OK Tributary demo POP3 server ready")
	for {
		c.SetDeadline(time.Now().Add(10 * time.Minute))
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(strings.TrimRight(string(line), "\r\n"), " ")
		if !ses.handle(strings.ToUpper(verb), arg) {
			return
		}
		if ses.w.Flush() != nil {
			return
		}
	}
}

func (ses *pop3Session) reply(format string, args ...any) {
	fmt.Fprintf(ses.w, format+"\r\n", args...)
	ses.w.Flush()
}

// multi writes a multi-line reply, dot-stuffed, with CRLF line ends.
func (ses *pop3Session) multi(status string, body []byte) {
	ses.w.WriteString("+OK " + status + "\r\n")
	for _, l := range wireLines(body) {
		if strings.HasPrefix(l, ".") {
			ses.w.WriteByte('.')
		}
		ses.w.WriteString(l + "\r\n")
	}
	ses.w.WriteString(".\r\n")
}

func (ses *pop3Session) unlock() {
	if ses.authed {
		ses.s.mu.Lock()
		ses.s.locked = false
		ses.s.mu.Unlock()
	}
}

// handle answers one command and reports whether the session goes on.
func (ses *pop3Session) handle(verb, arg string) bool {
	switch verb {
	case "CAPA":
		ses.multi("capability list follows", []byte("USER\nUIDL\nTOP\nIMPLEMENTATION Tributary-demo\n"))
		return true
	case "QUIT":
		if ses.authed {
			ses.commit()
		}
		ses.reply("+OK bye")
		return false
	case "NOOP":
		ses.reply("+OK")
		return true
	}
	if !ses.authed {
		switch verb {
		case "USER":
			ses.user = arg
			ses.reply("+OK send PASS")
		case "PASS":
			ses.login(arg)
		default:
			ses.reply("-ERR log in first")
		}
		return true
	}
	ses.transaction(verb, arg)
	return true
}

func (ses *pop3Session) login(pass string) {
	s := ses.s
	if ses.user != s.user || pass != s.pass {
		ses.reply("-ERR [AUTH] invalid user name or password")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.locked {
		ses.reply("-ERR [IN-USE] maildrop already locked")
		return
	}
	s.locked, ses.authed = true, true
	ses.drop = append([]pop3Message(nil), s.drop...)
	ses.dele = make([]bool, len(ses.drop))
	ses.reply("+OK maildrop has %d messages", len(ses.drop))
}

func (ses *pop3Session) transaction(verb, arg string) {
	switch verb {
	case "STAT":
		n, size := 0, 0
		for i, m := range ses.drop {
			if !ses.dele[i] {
				n, size = n+1, size+wireSize(m.raw)
			}
		}
		ses.reply("+OK %d %d", n, size)
	case "LIST", "UIDL":
		field := func(i int) string {
			if verb == "UIDL" {
				return ses.drop[i].uidl
			}
			return strconv.Itoa(wireSize(ses.drop[i].raw))
		}
		if arg != "" {
			if i, ok := ses.index(arg); ok {
				ses.reply("+OK %d %s", i+1, field(i))
			}
			return
		}
		var b bytes.Buffer
		for i := range ses.drop {
			if !ses.dele[i] {
				fmt.Fprintf(&b, "%d %s\n", i+1, field(i))
			}
		}
		ses.multi("listing follows", b.Bytes())
	case "RETR":
		if i, ok := ses.index(arg); ok {
			ses.multi(fmt.Sprintf("%d octets", wireSize(ses.drop[i].raw)), ses.drop[i].raw)
		}
	case "TOP":
		num, count, _ := strings.Cut(arg, " ")
		i, ok := ses.index(num)
		if !ok {
			return
		}
		k, err := strconv.Atoi(count)
		if err != nil || k < 0 {
			ses.reply("-ERR TOP needs a message number and a line count")
			return
		}
		raw := ses.drop[i].raw
		head, body, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		out := append(append([]byte(nil), head...), "\r\n\r\n"...)
		bl := bytes.SplitAfter(body, []byte("\n"))
		for j := 0; j < k && j < len(bl); j++ {
			out = append(out, bl[j]...)
		}
		ses.multi("top of message follows", out)
	case "DELE":
		if i, ok := ses.index(arg); ok {
			ses.dele[i] = true
			ses.reply("+OK message %d deleted", i+1)
		}
	case "RSET":
		clear(ses.dele)
		ses.reply("+OK")
	default:
		ses.reply("-ERR unknown command")
	}
}

// index turns a message number into an index, answering -ERR itself when
// there is no such message.
func (ses *pop3Session) index(arg string) (int, bool) {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 || n > len(ses.drop) || ses.dele[n-1] {
		ses.reply("-ERR no such message")
		return 0, false
	}
	return n - 1, true
}

// commit is RFC 1939's UPDATE state: the deleted messages leave the
// maildrop; messages added since login stay.
func (ses *pop3Session) commit() {
	gone := map[string]bool{}
	for i, m := range ses.drop {
		if ses.dele[i] {
			gone[m.uidl] = true
		}
	}
	s := ses.s
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := s.drop[:0]
	for _, m := range s.drop {
		if !gone[m.uidl] {
			keep = append(keep, m)
		}
	}
	s.drop = keep
}

// wireLines splits a message into lines without their CRLF or LF.
func wireLines(raw []byte) []string {
	if len(raw) == 0 {
		return nil
	}
	ls := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	for i, l := range ls {
		ls[i] = strings.TrimSuffix(l, "\r")
	}
	return ls
}

// wireSize is the size LIST reports: CRLF line ends, no dot-stuffing.
func wireSize(raw []byte) int {
	n := 0
	for _, l := range wireLines(raw) {
		n += len(l) + 2
	}
	return n
}
