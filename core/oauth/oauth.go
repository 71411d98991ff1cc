// Package oauth gets and refreshes the OAuth2 tokens that sign an account
// in to its mail servers, with golang.org/x/oauth2: the built-in providers
// (Google, Microsoft), any other provider through OpenID Connect discovery,
// the desktop flow (authorization code with PKCE and a loopback redirect,
// RFC 8252) and the device flow (RFC 8628). It keeps no token: the engine
// holds access tokens in memory and the refresh token goes to
// core/secrets.
package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/endpoints"

	"github.com/tributary-mail/tributary/core"
)

// Build-time default client IDs. The project embeds no one else's client
// ID: a build sets its own with
//
//	go build -ldflags "-X github.com/tributary-mail/tributary/core/oauth.GoogleClientID=..."
//
// (scripts/package passes them from the environment). Google's desktop
// clients also have a client "secret", which for an installed app is not
// secret (RFC 8252 section 8.5) but is still required by Google.
var (
	GoogleClientID        string
	GoogleClientSecret    string
	MicrosoftClientID     string
	MicrosoftClientSecret string
)

// The environment variables that override a build's default client.
const (
	EnvClientID     = "TRIBUTARY_OAUTH_CLIENT_ID"
	EnvClientSecret = "TRIBUTARY_OAUTH_CLIENT_SECRET"
)

// Provider is a built-in OAuth2 provider.
type Provider struct {
	Name     string // "google", "microsoft": what Account.OAuth.Provider holds
	Label    string // "Google", for "Sign in with Google"
	Endpoint oauth2.Endpoint
	// RevocationURL is RFC 7009's endpoint, or "" when there is none.
	RevocationURL string
	Scopes        []string
	// Domains are the mail domains autoconfig proposes the provider for.
	Domains []string
	// Hosts are the domains of its mail servers, for a custom domain
	// whose configuration names them (Google Workspace, Microsoft 365).
	Hosts []string
	// AuthParams are extra parameters of the authorization request.
	AuthParams map[string]string
	clientID   *string
	secret     *string
}

// ClientID is the build's default client ID, or "".
func (p Provider) ClientID() string { return deref(p.clientID) }

// ClientSecret is the build's default client secret, or "".
func (p Provider) ClientSecret() string { return deref(p.secret) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var providers = []Provider{
	{
		Name:          "google",
		Label:         "Google",
		Endpoint:      endpoints.Google,
		RevocationURL: "https://oauth2.googleapis.com/revoke",
		// The one scope Google grants IMAP, POP3 and SMTP with.
		Scopes:  []string{"https://mail.google.com/"},
		Domains: []string{"gmail.com", "googlemail.com"},
		Hosts:   []string{"gmail.com", "googlemail.com"},
		// Without offline access and consent Google sends no refresh token.
		AuthParams: map[string]string{"access_type": "offline", "prompt": "consent"},
		clientID:   &GoogleClientID,
		secret:     &GoogleClientSecret,
	},
	{
		Name:  "microsoft",
		Label: "Microsoft",
		// The common tenant serves personal accounts (Outlook.com,
		// Hotmail, Live) and work and school accounts alike.
		Endpoint: endpoints.AzureAD("common"),
		Scopes: []string{
			"https://outlook.office.com/IMAP.AccessAsUser.All",
			"https://outlook.office.com/POP.AccessAsUser.All",
			"https://outlook.office.com/SMTP.Send",
			"offline_access",
		},
		Domains: []string{"outlook.com", "hotmail.com", "live.com", "msn.com", "office365.com",
			"hotmail.co.uk", "hotmail.fr", "hotmail.de", "hotmail.it", "hotmail.es",
			"live.co.uk", "live.fr", "live.de", "live.nl", "live.ca", "live.com.au",
			"outlook.fr", "outlook.de", "outlook.es", "outlook.it"},
		Hosts:    []string{"office365.com", "outlook.com"},
		clientID: &MicrosoftClientID,
		secret:   &MicrosoftClientSecret,
	},
}

// Providers lists the built-in providers.
func Providers() []Provider { return append([]Provider(nil), providers...) }

// Lookup finds a built-in provider by name, in any case.
func Lookup(name string) (Provider, bool) {
	for _, p := range providers {
		if strings.EqualFold(p.Name, name) {
			return p, true
		}
	}
	return Provider{}, false
}

// ForDomain finds the built-in provider of a mail domain.
func ForDomain(domain string) (Provider, bool) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	for _, p := range providers {
		for _, d := range p.Domains {
			if d == domain {
				return p, true
			}
		}
	}
	return Provider{}, false
}

// ForHost finds the built-in provider whose mail servers host is one of
// (imap.gmail.com, outlook.office365.com).
func ForHost(host string) (Provider, bool) {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range providers {
		for _, d := range p.Hosts {
			if host == d || strings.HasSuffix(host, "."+d) {
				return p, true
			}
		}
	}
	return Provider{}, false
}

