package core

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/tributary-mail/tributary/core/termsafe"
)

// ErrorKind classifies a failure by what the user can do about it.
type ErrorKind int

// The kinds of failure. Retry loops stop on KindAuth, KindTLS and KindConfig
// (only the user can fix those) and back off on the others.
const (
	KindNetwork  ErrorKind = iota // unreachable, timed out, dropped
	KindAuth                      // the server refused the credentials
	KindTLS                       // certificate not trusted, STARTTLS missing, handshake failed
	KindProtocol                  // the server said something unexpected or refused a command
	KindConfig                    // our own settings are incomplete, e.g. no password stored
	KindStorage                   // the local store failed: disk full, permissions, a damaged file
)

func (k ErrorKind) String() string {
	switch k {
	case KindAuth:
		return "authentication"
	case KindTLS:
		return "TLS"
	case KindProtocol:
		return "protocol"
	case KindConfig:
		return "configuration"
	case KindStorage:
		return "storage"
	}
	return "network"
}

// ErrSTARTTLSNotOffered is returned when the user chose STARTTLS and the
// server does not offer it. The connection is dropped before any credential
// is sent.
var ErrSTARTTLSNotOffered = errors.New("server does not offer STARTTLS; nothing was sent, no password included")

// maxErrorText bounds the text of an Error, which may carry a hostile
// server's reply.
const maxErrorText = 2048

// Error is a failure talking to a mail server, classified and worded for
// the user. Server is host:port. Its text is cleaned with termsafe.Line,
// because it carries what the server said (IMAP, POP3 and SMTP alike): no
// terminal escape, control or bidi character reaches the user, and a
// flood of server text is cut.
type Error struct {
	Kind   ErrorKind
	Op     string // "connect", "login", "fetch", ...
	Server string
	Err    error
}

func (e *Error) Error() string {
	said := ""
	if e.Err != nil {
		// Our own advice may follow the server's words, so the cap is
		// wider than one status line.
		said = termsafe.Cut(termsafe.Line(e.Err.Error()), maxErrorText)
	}
	switch e.Kind {
	case KindAuth:
		if e.Op == OpTokenLogin {
			return fmt.Sprintf("%s: the server refused the OAuth2 access token (%s); if this persists, sign in again", e.Server, said)
		}
		return fmt.Sprintf("%s: wrong username or password (server said: %s); check the account's credentials", e.Server, said)
	case KindTLS:
		return fmt.Sprintf("%s: %s", e.Server, said)
	}
	return fmt.Sprintf("%s: %s: %s", e.Server, e.Op, said)
}

func (e *Error) Unwrap() error { return e.Err }

// OpTokenLogin is the Op of a sign-in with an OAuth2 access token
// (XOAUTH2 or OAUTHBEARER), so that its refusal is not worded as a wrong
// password.
const OpTokenLogin = "token login"

// SignInError says that an OAuth2 account's saved sign-in no longer works:
// the provider refused its refresh token (invalid_grant: revoked, expired,
// or the password changed). Only the user can fix it, by signing in again;
// it is of kind KindAuth, so no retry loop tries it again.
type SignInError struct {
	Account string
	Err     error
}

func (e *SignInError) Error() string {
	why := ""
	if e.Err != nil {
		why = " (" + termsafe.Cut(termsafe.Line(e.Err.Error()), maxErrorText) + ")"
	}
	return fmt.Sprintf("account %q: sign in again: the provider no longer accepts the saved sign-in%s; run tributary account signin %q, or press Sign in again", e.Account, why, e.Account)
}

func (e *SignInError) Unwrap() error { return e.Err }

// Temporary reports whether trying again later may succeed.
func (e *Error) Temporary() bool {
	return e.Kind == KindNetwork || e.Kind == KindProtocol
}

// KindOf returns the kind of a classified error, and KindNetwork for any
// other error, which is the kind that retries.
func KindOf(err error) ErrorKind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	var c *CertificateError
	if errors.As(err, &c) {
		return KindTLS
	}
	var si *SignInError
	if errors.As(err, &si) {
		return KindAuth
	}
	var st *StorageError
	if errors.As(err, &st) {
		return KindStorage
	}
	return KindNetwork
}

// StorageError is a failure of the local store, never of a server: it is
// reported as such, and no retry loop treats it as a network error.
type StorageError struct {
	Op  string // "insert message", "record UID", ...
	Err error
}

func (e *StorageError) Error() string {
	if errors.Is(e.Err, ErrDiskFull) || errors.Is(e.Err, syscall.ENOSPC) {
		return fmt.Sprintf("local store: %s: the disk is full; free some space, then get mail again (%v)", e.Op, e.Err)
	}
	return fmt.Sprintf("local store: %s: %v", e.Op, e.Err)
}

// ErrDiskFull marks a storage failure for want of disk space (SQLite's
// SQLITE_FULL, which carries no errno), so that it is worded as such.
var ErrDiskFull = errors.New("disk full")

func (e *StorageError) Unwrap() error { return e.Err }

// IsTemporary reports whether a retry may fix err.
func IsTemporary(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false
	}
	k := KindOf(err)
	return k == KindNetwork || k == KindProtocol
}

// CertificateError says that a server's certificate is not trusted. It
// carries what the user needs to decide whether to trust it anyway.
//
// Pinned is set when the user had already trusted other certificates for
// this host and port: the server now shows a different one, which may be a
// renewal or someone in between, and is not the same question as a first
// sight. Changed reports it.
type CertificateError struct {
	Server      string // host:port
	Subject     string
	Issuer      string
	NotAfter    time.Time
	Fingerprint string   // SHA-256 of the DER, lowercase hex
	Pinned      []string // fingerprints trusted before for Server; empty at first sight
	Err         error    // why verification failed
}

