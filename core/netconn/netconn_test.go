package netconn

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/testcert"
)

// tlsServer accepts TLS connections and answers nothing.
func tlsServer(t *testing.T) (core.Endpoint, string) {
	t.Helper()
	cfg, _, fp := testcert.New(t, "netconn test")
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { c.(*tls.Conn).Handshake() }()
			t.Cleanup(func() { c.Close() })
		}
	}()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	p, _ := strconv.Atoi(port)
	return core.Endpoint{Host: "127.0.0.1", Port: p, Encryption: core.EncryptionSSL}, fp
}

func TestDialVerifiesOrPins(t *testing.T) {
	ep, fp := tlsServer(t)
	ctx := context.Background()
	_, err := Dial(ctx, ep, nil)
	var cert *core.CertificateError
	if !errors.As(err, &cert) || cert.Fingerprint != fp || cert.Server != ep.Addr() || core.KindOf(err) != core.KindTLS {
		t.Fatalf("Dial(untrusted) = %v, want a CertificateError for %s with fingerprint %s", err, ep.Addr(), fp)
	}
	c, err := Dial(ctx, ep, &Options{Pins: Pins{ep.Addr(): {fp}}})
	if err != nil {
		t.Fatalf("Dial(pinned) = %v, want success", err)
	}
	c.Close()
	// One certificate trusted on one port of a host is trusted on its
	// other ports: a server shows the same one for IMAP, POP3 and SMTP.
	if c, err := Dial(ctx, ep, &Options{Pins: Pins{"127.0.0.1:1": {fp}}}); err != nil {
		t.Errorf("Dial with the same certificate pinned on another port of the host = %v, want success", err)
	} else {
		c.Close()
	}
	// A pin is for its host only.
	if _, err := Dial(ctx, ep, &Options{Pins: Pins{"127.0.0.2:" + strconv.Itoa(ep.Port): {fp}}}); !errors.As(err, &cert) || cert.Changed() {
		t.Errorf("Dial with the pin on another host = %v, want a CertificateError of a first sight", err)
	}
}

// TestDialPinnedCertificateChanged: a server that shows another certificate
// than the one pinned for its host and port gets a distinct error carrying
// both fingerprints, not the first-sight question.
func TestDialPinnedCertificateChanged(t *testing.T) {
	ep, now := tlsServer(t)
	_, _, old := testcert.New(t, "the certificate trusted before")
	_, err := Dial(context.Background(), ep, &Options{Pins: Pins{ep.Addr(): {old}}})
	var cert *core.CertificateError
	if !errors.As(err, &cert) {
		t.Fatalf("Dial(pinned %s, server shows %s) = %v, want a CertificateError", old, now, err)
	}
	if !cert.Changed() || cert.Fingerprint != now || len(cert.Pinned) != 1 || cert.Pinned[0] != old || core.KindOf(err) != core.KindTLS {
		t.Errorf("Dial(changed certificate) = %+v, want Changed with Fingerprint %s and Pinned [%s], of kind TLS", cert, now, old)
	}
	msg := err.Error()
	for _, want := range []string{"the certificate of " + ep.Addr() + " changed", core.FormatFingerprint(old), core.FormatFingerprint(now)} {
		if !strings.Contains(msg, want) {
			t.Errorf("Dial(changed certificate) = %q, want it to say %q", msg, want)
		}
	}
}

