// Package smtptest runs a recording SMTP server (go-smtp) on 127.0.0.1 for
// in-process tests of the sending code. It records every accepted message
// with its envelope and every login attempt, and can refuse MAIL, RCPT or
// DATA, or drop the connection after the message data, on demand.
//
// The server does not require a login before MAIL: a test that sends
// without authentication checks Message.AuthUser and AuthAttempts instead.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/tributary-mail/tributary/core/mailtest/testcert"
)

// Options configure a Server. The zero value is a plain-text server that
// offers no AUTH and accepts every message.
type Options struct {
	// Users maps a user name to its password for AUTH PLAIN and LOGIN.
	// Nil means AUTH is not offered.
	Users map[string]string
	// TLS, when set, makes the server offer STARTTLS, or, with
	// ImplicitTLS, speak TLS from the first byte.
	TLS         *tls.Config
	ImplicitTLS bool
	// AllowInsecureAuth offers AUTH before TLS is active, like a server
	// reached with the "None" encryption the user confirmed.
	AllowInsecureAuth bool
}

// Message is one message the server accepted with 250 after DATA.
type Message struct {
	From     string   // the MAIL FROM address, without brackets
	To       []string // the RCPT TO addresses, in order
	Data     []byte   // exactly as received, dot-stuffing removed, CRLF kept
	AuthUser string   // who was logged in, or "" for none
}

// Server is a running SMTP server. It stops when the test ends.
type Server struct {
	Addr string // 127.0.0.1:port
	Host string // 127.0.0.1
	Port int

	opts Options
	srv  *smtp.Server
	log  *testLogger

	mu            sync.Mutex
	messages      []Message
	authAttempts  []string
	failMail      *smtp.SMTPError
	failRcpt      *smtp.SMTPError
	failData      *smtp.SMTPError
	dropAfterData bool
	faults        []Fault       // for the next transactions, in order
	stopped       chan struct{} // closed when the test ends, releasing stalls
}

// Fault is what the server does to one mail transaction instead of
// accepting it; see Faults.
type Fault int

// The faults a transaction can meet. A temporary or permanent refusal
// comes after the data, so the client has sent the whole message.
const (
	FaultNone           Fault = iota // accept the message
	FaultDropBeforeData              // close the connection at the first RCPT: nothing was sent
	FaultDropAfterData               // read the data, then close without a reply: the outcome is unknown
	FaultTemporary                   // read the data, then answer 451
	FaultPermanent                   // read the data, then answer 554
	FaultStall                       // never answer MAIL (until the test ends): the client must time out
)

// Faults makes the next transactions, one per MAIL command across all
// connections, meet faults in order; after the last one, messages are
// accepted again. It comes on top of the Fail and Drop switches.
func (s *Server) Faults(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

// Start listens on 127.0.0.1:0 and serves until the test ends. It connects
// once and waits for the greeting before returning, so a test never races
// the server's start.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.ImplicitTLS && opts.TLS == nil {
		t.Fatal("smtptest: ImplicitTLS needs Options.TLS")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	tcp := ln.Addr().(*net.TCPAddr)
	s := &Server{
		Addr: ln.Addr().String(),
		Host: tcp.IP.String(),
		Port: tcp.Port,
		opts: opts,
		log:  &testLogger{t: t},

		stopped: make(chan struct{}),
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(s.newSession))
	s.srv.Domain = "smtptest.localhost"
	// Whether AUTH is offered and allowed is decided per session (see
	// session.Auth), so that an attempt the server should refuse still
	// reaches the backend and is recorded.
	s.srv.AllowInsecureAuth = true
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.ErrorLog = s.log
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, opts.TLS)
	} else {
		s.srv.TLSConfig = opts.TLS
	}
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := s.srv.Serve(ln); err != nil {
			s.log.Printf("serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		close(s.stopped)
		s.srv.Close()
		<-served
		s.log.stop()
	})
	if err := s.ping(); err != nil {
		t.Fatalf("smtptest: server at %s does not answer: %v", s.Addr, err)
	}
	return s
}

// ping connects, reads the greeting and quits.
func (s *Server) ping() error {
	c, err := net.DialTimeout("tcp", s.Addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	if s.opts.ImplicitTLS {
		// Only the server's readiness is checked here, not its
		// certificate; the tests under way check that.
		c = tls.Client(c, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS12})
	}
	tc := textproto.NewConn(c)
	if _, _, err := tc.ReadResponse(220); err != nil {
		return fmt.Errorf("greeting: %w", err)
	}
	id, err := tc.Cmd("QUIT")
	if err != nil {
		return err
	}
	tc.StartResponse(id)
	defer tc.EndResponse(id)
	_, _, err = tc.ReadResponse(221)
	return err
}

// TestTLSConfig makes a self-signed certificate for 127.0.0.1, ::1 and
// localhost with testcert.New. It returns a server configuration for
// Options.TLS and the certificate's SHA-256 fingerprint as
// core.Fingerprint writes it, to pin it in netconn.Options or to compare
// with a core.CertificateError.
func TestTLSConfig(t testing.TB) (server *tls.Config, fingerprint string) {
	t.Helper()
	server, _, fingerprint = testcert.New(t, "smtptest")
	return server, fingerprint
}

// Messages returns the messages accepted so far, in order.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Message, len(s.messages))
	for i, m := range s.messages {
		out[i] = Message{From: m.From, To: slices.Clone(m.To), Data: bytes.Clone(m.Data), AuthUser: m.AuthUser}
	}
	return out
}

