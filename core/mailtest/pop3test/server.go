// Package pop3test runs a small but real POP3 server (RFC 1939, with CAPA
// from RFC 2449 and STLS from RFC 2595) on 127.0.0.1 for in-process tests.
// It records the commands it receives and can fail on purpose: drop the
// connection in the middle of a reply, or never answer a command.
package pop3test

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// maxCommandLine bounds one command line. RFC 2449 allows 255 octets; a
// little more leaves room for a long password without letting a broken
// client grow the buffer without end.
const maxCommandLine = 4096

// Options configure a Server. The zero value is a plain-text server with no
// users.
type Options struct {
	// Users maps a user name to its password.
	Users map[string]string
	// Messages are each user's maildrop at start, as raw RFC 5322 bytes.
	Messages map[string][][]byte
	// TLS, when set, makes the server offer STLS (and list it in CAPA),
	// or, with ImplicitTLS, speak TLS from the first byte.
	TLS         *tls.Config
	ImplicitTLS bool
	// NoUIDL makes the server refuse UIDL and leave it out of CAPA, like
	// the old servers Tributary must refuse to sync from.
	NoUIDL bool
	// NoCAPA makes the server refuse CAPA, like an RFC 1939-only server;
	// a client must then decide on STLS by trying it.
	NoCAPA bool
	// UTF8 lists UTF8 in CAPA and accepts the UTF8 command (RFC 6856)
	// before login, as Courier does.
	UTF8 bool
	// Pipelining lists PIPELINING (RFC 2449) in CAPA, as Dovecot does.
	// Commands sent ahead are answered in order either way.
	Pipelining bool
}

// Server is a running POP3 server. It stops when the test ends.
type Server struct {
	// Addr is the listening address, 127.0.0.1:port.
	Addr string

	opts Options
	ln   net.Listener
	wg   sync.WaitGroup

	mu       sync.Mutex
	closed   bool
	conns    map[net.Conn]struct{}
	drops    map[string][]*message // committed maildrops
	locked   map[string]bool       // maildrops held by a session (RFC 1939 §8)
	nextUID  int
	commands []string
	counts   map[string]int // replies sent per command since DropAfter
	dropAt   map[string]int // command -> which reply to cut short
	stalls   map[string]bool
}

type message struct {
	uidl string
	raw  []byte
}

// Start listens on 127.0.0.1:0 and serves until the test ends. It connects
// once before returning, so a test never races the listener.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.ImplicitTLS && opts.TLS == nil {
		t.Fatal("pop3test: ImplicitTLS needs Options.TLS")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pop3test: listen: %v", err)
	}
	s := &Server{
		Addr:   ln.Addr().String(),
		opts:   opts,
		ln:     ln,
		conns:  make(map[net.Conn]struct{}),
		drops:  make(map[string][]*message),
		locked: make(map[string]bool),
		counts: make(map[string]int),
		dropAt: make(map[string]int),
		stalls: make(map[string]bool),
	}
	for user, msgs := range opts.Messages {
		for _, raw := range msgs {
			s.Add(user, raw)
		}
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.accept()
	}()
	t.Cleanup(s.stop)
	if err := s.ping(); err != nil {
		t.Fatalf("pop3test: server at %s does not answer: %v", s.Addr, err)
	}
	return s
}

// ping connects once. Over plain text it also waits for the greeting; a
// TLS listener only needs the connection accepted.
func (s *Server) ping() error {
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if s.opts.ImplicitTLS {
		return nil
	}
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+OK") {
		return fmt.Errorf("greeting %q", line)
	}
	return nil
}

func (s *Server) stop() {
	s.ln.Close()
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serve(c)
		}()
	}
}

// Add appends a message to user's maildrop and returns its UIDL. A session
// already logged in does not see it, as RFC 1939 fixes the maildrop at
// login.
func (s *Server) Add(user string, raw []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUID++
	uidl := fmt.Sprintf("pop3test-%06d", s.nextUID)
	s.drops[user] = append(s.drops[user], &message{uidl: uidl, raw: bytes.Clone(raw)})
	return uidl
}

// Messages returns what is in user's maildrop now: deletions count once a
// session committed them with QUIT.
func (s *Server) Messages(user string) [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [][]byte
	for _, m := range s.drops[user] {
		out = append(out, bytes.Clone(m.raw))
	}
	return out
}

// Commands returns every command line received so far, from every
// connection, in order. PASS arguments read "PASS ***".
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

