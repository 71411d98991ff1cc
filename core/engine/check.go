package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/oauth"
	"github.com/tributary-mail/tributary/core/pop3"
	"github.com/tributary-mail/tributary/core/secrets"
	"github.com/tributary-mail/tributary/core/smtp"
)

// CheckResult is the outcome of testing one server of an account.
type CheckResult struct {
	Role   string // "SMTP", "IMAP", "POP3"
	Server string // host:port
	Err    error  // nil: connected, TLS verified, logged in
}

// Certificate returns the untrusted certificate behind a failure, if any.
func (r CheckResult) Certificate() *core.CertificateError {
	var c *core.CertificateError
	if errors.As(r.Err, &c) {
		return c
	}
	return nil
}

// CheckAccount dials every server of a, verifies TLS and logs in, as
// "Test connection" does. Passwords come from pw where given (a form not
// yet saved), else from the account's password store. An OAuth2 account
// gets one more result first, Role "OAuth2": whether a fresh access token
// could be had ("token OK"); its servers then sign in with it.
func (e *Engine) CheckAccount(ctx context.Context, a core.Account, pw *core.Passwords) []CheckResult {
	nopts, err := e.netOptions(ctx)
	if err != nil {
		return []CheckResult{{Role: "storage", Err: err}}
	}
	var head []CheckResult
	var grant *oauth.Grant
	if a.UsesOAuth() {
		if pw != nil && pw.RefreshToken != "" {
			grant = &oauth.Grant{RefreshToken: pw.RefreshToken, ClientSecret: pw.ClientSecret}
		}
		r := CheckResult{Role: "OAuth2", Server: a.OAuth.Provider + a.OAuth.Issuer}
		if _, r.Err = e.accessToken(ctx, a, grant, true); r.Err != nil {
			// Without a token no server can be signed in to.
			return []CheckResult{r}
		}
		head = append(head, r)
	}
	results := make([]CheckResult, 1+len(a.Sources))
	done := make(chan struct{})
	go func() {
		r := CheckResult{Role: "SMTP", Server: a.SMTP.Server().Addr()}
		sg := &signer{e: e, a: a, user: a.SMTP.Username, grant: grant}
		if a.SMTP.Auth && !a.UsesOAuth() {
			sg.password, r.Err = e.checkPassword(a, pw, -1, secrets.SMTPRef(a.ID), r.Server)
		}
		if r.Err == nil {
			r.Err = e.safely("check "+r.Server, func() error {
				return sg.with(ctx, func(cred core.Credential) error { return smtp.TestWith(ctx, a.SMTP, cred, nopts) })
			})
		}
		results[0] = r
		done <- struct{}{}
	}()
	for i, s := range a.Sources {
		go func() {
			r := CheckResult{Role: strings.ToUpper(string(s.Protocol)), Server: s.Server().Addr()}
			sg := &signer{e: e, a: a, user: s.Username, grant: grant}
			if !a.UsesOAuth() {
				sg.password, r.Err = e.checkPassword(a, pw, i, secrets.SourceRef(s.ID), r.Server)
			}
			if r.Err == nil {
				r.Err = e.safely("check "+r.Server, func() error { return checkSource(ctx, s, sg, nopts) })
			}
			results[i+1] = r
			done <- struct{}{}
		}()
	}
	for range results {
		<-done
	}
	return append(head, results...)
}

func (e *Engine) checkPassword(a core.Account, pw *core.Passwords, i int, ref, server string) (string, error) {
	if pw != nil {
		if i < 0 && pw.SMTP != "" {
			return pw.SMTP, nil
		}
		if i >= 0 && i < len(pw.Sources) && pw.Sources[i] != "" {
			return pw.Sources[i], nil
		}
	}
	return e.password(a, ref, server)
}

func checkSource(ctx context.Context, s core.Source, login *signer, nopts *netconn.Options) error {
	if s.Protocol == core.ProtocolPOP3 {
		c, err := pop3.Dial(ctx, s.Server(), nopts)
		if err != nil {
			return err
		}
		defer c.Close()
		if err := login.pop3(ctx, c); err != nil {
			return err
		}
		return c.Quit(ctx)
	}
	c, err := imapDialLogin(ctx, s, login, nopts)
	if err != nil {
		return err
	}
	return c.Close()
}

// Trust pins a certificate for every server of a that presents it. The
// user gives the fingerprint they checked; Tributary dials each server to
// find which one it belongs to, so a typo pins nothing.
func (e *Engine) Trust(ctx context.Context, a core.Account, fingerprint string) ([]string, error) {
	fp, err := core.NormalizeFingerprint(fingerprint)
	if err != nil {
		return nil, err
	}
	var pinned []string
	for _, r := range e.CheckAccount(ctx, a, nil) {
		if c := r.Certificate(); c != nil && c.Fingerprint == fp {
			if err := e.store.Pin(ctx, c.Server, fp); err != nil {
				return pinned, err
			}
			pinned = append(pinned, c.Server)
		}
	}
	if len(pinned) == 0 {
		return nil, fmt.Errorf("no server of account %q presents an untrusted certificate with fingerprint %s", a.Name, core.FormatFingerprint(fp))
	}
	return pinned, nil
}
