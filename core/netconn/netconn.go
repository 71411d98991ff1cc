// Package netconn dials mail servers the one way Tributary does it: with a
// dial timeout, a deadline on every read and write, cancellation through a
// context, and TLS that verifies against the system roots or a certificate
// the user pinned for that exact host and port.
package netconn

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// Defaults for Options.
const (
	DefaultDialTimeout = 15 * time.Second
	DefaultIOTimeout   = 60 * time.Second
)

// Pins are certificates the user chose to trust although no system root
// vouches for them: SHA-256 fingerprints keyed by host:port.
type Pins map[string][]string

// Options tune a connection. A nil *Options means the defaults.
type Options struct {
	DialTimeout time.Duration // for TCP connect plus TLS handshake
	IOTimeout   time.Duration // for each read and write after that
	Pins        Pins
}

// DialTimeoutOrDefault is the connect timeout of o, which may be nil.
func (o *Options) DialTimeoutOrDefault() time.Duration {
	if o == nil || o.DialTimeout <= 0 {
		return DefaultDialTimeout
	}
	return o.DialTimeout
}

// IOTimeoutOrDefault is the per-operation timeout of o, which may be nil.
func (o *Options) IOTimeoutOrDefault() time.Duration {
	if o == nil || o.IOTimeout <= 0 {
		return DefaultIOTimeout
	}
	return o.IOTimeout
}

// PinSet returns the pins of o, which may be nil.
func (o *Options) PinSet() Pins {
	if o == nil {
		return nil
	}
	return o.Pins
}

// LoadRoots starts reading the system's trusted certificates in the
// background. Go parses them all at the first verification, about 25 ms
// of CPU with Debian's set; begun as the program starts, that is done by
// the first handshake instead of inside it.
func LoadRoots() {
	go x509.SystemCertPool() //nolint:errcheck // the verification reports a failure
}

// TLSConfig verifies the server's chain against the system roots (on Linux
// SSL_CERT_FILE and SSL_CERT_DIR are honoured) and, failing that, accepts
// the leaf only if its fingerprint is pinned for this host, on this port or
// another: one server shows one certificate on its IMAP, POP3 and SMTP
// ports, and the user trusts it once. A refusal is a *core.CertificateError
// carrying the fingerprint to show; it is a changed certificate when this
// very port had pins.
func TLSConfig(host string, port int, pins Pins) *tls.Config {
	server := core.Endpoint{Host: host, Port: port}.Addr()
	name := strings.Trim(host, "[]")
	return &tls.Config{
		ServerName: name,
		MinVersion: tls.VersionTLS12,
		// Verification is done below, so that a failure can carry the
		// fingerprint and a pinned certificate can be accepted.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("netconn: server sent no certificate")
			}
			leaf := cs.PeerCertificates[0]
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			_, err := leaf.Verify(x509.VerifyOptions{DNSName: name, Intermediates: inter})
			if err == nil {
				return nil
			}
			fp := core.Fingerprint(leaf)
			if pinnedForHost(pins, name, fp) {
				return nil
			}
			// With pins for this server, this is a changed certificate,
			// not a first sight: the error says so and shows both.
			return &core.CertificateError{
				Server:      server,
				Subject:     leaf.Subject.String(),
				Issuer:      leaf.Issuer.String(),
				NotAfter:    leaf.NotAfter,
				Fingerprint: fp,
				Pinned:      slices.Clone(pins[server]),
				Err:         err,
			}
		},
	}
}

// pinnedForHost reports whether fp is pinned for host on any port.
func pinnedForHost(pins Pins, host, fp string) bool {
	for server, fps := range pins {
		if h, _, err := net.SplitHostPort(server); err == nil && strings.EqualFold(h, host) && slices.Contains(fps, fp) {
			return true
		}
	}
	return false
}

// Conn is a connection whose every Read and Write must finish within the
// I/O timeout, and which closes itself when its context is cancelled.
// While it rests (see Rest) reads wait without a deadline.
type Conn struct {
	net.Conn
	mu      sync.Mutex
	timeout time.Duration
	resting bool
	stop    func() bool
}

// SetIOTimeout changes the per-operation timeout, for example to wait
// through an IMAP IDLE.
func (c *Conn) SetIOTimeout(d time.Duration) {
	c.mu.Lock()
	c.timeout = d
	c.mu.Unlock()
}

func (c *Conn) deadline() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.timeout)
}

// Rest says that no answer is awaited: reads wait without a deadline
// from now on, the one already waiting included, until Expect. A protocol
// client whose reader always waits for what the server may say unasked
// (go-imap's) rests between commands; else a kept connection would time
// out while idle, and the next command would get only what was left of
// the deadline its reader set when it went idle.
func (c *Conn) Rest() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resting = true
	c.Conn.SetReadDeadline(time.Time{})
}

