package autoconfig

import (
	"context"
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// The URLs the steps ask for example.com, as the site serves them.
const (
	autoconfigPath = "autoconfig.example.com/mail/config-v1.1.xml"
	wellKnownPath  = "example.com/.well-known/autoconfig/mail/config-v1.1.xml"
	ispdbPath      = "autoconfig.thunderbird.net/v1.1/example.com"

	autoconfigURL = "https://" + autoconfigPath + "?emailaddress=jo%40example.com"
	wellKnownURL  = "https://" + wellKnownPath
	ispdbURL      = "https://" + ispdbPath
)

// configFor is a one-server-each-way document naming the host it came
// from, so a test can tell which step answered by the host alone.
func configFor(host string) string {
	return doc("<displayName>"+host+"</displayName>",
		serverXML("incomingServer", "imap", host, "993", "SSL", "%EMAILLOCALPART%"),
		serverXML("outgoingServer", "smtp", host, "465", "SSL", "%EMAILADDRESS%"))
}

func TestLookup(t *testing.T) {
	fetch := func(u string) string { return "fetch " + u }
	networkSteps := []string{fetch(autoconfigURL), fetch(wellKnownURL), fetch(ispdbURL), "mx example.com"}
	tests := []struct {
		name    string
		email   string // default jo@example.com
		replies map[string]reply
		mx      map[string][]*net.MX
		up      []string // servers the prober confirms
		// want: the Source, the first incoming and outgoing host, and the
		// calls made up to the guess step's probes, in order.
		wantSource string
		wantHost   string
		wantCalls  []string
	}{
		{
			name:       "autoconfig server of the domain answers first",
			replies:    map[string]reply{autoconfigPath: {body: configFor("a.example.com")}, wellKnownPath: {body: configFor("b.example.com")}},
			wantSource: SourceAutoconfig, wantHost: "a.example.com",
			wantCalls: []string{fetch(autoconfigURL)},
		},
		{
			name:       "well-known answers when autoconfig has nothing",
			replies:    map[string]reply{wellKnownPath: {body: configFor("b.example.com")}, ispdbPath: {body: configFor("c.example.com")}},
			wantSource: SourceWellKnown, wantHost: "b.example.com",
			wantCalls: []string{fetch(autoconfigURL), fetch(wellKnownURL)},
		},
		{
			name: "ISPDB answers when the domain's own servers fail",
			replies: map[string]reply{
				autoconfigPath: {status: 500, body: configFor("a.example.com")},
				wellKnownPath:  {body: "<html>not here</html>"},
				ispdbPath:      {body: configFor("c.example.com")},
			},
			wantSource: SourceISPDB, wantHost: "c.example.com",
			wantCalls: []string{fetch(autoconfigURL), fetch(wellKnownURL), fetch(ispdbURL)},
		},
		{
			name:       "MX host reduced to its provider's domain, then the ISPDB",
			replies:    map[string]reply{"autoconfig.thunderbird.net/v1.1/google.com": {body: configFor("imap.gmail.com")}},
			mx:         map[string][]*net.MX{"example.com": {{Host: "alt1.aspmx.l.google.com.", Pref: 5}, {Host: "aspmx.l.google.com.", Pref: 1}}},
			wantSource: SourceMXISPDB, wantHost: "imap.gmail.com",
			wantCalls: append(slices.Clone(networkSteps), fetch("https://autoconfig.thunderbird.net/v1.1/google.com")),
		},
		{
			name:    "MX reduction keeps a multi-label public suffix; the lowest preference wins",
			replies: map[string]reply{"autoconfig.thunderbird.net/v1.1/provider.co.uk": {body: configFor("mail.provider.co.uk")}},
			mx: map[string][]*net.MX{"example.com": {
				{Host: "backup.other.net.", Pref: 20}, {Host: "mx1.eu.provider.co.uk.", Pref: 10}, {Host: ".", Pref: 0},
			}},
			wantSource: SourceMXISPDB, wantHost: "mail.provider.co.uk",
			wantCalls: append(slices.Clone(networkSteps), fetch("https://autoconfig.thunderbird.net/v1.1/provider.co.uk")),
		},
		{
			name:       "MX in the domain itself is not asked about twice; the guess answers",
			mx:         map[string][]*net.MX{"example.com": {{Host: "mx.example.com.", Pref: 10}}},
			up:         []string{"imap imap.example.com:993 ssl", "smtp smtp.example.com:465 ssl"},
			wantSource: SourceGuess, wantHost: "imap.example.com",
			wantCalls: networkSteps,
		},
		{
			name: "guess keeps only confirmed servers, in order of preference",
			up: []string{
				"pop3 mail.example.com:995 ssl", "imap mail.example.com:143 starttls", "imap imap.example.com:993 ssl",
				"smtp mail.example.com:25 starttls", "smtp smtp.example.com:587 starttls",
			},
			wantSource: SourceGuess, wantHost: "imap.example.com",
			wantCalls: networkSteps,
		},
		{
			name:       "placeholders substituted with the address as typed",
			email:      "Jo@Example.COM",
			replies:    map[string]reply{autoconfigPath: {body: configFor("a.example.com")}},
			wantSource: SourceAutoconfig, wantHost: "a.example.com",
			wantCalls: []string{fetch("https://" + autoconfigPath + "?emailaddress=Jo%40Example.COM")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.replies, tt.mx, tt.up)
			email := tt.email
			if email == "" {
				email = "jo@example.com"
			}
			got, err := Lookup(context.Background(), email, e.opts)
			if err != nil {
				t.Fatalf("Lookup(%q) = %v, want settings from %s", email, err, tt.wantSource)
			}
			if got.Source != tt.wantSource || got.Incoming[0].Host != tt.wantHost || got.Outgoing[0].Host == "" {
				t.Errorf("Lookup(%q) = %+v, want source %s, incoming host %s", email, got, tt.wantSource, tt.wantHost)
			}
			var calls []string
			for _, c := range e.rec.list() {
				if !strings.HasPrefix(c, "probe ") {
					calls = append(calls, c)
				}
			}
			if !reflect.DeepEqual(calls, tt.wantCalls) {
				t.Errorf("Lookup(%q) calls =\n%q\nwant\n%q", email, calls, tt.wantCalls)
			}
			for i, c := range e.rec.list() {
				if strings.HasPrefix(c, "probe ") && i < len(tt.wantCalls) {
					t.Errorf("Lookup(%q) probed (%s) before the earlier steps had run", email, c)
				}
			}
			local := email[:strings.IndexByte(email, '@')]
			for _, s := range append(slices.Clone(got.Incoming), got.Outgoing...) {
				if s.Username != email && s.Username != local {
					t.Errorf("Lookup(%q) username %q, want the address or its local part", email, s.Username)
				}
			}
		})
	}
}

