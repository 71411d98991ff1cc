package autoconfig

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// recorder keeps the calls the fakes see, in order, so that tests can
// check which steps ran and in what order.
type recorder struct {
	mu     sync.Mutex
	events []string
}

func (r *recorder) add(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, fmt.Sprintf(format, args...))
}

func (r *recorder) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// reply is what the fake web serves at one URL.
type reply struct {
	status int    // 0 means 200
	body   string // served as is
	hang   bool   // never answer, until the request or the test ends
}

// site is an HTTPS server standing in for every web server the steps ask.
// A real URL https://host/path?q is served at <server>/host/path?q.
type site struct {
	srv     *httptest.Server
	replies map[string]reply // keyed by "host/path", without the query
	queries sync.Map         // "host/path" → the raw query last asked
}

func newSite(t *testing.T, replies map[string]reply) *site {
	t.Helper()
	s := &site{replies: replies}
	testDone := make(chan struct{})
	s.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, "/")
		s.queries.Store(key, r.URL.RawQuery)
		rep, ok := s.replies[key]
		switch {
		case !ok:
			http.NotFound(w, r)
		case rep.hang:
			select {
			case <-r.Context().Done():
			case <-testDone:
			}
		default:
			if rep.status != 0 {
				w.WriteHeader(rep.status)
			}
			_, _ = w.Write([]byte(rep.body))
		}
	}))
	// A request abandoned at its deadline may log a failed handshake.
	s.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.srv.StartTLS()
	// Cleanups run last-in first-out: release hung handlers, then close.
	t.Cleanup(s.srv.Close)
	t.Cleanup(func() { close(testDone) })
	return s
}

// rewritingFetcher is the real HTTPFetcher, pointed at the site instead of
// the internet and trusting its certificate, so TLS is verified for real.
type rewritingFetcher struct {
	t     *testing.T
	site  *site
	rec   *recorder
	inner HTTPFetcher
}

func newFetcher(t *testing.T, s *site, rec *recorder) *rewritingFetcher {
	return &rewritingFetcher{t: t, site: s, rec: rec, inner: HTTPFetcher{Client: s.srv.Client()}}
}

func (f *rewritingFetcher) Fetch(ctx context.Context, raw string) ([]byte, error) {
	f.rec.add("fetch %s", raw)
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" {
		f.t.Errorf("Fetch(%q): the steps must only ask for https URLs", raw)
		return nil, fmt.Errorf("bad URL %q", raw)
	}
	return f.inner.Fetch(ctx, f.site.srv.URL+"/"+u.Host+u.RequestURI())
}

// fakeResolver answers MX lookups from a table.
type fakeResolver struct {
	rec *recorder
	mx  map[string][]*net.MX
}

func (r *fakeResolver) LookupMX(_ context.Context, domain string) ([]*net.MX, error) {
	r.rec.add("mx %s", domain)
	if mxs, ok := r.mx[domain]; ok {
		return mxs, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: domain, IsNotFound: true}
}

// fakeProber confirms the servers listed as "protocol host:port encryption".
type fakeProber struct {
	rec *recorder
	up  []string
}

func probeKey(s Server) string {
	return fmt.Sprintf("%s %s %s", s.Protocol, s.Endpoint().Addr(), s.Encryption)
}

func (p *fakeProber) Probe(_ context.Context, s Server) error {
	k := probeKey(s)
	p.rec.add("probe %s", k)
	if slices.Contains(p.up, k) {
		return nil
	}
	return errors.New("connection refused")
}

// env is one set of fakes wired into Options.
type env struct {
	rec  *recorder
	site *site
	opts *Options
}

func newEnv(t *testing.T, replies map[string]reply, mx map[string][]*net.MX, up []string) *env {
	t.Helper()
	rec := &recorder{}
	s := newSite(t, replies)
	return &env{rec: rec, site: s, opts: &Options{
		Fetcher:     newFetcher(t, s, rec),
		Resolver:    &fakeResolver{rec: rec, mx: mx},
		Prober:      &fakeProber{rec: rec, up: up},
		StepTimeout: DefaultStepTimeout,
	}}
}