// Errors of the token endpoint, sorted by what the user can do.
var (
	// ErrInvalidGrant means the provider refused the refresh token or the
	// authorization code: revoked, expired, or the password changed. The
	// user must sign in again; the engine wraps it in a core.SignInError.
	ErrInvalidGrant = errors.New("the provider refused the saved sign-in (invalid_grant)")
	// ErrClientRejected means the provider does not know or does not
	// accept the client ID (or secret).
	ErrClientRejected = errors.New("the provider refused the OAuth2 client")
	// ErrDenied means the user declined the sign-in at the provider.
	ErrDenied = errors.New("the sign-in was declined at the provider")
)

// Classify turns an error from golang.org/x/oauth2 into one of the errors
// above (found with errors.Is), keeping the provider's description.
func Classify(err error, clientID string) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return err
	}
	desc := re.ErrorDescription
	if desc != "" {
		desc = ": " + desc
	}
	switch re.ErrorCode {
	case "invalid_grant":
		return fmt.Errorf("%w%s", ErrInvalidGrant, desc)
	case "invalid_client", "unauthorized_client":
		return fmt.Errorf("%w: client ID %q (%s%s); check --oauth-client-id or %s, and that the client is registered as a desktop app", ErrClientRejected, clientID, re.ErrorCode, desc, EnvClientID)
	case "access_denied":
		return fmt.Errorf("%w%s", ErrDenied, desc)
	}
	return err
}

// Options configure how tokens are fetched. nil means defaults.
type Options struct {
	// HTTPClient talks to the provider; nil means one that verifies
	// certificates with the system's roots, as mail servers are.
	HTTPClient *http.Client
	// ClientSecret is the secret of the account's client, when it has
	// one (see Client).
	ClientSecret string
}

func (o *Options) client() *http.Client {
	if o != nil && o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// Context returns ctx carrying the HTTP client, as golang.org/x/oauth2
// expects it.
func (o *Options) Context(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, o.client())
}

// Client chooses the client ID and secret: the ID given (a flag, a
// setting), else $TRIBUTARY_OAUTH_CLIENT_ID, else the build's default for
// provider; the secret from $TRIBUTARY_OAUTH_CLIENT_SECRET, else the
// build's default when its ID was chosen. getenv is os.Getenv or a test's.
func Client(given, provider string, getenv func(string) string) (id, secret string) {
	p, _ := Lookup(provider)
	id = given
	if id == "" {
		id = getenv(EnvClientID)
	}
	if id == "" {
		id = p.ClientID()
	}
	secret = getenv(EnvClientSecret)
	if secret == "" && id != "" && id == p.ClientID() {
		secret = p.ClientSecret()
	}
	return id, secret
}

// Config is what signing in and refreshing need for one account.
type Config struct {
	oauth2.Config
	RevocationURL string
	AuthParams    map[string]string
	// Label names the provider for people: "Google", or the issuer's host.
	Label string
}

