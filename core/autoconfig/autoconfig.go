// Package autoconfig proposes server settings from an email address, for the
// account wizard. It asks, in order, and stops at the first that answers:
//
//  0. a table of big providers built into the binary (no network);
//  1. the domain's own autoconfig server,
//     https://autoconfig.<domain>/mail/config-v1.1.xml;
//  2. the domain's well-known URL,
//     https://<domain>/.well-known/autoconfig/mail/config-v1.1.xml;
//  3. Thunderbird's ISP database (ISPDB) for the domain;
//  4. the ISPDB for the provider that receives the domain's mail (its MX
//     host reduced to a registrable domain), for hosted custom domains;
//  5. a guess at common host names and ports, kept only where a server
//     answered in the right protocol.
//
// Steps 1 to 4 speak Thunderbird's autoconfig XML format. Every step runs
// under its own time limit, and a failing step only adds to the reasons
// reported when nothing answers.
//
// The proposal is only a proposal: nothing here logs in or sends a password.
// The wizard shows the result for the user to change, and its "Test
// connection" is what proves it.
package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
	"golang.org/x/net/idna"
)

// Defaults for Options.
const (
	DefaultStepTimeout = 5 * time.Second
	DefaultISPDB       = "https://autoconfig.thunderbird.net/v1.1/"
)

// The values of Config.Source: which step answered.
const (
	SourceBuiltin    = "builtin"
	SourceAutoconfig = "autoconfig"
	SourceWellKnown  = "well-known"
	SourceISPDB      = "ispdb"
	SourceMXISPDB    = "mx-ispdb"
	SourceGuess      = "guess"
)

// The values of Server.Protocol. Incoming ones convert to core.Protocol
// with core.ParseProtocol.
const (
	ProtocolIMAP = string(core.ProtocolIMAP)
	ProtocolPOP3 = string(core.ProtocolPOP3)
	ProtocolSMTP = "smtp"
)

// Server is one proposed server.
type Server struct {
	Protocol   string // ProtocolIMAP, ProtocolPOP3 or ProtocolSMTP
	Host       string
	Port       int
	Encryption core.Encryption
	// Username is resolved for the address looked up: Thunderbird's
	// placeholders %EMAILADDRESS%, %EMAILLOCALPART% and %EMAILDOMAIN% are
	// already substituted.
	Username string
	// Auth is how to sign in: core.AuthOAuth2 when the provider takes
	// OAuth2 (Config.OAuth names it); empty means a password.
	Auth core.AuthMethod
}

// Endpoint is the server's address and encryption, as core and
// core/netconn take them.
func (s Server) Endpoint() core.Endpoint {
	return core.Endpoint{Host: s.Host, Port: s.Port, Encryption: s.Encryption}
}

// Config is the proposal for one email address.
type Config struct {
	// Provider is a name to show, such as "Gmail"; the domain when the
	// source gave none.
	Provider string
	// Incoming lists retrieval servers, preferred first: IMAP before POP3,
	// then SSL before STARTTLS before none. Never empty.
	Incoming []Server
	// Outgoing lists SMTP servers, preferred first: SSL before STARTTLS
	// before none. Never empty.
	Outgoing []Server
	// Note is advice for the user, such as that an app password is
	// needed, or "" when there is none.
	Note string
	// Source says which step answered: one of the Source constants.
	Source string
	// OAuth is the built-in OAuth2 provider ("google", "microsoft") that
	// the servers with Auth core.AuthOAuth2 take tokens from, or "".
	OAuth string
}

// Fetcher gets the body of an HTTPS URL. HTTPFetcher is the real one.
type Fetcher interface {
	Fetch(ctx context.Context, url string) ([]byte, error)
}

// Resolver looks up a domain's MX records. *net.Resolver is one.
type Resolver interface {
	LookupMX(ctx context.Context, domain string) ([]*net.MX, error)
}

// Prober confirms that a guessed server exists and speaks its protocol,
// offering STARTTLS when that is the server's encryption. NetProber is the
// real one.
type Prober interface {
	Probe(ctx context.Context, s Server) error
}

var _ Resolver = (*net.Resolver)(nil)

// Options tune Lookup. A nil *Options, and every zero field, means the
// default.
type Options struct {
	Fetcher  Fetcher  // nil: HTTPFetcher{} (HTTPS only, TLS verified, 5 s, 1 MiB)
	Resolver Resolver // nil: net.DefaultResolver
	Prober   Prober   // nil: NetProber{}
	// StepTimeout bounds each step; 0 means DefaultStepTimeout.
	StepTimeout time.Duration
	// ISPDB is the base URL of the ISP database, to which the domain is
	// appended; "" means DefaultISPDB.
	ISPDB string
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.Fetcher == nil {
		r.Fetcher = HTTPFetcher{}
	}
	if r.Resolver == nil {
		r.Resolver = net.DefaultResolver
	}
	if r.Prober == nil {
		r.Prober = NetProber{}
	}
	if r.StepTimeout <= 0 {
		r.StepTimeout = DefaultStepTimeout
	}
	if r.ISPDB == "" {
		r.ISPDB = DefaultISPDB
	}
	if !strings.HasSuffix(r.ISPDB, "/") {
		r.ISPDB += "/"
	}
	return r
}

// ErrInvalidAddress is returned, wrapped with the reason, when Lookup is
// given something that is not a bare email address.
var ErrInvalidAddress = errors.New("autoconfig: invalid email address")

// ErrNotFound is matched, with errors.Is, by the *NotFoundError Lookup
// returns when no step found settings.
var ErrNotFound = errors.New("autoconfig: no settings found")

