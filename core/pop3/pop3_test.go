package pop3

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/core/netconn"
)

const (
	alice    = "alice"
	password = "correct horse battery"
)

// prompt is how long a cancelled call may take to return. The I/O timeout
// in options is far longer, so a pass proves cancellation, not a timeout.
const prompt = 5 * time.Second

func options(pins netconn.Pins) *netconn.Options {
	return &netconn.Options{DialTimeout: 10 * time.Second, IOTimeout: time.Minute, Pins: pins}
}

func endpoint(t *testing.T, addr string, enc core.Encryption) core.Endpoint {
	t.Helper()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	return core.Endpoint{Host: host, Port: p, Encryption: enc}
}

// dial connects to addr and closes the client when the test ends.
func dial(t *testing.T, addr string, enc core.Encryption, pins netconn.Pins) *Client {
	t.Helper()
	c, err := Dial(t.Context(), endpoint(t, addr, enc), options(pins))
	if err != nil {
		t.Fatalf("Dial(%s, %s) = %v, want a client", addr, enc, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// login dials and logs in as alice.
func login(t *testing.T, addr string, enc core.Encryption, pins netconn.Pins) *Client {
	t.Helper()
	c := dial(t, addr, enc, pins)
	if err := c.Login(t.Context(), alice, password); err != nil {
		t.Fatalf("Login(%s) = %v, want nil", alice, err)
	}
	return c
}

func wantKind(t *testing.T, what string, err error, want core.ErrorKind) {
	t.Helper()
	var e *core.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s = %v (%T), want a *core.Error of kind %v", what, err, err, want)
	}
	if e.Kind != want {
		t.Fatalf("%s = %v, kind %v, want kind %v", what, err, e.Kind, want)
	}
}

func TestRetrieveByteExact(t *testing.T) {
	tests := []struct {
		name string
		raw  string
	}{
		{"plain ASCII", "From: bob@example.com\r\nTo: alice@example.com\r\nSubject: hello\r\n\r\nHello, Alice.\r\n"},
		{"lines starting with a dot", "Subject: dots\r\n\r\n.hidden\r\n..two dots\r\n.\r\n. \r\nend\r\n"},
		{"8-bit body", "Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nGrüße, 日本語, and latin-1 \xe9\xff\r\n"},
		{"no body", "Subject: empty\r\n\r\n"},
		{"bare CR inside a line", "Subject: cr\r\n\r\na\rb\r\n"},
		{"long line", "Subject: long\r\n\r\n" + strings.Repeat("x", 5000) + "\r\n"},
	}
	srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{alice: password}})
	uidls := make([]string, len(tests))
	for i, tt := range tests {
		uidls[i] = srv.Add(alice, []byte(tt.raw))
	}
	c := login(t, srv.Addr, core.EncryptionNone, nil)

	msgs, err := c.List(t.Context())
	if err != nil {
		t.Fatalf("List() = %v, want nil", err)
	}
	var want []Message
	for i, tt := range tests {
		want = append(want, Message{Num: i + 1, UIDL: uidls[i], Size: int64(len(tt.raw))})
	}
	if !slices.Equal(msgs, want) {
		t.Fatalf("List() = %+v, want %+v", msgs, want)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got bytes.Buffer
			n, err := c.Retrieve(t.Context(), i+1, &got)
			if err != nil {
				t.Fatalf("Retrieve(%d) = %v, want nil", i+1, err)
			}
			if got.String() != tt.raw || n != int64(len(tt.raw)) {
				t.Errorf("Retrieve(%d) = %d bytes %q, want %d bytes %q", i+1, n, got.String(), len(tt.raw), tt.raw)
			}
		})
	}
	if err := c.Quit(t.Context()); err != nil {
		t.Errorf("Quit() = %v, want nil", err)
	}
}