// Resolve builds the OAuth2 configuration of s: a built-in provider's, or
// the one an issuer's discovery document describes.
func Resolve(ctx context.Context, s core.OAuthSettings, opts *Options) (*Config, error) {
	secret := ""
	if opts != nil {
		secret = opts.ClientSecret
	}
	cfg := &Config{Config: oauth2.Config{ClientID: s.ClientID, Scopes: s.Scopes}}
	switch {
	case s.Provider != "":
		p, ok := Lookup(s.Provider)
		if !ok {
			return nil, fmt.Errorf("oauth: unknown provider %q: use google or microsoft, or give an issuer URL", s.Provider)
		}
		cfg.Endpoint, cfg.RevocationURL, cfg.AuthParams, cfg.Label = p.Endpoint, p.RevocationURL, p.AuthParams, p.Label
		if len(cfg.Scopes) == 0 {
			cfg.Scopes = p.Scopes
		}
	case s.Issuer != "":
		d, err := Discover(ctx, s.Issuer, opts)
		if err != nil {
			return nil, err
		}
		cfg.Endpoint = oauth2.Endpoint{AuthURL: d.AuthorizationEndpoint, TokenURL: d.TokenEndpoint, DeviceAuthURL: d.DeviceAuthorizationEndpoint}
		cfg.RevocationURL = d.RevocationEndpoint
		cfg.Label = hostOf(s.Issuer)
		if len(cfg.Scopes) == 0 {
			// Without a scope of its own, an OpenID provider's refresh
			// token comes with offline_access; the mail servers read the
			// identity from introspection.
			cfg.Scopes = []string{"openid", "email", "offline_access"}
		}
	default:
		return nil, errors.New("oauth: no provider or issuer")
	}
	if cfg.ClientID == "" {
		return nil, fmt.Errorf("oauth: no client ID for %s: register a desktop client (see the README) and give it with --oauth-client-id or %s", cfg.Label, EnvClientID)
	}
	cfg.ClientSecret = secret
	return cfg, nil
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

// Discovery is the part of an OpenID Connect discovery document (or RFC
// 8414 server metadata) that Tributary uses.
type Discovery struct {
	Issuer                      string `json:"issuer"`
	AuthorizationEndpoint       string `json:"authorization_endpoint"`
	TokenEndpoint               string `json:"token_endpoint"`
	DeviceAuthorizationEndpoint string `json:"device_authorization_endpoint"`
	RevocationEndpoint          string `json:"revocation_endpoint"`
	IntrospectionEndpoint       string `json:"introspection_endpoint"`
}

// Discover reads issuer's /.well-known/openid-configuration. The issuer
// and every endpoint must be HTTPS (plain HTTP only on loopback), and the
// document must name the issuer it was fetched from (OpenID Connect
// Discovery section 4.3), so a document cannot send tokens elsewhere.
func Discover(ctx context.Context, issuer string, opts *Options) (*Discovery, error) {
	if err := core.CheckIssuer(issuer); err != nil {
		return nil, fmt.Errorf("oauth: issuer %w", err)
	}
	where := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, where, nil)
	if err != nil {
		return nil, fmt.Errorf("oauth discovery: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := opts.client().Do(req)
	if err != nil {
		return nil, fmt.Errorf("oauth discovery %s: %w", where, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("oauth discovery %s: %s; check the issuer URL", where, resp.Status)
	}
	var d Discovery
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&d); err != nil {
		return nil, fmt.Errorf("oauth discovery %s: %w", where, err)
	}
	if strings.TrimSuffix(d.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return nil, fmt.Errorf("oauth discovery %s: the document names issuer %q, not %q", where, d.Issuer, issuer)
	}
	for name, u := range map[string]string{"token_endpoint": d.TokenEndpoint, "authorization_endpoint": d.AuthorizationEndpoint,
		"device_authorization_endpoint": d.DeviceAuthorizationEndpoint, "revocation_endpoint": d.RevocationEndpoint} {
		if u == "" && name != "token_endpoint" {
			continue
		}
		if err := checkEndpoint(u); err != nil {
			return nil, fmt.Errorf("oauth discovery %s: %s %w", where, name, err)
		}
	}
	return &d, nil
}

// checkEndpoint accepts an endpoint URL on the same terms as an issuer:
// HTTPS, or plain HTTP to a loopback address.
func checkEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not a URL", raw)
	}
	u.RawQuery, u.Fragment = "", ""
	return core.CheckIssuer(u.String())
}

// Refresh gets a fresh access token from a refresh token. The provider
// may rotate the refresh token: a returned token whose RefreshToken
// differs must be saved.
func Refresh(ctx context.Context, cfg *Config, refreshToken string, opts *Options) (*oauth2.Token, error) {
	tok, err := cfg.TokenSource(opts.Context(ctx), &oauth2.Token{RefreshToken: refreshToken}).Token()
	if err != nil {
		return nil, fmt.Errorf("oauth refresh at %s: %w", cfg.Label, Classify(err, cfg.ClientID))
	}
	if tok.RefreshToken == "" {
		tok.RefreshToken = refreshToken
	}
	return tok, nil
}

// Revoke asks the provider to forget a token (RFC 7009), for an account
// being removed. A provider without the endpoint is not an error.
func Revoke(ctx context.Context, cfg *Config, token string, opts *Options) error {
	if cfg.RevocationURL == "" {
		return nil
	}
	form := url.Values{"token": {token}, "client_id": {cfg.ClientID}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, cfg.RevocationURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("oauth revoke: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := opts.client().Do(req)
	if err != nil {
		return fmt.Errorf("oauth revoke: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("oauth revoke: %s", resp.Status)
	}
	return nil
}

// Grant is what the password store keeps for an OAuth2 account: the
// refresh token, and the client secret it was issued with when the client
// has one (a desktop client's secret is not secret, RFC 8252 section 8.5,
// but it must match the refresh token's client).
type Grant struct {
	RefreshToken string `json:"refresh_token"`
	ClientSecret string `json:"client_secret,omitempty"`
}

// Encode writes g for the password store.
func (g Grant) Encode() string {
	b, _ := json.Marshal(g)
	return string(b)
}

// ParseGrant reads what Encode wrote.
func ParseGrant(s string) (Grant, error) {
	var g Grant
	if err := json.Unmarshal([]byte(s), &g); err != nil || g.RefreshToken == "" {
		return Grant{}, errors.New("oauth: the stored sign-in is damaged; sign in again")
	}
	return g, nil
}
