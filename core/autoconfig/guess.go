package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/tributary-mail/tributary/core"
	"golang.org/x/net/publicsuffix"
)

// mxISPDB asks the ISPDB about the provider that receives the domain's
// mail: a custom domain hosted at Google has MX hosts under google.com,
// for which the ISPDB has an entry.
func mxISPDB(ctx context.Context, o *Options, a address) (*Config, error) {
	mxs, err := o.Resolver.LookupMX(ctx, a.domain)
	// net.Resolver may return the valid records along with an error about
	// the others; only an empty answer is a failure.
	if len(mxs) == 0 {
		if err == nil {
			err = errors.New("no MX records")
		}
		return nil, fmt.Errorf("MX lookup for %s: %w", a.domain, err)
	}
	best := ""
	var pref uint16
	for _, mx := range mxs {
		host := strings.ToLower(strings.TrimSuffix(mx.Host, "."))
		if host == "" || core.CheckHost(host) != nil || net.ParseIP(host) != nil {
			continue // RFC 7505's null MX ".", an address, or garbage
		}
		if best == "" || mx.Pref < pref {
			best, pref = host, mx.Pref
		}
	}
	if best == "" {
		return nil, fmt.Errorf("MX lookup for %s: no usable mail exchanger", a.domain)
	}
	provider, err := publicsuffix.EffectiveTLDPlusOne(best)
	if err != nil {
		return nil, fmt.Errorf("MX host %s: %w", best, err)
	}
	if provider == a.domain {
		return nil, fmt.Errorf("MX host %s belongs to %s itself, which the ISPDB step already asked about", best, a.domain)
	}
	return fetchConfig(ctx, o, o.ISPDB+provider, a)
}

// probeConcurrency bounds the probes of the guess step in flight at once.
const probeConcurrency = 8

// guessCandidates are the servers the guess step tries, in order of
// preference: IMAP before POP3, then SSL before STARTTLS, then the
// protocol's own host name before the catch-all mail.<domain>.
func guessCandidates(domain string) []Server {
	var out []Server
	add := func(protocol string, hosts []string, ports ...Server) {
		for _, p := range ports {
			for _, h := range hosts {
				out = append(out, Server{Protocol: protocol, Host: h + "." + domain, Port: p.Port,
					Encryption: p.Encryption, Username: "%EMAILADDRESS%"})
			}
		}
	}
	ssl := func(port int) Server { return Server{Port: port, Encryption: core.EncryptionSSL} }
	starttls := func(port int) Server { return Server{Port: port, Encryption: core.EncryptionSTARTTLS} }
	add(ProtocolIMAP, []string{"imap", "mail"}, ssl(993), starttls(143))
	add(ProtocolPOP3, []string{"pop", "pop3", "mail"}, ssl(995), starttls(110))
	add(ProtocolSMTP, []string{"smtp", "mail"}, ssl(465), starttls(587), starttls(25))
	return out
}

// guess probes common host names and ports and keeps, in order of
// preference, those that answered. Plain-text servers are never guessed.
//
// Each probe gets half the step's time, so that probes stuck on hosts that
// drop packets free their slot in time for a second round.
func guess(ctx context.Context, o *Options, a address) (*Config, error) {
	cands := guessCandidates(a.domain)
	errs := make([]error, len(cands))
	slots := make(chan struct{}, probeConcurrency)
	var wg sync.WaitGroup
	for i, c := range cands {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			errs[i] = ctx.Err()
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			pctx, cancel := context.WithTimeout(ctx, o.StepTimeout/2)
			defer cancel()
			errs[i] = recovered(func() error { return o.Prober.Probe(pctx, c) })
		})
	}
	wg.Wait()
	cfg := &Config{
		Provider: a.domain,
		Note:     "These settings were guessed by trying common server names; check them with Test connection.",
	}
	var inFailed, outFailed []error
	for i, c := range cands {
		if errs[i] != nil {
			err := fmt.Errorf("%s %s: %w", c.Protocol, c.Endpoint().Addr(), errs[i])
			if c.Protocol == ProtocolSMTP {
				outFailed = append(outFailed, err)
			} else {
				inFailed = append(inFailed, err)
			}
			continue
		}
		c.Username = a.expandUser(c.Username)
		if c.Protocol == ProtocolSMTP {
			cfg.Outgoing = append(cfg.Outgoing, c)
		} else {
			cfg.Incoming = append(cfg.Incoming, c)
		}
	}
	switch {
	case len(cfg.Incoming) == 0:
		return nil, fmt.Errorf("no IMAP or POP3 server answered at the usual names: %w", errors.Join(inFailed...))
	case len(cfg.Outgoing) == 0:
		return nil, fmt.Errorf("no SMTP server answered at the usual names: %w", errors.Join(outFailed...))
	}
	return cfg, nil
}