func TestLookupGuess(t *testing.T) {
	e := newEnv(t, nil, nil, []string{
		"pop3 mail.example.com:995 ssl", "imap mail.example.com:143 starttls", "imap imap.example.com:993 ssl",
		"smtp mail.example.com:25 starttls", "smtp smtp.example.com:587 starttls",
	})
	got, err := Lookup(context.Background(), "jo@example.com", e.opts)
	if err != nil {
		t.Fatalf("Lookup() = %v, want guessed settings", err)
	}
	var in, out []string
	for _, s := range got.Incoming {
		in = append(in, probeKey(s))
	}
	for _, s := range got.Outgoing {
		out = append(out, probeKey(s))
	}
	wantIn := []string{"imap imap.example.com:993 ssl", "imap mail.example.com:143 starttls", "pop3 mail.example.com:995 ssl"}
	wantOut := []string{"smtp smtp.example.com:587 starttls", "smtp mail.example.com:25 starttls"}
	if !reflect.DeepEqual(in, wantIn) || !reflect.DeepEqual(out, wantOut) {
		t.Errorf("Lookup() incoming %q outgoing %q, want %q and %q", in, out, wantIn, wantOut)
	}
	var probed []string
	for _, c := range e.rec.list() {
		if k, ok := strings.CutPrefix(c, "probe "); ok {
			probed = append(probed, k)
		}
	}
	var all []string
	for _, s := range guessCandidates("example.com") {
		all = append(all, probeKey(s))
	}
	slices.Sort(probed)
	slices.Sort(all)
	if !reflect.DeepEqual(probed, all) {
		t.Errorf("probed %q, want every candidate once: %q", probed, all)
	}
	for _, s := range append(got.Incoming, got.Outgoing...) {
		if s.Username != "jo@example.com" || s.Encryption == core.EncryptionNone {
			t.Errorf("guessed %+v, want the full address as username and encryption", s)
		}
	}
	if got.Provider != "example.com" || got.Note == "" {
		t.Errorf("guessed provider %q note %q, want the domain and a note to check them", got.Provider, got.Note)
	}
}

