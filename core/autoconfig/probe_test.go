package autoconfig

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/core/netconn"
)

// scriptServer is a tiny mail server on 127.0.0.1 that greets, answers the
// commands it knows from a script, and records every command it gets.
type scriptServer struct {
	greeting string            // CRLF-separated lines; "" never greets
	replies  map[string]string // command → reply lines, CRLF-separated
	tls      *tls.Config       // implicit TLS when set
	// starttls is the command after whose reply the server turns to TLS
	// with upgrade, as STARTTLS (POP3: STLS) does.
	starttls string
	upgrade  *tls.Config

	port int
	mu   sync.Mutex
	cmds []string
}

func (s *scriptServer) start(t *testing.T) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.tls != nil {
		ln = tls.NewListener(ln, s.tls)
	}
	s.port = ln.Addr().(*net.TCPAddr).Port
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() { s.serve(c) })
		}
	})
}

func (s *scriptServer) serve(raw net.Conn) {
	var c net.Conn = raw
	defer func() { c.Close() }()
	write := func(lines string) { _, _ = c.Write([]byte(strings.ReplaceAll(lines, "\n", "\r\n") + "\r\n")) }
	if s.greeting != "" {
		write(s.greeting)
	}
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.TrimRight(line, "\r\n")
		s.mu.Lock()
		s.cmds = append(s.cmds, cmd)
		s.mu.Unlock()
		if reply, ok := s.replies[cmd]; ok {
			write(reply)
			if cmd == s.starttls && s.upgrade != nil && r.Buffered() == 0 {
				c = tls.Server(raw, s.upgrade)
				r = bufio.NewReader(c)
			}
		}
	}
}

func (s *scriptServer) commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.cmds)
}

