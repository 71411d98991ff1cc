package autoconfig

import (
	"bytes"
	"cmp"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/oauth"
)

// Limits on what a configuration may hold. Real ones are a few kilobytes
// with a handful of servers; anything far beyond is broken or hostile.
const (
	MaxConfigSize  = 1 << 20 // bytes of XML
	maxServers     = 50      // of each direction, before filtering
	maxUsernameLen = 256
	maxProviderLen = 100
	maxNoteLen     = 500
)

// The subset of Thunderbird's config-v1.1 format that matters here.
// encoding/xml skips every element not named.
type xmlClientConfig struct {
	XMLName   xml.Name      `xml:"clientConfig"`
	Providers []xmlProvider `xml:"emailProvider"`
}

type xmlProvider struct {
	DisplayName string      `xml:"displayName"`
	Incoming    []xmlServer `xml:"incomingServer"`
	Outgoing    []xmlServer `xml:"outgoingServer"`
	Enable      []xmlEnable `xml:"enable"`
}

type xmlServer struct {
	Type           string   `xml:"type,attr"`
	Hostname       string   `xml:"hostname"`
	Port           string   `xml:"port"`
	SocketType     string   `xml:"socketType"`
	Username       string   `xml:"username"`
	Authentication []string `xml:"authentication"`
}

type xmlEnable struct {
	VisitURL     string           `xml:"visiturl,attr"`
	Instructions []xmlInstruction `xml:"instruction"`
}

type xmlInstruction struct {
	Lang string `xml:"lang,attr"`
	Text string `xml:",chardata"`
}

// parseConfig reads a Thunderbird autoconfig document for the address a.
// It rejects the whole document when any server it would use has an
// absurd value, rather than trust half of a broken or hostile file.
func parseConfig(data []byte, a address) (*Config, error) {
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("configuration is larger than %d bytes", MaxConfigSize)
	}
	var doc xmlClientConfig
	d := xml.NewDecoder(bytes.NewReader(data))
	d.CharsetReader = charsetReader
	if err := d.Decode(&doc); err != nil {
		return nil, fmt.Errorf("not an autoconfig document: %w", err)
	}
	if len(doc.Providers) == 0 {
		return nil, errors.New("autoconfig document has no emailProvider")
	}
	p := doc.Providers[0]
	if len(p.Incoming) > maxServers || len(p.Outgoing) > maxServers {
		return nil, fmt.Errorf("autoconfig document lists more than %d servers", maxServers)
	}
	c := &Config{Provider: cleanText(p.DisplayName, maxProviderLen), Note: enableNote(p.Enable)}
	if c.Provider == "" {
		c.Provider = a.domain
	}
	for i, x := range p.Incoming {
		s, ok, err := x.server(a, ProtocolIMAP, ProtocolPOP3)
		if err != nil {
			return nil, fmt.Errorf("incoming server %d: %w", i+1, err)
		}
		if ok {
			c.Incoming = append(c.Incoming, s)
		}
	}
	for i, x := range p.Outgoing {
		s, ok, err := x.server(a, ProtocolSMTP)
		if err != nil {
			return nil, fmt.Errorf("outgoing server %d: %w", i+1, err)
		}
		if ok {
			c.Outgoing = append(c.Outgoing, s)
		}
	}
	for _, sv := range append(slices.Clone(c.Incoming), c.Outgoing...) {
		if sv.Auth == core.AuthOAuth2 {
			c.OAuth = oauthProvider(sv.Host, a.domain)
		}
	}
	if err := c.settle(); err != nil {
		return nil, err
	}
	return c, nil
}

// unusableAuth are sign-in methods Tributary does not have. A server that
// offers only these is left out; it could not be logged in to. OAuth2 is
// usable with a built-in provider only (see oauthProvider).
var unusableAuth = []string{"gssapi", "ntlm", "tls-client-cert"}

// oauthProvider is the built-in OAuth2 provider of a server that offers
// <authentication>OAuth2</authentication>: the one of its host name or of
// the address's domain, or "" when Tributary knows none (there is no
// issuer to ask for tokens, so OAuth2 does not count for that server).
func oauthProvider(host, domain string) string {
	if p, ok := oauth.ForHost(host); ok {
		return p.Name
	}
	if p, ok := oauth.ForDomain(domain); ok {
		return p.Name
	}
	return ""
}