func TestEncryption(t *testing.T) {
	serverTLS, _, fp := pop3test.TestTLSConfig(t)
	tests := []struct {
		name         string
		opts         pop3test.Options
		enc          core.Encryption
		wantCommands []string
	}{
		{
			name:         "none",
			enc:          core.EncryptionNone,
			wantCommands: []string{"CAPA", "USER alice", "PASS ***", "UIDL", "LIST", "RETR 1", "QUIT"},
		},
		{
			name:         "implicit TLS, pinned",
			opts:         pop3test.Options{TLS: serverTLS, ImplicitTLS: true},
			enc:          core.EncryptionSSL,
			wantCommands: []string{"CAPA", "USER alice", "PASS ***", "UIDL", "LIST", "RETR 1", "QUIT"},
		},
		{
			name:         "STARTTLS, pinned",
			opts:         pop3test.Options{TLS: serverTLS},
			enc:          core.EncryptionSTARTTLS,
			wantCommands: []string{"CAPA", "STLS", "CAPA", "USER alice", "PASS ***", "UIDL", "LIST", "RETR 1", "QUIT"},
		},
		{
			name:         "STARTTLS to a server without CAPA",
			opts:         pop3test.Options{TLS: serverTLS, NoCAPA: true},
			enc:          core.EncryptionSTARTTLS,
			wantCommands: []string{"CAPA", "STLS", "CAPA", "USER alice", "PASS ***", "UIDL", "LIST", "RETR 1", "QUIT"},
		},
		{
			// RFC 6856: UTF8 before login, where CAPA offers it (Courier).
			name:         "UTF8 offered",
			opts:         pop3test.Options{UTF8: true},
			enc:          core.EncryptionNone,
			wantCommands: []string{"CAPA", "UTF8", "USER alice", "PASS ***", "UIDL", "LIST", "RETR 1", "QUIT"},
		},
		{
			name:         "UTF8 offered after STARTTLS",
			opts:         pop3test.Options{TLS: serverTLS, UTF8: true},
			enc:          core.EncryptionSTARTTLS,
			wantCommands: []string{"CAPA", "STLS", "CAPA", "UTF8", "USER alice", "PASS ***", "UIDL", "LIST", "RETR 1", "QUIT"},
		},
	}
	const raw = "Subject: secret\r\n\r\nOnly over TLS.\r\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Users = map[string]string{alice: password}
			tt.opts.Messages = map[string][][]byte{alice: {[]byte(raw)}}
			srv := pop3test.Start(t, tt.opts)
			c := login(t, srv.Addr, tt.enc, netconn.Pins{srv.Addr: {fp}})
			if msgs, err := c.List(t.Context()); err != nil || len(msgs) != 1 {
				t.Fatalf("List() = %v, %v, want one message", msgs, err)
			}
			var got bytes.Buffer
			if _, err := c.Retrieve(t.Context(), 1, &got); err != nil || got.String() != raw {
				t.Fatalf("Retrieve(1) = %q, %v, want %q", got.String(), err, raw)
			}
			if err := c.Quit(t.Context()); err != nil {
				t.Fatalf("Quit() = %v, want nil", err)
			}
			if got := srv.Commands(); !slices.Equal(got, tt.wantCommands) {
				t.Errorf("server saw %q, want %q", got, tt.wantCommands)
			}
		})
	}
}