// AuthAttempts returns the user names of every AUTH exchange that got as
// far as sending credentials, successful or not, including those the
// server refused because TLS was not active. A test asserts that it is
// empty to prove no password was sent.
func (s *Server) AuthAttempts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.authAttempts)
}

// FailMail makes every MAIL command from now on answer err; nil accepts
// MAIL again.
func (s *Server) FailMail(err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failMail = err
}

// FailRcpt makes every RCPT command from now on answer err; nil accepts
// RCPT again.
func (s *Server) FailRcpt(err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failRcpt = err
}

// FailData makes the server read each message's data in full and then
// answer err instead of 250; nil accepts messages again.
func (s *Server) FailData(err *smtp.SMTPError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failData = err
}

// DropAfterData makes the server read each message's data up to the final
// dot and then close the connection without replying, from now on. The
// client cannot know whether the message was accepted; the server does
// not record it.
func (s *Server) DropAfterData() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropAfterData = true
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: s, conn: c}, nil
}

// session is one connection's state between two EHLOs; go-smtp starts a
// new one after STARTTLS. Its methods are called from the connection's
// goroutine only.
type session struct {
	s        *Server
	conn     *smtp.Conn
	authUser string
	from     string
	to       []string
	fault    Fault // of the current transaction
}

var _ smtp.AuthSession = (*session)(nil)

// errTLSRequired is what a server that refuses logins in clear says
// (RFC 4954 §6).
var errTLSRequired = &smtp.SMTPError{Code: 538, EnhancedCode: smtp.EnhancedCode{5, 7, 11}, Message: "Encryption required for requested authentication mechanism"}

func (ses *session) authAllowed() bool {
	if ses.s.opts.Users == nil {
		return false
	}
	_, isTLS := ses.conn.TLSConnectionState()
	return isTLS || ses.s.opts.AllowInsecureAuth
}

func (ses *session) AuthMechanisms() []string {
	if !ses.authAllowed() {
		return nil
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ses *session) Auth(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error {
			return ses.login(user, pass)
		}), nil
	case sasl.Login:
		return &loginServer{check: ses.login}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// login records the attempt, whether or not it is allowed, then checks
// the credentials.
func (ses *session) login(user, pass string) error {
	ses.s.mu.Lock()
	ses.s.authAttempts = append(ses.s.authAttempts, user)
	ses.s.mu.Unlock()
	switch {
	case ses.s.opts.Users == nil:
		return smtp.ErrAuthUnsupported
	case !ses.authAllowed():
		return errTLSRequired
	}
	if want, ok := ses.s.opts.Users[user]; !ok || want != pass {
		return smtp.ErrAuthFailed
	}
	ses.authUser = user
	return nil
}

func (ses *session) Mail(from string, _ *smtp.MailOptions) error {
	ses.s.mu.Lock()
	fail := ses.s.failMail
	ses.fault = FaultNone
	if len(ses.s.faults) > 0 {
		ses.fault, ses.s.faults = ses.s.faults[0], ses.s.faults[1:]
	}
	ses.s.mu.Unlock()
	if fail != nil {
		return fail
	}
	if ses.fault == FaultStall {
		<-ses.s.stopped
		return errors.New("smtptest: stopped")
	}
	ses.from = from
	ses.to = nil
	return nil
}

func (ses *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ses.s.mu.Lock()
	fail := ses.s.failRcpt
	ses.s.mu.Unlock()
	if fail != nil {
		return fail
	}
	if ses.fault == FaultDropBeforeData {
		ses.conn.Conn().Close()
		return errors.New("smtptest: dropped before DATA")
	}
	ses.to = append(ses.to, to)
	return nil
}

func (ses *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ses.s.mu.Lock()
	defer ses.s.mu.Unlock()
	switch {
	case ses.s.dropAfterData || ses.fault == FaultDropAfterData:
		// go-smtp's reply then fails on the closed connection, which
		// ends the session.
		ses.conn.Conn().Close()
		return nil
	case ses.s.failData != nil:
		return ses.s.failData
	case ses.fault == FaultTemporary:
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "smtptest: try again later"}
	case ses.fault == FaultPermanent:
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "smtptest: rejected"}
	}
	ses.s.messages = append(ses.s.messages, Message{
		From:     ses.from,
		To:       slices.Clone(ses.to),
		Data:     data,
		AuthUser: ses.authUser,
	})
	return nil
}

func (ses *session) Reset() {
	ses.from = ""
	ses.to = nil
}

func (ses *session) Logout() error { return nil }

// loginServer is the server side of the obsolete but common LOGIN
// mechanism, which go-sasl has no server for: it asks for the user name
// (unless the client sent it with AUTH), then the password.
type loginServer struct {
	check func(user, pass string) error
	step  int // 0: AUTH seen, 1: asked for the user name, 2: asked for the password, 3: done
	user  string
}

var _ sasl.Server = (*loginServer)(nil)

func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		if len(response) == 0 {
			l.step = 1
			return []byte("Username:"), false, nil
		}
		l.user, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 1:
		l.user, l.step = string(response), 2
		return []byte("Password:"), false, nil
	case 2:
		l.step = 3
		if err := l.check(l.user, string(response)); err != nil {
			return nil, false, err
		}
		return nil, true, nil
	}
	return nil, false, sasl.ErrUnexpectedClientResponse
}

// testLogger sends go-smtp's complaints to the test log until the test
// ends; connection goroutines may outlive Server.Close.
type testLogger struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (l *testLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Logf("smtptest: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	l.Printf("%s", fmt.Sprintln(v...))
}

func (l *testLogger) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.done = true
}

var _ smtp.Logger = (*testLogger)(nil)
