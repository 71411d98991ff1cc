// Package imaptest runs go-imap's in-memory server (imapmemserver) on
// 127.0.0.1 for in-process tests, with what Tributary's tests need on top:
// plain, implicit-TLS and STARTTLS listeners, a server that can be dropped
// and brought back with the same mail, mailbox attributes such as \Sent,
// switchable UIDPLUS and LIST-EXTENDED, a transcript of what clients sent,
// and a signal when a client starts IDLE. For what imapmemserver cannot do
// at all (CONDSTORE, NIL bodies, no IDLE) see Fake.
package imaptest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"

	"github.com/tributary-mail/tributary/core"
)

// The one user of every Server.
const (
	User     = "alice@example.test"
	Password = "correct horse"
)

// DefaultCaps are the capabilities a Server announces when Options.Caps is
// nil: those of a current Dovecot, less CONDSTORE, which imapserver lacks.
// IDLE is always announced after login; imapserver cannot turn it off.
var DefaultCaps = imap.CapSet{
	imap.CapIMAP4rev1:    {},
	imap.CapNamespace:    {},
	imap.CapUIDPlus:      {},
	imap.CapListExtended: {},
	imap.CapSpecialUse:   {},
	imap.CapMove:         {},
	imap.CapLiteralPlus:  {},
	imap.CapESearch:      {},
}

// Options configure a Server. The zero value is a plain-text server that
// allows LOGIN without TLS and announces DefaultCaps.
type Options struct {
	// TLS, when set, is the server's certificate: with ImplicitTLS the
	// listener speaks TLS from the first byte; otherwise the server offers
	// STARTTLS and refuses LOGIN until it is done.
	TLS         *tls.Config
	ImplicitTLS bool
	// Caps replaces DefaultCaps. Without UIDPLUS the server sends no
	// APPENDUID; without LIST-EXTENDED (or IMAP4rev2) it answers LIST with
	// selection or RETURN options with BAD, as RFC 3501 servers do, and
	// subscriptions are listed by LSUB only.
	Caps imap.CapSet
	// SpecialUseOnRequest returns special-use attributes (\Sent, ...) only
	// to LIST ... RETURN (SPECIAL-USE), which RFC 6154 allows; by default
	// they come with every LIST, as Dovecot sends them.
	SpecialUseOnRequest bool
	// Delim is the hierarchy delimiter clients see in LIST; '/' by
	// default. Only LIST translates it: mailboxes are created and selected
	// by their '/' names.
	Delim rune
	// Namespace is the personal namespace's prefix NAMESPACE announces,
	// as clients see it: "INBOX." for a Cyrus-like server (with Delim
	// '.'). Empty by default.
	Namespace string
}

// Server is a running IMAP server with one user, User. It stops when the
// test ends.
type Server struct {
	Host string // 127.0.0.1
	Port int

	opts   Options
	caps   imap.CapSet
	mem    *imapmemserver.Server
	user   *imapmemserver.User
	logger *logger

	mu         sync.Mutex
	srv        *imapserver.Server
	boxes      map[string]*box
	transcript bytes.Buffer
	logins     int
	open, peak int // connections open now, and the most at once
	idling     chan struct{}
}

// box is what LIST says about a mailbox; imapmemserver keeps no
// special-use attributes and lists subscriptions unasked.
type box struct {
	attrs      []imap.MailboxAttr
	subscribed bool
}

// Start listens on 127.0.0.1:0 and serves until the test ends. The user
// has an empty, subscribed INBOX.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.ImplicitTLS && opts.TLS == nil {
		t.Fatal("imaptest: ImplicitTLS needs Options.TLS")
	}
	if opts.Delim == 0 {
		opts.Delim = '/'
	}
	s := &Server{
		Host:   "127.0.0.1",
		opts:   opts,
		caps:   opts.Caps,
		mem:    imapmemserver.New(),
		user:   imapmemserver.NewUser(User, Password),
		logger: &logger{t: t},
		boxes:  map[string]*box{},
		idling: make(chan struct{}, 16),
	}
	if s.caps == nil {
		s.caps = DefaultCaps
	}
	s.mem.AddUser(s.user)
	t.Cleanup(func() {
		s.Close()
		s.logger.stop()
	})
	s.Create(t, "INBOX")
	s.Restart(t)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string {
	return net.JoinHostPort(s.Host, fmt.Sprint(s.Port))
}