func TestDialRefused(t *testing.T) {
	serverTLS, _, fp := pop3test.TestTLSConfig(t)
	_, _, otherFP := pop3test.TestTLSConfig(t)
	tests := []struct {
		name            string
		opts            pop3test.Options
		enc             core.Encryption
		pin             string
		wantFingerprint string // a *core.CertificateError with it
		wantNotOffered  bool
		wantCommands    []string
		anyCommands     bool // a TLS ClientHello reached a plain-text server
	}{
		{
			name:            "implicit TLS, certificate not trusted",
			opts:            pop3test.Options{TLS: serverTLS, ImplicitTLS: true},
			enc:             core.EncryptionSSL,
			wantFingerprint: fp,
		},
		{
			name:            "implicit TLS, another certificate pinned",
			opts:            pop3test.Options{TLS: serverTLS, ImplicitTLS: true},
			enc:             core.EncryptionSSL,
			pin:             otherFP,
			wantFingerprint: fp,
		},
		{
			name:            "STARTTLS, certificate not trusted",
			opts:            pop3test.Options{TLS: serverTLS},
			enc:             core.EncryptionSTARTTLS,
			wantFingerprint: fp,
			wantCommands:    []string{"CAPA", "STLS"},
		},
		{
			name:           "STARTTLS not in CAPA",
			enc:            core.EncryptionSTARTTLS,
			wantNotOffered: true,
			wantCommands:   []string{"CAPA"},
		},
		{
			name:           "STARTTLS refused by a server without CAPA",
			opts:           pop3test.Options{NoCAPA: true},
			enc:            core.EncryptionSTARTTLS,
			wantNotOffered: true,
			wantCommands:   []string{"CAPA", "STLS"},
		},
		{
			name:        "implicit TLS to a plain-text server",
			enc:         core.EncryptionSSL,
			anyCommands: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Users = map[string]string{alice: password}
			srv := pop3test.Start(t, tt.opts)
			var pins netconn.Pins
			if tt.pin != "" {
				pins = netconn.Pins{srv.Addr: {tt.pin}}
			}
			c, err := Dial(t.Context(), endpoint(t, srv.Addr, tt.enc), options(pins))
			if err == nil {
				c.Close()
				t.Fatalf("Dial(%s) = a client, want an error", tt.enc)
			}
			wantKind(t, "Dial", err, core.KindTLS)
			var cert *core.CertificateError
			switch {
			case tt.wantFingerprint != "" && !errors.As(err, &cert):
				t.Errorf("Dial(%s) = %v, want a *core.CertificateError", tt.enc, err)
			case tt.wantFingerprint != "" && cert.Fingerprint != tt.wantFingerprint:
				t.Errorf("Dial(%s) fingerprint = %s, want %s", tt.enc, cert.Fingerprint, tt.wantFingerprint)
			}
			if got := errors.Is(err, core.ErrSTARTTLSNotOffered); got != tt.wantNotOffered {
				t.Errorf("errors.Is(%v, ErrSTARTTLSNotOffered) = %v, want %v", err, got, tt.wantNotOffered)
			}
			got := srv.Commands()
			if slices.ContainsFunc(got, isCredential) {
				t.Errorf("server saw %q, want no USER or PASS", got)
			}
			if !tt.anyCommands && !slices.Equal(got, tt.wantCommands) {
				t.Errorf("server saw %q, want %q", got, tt.wantCommands)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	tests := []struct {
		name         string
		user, pass   string
		holdMaildrop bool // another session is logged in as alice
		wantKind     core.ErrorKind
		wantOK       bool
		wantCode     string // of the *ReplyError
		wantSent     bool   // whether USER reached the server
	}{
		{name: "right password", user: alice, pass: password, wantOK: true, wantSent: true},
		{name: "wrong password", user: alice, pass: "hunter2", wantKind: core.KindAuth, wantCode: "AUTH", wantSent: true},
		{name: "unknown user", user: "mallory", pass: password, wantKind: core.KindAuth, wantCode: "AUTH", wantSent: true},
		{name: "maildrop locked by another session", user: alice, pass: password, holdMaildrop: true, wantKind: core.KindProtocol, wantCode: "IN-USE", wantSent: true},
		{name: "CR LF in the password", user: alice, pass: "x\r\nDELE 1", wantKind: core.KindConfig},
		{name: "LF in the user name", user: "alice\nQUIT", pass: password, wantKind: core.KindConfig},
		{name: "NUL in the password", user: alice, pass: "x\x00y", wantKind: core.KindConfig},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{alice: password}})
			if tt.holdMaildrop {
				login(t, srv.Addr, core.EncryptionNone, nil)
			}
			c := dial(t, srv.Addr, core.EncryptionNone, nil)
			before := len(srv.Commands())
			err := c.Login(t.Context(), tt.user, tt.pass)
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Login(%q) = %v, want nil", tt.user, err)
				}
			} else {
				wantKind(t, "Login", err, tt.wantKind)
			}
			var reply *ReplyError
			if got := ""; tt.wantCode != "" {
				if errors.As(err, &reply) {
					got = reply.Code()
				}
				if got != tt.wantCode {
					t.Errorf("Login(%q) = %v, response code %q, want %q", tt.user, err, got, tt.wantCode)
				}
			}
			sent := slices.ContainsFunc(srv.Commands()[before:], isCredential)
			if sent != tt.wantSent {
				t.Errorf("Login(%q): USER or PASS sent = %v, want %v", tt.user, sent, tt.wantSent)
			}
			if strings.Contains(errString(err), tt.pass) && tt.pass != "" {
				t.Errorf("Login error %q shows the password", err)
			}
		})
	}
}

