// Package tlspeer is a scripted line server that can turn to TLS in the
// middle of a session, for STARTTLS regression tests of every protocol:
// a refused upgrade, lines injected right after the upgrade's reply, a
// server whose capabilities change once encrypted, a bad certificate.
package tlspeer

import (
	"bufio"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/tributary-mail/tributary/core"
)

// Options script a Peer.
type Options struct {
	// Greeting is sent first, as is (CRLFs included).
	Greeting string
	// Reply answers one line of the client (without its CRLF). The reply
	// is sent as is, in one write; with upgrade, the TLS handshake
	// follows at once, so that bytes after the upgrade's own reply line
	// are injected where a client must not read them as encrypted.
	// secure says whether the line came over TLS. A nil reply with
	// hangup drops the connection.
	Reply func(line string, secure bool) (reply string, upgrade, hangup bool)
	// TLS is the server side of the upgrade.
	TLS *tls.Config
}

// Line is one line a client sent.
type Line struct {
	Text   string
	Secure bool // sent over TLS
}

// Peer serves Options on 127.0.0.1 until the test ends.
type Peer struct {
	Host string
	Port int

	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	lines []Line
	errs  []error // handshake failures, as the server saw them
}

// Start listens on 127.0.0.1:0.
func Start(t testing.TB, opts Options) *Peer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("tlspeer: listen: %v", err)
	}
	p := &Peer{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, ln: ln}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() {
				defer p.wg.Done()
				p.serve(conn, opts)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.wg.Wait()
	})
	return p
}

func (p *Peer) serve(conn net.Conn, opts Options) {
	defer func() { conn.Close() }()
	if _, err := conn.Write([]byte(opts.Greeting)); err != nil {
		return
	}
	r := bufio.NewReader(conn)
	secure := false
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		p.mu.Lock()
		p.lines = append(p.lines, Line{Text: line, Secure: secure})
		p.mu.Unlock()
		reply, upgrade, hangup := opts.Reply(line, secure)
		if reply != "" {
			if _, err := conn.Write([]byte(reply)); err != nil {
				return
			}
		}
		if hangup {
			return
		}
		if upgrade {
			tc := tls.Server(conn, opts.TLS)
			if err := tc.Handshake(); err != nil {
				p.mu.Lock()
				p.errs = append(p.errs, err)
				p.mu.Unlock()
				return
			}
			conn, r, secure = tc, bufio.NewReader(tc), true
		}
	}
}

// Lines are the lines clients sent, in order.
func (p *Peer) Lines() []Line {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Line(nil), p.lines...)
}

// Saw reports whether a client sent a line starting with prefix (in any
// case), and whether in the clear.
func (p *Peer) Saw(prefix string) (seen, inClear bool) {
	for _, l := range p.Lines() {
		if strings.HasPrefix(strings.ToUpper(l.Text), strings.ToUpper(prefix)) {
			seen = true
			inClear = inClear || !l.Secure
		}
	}
	return seen, inClear
}

// Endpoint is the peer's address with an encryption.
func (p *Peer) Endpoint(enc core.Encryption) core.Endpoint {
	return core.Endpoint{Host: p.Host, Port: p.Port, Encryption: enc}
}