// DropAfter makes the server close the connection abruptly while it sends
// its n-th reply to cmd from now on (n counts from 1 across connections):
// it sends the status line and part of what follows, then closes the TCP
// connection without a TLS close_notify.
func (s *Server) DropAfter(cmd string, n int) {
	cmd = strings.ToUpper(cmd)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAt[cmd] = n
	s.counts[cmd] = 0
}

// Stall makes the server read cmd and then never answer it, so that a test
// can check how a client waiting for the reply is cancelled.
func (s *Server) Stall(cmd string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stalls[strings.ToUpper(cmd)] = true
}

func (s *Server) record(line string) {
	if verb, _, _ := strings.Cut(line, " "); strings.EqualFold(verb, "PASS") {
		line = verb + " ***"
	}
	s.mu.Lock()
	s.commands = append(s.commands, line)
	s.mu.Unlock()
}

// session is one connection's state. Its fields are touched only by the
// connection's goroutine.
type session struct {
	s      *Server
	tcp    net.Conn // closed directly to drop a connection abruptly
	r      *bufio.Reader
	w      *bufio.Writer
	secure bool   // TLS is active
	user   string // from USER, before PASS
	authed string // the user whose maildrop this session locked
	drop   []*message
	dele   []bool
	// stream is the message a RETR reply carries after its status line,
	// written line by line rather than built whole, so that a test of a
	// large message measures the client's memory, not the server's.
	stream []byte
}

func (s *Server) serve(c net.Conn) {
	ses := &session{s: s, tcp: c}
	conn := c
	if s.opts.ImplicitTLS {
		tc := tls.Server(c, s.opts.TLS)
		if err := handshake(tc); err != nil {
			return
		}
		conn, ses.secure = tc, true
	}
	ses.r, ses.w = bufio.NewReaderSize(conn, maxCommandLine), bufio.NewWriter(conn)
	defer ses.unlock()
	if !ses.send("", []byte("+OK pop3test ready\r\n")) {
		return
	}
	for {
		line, err := ses.readLine()
		if err != nil {
			return
		}
		s.record(line)
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		s.mu.Lock()
		stall := s.stalls[verb]
		s.mu.Unlock()
		if stall {
			// Wait for the client to give up; drain so it never blocks writing.
			_, _ = io.Copy(io.Discard, ses.r)
			return
		}
		reply, next := ses.handle(verb, arg)
		if body := ses.stream; body != nil {
			ses.stream = nil
			if !ses.sendMessage(verb, reply, body) {
				return
			}
			continue
		}
		if !ses.send(verb, reply) {
			return
		}
		switch next {
		case quit:
			return
		case startTLS:
			if !ses.startTLS() {
				return
			}
		}
	}
}

func handshake(tc *tls.Conn) error {
	if err := tc.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return err
	}
	if err := tc.Handshake(); err != nil {
		return err
	}
	return tc.SetDeadline(time.Time{})
}