func isCredential(cmd string) bool {
	return strings.HasPrefix(cmd, "USER") || strings.HasPrefix(cmd, "PASS")
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestDelete(t *testing.T) {
	first, second := []byte("Subject: 1\r\n\r\none\r\n"), []byte("Subject: 2\r\n\r\ntwo\r\n")
	tests := []struct {
		name     string
		end      func(*Client) error
		wantLeft [][]byte
	}{
		{"Quit commits", func(c *Client) error { return c.Quit(context.Background()) }, [][]byte{second}},
		{"Close does not", func(c *Client) error { return c.Close() }, [][]byte{first, second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := pop3test.Start(t, pop3test.Options{
				Users:    map[string]string{alice: password},
				Messages: map[string][][]byte{alice: {first, second}},
			})
			c := login(t, srv.Addr, core.EncryptionNone, nil)
			if err := c.Delete(t.Context(), 1); err != nil {
				t.Fatalf("Delete(1) = %v, want nil", err)
			}
			// A refused command leaves the session usable.
			err := c.Delete(t.Context(), 1)
			var reply *ReplyError
			if !errors.As(err, &reply) {
				t.Fatalf("Delete(1) again = %v, want a *ReplyError", err)
			}
			wantKind(t, "Delete(1) again", err, core.KindProtocol)
			msgs, err := c.List(t.Context())
			if err != nil || len(msgs) != 1 || msgs[0].Num != 2 {
				t.Fatalf("List() after Delete(1) = %+v, %v, want message 2 only", msgs, err)
			}
			if got := srv.Messages(alice); len(got) != 2 {
				t.Fatalf("before the session ends, the server holds %d messages, want 2", len(got))
			}
			if err := tt.end(c); err != nil {
				t.Fatalf("ending the session = %v, want nil", err)
			}
			if got := srv.Messages(alice); !slices.EqualFunc(got, tt.wantLeft, bytes.Equal) {
				t.Errorf("server holds %q, want %q", got, tt.wantLeft)
			}
			if _, err := c.List(t.Context()); !errors.Is(err, net.ErrClosed) {
				t.Errorf("List() after the session ended = %v, want net.ErrClosed", err)
			}
		})
	}
}

func TestServerDrops(t *testing.T) {
	raw := []byte("Subject: big\r\n\r\n" + strings.Repeat("line of text\r\n", 2000))
	tests := []struct {
		cmd  string
		call func(context.Context, *Client, io.Writer) error
	}{
		{"RETR", func(ctx context.Context, c *Client, w io.Writer) error { _, err := c.Retrieve(ctx, 1, w); return err }},
		{"UIDL", func(ctx context.Context, c *Client, _ io.Writer) error { _, err := c.List(ctx); return err }},
		{"PASS", func(ctx context.Context, c *Client, _ io.Writer) error { return c.Login(ctx, alice, password) }},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			srv := pop3test.Start(t, pop3test.Options{
				Users:    map[string]string{alice: password},
				Messages: map[string][][]byte{alice: {raw}},
			})
			srv.DropAfter(tt.cmd, 1)
			c := dial(t, srv.Addr, core.EncryptionNone, nil)
			if tt.cmd != "PASS" {
				if err := c.Login(t.Context(), alice, password); err != nil {
					t.Fatalf("Login = %v, want nil", err)
				}
			}
			var got bytes.Buffer
			err := tt.call(t.Context(), c, &got)
			wantKind(t, tt.cmd+" on a dropped connection", err, core.KindNetwork)
			if !core.IsTemporary(err) {
				t.Errorf("IsTemporary(%v) = false, want true", err)
			}
			// Retrieve streams: what it wrote before the cut is the start
			// of the message, never anything else.
			if !bytes.HasPrefix(raw, got.Bytes()) || (tt.cmd == "RETR" && got.Len() == len(raw)) {
				t.Errorf("%s wrote %d bytes of a message cut short, want a part of its start", tt.cmd, got.Len())
			}
			err = c.Delete(t.Context(), 1)
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("Delete(1) after the drop = %v, want net.ErrClosed", err)
			}
			wantKind(t, "Delete(1) after the drop", err, core.KindNetwork)
			if err := c.Close(); err != nil {
				t.Errorf("Close() = %v, want nil", err)
			}
			if n := len(srv.Messages(alice)); n != 1 {
				t.Errorf("server holds %d messages, want 1", n)
			}
		})
	}
}