// Expect ends Rest: an answer is awaited, and is due within the I/O
// timeout from now, also for the read already waiting.
func (c *Conn) Expect() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.resting = false
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
}

func (c *Conn) Read(p []byte) (int, error) {
	// The deadline is set under mu, so that a Rest or Expect racing
	// with this read is never undone by it.
	c.mu.Lock()
	var err error
	if !c.resting {
		err = c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	}
	c.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *Conn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(c.deadline()); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// Close closes the connection and forgets the context.
func (c *Conn) Close() error {
	c.stop()
	return c.Conn.Close()
}

// CheckEncryption refuses an encryption other than none, ssl and starttls,
// with a core.KindConfig error. Every protocol branches on "is it
// STARTTLS?" and "is it SSL?", so an unknown value (a stored setting that
// was never validated) would otherwise mean plain text and a password sent
// in clear.
func CheckEncryption(ep core.Endpoint) error {
	switch ep.Encryption {
	case core.EncryptionNone, core.EncryptionSSL, core.EncryptionSTARTTLS:
		return nil
	}
	return &core.Error{Kind: core.KindConfig, Op: "connect", Server: ep.Addr(),
		Err: fmt.Errorf("%w %q; set the account's encryption to ssl, starttls or none", ErrUnknownEncryption, ep.Encryption)}
}

// ErrUnknownEncryption is wrapped by CheckEncryption's error.
var ErrUnknownEncryption = errors.New("unknown encryption setting")

// Dial connects to ep. With EncryptionSSL the TLS handshake is done here;
// with STARTTLS the caller negotiates it in its protocol and then calls
// StartTLS. An unknown encryption is refused before anything is dialled.
// Errors are classified with core.Classify.
func Dial(ctx context.Context, ep core.Endpoint, opts *Options) (*Conn, error) {
	if err := CheckEncryption(ep); err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeoutOrDefault())
	defer cancel()
	var d net.Dialer
	raw, err := d.DialContext(dctx, "tcp", ep.Addr())
	if err != nil {
		return nil, core.Classify("connect", ep.Addr(), err)
	}
	if ep.Encryption == core.EncryptionSSL {
		tc, err := handshake(dctx, raw, ep, opts)
		if err != nil {
			return nil, core.Classify("TLS handshake", ep.Addr(), err)
		}
		raw = tc
	}
	return wrap(ctx, raw, opts), nil
}

// StartTLS upgrades c after the protocol's STARTTLS command was accepted.
// c must not be used afterwards.
func StartTLS(ctx context.Context, c *Conn, ep core.Endpoint, opts *Options) (*Conn, error) {
	c.stop()
	dctx, cancel := context.WithTimeout(ctx, opts.DialTimeoutOrDefault())
	defer cancel()
	tc, err := handshake(dctx, c.Conn, ep, opts)
	var notTLS tls.RecordHeaderError
	if errors.As(err, &notTLS) {
		// Not a wrong port: the server agreed to STARTTLS and then went
		// on in plain text (or something in between added bytes).
		return nil, &core.Error{Kind: core.KindTLS, Op: "STARTTLS", Server: ep.Addr(),
			Err: fmt.Errorf("the server accepted STARTTLS but then did not speak TLS (%w); nothing was sent", notTLS)}
	}
	if err != nil {
		return nil, err
	}
	return wrap(ctx, tc, opts), nil
}

// handshake does the TLS handshake on raw. Its error is classified, but
// keeps a tls.RecordHeaderError reachable for StartTLS to word.
func handshake(ctx context.Context, raw net.Conn, ep core.Endpoint, opts *Options) (*tls.Conn, error) {
	tc := tls.Client(raw, TLSConfig(ep.Host, ep.Port, opts.PinSet()))
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		var notTLS tls.RecordHeaderError
		if errors.As(err, &notTLS) {
			return nil, err
		}
		classified := core.Classify("TLS handshake", ep.Addr(), err)
		// A handshake that fails for any reason but the network (version,
		// cipher, a plain-text server on a TLS port) is a TLS problem.
		var e *core.Error
		if errors.As(classified, &e) && e.Kind == core.KindProtocol {
			e.Kind = core.KindTLS
			e.Err = fmt.Errorf("TLS handshake failed: %w", e.Err)
		}
		return nil, classified
	}
	return tc, nil
}

func wrap(ctx context.Context, raw net.Conn, opts *Options) *Conn {
	c := &Conn{Conn: raw, timeout: opts.IOTimeoutOrDefault()}
	c.stop = context.AfterFunc(ctx, func() { raw.Close() })
	return c
}