// Endpoint is the server's address with an encryption.
func (s *Server) Endpoint(enc core.Encryption) core.Endpoint {
	return core.Endpoint{Host: s.Host, Port: s.Port, Encryption: enc}
}

// Close stops listening and closes every connection at once, as a server
// that crashes or a network that drops would. The mail stays for Restart.
func (s *Server) Close() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Restart serves the same mail again on a new port (Port changes), after
// Close. Calling it on a running server closes that first.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("imaptest: listen: %v", err)
	}
	ln = &countingListener{Listener: ln, s: s}
	if s.opts.ImplicitTLS {
		ln = tls.NewListener(ln, s.opts.TLS)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &session{s: s}, nil, nil
		},
		Caps:         s.caps,
		Logger:       s.logger,
		TLSConfig:    starttlsConfig(s.opts),
		InsecureAuth: s.opts.TLS == nil,
		DebugWriter:  transcriptWriter{s},
	})
	s.mu.Lock()
	s.srv = srv
	s.Port = ln.Addr().(*net.TCPAddr).Port
	s.mu.Unlock()
	go srv.Serve(ln)
	// A greeting proves Serve is in its accept loop: go-imap's Close races
	// with a Serve that has not got there yet (seen under -race when a
	// test closes the server at once).
	if err := s.ping(); err != nil {
		t.Fatalf("imaptest: the server does not greet: %v", err)
	}
}

// ping dials the server once and reads its greeting.
func (s *Server) ping() error {
	conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
	if err != nil {
		return err
	}
	if s.opts.ImplicitTLS {
		conn = tls.Client(conn, &tls.Config{InsecureSkipVerify: true}) // only to read the greeting
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	_, err = bufio.NewReader(conn).ReadString('\n')
	return err
}

// Connections returns how many client connections are open now, and the
// most that were open at once since the server started.
func (s *Server) Connections() (open, peak int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.open, s.peak
}

// countingListener counts the connections it accepted that are open.
type countingListener struct {
	net.Listener
	s *Server
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.s.mu.Lock()
	l.s.open++
	l.s.peak = max(l.s.peak, l.s.open)
	l.s.mu.Unlock()
	return &countedConn{Conn: c, s: l.s}, nil
}

type countedConn struct {
	net.Conn
	s    *Server
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() {
		c.s.mu.Lock()
		c.s.open--
		c.s.mu.Unlock()
	})
	return c.Conn.Close()
}

func starttlsConfig(o Options) *tls.Config {
	if o.ImplicitTLS {
		return nil
	}
	return o.TLS
}

// Transcript is everything clients sent and the server answered, in the
// clear (inside TLS), across all connections.
func (s *Server) Transcript() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.transcript.String()
}

// Caps are the capabilities the server announces.
func (s *Server) Caps() imap.CapSet { return s.caps }

// Logins counts LOGIN attempts that reached the session, right or wrong.
func (s *Server) Logins() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logins
}

// WaitIdle waits until some client starts IDLE, so that a test appends
// only once the client can hear about it.
func (s *Server) WaitIdle(t testing.TB, timeout time.Duration) {
	t.Helper()
	select {
	case <-s.idling:
	case <-time.After(timeout):
		t.Fatalf("imaptest: no client started IDLE within %v", timeout)
	}
}

// Create makes a mailbox, subscribed, with LIST attributes such as
// imap.MailboxAttrSent. A mailbox with \Noselect is only listed, as a
// parent that does not exist on its own.
func (s *Server) Create(t testing.TB, name string, attrs ...imap.MailboxAttr) {
	t.Helper()
	if !slices.Contains(attrs, imap.MailboxAttrNoSelect) {
		if err := s.user.Create(name, nil); err != nil {
			t.Fatalf("imaptest: create %q: %v", name, err)
		}
	}
	s.mu.Lock()
	s.boxes[name] = &box{attrs: attrs, subscribed: true}
	s.mu.Unlock()
}

// Delete removes a mailbox and its mail. Creating it again gives it a new
// UIDVALIDITY.
func (s *Server) Delete(t testing.TB, name string) {
	t.Helper()
	if err := s.user.Delete(name); err != nil {
		t.Fatalf("imaptest: delete %q: %v", name, err)
	}
	s.mu.Lock()
	delete(s.boxes, name)
	s.mu.Unlock()
}

// SetSubscribed subscribes to or unsubscribes from a mailbox.
func (s *Server) SetSubscribed(t testing.TB, name string, subscribed bool) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.boxes[name]
	if !ok {
		t.Fatalf("imaptest: no mailbox %q to subscribe to", name)
	}
	b.subscribed = subscribed
}