// silent accepts connections and never says a word.
func silent(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan struct{})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				go func() { <-done; c.Close() }()
				_, _ = io.Copy(io.Discard, c)
			})
		}
	})
	t.Cleanup(func() { close(done); ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func TestCancel(t *testing.T) {
	serverTLS, _, fp := pop3test.TestTLSConfig(t)
	stalled := func(cmd string, opts pop3test.Options) func(t *testing.T) (string, netconn.Pins) {
		return func(t *testing.T) (string, netconn.Pins) {
			opts.Users = map[string]string{alice: password}
			opts.Messages = map[string][][]byte{alice: {[]byte("Subject: x\r\n\r\nx\r\n")}}
			srv := pop3test.Start(t, opts)
			srv.Stall(cmd)
			return srv.Addr, netconn.Pins{srv.Addr: {fp}}
		}
	}
	retrieve := func(ctx context.Context, c *Client) error { _, err := c.Retrieve(ctx, 1, io.Discard); return err }
	list := func(ctx context.Context, c *Client) error { _, err := c.List(ctx); return err }
	tests := []struct {
		name   string
		server func(t *testing.T) (string, netconn.Pins)
		enc    core.Encryption
		// call runs under a context that is cancelled. When nil, Dial does.
		call func(ctx context.Context, c *Client) error
		// cancelDial cancels Dial's context instead of the call's.
		cancelDial bool
		noLogin    bool // call logs in itself
	}{
		{name: "Dial waiting for the greeting", server: func(t *testing.T) (string, netconn.Pins) { return silent(t), nil }, enc: core.EncryptionNone},
		{name: "Dial waiting for the STLS reply", server: stalled("STLS", pop3test.Options{TLS: serverTLS}), enc: core.EncryptionSTARTTLS},
		{name: "Login waiting for the PASS reply", server: stalled("PASS", pop3test.Options{}), call: func(ctx context.Context, c *Client) error { return c.Login(ctx, alice, password) }, noLogin: true},
		{name: "List waiting for the UIDL reply", server: stalled("UIDL", pop3test.Options{}), call: list},
		{name: "Retrieve waiting for the RETR reply", server: stalled("RETR", pop3test.Options{}), call: retrieve},
		{name: "Retrieve over implicit TLS", server: stalled("RETR", pop3test.Options{TLS: serverTLS, ImplicitTLS: true}), enc: core.EncryptionSSL, call: retrieve},
		{name: "Dial's context ends the session", server: stalled("RETR", pop3test.Options{}), call: retrieve, cancelDial: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, pins := tt.server(t)
			enc := tt.enc
			if enc == "" {
				enc = core.EncryptionNone
			}
			ep := endpoint(t, addr, enc)
			dialCtx, cancelDial := context.WithCancel(t.Context())
			defer cancelDial()
			callCtx, cancelCall := context.WithCancel(t.Context())
			defer cancelCall()
			cancel := cancelCall
			if tt.call == nil || tt.cancelDial {
				cancel = cancelDial
			}
			// The server is stalled, so waiting before cancelling makes
			// sure the call is blocked on it when the cancellation comes.
			const wait = 100 * time.Millisecond

			start := time.Now()
			if tt.call == nil {
				time.AfterFunc(wait, cancel)
			}
			c, err := Dial(dialCtx, ep, options(pins))
			if err == nil {
				t.Cleanup(func() { c.Close() })
				if tt.call == nil {
					t.Fatal("Dial() = a client, want an error")
				}
				if !tt.noLogin {
					if err := c.Login(t.Context(), alice, password); err != nil {
						t.Fatalf("Login() = %v, want nil", err)
					}
				}
				start = time.Now()
				time.AfterFunc(wait, cancel)
				err = tt.call(callCtx, c)
			}
			if elapsed := time.Since(start); elapsed > prompt {
				t.Errorf("cancelled call returned after %v, want under %v", elapsed, prompt)
			}
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("cancelled call = %v, want context.Canceled", err)
			}
			if core.IsTemporary(err) {
				t.Errorf("IsTemporary(%v) = true, want false", err)
			}
			if c != nil {
				if err := list(t.Context(), c); err == nil {
					t.Errorf("List() after cancellation = nil, want an error")
				}
			}
		})
	}
}