// Changed reports whether the certificate differs from one the user pinned.
func (e *CertificateError) Changed() bool { return len(e.Pinned) > 0 }

func (e *CertificateError) Error() string {
	// The subject, issuer and the x509 error (which names the
	// certificate's hosts) come from the server.
	why := ""
	if e.Err != nil {
		why = termsafe.Cut(termsafe.Line(e.Err.Error()), maxErrorText)
	}
	if e.Changed() {
		pinned := make([]string, len(e.Pinned))
		for i, fp := range e.Pinned {
			pinned[i] = FormatFingerprint(fp)
		}
		return termsafe.Line(fmt.Sprintf("the certificate of %s changed: you trusted SHA-256 fingerprint %s, and the server now shows %s (subject %q, issuer %q; %s); do not trust it unless your provider confirms the new fingerprint",
			e.Server, strings.Join(pinned, " or "), FormatFingerprint(e.Fingerprint), e.Subject, e.Issuer, why))
	}
	return termsafe.Line(fmt.Sprintf("certificate not trusted (%s); subject %q, issuer %q, SHA-256 fingerprint %s; if you have checked this fingerprint with your provider, trust it for this server",
		why, e.Subject, e.Issuer, FormatFingerprint(e.Fingerprint)))
}

func (e *CertificateError) Unwrap() error { return e.Err }

// Fingerprint is the SHA-256 of a certificate's DER bytes in lowercase hex.
func Fingerprint(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:])
}

// NormalizeFingerprint accepts a SHA-256 fingerprint as people paste it
// (upper or lower case, with or without colons or spaces) and returns it
// as lowercase hex.
func NormalizeFingerprint(s string) (string, error) {
	fp := strings.NewReplacer(":", "", " ", "", "sha256", "", "sha-256", "").Replace(strings.ToLower(s))
	if b, err := hex.DecodeString(fp); err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("%q is not a SHA-256 fingerprint (64 hex digits)", s)
	}
	return fp, nil
}

// FormatFingerprint writes a fingerprint the way certificate viewers show
// it: upper-case pairs joined by colons.
func FormatFingerprint(fp string) string {
	var b strings.Builder
	for i := 0; i+1 < len(fp); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(strings.ToUpper(fp[i : i+2]))
	}
	return b.String()
}

// Classify wraps err from talking to server as an *Error, choosing its kind
// from what the error is. Errors already classified pass through unchanged,
// and so does context cancellation, which is the user's own doing.
func Classify(op, server string, err error) error {
	if err == nil {
		return nil
	}
	var done *Error
	if errors.As(err, &done) || errors.Is(err, context.Canceled) {
		return err
	}
	kind := KindProtocol
	var (
		cert    *CertificateError
		tlsRec  tls.RecordHeaderError
		tlsAlrt tls.AlertError
		netErr  net.Error
		opErr   *net.OpError
		dnsErr  *net.DNSError
	)
	switch {
	case errors.As(err, &tlsRec):
		// The first bytes were not TLS: a plain-text server (its greeting,
		// most likely) on a port where SSL/TLS was expected.
		kind = KindTLS
		err = fmt.Errorf("the server does not speak SSL/TLS on this port; %s", sslAdvice(server))
	case errors.As(err, &cert), errors.Is(err, ErrSTARTTLSNotOffered), errors.As(err, &tlsAlrt),
		// crypto/tls reports an alert from the server (a TLS 1.1-only
		// server refusing our version) as a *net.OpError "remote error",
		// which would otherwise pass for the network and be retried.
		errors.As(err, &opErr) && opErr.Op == "remote error":
		kind = KindTLS
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		kind = KindNetwork
		err = errors.New("no answer from the server in time; " + silenceAdvice(op, server))
	case errors.As(err, &dnsErr):
		kind = KindNetwork
		err = fmt.Errorf("cannot find the server's address (%v); check the server name", dnsErr)
	case errors.Is(err, syscall.ECONNREFUSED):
		kind = KindNetwork
		err = errors.New("connection refused; check the port, or whether the server is running")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		kind = KindNetwork
		err = fmt.Errorf("the server closed the connection (%w)", err)
	case errors.As(err, &opErr), errors.As(err, &netErr):
		kind = KindNetwork
	}
	return &Error{Kind: kind, Op: op, Server: server, Err: err}
}

// The ports where mail servers speak SSL/TLS from the first byte, and the
// plain-text (STARTTLS) port of the same protocol.
var (
	sslPortOf   = map[string]string{"143": "993", "110": "995", "25": "465", "587": "465"}
	plainPortOf = map[string]string{"993": "143", "995": "110", "465": "587"}
)

// sslAdvice says what to try when server's port answered in plain text
// where SSL/TLS was expected.
func sslAdvice(server string) string {
	_, port, _ := net.SplitHostPort(server)
	if ssl, ok := sslPortOf[port]; ok {
		return "try STARTTLS, or port " + ssl
	}
	return "try STARTTLS, or the server's SSL/TLS port"
}

// greetingOps are the steps that wait for a server's first words.
var greetingOps = []string{"connect", "greeting", "STARTTLS", "STLS"}

// silenceAdvice says what to try when server did not answer. A server on
// an SSL/TLS port waits for the client's TLS handshake and says nothing to
// a client that waits for its greeting: the usual sign of STARTTLS or no
// encryption chosen for such a port.
func silenceAdvice(op, server string) string {
	_, port, _ := net.SplitHostPort(server)
	if plain, ok := plainPortOf[port]; ok && slices.Contains(greetingOps, op) {
		return fmt.Sprintf("port %s expects SSL/TLS from the start: unless SSL/TLS is chosen already, choose it, or port %s with STARTTLS", port, plain)
	}
	return "check the address and port, or try later"
}