func TestNetProber(t *testing.T) {
	serverTLS, _, fingerprint := pop3test.TestTLSConfig(t)
	const (
		imapGreeting = "* OK [CAPABILITY IMAP4rev1 SASL-IR LITERAL+ STARTTLS LOGINDISABLED] Dovecot ready."
		imapStartTLS = "T0 OK Begin TLS negotiation now."
		imapCaps     = "* CAPABILITY IMAP4rev1 SASL-IR LITERAL+ AUTH=PLAIN\nT1 OK Pre-login capabilities listed."
		popGreeting  = "+OK Dovecot ready."
		popCapa      = "+OK\nCAPA\nTOP\nUIDL\nRESP-CODES\nSTLS\nSASL PLAIN\n."
		popQuit      = "+OK Logging out."
		smtpGreeting = "220-mail.example.com ESMTP\n220 no UCE"
		smtpEHLO     = "250-mail.example.com Hello\n250-PIPELINING\n250-SIZE 10240000\n250-STARTTLS\n250 8BITMIME"
		smtpQuit     = "221 2.0.0 Bye"
	)
	logout := func(tag string) string { return "* BYE Logging out\n" + tag + " OK Logout completed." }
	// imap is a Dovecot-like IMAP server: plain, or STARTTLS with the
	// test certificate.
	imap := func(starttls bool) *scriptServer {
		s := &scriptServer{greeting: imapGreeting, replies: map[string]string{
			"T1 CAPABILITY": imapCaps, "T1 LOGOUT": logout("T1"), "T2 LOGOUT": logout("T2"), "T0 STARTTLS": "T0 BAD Unknown command."}}
		if starttls {
			s.replies["T0 STARTTLS"], s.starttls, s.upgrade = imapStartTLS, "T0 STARTTLS", serverTLS
		}
		return s
	}
	tests := []struct {
		name      string
		server    *scriptServer
		protocol  string
		enc       core.Encryption
		pin       bool
		wantErr   string // substring; "" means confirmed
		wantIs    error
		wantKind  core.ErrorKind
		wantCmds  []string // nil means not checked
		wantCerts bool     // a *core.CertificateError
	}{
		{
			name:     "IMAP STARTTLS offered",
			server:   imap(true),
			protocol: ProtocolIMAP, enc: core.EncryptionSTARTTLS, pin: true,
			wantCmds: []string{"T0 STARTTLS", "T1 CAPABILITY", "T2 LOGOUT"},
		},
		{
			// It answered in IMAP and took STARTTLS; Test connection
			// shows the certificate later.
			name:     "IMAP STARTTLS with an untrusted certificate",
			server:   imap(true),
			protocol: ProtocolIMAP, enc: core.EncryptionSTARTTLS,
			wantCmds: []string{"T0 STARTTLS"},
		},
		{
			name:     "IMAP STARTTLS not offered",
			server:   imap(false),
			protocol: ProtocolIMAP, enc: core.EncryptionSTARTTLS,
			wantIs: core.ErrSTARTTLSNotOffered, wantKind: core.KindTLS,
			wantCmds: []string{"T0 STARTTLS"},
		},
		{
			// The greeting lists the capabilities: no need to ask.
			name:     "IMAP plain needs no STARTTLS",
			server:   imap(false),
			protocol: ProtocolIMAP, enc: core.EncryptionNone,
			wantCmds: []string{"T1 LOGOUT"},
		},
		{
			name:     "IMAP over TLS with a pinned certificate",
			server:   &scriptServer{greeting: imapGreeting, replies: imap(false).replies, tls: serverTLS},
			protocol: ProtocolIMAP, enc: core.EncryptionSSL, pin: true,
			wantCmds: []string{"T1 LOGOUT"},
		},
		{
			name:     "IMAP over TLS with an untrusted certificate",
			server:   &scriptServer{greeting: imapGreeting, tls: serverTLS},
			protocol: ProtocolIMAP, enc: core.EncryptionSSL,
			wantCerts: true, wantKind: core.KindTLS,
		},
		{
			name:     "IMAP server saying BYE",
			server:   &scriptServer{greeting: "* BYE too many connections"},
			protocol: ProtocolIMAP, enc: core.EncryptionNone,
			wantErr: "greeting", wantKind: core.KindProtocol,
		},
		{
			name:     "IMAP STARTTLS from a server saying BYE",
			server:   &scriptServer{greeting: "* BYE too many connections"},
			protocol: ProtocolIMAP, enc: core.EncryptionSTARTTLS,
			wantErr: "too many connections", wantKind: core.KindTLS,
			wantCmds: []string{},
		},
		{
			name:     "IMAP probe on an SMTP port",
			server:   &scriptServer{greeting: smtpGreeting},
			protocol: ProtocolIMAP, enc: core.EncryptionNone,
			wantErr: "220", wantKind: core.KindProtocol,
			wantCmds: []string{},
		},
		{
			name:     "IMAP CAPABILITY refused",
			server:   &scriptServer{greeting: "* OK Dovecot ready.", replies: map[string]string{"T1 CAPABILITY": "T1 BAD no", "T2 LOGOUT": logout("T2")}},
			protocol: ProtocolIMAP, enc: core.EncryptionNone,
			wantErr: "did not list its capabilities", wantKind: core.KindProtocol,
			wantCmds: []string{"T1 CAPABILITY", "T2 LOGOUT"},
		},
		{
			name: "POP3 CAPA with STLS",
			server: &scriptServer{greeting: popGreeting, starttls: "STLS", upgrade: serverTLS,
				replies: map[string]string{"CAPA": popCapa, "STLS": "+OK Begin TLS negotiation", "QUIT": popQuit}},
			protocol: ProtocolPOP3, enc: core.EncryptionSTARTTLS, pin: true,
			wantCmds: []string{"CAPA", "STLS", "CAPA", "QUIT"},
		},
		{
			name:     "POP3 CAPA without STLS",
			server:   &scriptServer{greeting: popGreeting, replies: map[string]string{"CAPA": "+OK\nTOP\nUIDL\n.", "QUIT": popQuit}},
			protocol: ProtocolPOP3, enc: core.EncryptionSTARTTLS,
			wantIs: core.ErrSTARTTLSNotOffered, wantKind: core.KindTLS,
			wantCmds: []string{"CAPA"},
		},
		{
			name: "POP3 without CAPA that takes STLS",
			server: &scriptServer{greeting: popGreeting, starttls: "STLS", upgrade: serverTLS,
				replies: map[string]string{"CAPA": "-ERR unknown command", "STLS": "+OK begin TLS", "QUIT": popQuit}},
			protocol: ProtocolPOP3, enc: core.EncryptionSTARTTLS, pin: true,
			wantCmds: []string{"CAPA", "STLS", "CAPA", "QUIT"},
		},
		{
			name:     "POP3 without CAPA or STLS",
			server:   &scriptServer{greeting: popGreeting, replies: map[string]string{"CAPA": "-ERR unknown command", "STLS": "-ERR unknown command"}},
			protocol: ProtocolPOP3, enc: core.EncryptionSTARTTLS,
			wantIs: core.ErrSTARTTLSNotOffered, wantKind: core.KindTLS,
		},
		{
			name:     "POP3 plain",
			server:   &scriptServer{greeting: popGreeting, replies: map[string]string{"CAPA": popCapa, "QUIT": popQuit}},
			protocol: ProtocolPOP3, enc: core.EncryptionNone,
			wantCmds: []string{"CAPA", "QUIT"},
		},
		{
			name:     "POP3 probe on an IMAP port",
			server:   &scriptServer{greeting: imapGreeting},
			protocol: ProtocolPOP3, enc: core.EncryptionSTARTTLS,
			wantErr: "neither +OK nor -ERR", wantKind: core.KindProtocol,
		},
		{
			name: "SMTP multi-line greeting and EHLO with STARTTLS",
			server: &scriptServer{greeting: smtpGreeting, starttls: "STARTTLS", upgrade: serverTLS, replies: map[string]string{
				"EHLO localhost": smtpEHLO, "STARTTLS": "220 2.0.0 Ready to start TLS", "QUIT": smtpQuit}},
			protocol: ProtocolSMTP, enc: core.EncryptionSTARTTLS, pin: true,
			wantCmds: []string{"EHLO localhost", "STARTTLS", "EHLO localhost", "QUIT"},
		},
		{
			name: "SMTP STARTTLS with an untrusted certificate",
			server: &scriptServer{greeting: smtpGreeting, starttls: "STARTTLS", upgrade: serverTLS, replies: map[string]string{
				"EHLO localhost": smtpEHLO, "STARTTLS": "220 2.0.0 Ready to start TLS", "QUIT": smtpQuit}},
			protocol: ProtocolSMTP, enc: core.EncryptionSTARTTLS,
			wantCmds: []string{"EHLO localhost", "STARTTLS"},
		},
		{
			name: "SMTP whose greeting line names STARTTLS but EHLO does not offer it",
			server: &scriptServer{greeting: "220 STARTTLS", replies: map[string]string{
				"EHLO localhost": "250-STARTTLS.example.com\n250 AUTH PLAIN"}},
			protocol: ProtocolSMTP, enc: core.EncryptionSTARTTLS,
			wantIs: core.ErrSTARTTLSNotOffered, wantKind: core.KindTLS,
		},
		{
			name:     "SMTP over TLS",
			server:   &scriptServer{greeting: smtpGreeting, replies: map[string]string{"EHLO localhost": "250 mail.example.com", "QUIT": smtpQuit}, tls: serverTLS},
			protocol: ProtocolSMTP, enc: core.EncryptionSSL, pin: true,
			wantCmds: []string{"EHLO localhost", "QUIT"},
		},
		{
			name:     "SMTP server refusing service",
			server:   &scriptServer{greeting: "554 go away"},
			protocol: ProtocolSMTP, enc: core.EncryptionSTARTTLS,
			wantErr: "go away", wantKind: core.KindProtocol,
		},
		{
			name:     "SMTP probe on a POP3 port",
			server:   &scriptServer{greeting: popGreeting},
			protocol: ProtocolSMTP, enc: core.EncryptionSTARTTLS,
			wantErr: "invalid response", wantKind: core.KindProtocol,
		},
		{
			name:     "server that never greets",
			server:   &scriptServer{},
			protocol: ProtocolSMTP, enc: core.EncryptionSTARTTLS,
			wantErr: "no answer from the server in time", wantKind: core.KindNetwork,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tt.server
			srv.start(t)
			s := Server{Protocol: tt.protocol, Host: "127.0.0.1", Port: srv.port, Encryption: tt.enc}
			dial := &netconn.Options{DialTimeout: 2 * time.Second, IOTimeout: 300 * time.Millisecond}
			if tt.pin {
				dial.Pins = netconn.Pins{s.Endpoint().Addr(): {fingerprint}}
			}
			start := time.Now()
			err := NetProber{Dial: dial}.Probe(context.Background(), s)
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("Probe() took %v", elapsed)
			}
			confirmed := tt.wantErr == "" && tt.wantIs == nil && !tt.wantCerts
			switch {
			case confirmed && err != nil:
				t.Fatalf("Probe(%s) = %v, want confirmed; server got %q", probeKey(s), err, srv.commands())
			case !confirmed && err == nil:
				t.Fatalf("Probe(%s) = nil, want an error", probeKey(s))
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("Probe(%s) = %v, want an error containing %q", probeKey(s), err, tt.wantErr)
			case tt.wantIs != nil && !errors.Is(err, tt.wantIs):
				t.Errorf("Probe(%s) = %v, want %v", probeKey(s), err, tt.wantIs)
			}
			var certErr *core.CertificateError
			if tt.wantCerts && (!errors.As(err, &certErr) || certErr.Fingerprint != fingerprint) {
				t.Errorf("Probe(%s) = %v, want a certificate error with fingerprint %s", probeKey(s), err, fingerprint)
			}
			if !confirmed && core.KindOf(err) != tt.wantKind {
				t.Errorf("Probe(%s) error kind %v, want %v", probeKey(s), core.KindOf(err), tt.wantKind)
			}
			if tt.wantCmds != nil {
				// The goodbye is sent without waiting, so give it a moment.
				deadline := time.Now().Add(time.Second)
				for !slices.Equal(srv.commands(), tt.wantCmds) && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if got := srv.commands(); !slices.Equal(got, tt.wantCmds) {
					t.Errorf("server got %q, want %q", got, tt.wantCmds)
				}
			}
		})
	}
}