// NotFoundError says that no step found settings for Domain. Its message is
// meant for the user as is; Steps say why each step failed, for a
// "details" view or a log.
type NotFoundError struct {
	Domain string
	Steps  []error // each a *StepError, in the order the steps ran
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("autoconfig: no settings found for %s; enter them by hand", e.Domain)
}

// Unwrap gives the step errors, so that errors.Is and errors.As see them.
func (e *NotFoundError) Unwrap() []error { return e.Steps }

// Is makes errors.Is(err, ErrNotFound) hold.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// StepError is why one step found nothing.
type StepError struct {
	Step string // one of the Source constants
	Err  error
}

func (e *StepError) Error() string { return "autoconfig " + e.Step + ": " + e.Err.Error() }

func (e *StepError) Unwrap() error { return e.Err }

// address is an email address split the ways the steps need it.
type address struct {
	email  string // as typed
	local  string // as typed
	typed  string // the domain as typed, for usernames
	domain string // lower-case ASCII (A-labels), for host names and URLs
}

func parseAddress(email string) (address, error) {
	if err := core.CheckAddress(email); err != nil {
		return address{}, fmt.Errorf("%w: %w", ErrInvalidAddress, err)
	}
	at := strings.LastIndexByte(email, '@')
	a := address{email: email, local: email[:at], typed: email[at+1:]}
	if strings.HasPrefix(a.typed, "[") {
		return address{}, fmt.Errorf("%w: %q has an IP address for a domain; enter its servers by hand", ErrInvalidAddress, email)
	}
	d, err := idna.Lookup.ToASCII(strings.TrimSuffix(a.typed, "."))
	if err == nil {
		err = core.CheckHost(d)
	}
	if err != nil {
		return address{}, fmt.Errorf("%w: domain %q: %w", ErrInvalidAddress, a.typed, err)
	}
	a.domain = strings.ToLower(d)
	return a, nil
}

// expandUser substitutes Thunderbird's placeholders in a username.
func (a address) expandUser(s string) string {
	return strings.NewReplacer("%EMAILADDRESS%", a.email, "%EMAILLOCALPART%", a.local, "%EMAILDOMAIN%", a.typed).Replace(s)
}

// expandHost substitutes the domain placeholder in a host name, which some
// hosting companies' configurations use ("mail.%EMAILDOMAIN%").
func (a address) expandHost(s string) string {
	return strings.ReplaceAll(s, "%EMAILDOMAIN%", a.domain)
}

type step struct {
	name string
	run  func(ctx context.Context, o *Options, a address) (*Config, error)
}

// steps are the network steps, in the order they are tried.
var steps = []step{
	{SourceAutoconfig, func(ctx context.Context, o *Options, a address) (*Config, error) {
		return fetchConfig(ctx, o, "https://autoconfig."+a.domain+"/mail/config-v1.1.xml?emailaddress="+url.QueryEscape(a.email), a)
	}},
	{SourceWellKnown, func(ctx context.Context, o *Options, a address) (*Config, error) {
		return fetchConfig(ctx, o, "https://"+a.domain+"/.well-known/autoconfig/mail/config-v1.1.xml", a)
	}},
	{SourceISPDB, func(ctx context.Context, o *Options, a address) (*Config, error) {
		return fetchConfig(ctx, o, o.ISPDB+a.domain, a)
	}},
	{SourceMXISPDB, mxISPDB},
	{SourceGuess, guess},
}

// Lookup proposes server settings for email. It returns an error wrapping
// ErrInvalidAddress when email is not a bare address, a *NotFoundError when
// no step found settings, and the context's error when ctx ends first.
//
// Steps 1 to 3 send the address's domain over HTTPS, and step 1 also sends
// the address itself, to the domain's own server; steps 3 and 4 send only
// a domain to the ISPDB. Without network access Lookup still answers for the
// built-in providers.
func Lookup(ctx context.Context, email string, opts *Options) (*Config, error) {
	a, err := parseAddress(email)
	if err != nil {
		return nil, err
	}
	if c := builtin(a); c != nil {
		return c, nil
	}
	o := opts.withDefaults()
	var failed []error
	for _, s := range steps {
		c, err := runStep(ctx, o.StepTimeout, func(ctx context.Context) (*Config, error) { return s.run(ctx, &o, a) })
		if err == nil {
			c.Source = s.name
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("autoconfig: looking up settings for %s: %w", a.domain, context.Cause(ctx))
		}
		slog.Debug("autoconfig step found nothing", "step", s.name, "domain", a.domain, "err", err)
		failed = append(failed, &StepError{Step: s.name, Err: err})
	}
	return nil, &NotFoundError{Domain: a.domain, Steps: failed}
}

// runStep runs f under its own deadline, and returns at the deadline even
// when f does not honour its context: a stuck Fetcher or Prober must not
// hold the wizard. f then finishes in the background and is forgotten.
func runStep(ctx context.Context, timeout time.Duration, f func(context.Context) (*Config, error)) (*Config, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type result struct {
		c   *Config
		err error
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() { done <- r }()
		r.err = recovered(func() (err error) {
			r.c, err = f(ctx)
			return err
		})
	}()
	select {
	case r := <-done:
		return r.c, r.err
	case <-ctx.Done():
		select {
		case r := <-done: // answered at the last moment
			return r.c, r.err
		default:
		}
		return nil, fmt.Errorf("no answer within %v: %w", timeout, ctx.Err())
	}
}

// recovered runs f, turning a panic in a caller-supplied Fetcher, Resolver
// or Prober into an error, since it runs on a goroutine of ours where a
// panic would end the program.
func recovered(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return f()
}

func fetchConfig(ctx context.Context, o *Options, url string, a address) (*Config, error) {
	body, err := o.Fetcher.Fetch(ctx, url)
	if err != nil {
		return nil, err
	}
	c, err := parseConfig(body, a)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", url, err)
	}
	return c, nil
}