func TestLookupFails(t *testing.T) {
	tests := []struct {
		name      string
		email     string // default jo@example.com
		replies   map[string]reply
		up        []string
		wantIs    error
		wantMsg   string            // the whole message
		wantSteps map[string]string // step → substring of its error
	}{
		{
			name:    "nothing answers",
			wantIs:  ErrNotFound,
			wantMsg: "autoconfig: no settings found for example.com; enter them by hand",
			wantSteps: map[string]string{
				SourceAutoconfig: "404 Not Found", SourceWellKnown: "404 Not Found", SourceISPDB: "404 Not Found",
				SourceMXISPDB: "no such host", SourceGuess: "no IMAP or POP3 server answered",
			},
		},
		{
			name:      "guess with incoming but no outgoing confirmed",
			up:        []string{"imap imap.example.com:993 ssl"},
			wantIs:    ErrNotFound,
			wantSteps: map[string]string{SourceGuess: "no SMTP server answered"},
		},
		{
			name: "bad documents are rejected with their reasons",
			replies: map[string]reply{
				autoconfigPath: {body: doc(serverXML("incomingServer", "imap", "imap.example.com", "99999", "SSL", "u"), goodSMTP)},
				wellKnownPath:  {body: "<clientConfig><emailProvider><incomingServer"},
				ispdbPath:      {body: configFor("c.example.com") + strings.Repeat(" ", MaxConfigSize)},
			},
			wantIs: ErrNotFound,
			wantSteps: map[string]string{
				SourceAutoconfig: "port 99999 is outside 1 to 65535",
				SourceWellKnown:  "not an autoconfig document",
				SourceISPDB:      "larger than the 1048576 bytes allowed",
			},
		},
		{name: "not an address", email: "jo at example.com", wantIs: ErrInvalidAddress},
		{name: "empty", email: " ", wantIs: ErrInvalidAddress},
		{name: "display name form", email: "Jo <jo@example.com>", wantIs: ErrInvalidAddress},
		{name: "IP literal domain", email: "jo@[192.0.2.1]", wantIs: ErrInvalidAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, tt.replies, nil, tt.up)
			email := tt.email
			if email == "" {
				email = "jo@example.com"
			}
			got, err := Lookup(context.Background(), email, e.opts)
			if !errors.Is(err, tt.wantIs) {
				t.Fatalf("Lookup(%q) = %+v, %v, want %v", email, got, err, tt.wantIs)
			}
			if tt.wantMsg != "" && err.Error() != tt.wantMsg {
				t.Errorf("Lookup(%q) error %q, want %q", email, err, tt.wantMsg)
			}
			if errors.Is(tt.wantIs, ErrInvalidAddress) {
				if calls := e.rec.list(); len(calls) > 0 {
					t.Errorf("Lookup(%q) made calls %q for an invalid address", email, calls)
				}
				return
			}
			var nf *NotFoundError
			if !errors.As(err, &nf) || nf.Domain != "example.com" || len(nf.Steps) != len(steps) {
				t.Fatalf("Lookup(%q) error %#v, want a *NotFoundError with one error per step", email, err)
			}
			for i, s := range nf.Steps {
				var se *StepError
				if !errors.As(s, &se) || se.Step != steps[i].name {
					t.Errorf("step error %d = %v, want a *StepError for %s", i, s, steps[i].name)
					continue
				}
				if want, ok := tt.wantSteps[se.Step]; ok && !strings.Contains(se.Error(), want) {
					t.Errorf("step %s error %q, want it to contain %q", se.Step, se, want)
				}
			}
		})
	}
}