func TestNetProberUnreachable(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	tests := []struct {
		name    string
		server  Server
		wantErr string
	}{
		{"closed port", Server{Protocol: ProtocolIMAP, Host: "127.0.0.1", Port: port, Encryption: core.EncryptionSSL}, "connection refused"},
		{"unknown protocol", Server{Protocol: "jmap", Host: "127.0.0.1", Port: port, Encryption: core.EncryptionSSL}, `unknown protocol "jmap"`},
		{"unknown encryption", Server{Protocol: ProtocolIMAP, Host: "127.0.0.1", Port: port}, `unknown encryption ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := NetProber{}.Probe(context.Background(), tt.server)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Probe(%s) = %v, want an error containing %q", probeKey(tt.server), err, tt.wantErr)
			}
		})
	}
}

// TestLookupGuessNetProber runs the guess step with the real prober against
// real sockets: only the candidate hosts are redirected to the servers.
func TestLookupGuessNetProber(t *testing.T) {
	serverTLS, _, fingerprint := pop3test.TestTLSConfig(t)
	imapSrv := &scriptServer{greeting: "* OK [CAPABILITY IMAP4rev1 STARTTLS] ready", starttls: "T0 STARTTLS", upgrade: serverTLS,
		replies: map[string]string{"T0 STARTTLS": "T0 OK go", "T1 CAPABILITY": "* CAPABILITY IMAP4rev1 AUTH=PLAIN\nT1 OK", "T2 LOGOUT": "* BYE\nT2 OK"}}
	smtpSrv := &scriptServer{greeting: "220 ready", starttls: "STARTTLS", upgrade: serverTLS,
		replies: map[string]string{"EHLO localhost": "250-hi\n250 STARTTLS", "STARTTLS": "220 go", "QUIT": "221 bye"}}
	imapSrv.start(t)
	smtpSrv.start(t)
	ports := map[string]int{"imap.example.com:143": imapSrv.port, "smtp.example.com:587": smtpSrv.port}
	pins := netconn.Pins{}
	for _, port := range ports {
		pins[core.Endpoint{Host: "127.0.0.1", Port: port}.Addr()] = []string{fingerprint}
	}
	prober := proberFunc(func(ctx context.Context, s Server) error {
		port, ok := ports[s.Endpoint().Addr()]
		if !ok {
			return errors.New("no such host")
		}
		local := s
		local.Host, local.Port = "127.0.0.1", port
		return NetProber{Dial: &netconn.Options{DialTimeout: time.Second, IOTimeout: time.Second, Pins: pins}}.Probe(ctx, local)
	})
	rec := &recorder{}
	got, err := Lookup(context.Background(), "jo@example.com", &Options{
		Fetcher: &blockingFetcher{}, Resolver: &fakeResolver{rec: rec}, Prober: prober})
	if err != nil {
		t.Fatalf("Lookup() = %v, want guessed settings", err)
	}
	if got.Source != SourceGuess || len(got.Incoming) != 1 || len(got.Outgoing) != 1 ||
		probeKey(got.Incoming[0]) != "imap imap.example.com:143 starttls" || probeKey(got.Outgoing[0]) != "smtp smtp.example.com:587 starttls" {
		t.Errorf("Lookup() = %+v, want the two servers that answered", got)
	}
}

type proberFunc func(ctx context.Context, s Server) error

func (f proberFunc) Probe(ctx context.Context, s Server) error { return f(ctx, s) }