// Append adds a message as another client would, and returns its UID.
func (s *Server) Append(t testing.TB, mailbox string, raw []byte, flags ...imap.Flag) imap.UID {
	t.Helper()
	// imapmemserver panics on nil options.
	data, err := s.user.Append(mailbox, bytes.NewReader(raw), &imap.AppendOptions{Flags: flags})
	if err != nil {
		t.Fatalf("imaptest: append to %q: %v", mailbox, err)
	}
	return data.UID
}

// AddFlags sets flags on one message, as STORE +FLAGS from another client.
func (s *Server) AddFlags(t testing.TB, mailbox string, uid imap.UID, flags ...imap.Flag) {
	t.Helper()
	sess := imapmemserver.NewUserSession(s.user)
	defer sess.Close()
	if _, err := sess.Select(mailbox, nil); err != nil {
		t.Fatalf("imaptest: select %q: %v", mailbox, err)
	}
	err := sess.Store(nil, imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: flags}, nil)
	if err != nil {
		t.Fatalf("imaptest: store flags in %q: %v", mailbox, err)
	}
}

// UIDValidity is a mailbox's current UIDVALIDITY.
func (s *Server) UIDValidity(t testing.TB, mailbox string) uint32 {
	t.Helper()
	st, err := s.user.Status(mailbox, &imap.StatusOptions{UIDValidity: true})
	if err != nil {
		t.Fatalf("imaptest: status %q: %v", mailbox, err)
	}
	return st.UIDValidity
}

// Message is a message as the server holds it.
type Message struct {
	UID   imap.UID
	Flags []imap.Flag
	Raw   []byte
}