// blockingFetcher never answers its URL, whatever its context says, as a
// broken Fetcher might; other URLs fail at once.
type blockingFetcher struct {
	block   string
	release chan struct{}
}

func (f *blockingFetcher) Fetch(_ context.Context, url string) ([]byte, error) {
	if url == f.block {
		<-f.release
	}
	return nil, errors.New("unavailable")
}

func TestLookupStepTimeout(t *testing.T) {
	const stepTimeout = 200 * time.Millisecond
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name       string
		opts       func(t *testing.T) *Options
		wantSource string // "" means not found
	}{
		{
			name: "server that never answers: the next step answers",
			opts: func(t *testing.T) *Options {
				e := newEnv(t, map[string]reply{autoconfigPath: {hang: true}, wellKnownPath: {body: configFor("b.example.com")}}, nil, nil)
				return e.opts
			},
			wantSource: SourceWellKnown,
		},
		{
			name: "Fetcher that ignores its context",
			opts: func(t *testing.T) *Options {
				return &Options{Fetcher: &blockingFetcher{block: autoconfigURL, release: release},
					Resolver: &fakeResolver{rec: &recorder{}}, Prober: &fakeProber{rec: &recorder{}}}
			},
		},
		{
			name: "Prober that ignores its context",
			opts: func(t *testing.T) *Options {
				return &Options{Fetcher: &blockingFetcher{release: release},
					Resolver: &fakeResolver{rec: &recorder{}}, Prober: blockingProber(release)}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts(t)
			opts.StepTimeout = stepTimeout
			start := time.Now()
			got, err := Lookup(context.Background(), "jo@example.com", opts)
			elapsed := time.Since(start)
			// One step may use its whole time; the rest fail at once.
			if limit := stepTimeout + time.Second; elapsed > limit {
				t.Errorf("Lookup() took %v, want under %v", elapsed, limit)
			}
			if tt.wantSource != "" {
				if err != nil || got.Source != tt.wantSource {
					t.Fatalf("Lookup() = %+v, %v, want settings from %s", got, err, tt.wantSource)
				}
				return
			}
			if !errors.Is(err, ErrNotFound) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Lookup() = %+v, %v, want not found with a step that ran out of time", got, err)
			}
		})
	}
}

type blockingProber chan struct{}

func (p blockingProber) Probe(context.Context, Server) error {
	<-p
	return nil
}

func TestLookupCancelled(t *testing.T) {
	e := newEnv(t, map[string]reply{autoconfigPath: {hang: true}}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	got, err := Lookup(ctx, "jo@example.com", e.opts)
	if !errors.Is(err, context.Canceled) || errors.Is(err, ErrNotFound) {
		t.Fatalf("Lookup(cancelled) = %+v, %v, want context.Canceled", got, err)
	}
	if calls := e.rec.list(); len(calls) != 1 {
		t.Errorf("Lookup(cancelled) calls %q, want only the first step", calls)
	}
}

// panickyFetcher stands for a caller's Fetcher with a bug.
type panickyFetcher struct{}

func (panickyFetcher) Fetch(context.Context, string) ([]byte, error) { panic("bug") }

func TestLookupRecoversPanics(t *testing.T) {
	opts := &Options{Fetcher: panickyFetcher{}, Resolver: &fakeResolver{rec: &recorder{}}, Prober: &fakeProber{rec: &recorder{}}}
	_, err := Lookup(context.Background(), "jo@example.com", opts)
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(nf.Steps[0].Error(), "panic: bug") {
		t.Fatalf("Lookup(panicking fetcher) = %v, want not found with the panic as a step error", err)
	}
}