// server converts x, which must be of one of the protocols. ok is false,
// with no error, for a server to skip: another protocol (Exchange, EWS) or
// only sign-in methods Tributary lacks.
func (x xmlServer) server(a address, protocols ...string) (s Server, ok bool, err error) {
	protocol := strings.ToLower(strings.TrimSpace(x.Type))
	if !slices.Contains(protocols, protocol) {
		return Server{}, false, nil
	}
	s = Server{
		Protocol: protocol,
		Host:     strings.ToLower(strings.TrimSuffix(a.expandHost(strings.TrimSpace(x.Hostname)), ".")),
		Username: a.expandUser(strings.TrimSpace(x.Username)),
	}
	method := func(m string) string { return strings.ToLower(strings.TrimSpace(m)) }
	offersOAuth := slices.ContainsFunc(x.Authentication, func(m string) bool { return method(m) == "oauth2" })
	switch {
	case offersOAuth && oauthProvider(s.Host, a.domain) != "":
		// Preferred where offered: the providers that offer it refuse
		// ordinary passwords (Gmail, Outlook.com, Microsoft 365).
		s.Auth = core.AuthOAuth2
	case len(x.Authentication) > 0 && !slices.ContainsFunc(x.Authentication, func(m string) bool {
		return method(m) != "oauth2" && !slices.Contains(unusableAuth, method(m))
	}):
		return Server{}, false, nil
	}
	if s.Username == "" {
		s.Username = a.email
	}
	port := strings.TrimSpace(x.Port)
	if s.Port, err = strconv.Atoi(port); err != nil {
		return Server{}, false, fmt.Errorf("port %q is not a number", truncate(port))
	}
	switch st := strings.TrimSpace(x.SocketType); {
	case strings.EqualFold(st, "SSL"):
		s.Encryption = core.EncryptionSSL
	case strings.EqualFold(st, "STARTTLS"):
		s.Encryption = core.EncryptionSTARTTLS
	case strings.EqualFold(st, "plain"):
		s.Encryption = core.EncryptionNone
	default:
		return Server{}, false, fmt.Errorf("socketType %q is not SSL, STARTTLS or plain", truncate(st))
	}
	return s, true, s.check()
}

// check rejects values no real server has.
func (s Server) check() error {
	switch s.Protocol {
	case ProtocolIMAP, ProtocolPOP3, ProtocolSMTP:
	default:
		return fmt.Errorf("unknown protocol %q", truncate(s.Protocol))
	}
	if err := core.CheckHost(s.Host); err != nil {
		return fmt.Errorf("host name %w", err)
	}
	if s.Port < 1 || s.Port > 65535 {
		return fmt.Errorf("port %d is outside 1 to 65535", s.Port)
	}
	switch s.Encryption {
	case core.EncryptionNone, core.EncryptionSSL, core.EncryptionSTARTTLS:
	default:
		return fmt.Errorf("unknown encryption %q", truncate(string(s.Encryption)))
	}
	switch {
	case len(s.Username) > maxUsernameLen:
		return fmt.Errorf("username is longer than %d bytes", maxUsernameLen)
	case !utf8.ValidString(s.Username) || strings.IndexFunc(s.Username, unicode.IsControl) >= 0:
		return errors.New("username contains control characters or invalid UTF-8")
	}
	return nil
}

// settle drops duplicate servers, puts the rest in order of preference
// (keeping the source's order among equals) and insists on at least one
// server each way.
func (c *Config) settle() error {
	c.Incoming = preferred(c.Incoming)
	c.Outgoing = preferred(c.Outgoing)
	switch {
	case len(c.Incoming) == 0:
		return errors.New("no IMAP or POP3 server that Tributary can sign in to")
	case len(c.Outgoing) == 0:
		return errors.New("no SMTP server that Tributary can sign in to")
	}
	return nil
}

func preferred(servers []Server) []Server {
	var out []Server
	for _, s := range servers {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	rank := func(s Server) int {
		r := 0
		if s.Protocol == ProtocolPOP3 {
			r = 10
		}
		switch s.Encryption {
		case core.EncryptionSTARTTLS:
			r++
		case core.EncryptionNone:
			r += 2
		}
		return r
	}
	slices.SortStableFunc(out, func(x, y Server) int { return cmp.Compare(rank(x), rank(y)) })
	return out
}

// enableNote turns the provider's "enable access" instruction into a note,
// in English where there is a choice, with the settings page if given.
func enableNote(enables []xmlEnable) string {
	for _, e := range enables {
		text := ""
		for _, in := range e.Instructions {
			t := cleanText(in.Text, maxNoteLen)
			if t == "" {
				continue
			}
			if lang := strings.ToLower(in.Lang); lang == "" || lang == "en" || strings.HasPrefix(lang, "en-") {
				text = t
				break
			}
			if text == "" {
				text = t
			}
		}
		link := ""
		if u, err := url.Parse(strings.TrimSpace(e.VisitURL)); err == nil && u.Scheme == "https" && u.Host != "" && len(u.String()) <= maxNoteLen {
			link = u.String()
		}
		switch {
		case text != "" && link != "":
			return text + " (" + link + ")"
		case text != "":
			return text
		case link != "":
			return "Enable mail access for other apps at " + link
		}
	}
	return ""
}

// cleanText collapses white space, drops control characters and shortens
// s to at most n bytes at a rune boundary.
func cleanText(s string, n int) string {
	s = strings.Join(strings.FieldsFunc(strings.ToValidUTF8(s, ""), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return strings.TrimSpace(s[:n]) + "…"
}

// truncate shortens a value quoted in an error message.
func truncate(s string) string { return cleanText(s, 40) }

// charsetReader lets the decoder read the encodings older autoconfig files
// declare besides UTF-8: US-ASCII and ISO-8859-1, whose bytes are the
// first 256 code points.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1":
	default:
		return nil, fmt.Errorf("unsupported encoding %q", truncate(label))
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	var out strings.Builder
	for _, c := range b {
		out.WriteRune(rune(c))
	}
	return strings.NewReader(out.String()), nil
}