func TestDeadline(t *testing.T) {
	srv := pop3test.Start(t, pop3test.Options{
		Users:    map[string]string{alice: password},
		Messages: map[string][][]byte{alice: {[]byte("Subject: x\r\n\r\nx\r\n")}},
	})
	srv.Stall("RETR")
	c := login(t, srv.Addr, core.EncryptionNone, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Retrieve(ctx, 1, io.Discard)
	wantKind(t, "Retrieve past its deadline", err, core.KindNetwork)
	if !core.IsTemporary(err) {
		t.Errorf("IsTemporary(%v) = false, want true", err)
	}
}

func TestNoUIDL(t *testing.T) {
	srv := pop3test.Start(t, pop3test.Options{
		Users:    map[string]string{alice: password},
		Messages: map[string][][]byte{alice: {[]byte("Subject: x\r\n\r\nx\r\n")}},
		NoUIDL:   true,
	})
	c := login(t, srv.Addr, core.EncryptionNone, nil)
	_, err := c.List(t.Context())
	if !errors.Is(err, ErrNoUIDL) {
		t.Fatalf("List() = %v, want ErrNoUIDL", err)
	}
	wantKind(t, "List", err, core.KindProtocol)
	if !strings.Contains(err.Error(), "does not support UIDL") {
		t.Errorf("List() = %q, want it to say the server does not support UIDL", err)
	}
	if err := c.Quit(t.Context()); err != nil {
		t.Errorf("Quit() after a refused UIDL = %v, want nil", err)
	}
}

func TestMessageTooLarge(t *testing.T) {
	const limit = 1 << 10
	tests := []struct {
		name      string
		size      int
		wantAlive bool // the session goes on after the error
	}{
		{"over the limit, within the slack read", 4 << 10, true},
		{"far over the limit, reading stops", 256 << 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := []byte("Subject: big\r\n\r\n" + strings.Repeat("0123456789abcdef\r\n", tt.size/18))
			srv := pop3test.Start(t, pop3test.Options{
				Users:    map[string]string{alice: password},
				Messages: map[string][][]byte{alice: {raw}},
			})
			c := login(t, srv.Addr, core.EncryptionNone, nil)
			c.maxSize = limit
			var got bytes.Buffer
			_, err := c.Retrieve(t.Context(), 1, &got)
			if !errors.Is(err, ErrMessageTooLarge) {
				t.Fatalf("Retrieve(1) of %d bytes = %v, want ErrMessageTooLarge", len(raw), err)
			}
			wantKind(t, "Retrieve", err, core.KindProtocol)
			if got.Len() > limit || !bytes.HasPrefix(raw, got.Bytes()) {
				t.Errorf("Retrieve(1) wrote %d bytes, want at most the first %d of the message", got.Len(), limit)
			}
			if _, err := c.List(t.Context()); (err == nil) != tt.wantAlive {
				t.Errorf("List() after the error = %v, want the session alive = %v", err, tt.wantAlive)
			}
		})
	}
}

// scripted serves one connection from a script: after the greeting, each
// command gets the reply stored under its verb, or -ERR.
func scripted(t *testing.T, greeting string, replies map[string]string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := io.WriteString(c, greeting); err != nil {
			return
		}
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
			reply, ok := replies[strings.ToUpper(verb)]
			if !ok {
				reply = "-ERR not in the script\r\n"
			}
			if _, err := io.WriteString(c, reply); err != nil {
				return
			}
		}
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