// Messages reads a mailbox over a separate connection.
func (s *Server) Messages(t testing.TB, mailbox string) []Message {
	t.Helper()
	c := s.Dial(t)
	defer c.Close()
	sel, err := c.Select(mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("imaptest: select %q: %v", mailbox, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	all := imap.SeqSet{{Start: 1, Stop: 0}} // 1:*
	bufs, err := c.Fetch(all, &imap.FetchOptions{
		UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatalf("imaptest: fetch %q: %v", mailbox, err)
	}
	out := make([]Message, 0, len(bufs))
	for _, b := range bufs {
		m := Message{UID: b.UID, Flags: b.Flags}
		if len(b.BodySection) > 0 {
			m.Raw = b.BodySection[0].Bytes
		}
		out = append(out, m)
	}
	return out
}

// Dial opens a logged-in go-imap connection of the test's own, for
// checking the server's state or acting as another client. It trusts the
// test certificate without checking it.
func (s *Server) Dial(t testing.TB) *imapclient.Client {
	t.Helper()
	tlsConfig := &tls.Config{InsecureSkipVerify: true} // the test's own certificate
	opts := &imapclient.Options{TLSConfig: tlsConfig}
	var (
		c   *imapclient.Client
		err error
	)
	switch {
	case s.opts.ImplicitTLS:
		c, err = imapclient.DialTLS(s.Addr(), opts)
	case s.opts.TLS != nil:
		c, err = imapclient.DialStartTLS(s.Addr(), opts)
	default:
		c, err = imapclient.DialInsecure(s.Addr(), opts)
	}
	if err != nil {
		t.Fatalf("imaptest: dial %s: %v", s.Addr(), err)
	}
	if err := c.Login(User, Password).Wait(); err != nil {
		c.Close()
		t.Fatalf("imaptest: login: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// session adds LIST attributes, switchable APPENDUID, a login count and an
// IDLE signal to imapmemserver's session.
type session struct {
	s                          *Server
	*imapmemserver.UserSession // nil until login
}

var _ imapserver.SessionIMAP4rev2 = (*session)(nil)

func (ss *session) Login(username, password string) error {
	ss.s.mu.Lock()
	ss.s.logins++
	ss.s.mu.Unlock()
	if err := ss.s.user.Login(username, password); err != nil {
		return err
	}
	ss.UserSession = imapmemserver.NewUserSession(ss.s.user)
	return nil
}

// Create keeps the special-use attributes of CREATE ... (USE (...)) when
// the server announces CREATE-SPECIAL-USE, and refuses them otherwise.
func (ss *session) Create(name string, options *imap.CreateOptions) error {
	if len(options.SpecialUse) > 0 && !ss.s.caps.Has(imap.CapCreateSpecialUse) {
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: "Unknown CREATE parameter (no CREATE-SPECIAL-USE)"}
	}
	if err := ss.UserSession.Create(name, options); err != nil {
		return err
	}
	ss.s.mu.Lock()
	ss.s.boxes[strings.TrimRight(name, "/")] = &box{attrs: options.SpecialUse}
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Delete(name string) error {
	if err := ss.UserSession.Delete(name); err != nil {
		return err
	}
	ss.s.mu.Lock()
	delete(ss.s.boxes, name)
	ss.s.mu.Unlock()
	return nil
}

func (ss *session) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Prefix: ss.s.opts.Namespace, Delim: ss.s.opts.Delim}}}, nil
}

func (ss *session) Subscribe(name string) error   { return ss.s.subscribe(name, true) }
func (ss *session) Unsubscribe(name string) error { return ss.s.subscribe(name, false) }

func (s *Server) subscribe(name string, on bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.boxes[name]
	if !ok {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "No such mailbox"}
	}
	b.subscribed = on
	return nil
}

var specialUse = []imap.MailboxAttr{
	imap.MailboxAttrAll, imap.MailboxAttrArchive, imap.MailboxAttrDrafts, imap.MailboxAttrFlagged,
	imap.MailboxAttrJunk, imap.MailboxAttrSent, imap.MailboxAttrTrash, imap.MailboxAttrImportant,
}

func (ss *session) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	s := ss.s
	extended := options.SelectSubscribed || options.SelectRemote || options.SelectRecursiveMatch ||
		options.SelectSpecialUse || options.ReturnSubscribed || options.ReturnChildren ||
		options.ReturnStatus != nil || options.ReturnSpecialUse
	// imapserver hands LSUB over as LIST (SUBSCRIBED), which only
	// LIST-EXTENDED servers understand: without it that must be LSUB.
	lsub := *options == imap.ListOptions{SelectSubscribed: true} && !s.caps.Has(imap.CapListExtended)
	if extended && !lsub && !s.caps.Has(imap.CapListExtended) {
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: "Unknown LIST arguments (no LIST-EXTENDED)"}
	}
	delim := string(s.opts.Delim)
	s.mu.Lock()
	var out []imap.ListData
	for name, b := range s.boxes {
		shown := strings.ReplaceAll(name, "/", delim)
		if !slices.ContainsFunc(patterns, func(p string) bool { return imapserver.MatchList(shown, s.opts.Delim, ref, p) }) {
			continue
		}
		if options.SelectSubscribed && !b.subscribed {
			continue
		}
		data := imap.ListData{Mailbox: shown, Delim: s.opts.Delim}
		for _, a := range b.attrs {
			hidden := !s.caps.Has(imap.CapSpecialUse) || (s.opts.SpecialUseOnRequest && !options.ReturnSpecialUse)
			if hidden && slices.Contains(specialUse, a) {
				continue
			}
			data.Attrs = append(data.Attrs, a)
		}
		if b.subscribed && (options.ReturnSubscribed || options.SelectSubscribed) {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
		}
		out = append(out, data)
	}
	s.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Mailbox < out[j].Mailbox })
	for i := range out {
		if err := w.WriteList(&out[i]); err != nil {
			return err
		}
	}
	return nil
}

func (ss *session) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	data, err := ss.UserSession.Append(mailbox, r, options)
	if err != nil || !ss.s.caps.Has(imap.CapUIDPlus) {
		return nil, err
	}
	return data, nil
}

// Idle polls instead of using imapmemserver's IDLE, which hears only of
// updates queued after it starts and so can miss a message appended just
// as a client begins to idle; real servers report those.
func (ss *session) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	select {
	case ss.s.idling <- struct{}{}:
	default:
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return nil
		case <-tick.C:
			if err := ss.UserSession.Poll(w, true); err != nil {
				return err
			}
		}
	}
}

// transcriptWriter collects the traffic of every connection.
type transcriptWriter struct{ s *Server }

func (w transcriptWriter) Write(p []byte) (int, error) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	return w.s.transcript.Write(p)
}

// logger sends imapserver's complaints to the test log until the test
// ends; connections may still be closing after that.
type logger struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *logger) Printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("imapserver: "+format, args...)
	}
}

func (l *logger) stop() {
	l.mu.Lock()
	l.stopped = true
	l.mu.Unlock()
}