func TestReadDeadlineAndCancel(t *testing.T) {
	ep, fp := tlsServer(t)
	opts := &Options{Pins: Pins{ep.Addr(): {fp}}, IOTimeout: 200 * time.Millisecond}
	c, err := Dial(context.Background(), ep, opts)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Read(make([]byte, 1))
	if core.KindOf(core.Classify("read", ep.Addr(), err)) != core.KindNetwork || time.Since(start) > 3*time.Second {
		t.Errorf("Read from a silent server = %v after %v, want a timeout after 200 ms", err, time.Since(start))
	}
	c.Close()

	ctx, cancel := context.WithCancel(context.Background())
	c, err = Dial(ctx, ep, &Options{Pins: opts.Pins, IOTimeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.AfterFunc(100*time.Millisecond, cancel)
	start = time.Now()
	if _, err := c.Read(make([]byte, 1)); err == nil || time.Since(start) > 3*time.Second {
		t.Errorf("Read after cancel = %v after %v, want it to end at once", err, time.Since(start))
	}
}

// TestWrongPortForTheEncryption: SSL/TLS chosen for a plain-text port, and
// a plain connection to an SSL/TLS port, end in advice a person can act on,
// not in crypto/tls's words.
func TestWrongPortForTheEncryption(t *testing.T) {
	ctx := context.Background()
	// A plain-text server that greets at once, as IMAP on port 143 does.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("* OK IMAP4rev1 ready\r\n"))
			t.Cleanup(func() { c.Close() })
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	_, err = Dial(ctx, core.Endpoint{Host: "127.0.0.1", Port: port, Encryption: core.EncryptionSSL}, nil)
	if got := fmt.Sprint(err); core.KindOf(err) != core.KindTLS || !strings.Contains(got, "does not speak SSL/TLS on this port; try STARTTLS") || strings.Contains(got, "first record") {
		t.Errorf("SSL/TLS to a plain-text server = %q (kind %v), want a TLS error saying it does not speak SSL/TLS on this port", got, core.KindOf(err))
	}
	// The same error on the well-known ports names the SSL/TLS one.
	if got := core.Classify("TLS handshake", "127.0.0.1:143", tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}).Error(); got != "127.0.0.1:143: the server does not speak SSL/TLS on this port; try STARTTLS, or port 993" {
		t.Errorf("on port 143: %q", got)
	}
	// A TLS server says nothing to a client that waits for its greeting.
	ep, _ := tlsServer(t)
	ep.Encryption = core.EncryptionNone
	c, err := Dial(ctx, ep, &Options{IOTimeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Read(make([]byte, 10))
	if got := core.Classify("greeting", "127.0.0.1:993", err).Error(); !strings.Contains(got, "port 993 expects SSL/TLS from the start") || !strings.Contains(got, "port 143 with STARTTLS") {
		t.Errorf("plain text to an SSL/TLS port: %q, want advice to choose SSL/TLS or port 143", got)
	}
}

// deadlineConn records the read deadlines set on the connection under it.
type deadlineConn struct {
	net.Conn
	mu   sync.Mutex
	read []time.Time
}

func (c *deadlineConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.read = append(c.read, t)
	c.mu.Unlock()
	return c.Conn.SetReadDeadline(t)
}

// last is the read deadline in force, and whether one was ever set.
func (c *deadlineConn) last() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.read) == 0 {
		return time.Time{}, false
	}
	return c.read[len(c.read)-1], true
}

// TestRestLiftsTheReadDeadline: a connection that rests (an IMAP client
// between commands, whose reader always waits) reads without a deadline,
// the read already waiting included; Expect puts the I/O timeout back,
// counted from the moment an answer is awaited.
func TestRestLiftsTheReadDeadline(t *testing.T) {
	const timeout = time.Hour // far off: no deadline here ever fires
	tests := []struct {
		name  string
		steps func(c *Conn)
		// want is whether a deadline must be in force after steps and a
		// read.
		want bool
	}{
		{"expecting by default", func(*Conn) {}, true},
		{"resting", func(c *Conn) { c.Rest() }, false},
		{"expecting again", func(c *Conn) { c.Rest(); c.Expect() }, true},
		{"resting again", func(c *Conn) { c.Rest(); c.Expect(); c.Rest() }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, server := net.Pipe()
			defer server.Close()
			raw := &deadlineConn{Conn: client}
			c := wrap(t.Context(), raw, &Options{IOTimeout: timeout})
			defer c.Close()
			before := time.Now()
			tc.steps(c)
			set, ok := raw.last()
			if ok && set.IsZero() == tc.want {
				t.Errorf("after the steps the read deadline is %v, want one: %v", set, tc.want)
			}
			go server.Write([]byte("x"))
			if _, err := c.Read(make([]byte, 1)); err != nil {
				t.Fatalf("Read() = %v", err)
			}
			set, _ = raw.last()
			switch {
			case !tc.want && !set.IsZero():
				t.Errorf("a resting read has the deadline %v, want none", set)
			case tc.want && (set.Before(before.Add(timeout)) || set.After(time.Now().Add(timeout))):
				t.Errorf("an expecting read has the deadline %v, want the I/O timeout from now", set)
			}
		})
	}
}