func (ses *session) readLine() (string, error) {
	line, err := ses.r.ReadSlice('\n')
	if err != nil {
		// Too long, or the client went away: either way the session ends.
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

// send writes one reply, or only part of it and then drops the connection
// when DropAfter asked for that. It reports whether the session goes on.
func (ses *session) send(verb string, reply []byte) bool {
	s := ses.s
	s.mu.Lock()
	s.counts[verb]++
	cut := s.dropAt[verb] > 0 && s.counts[verb] == s.dropAt[verb]
	s.mu.Unlock()
	if cut {
		// Keep the status line whole so the client is surely inside the
		// reply when the connection goes.
		n := len(reply) / 2
		if i := bytes.IndexByte(reply, '\n'); i >= 0 && i+1 < len(reply) {
			n = i + 1 + (len(reply)-i-1)/2
		}
		_, _ = ses.w.Write(reply[:n])
		_ = ses.w.Flush()
		ses.tcp.Close()
		return false
	}
	if _, err := ses.w.Write(reply); err != nil {
		return false
	}
	return ses.w.Flush() == nil
}

func (ses *session) startTLS() bool {
	// A client must wait for the TLS handshake before sending anything
	// else (RFC 2595 §4); bytes already here would be a command injected
	// in plain text, so refuse them the way a careful server does.
	if ses.r.Buffered() > 0 {
		return false
	}
	tc := tls.Server(ses.tcp, ses.s.opts.TLS)
	if err := handshake(tc); err != nil {
		return false
	}
	ses.r, ses.w = bufio.NewReaderSize(tc, maxCommandLine), bufio.NewWriter(tc)
	ses.secure = true
	ses.user = ""
	return true
}

func (ses *session) unlock() {
	if ses.authed == "" {
		return
	}
	ses.s.mu.Lock()
	delete(ses.s.locked, ses.authed)
	ses.s.mu.Unlock()
	ses.authed = ""
}

// after says what the session does once a reply is sent.
type after int

const (
	carryOn after = iota
	quit
	startTLS
)

func ok(text string) []byte {
	if text == "" {
		return []byte("+OK\r\n")
	}
	return []byte("+OK " + text + "\r\n")
}

func bad(text string) []byte { return []byte("-ERR " + text + "\r\n") }

// multi builds a multi-line reply, byte-stuffing lines that start with a
// dot (RFC 1939 §3).
// sendMessage sends a status line and raw as a multi-line reply. With a
// drop armed for verb the reply is built whole, so that send can cut it.
func (ses *session) sendMessage(verb string, status, raw []byte) bool {
	s := ses.s
	s.mu.Lock()
	armed := s.dropAt[verb] > 0
	if !armed {
		s.counts[verb]++
	}
	s.mu.Unlock()
	if armed {
		return ses.send(verb, append(status, multi("", wireLines(raw))[len("+OK \r\n"):]...))
	}
	if _, err := ses.w.Write(status); err != nil {
		return false
	}
	for rest := bytes.TrimSuffix(raw, []byte("\n")); len(raw) > 0; {
		line, more, found := bytes.Cut(rest, []byte("\n"))
		line = bytes.TrimSuffix(line, []byte("\r"))
		if len(line) > 0 && line[0] == '.' {
			ses.w.WriteByte('.')
		}
		ses.w.Write(line)
		if _, err := ses.w.WriteString("\r\n"); err != nil {
			return false
		}
		if !found {
			break
		}
		rest = more
	}
	if _, err := ses.w.WriteString(".\r\n"); err != nil {
		return false
	}
	return ses.w.Flush() == nil
}

func multi(status string, lines []string) []byte {
	var b bytes.Buffer
	b.WriteString("+OK " + status + "\r\n")
	for _, l := range lines {
		if strings.HasPrefix(l, ".") {
			b.WriteByte('.')
		}
		b.WriteString(l + "\r\n")
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}

func (ses *session) stlsOffered() bool {
	return ses.s.opts.TLS != nil && !ses.secure
}

func (ses *session) handle(verb, arg string) ([]byte, after) {
	switch verb {
	case "CAPA":
		if ses.s.opts.NoCAPA {
			return bad("unknown command"), carryOn
		}
		caps := []string{"USER", "TOP", "RESP-CODES", "AUTH-RESP-CODE"}
		if ses.s.opts.Pipelining {
			caps = append(caps, "PIPELINING")
		}
		if !ses.s.opts.NoUIDL {
			caps = append(caps, "UIDL")
		}
		if ses.stlsOffered() {
			caps = append(caps, "STLS")
		}
		if ses.s.opts.UTF8 {
			caps = append(caps, "UTF8 USER")
		}
		return multi("capability list follows", append(caps, "IMPLEMENTATION pop3test")), carryOn
	case "QUIT":
		if ses.authed != "" {
			ses.commit()
		}
		return ok("bye"), quit
	case "NOOP":
		if ses.authed == "" {
			return bad("log in first"), carryOn
		}
		return ok(""), carryOn
	}
	if ses.authed == "" {
		return ses.authorization(verb, arg)
	}
	return ses.transaction(verb, arg)
}

func (ses *session) authorization(verb, arg string) ([]byte, after) {
	switch verb {
	case "STLS":
		if !ses.stlsOffered() {
			return bad("STLS not available"), carryOn
		}
		return ok("begin TLS negotiation"), startTLS
	case "UTF8":
		if !ses.s.opts.UTF8 {
			return bad("unknown command"), carryOn
		}
		return ok("UTF8 enabled"), carryOn
	case "USER":
		if arg == "" {
			return bad("USER needs a name"), carryOn
		}
		ses.user = arg
		return ok("send PASS"), carryOn
	case "PASS":
		user := ses.user
		ses.user = ""
		if user == "" {
			return bad("send USER first"), carryOn
		}
		s := ses.s
		want, known := s.opts.Users[user]
		if !known || arg != want {
			return bad("[AUTH] invalid user name or password"), carryOn
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.locked[user] {
			return bad("[IN-USE] maildrop already locked by another session"), carryOn
		}
		s.locked[user] = true
		ses.authed = user
		ses.drop = append([]*message(nil), s.drops[user]...)
		ses.dele = make([]bool, len(ses.drop))
		return ok(fmt.Sprintf("maildrop has %d messages", len(ses.drop))), carryOn
	}
	return bad("unknown command in AUTHORIZATION state"), carryOn
}

func (ses *session) transaction(verb, arg string) ([]byte, after) {
	switch verb {
	case "STAT":
		n, size := 0, 0
		for i, m := range ses.drop {
			if !ses.dele[i] {
				n++
				size += wireSize(m.raw)
			}
		}
		return ok(fmt.Sprintf("%d %d", n, size)), carryOn
	case "LIST", "UIDL":
		if verb == "UIDL" && ses.s.opts.NoUIDL {
			return bad("unknown command"), carryOn
		}
		field := func(i int) string {
			if verb == "UIDL" {
				return ses.drop[i].uidl
			}
			return strconv.Itoa(wireSize(ses.drop[i].raw))
		}
		if arg != "" {
			i, err := ses.index(arg)
			if err != nil {
				return bad(err.Error()), carryOn
			}
			return ok(fmt.Sprintf("%d %s", i+1, field(i))), carryOn
		}
		var lines []string
		for i := range ses.drop {
			if !ses.dele[i] {
				lines = append(lines, fmt.Sprintf("%d %s", i+1, field(i)))
			}
		}
		return multi(fmt.Sprintf("%d messages", len(lines)), lines), carryOn
	case "RETR":
		i, err := ses.index(arg)
		if err != nil {
			return bad(err.Error()), carryOn
		}
		raw := ses.drop[i].raw
		if len(raw) == 0 {
			return multi("0 octets", nil), carryOn
		}
		ses.stream = raw
		return fmt.Appendf(nil, "+OK %d octets\r\n", wireSize(raw)), carryOn
	case "TOP":
		num, count, _ := strings.Cut(arg, " ")
		i, err := ses.index(num)
		if err != nil {
			return bad(err.Error()), carryOn
		}
		k, err := strconv.Atoi(count)
		if err != nil || k < 0 {
			return bad("TOP needs a message number and a line count"), carryOn
		}
		lines := wireLines(ses.drop[i].raw)
		end := len(lines)
		for j, l := range lines {
			if l == "" {
				end = min(len(lines), j+1+k)
				break
			}
		}
		return multi("top of message follows", lines[:end]), carryOn
	case "DELE":
		i, err := ses.index(arg)
		if err != nil {
			return bad(err.Error()), carryOn
		}
		ses.dele[i] = true
		return ok(fmt.Sprintf("message %d deleted", i+1)), carryOn
	case "RSET":
		clear(ses.dele)
		return ok(fmt.Sprintf("maildrop has %d messages", len(ses.drop))), carryOn
	}
	return bad("unknown command"), carryOn
}

// index turns a message number into an index of the session's maildrop,
// refusing numbers out of range and messages marked as deleted.
func (ses *session) index(arg string) (int, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 || n > len(ses.drop) {
		return 0, errors.New("no such message")
	}
	if ses.dele[n-1] {
		return 0, fmt.Errorf("message %d already deleted", n)
	}
	return n - 1, nil
}

// commit is RFC 1939's UPDATE state: the messages this session marked go
// from the committed maildrop. Messages added since login stay.
func (ses *session) commit() {
	s := ses.s
	s.mu.Lock()
	defer s.mu.Unlock()
	gone := make(map[*message]bool)
	for i, m := range ses.drop {
		if ses.dele[i] {
			gone[m] = true
		}
	}
	var keep []*message
	for _, m := range s.drops[ses.authed] {
		if !gone[m] {
			keep = append(keep, m)
		}
	}
	s.drops[ses.authed] = keep
}

// wireLines splits a message into the lines sent on the wire: every line
// ends in CRLF there, whatever the stored line ending, as real servers do.
func wireLines(raw []byte) []string {
	if len(raw) == 0 {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

// wireSize is the message's size with CRLF line endings and no byte
// stuffing, which is what LIST reports (RFC 1939 §11).
func wireSize(raw []byte) int {
	n := 0
	for rest := bytes.TrimSuffix(raw, []byte("\n")); len(raw) > 0; {
		line, more, found := bytes.Cut(rest, []byte("\n"))
		n += len(bytes.TrimSuffix(line, []byte("\r"))) + 2
		if !found {
			break
		}
		rest = more
	}
	return n
}