func TestMisbehavingServer(t *testing.T) {
	const hello = "+OK hello\r\n"
	tests := []struct {
		name     string
		greeting string
		replies  map[string]string
		enc      core.Encryption
		call     func(ctx context.Context, c *Client) error
		wantKind core.ErrorKind
		wantText string
	}{
		{
			name:     "bytes injected after the STLS reply",
			greeting: hello,
			replies:  map[string]string{"CAPA": "+OK\r\nSTLS\r\n.\r\n", "STLS": "+OK go ahead\r\n+OK injected\r\n"},
			enc:      core.EncryptionSTARTTLS,
			wantKind: core.KindTLS,
			// Read one byte at a time, the STLS reply leaves the injected
			// line in the socket, where the TLS handshake meets it.
			wantText: "does not look like a TLS handshake",
		},
		{
			name:     "greeting refused",
			greeting: "-ERR [SYS/TEMP] too busy\r\n",
			wantKind: core.KindProtocol,
			wantText: "too busy",
		},
		{
			name:     "greeting without an end",
			greeting: strings.Repeat("+OK ", 40<<10),
			wantKind: core.KindProtocol,
			wantText: "larger than Tributary accepts",
		},
		{
			name:     "reply neither +OK nor -ERR",
			greeting: hello,
			replies:  map[string]string{"USER": "* what\r\n"},
			call:     func(ctx context.Context, c *Client) error { return c.Login(ctx, alice, password) },
			wantKind: core.KindProtocol,
			wantText: "neither +OK nor -ERR",
		},
		{
			name:     "two messages with one UIDL",
			greeting: hello,
			replies:  map[string]string{"UIDL": "+OK\r\n1 same\r\n2 same\r\n.\r\n", "LIST": "+OK\r\n1 10\r\n2 20\r\n.\r\n"},
			call:     func(ctx context.Context, c *Client) error { _, err := c.List(ctx); return err },
			wantKind: core.KindProtocol,
			wantText: "same UIDL",
		},
		{
			name:     "UIDL and LIST disagree",
			greeting: hello,
			replies:  map[string]string{"UIDL": "+OK\r\n1 a\r\n.\r\n", "LIST": "+OK\r\n1 10\r\n2 20\r\n.\r\n"},
			call:     func(ctx context.Context, c *Client) error { _, err := c.List(ctx); return err },
			wantKind: core.KindProtocol,
			wantText: "UIDL does not",
		},
		{
			name:     "size not a number",
			greeting: hello,
			replies:  map[string]string{"UIDL": "+OK\r\n1 a\r\n.\r\n", "LIST": "+OK\r\n1 ten\r\n.\r\n"},
			call:     func(ctx context.Context, c *Client) error { _, err := c.List(ctx); return err },
			wantKind: core.KindProtocol,
			wantText: "malformed LIST reply",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := scripted(t, tt.greeting, tt.replies)
			enc := tt.enc
			if enc == "" {
				enc = core.EncryptionNone
			}
			c, err := Dial(t.Context(), endpoint(t, addr, enc), options(nil))
			if err == nil {
				defer c.Close()
				if tt.call == nil {
					t.Fatal("Dial() = a client, want an error")
				}
				err = tt.call(t.Context(), c)
			}
			wantKind(t, tt.name, err, tt.wantKind)
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not say %q", err, tt.wantText)
			}
		})
	}
}

func TestReplyErrorCode(t *testing.T) {
	tests := []struct {
		text, want string
	}{
		{"[AUTH] bad password", "AUTH"},
		{"[sys/temp] later", "SYS/TEMP"},
		{"no code", ""},
		{"[unclosed", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := (&ReplyError{Text: tt.text}).Code(); got != tt.want {
			t.Errorf("ReplyError{Text: %q}.Code() = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestDialUnknownEncryption(t *testing.T) {
	_, err := Dial(t.Context(), core.Endpoint{Host: "127.0.0.1", Port: 110}, options(nil))
	wantKind(t, "Dial with no encryption set", err, core.KindConfig)
}

func TestCloseWhileBusy(t *testing.T) {
	srv := pop3test.Start(t, pop3test.Options{
		Users:    map[string]string{alice: password},
		Messages: map[string][][]byte{alice: {[]byte("Subject: x\r\n\r\nx\r\n")}},
	})
	srv.Stall("RETR")
	c := login(t, srv.Addr, core.EncryptionNone, nil)
	time.AfterFunc(100*time.Millisecond, func() { c.Close() })
	start := time.Now()
	_, err := c.Retrieve(t.Context(), 1, io.Discard)
	if elapsed := time.Since(start); elapsed > prompt {
		t.Errorf("Retrieve returned %v after Close, want under %v", elapsed, prompt)
	}
	if !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Retrieve(1) interrupted by Close = %v, want net.ErrClosed", err)
	}
	wantKind(t, "Retrieve(1) interrupted by Close", err, core.KindNetwork)
	if err := c.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}

func TestGreetingTimeout(t *testing.T) {
	tests := []struct {
		name string
		enc  core.Encryption
	}{
		{"plain text", core.EncryptionNone},
		{"STARTTLS", core.EncryptionSTARTTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := silent(t)
			opts := &netconn.Options{DialTimeout: 200 * time.Millisecond, IOTimeout: time.Minute}
			start := time.Now()
			_, err := Dial(t.Context(), endpoint(t, addr, tt.enc), opts)
			if elapsed := time.Since(start); elapsed > prompt {
				t.Errorf("Dial to a silent server returned after %v, want about %v", elapsed, opts.DialTimeout)
			}
			wantKind(t, "Dial to a silent server", err, core.KindNetwork)
			if !strings.Contains(err.Error(), "no answer") {
				t.Errorf("Dial to a silent server = %q, want it to say there was no answer", err)
			}
		})
	}
}
