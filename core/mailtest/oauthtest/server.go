// Package oauthtest runs a small OAuth2 authorisation server on 127.0.0.1
// for tests: OpenID Connect discovery, the authorization code grant with
// PKCE (approved at once, so an HTTP client following the redirect stands
// in for the browser), the device grant (RFC 8628), refresh, revocation
// (RFC 7009) and token introspection (RFC 7662), which Dovecot's oauth2
// passdb asks to check the tokens Tributary signs in with.
package oauthtest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// ClientID is the one client the server knows unless Options say others.
const ClientID = "tributary-test"

// Options configure a Server; the zero value is fine.
type Options struct {
	// Addr to listen on; "" means 127.0.0.1:0. Dovecot's passdb points
	// at a fixed port, so the real-peer tests pass that one.
	Addr string
	// ClientIDs accepted; empty means ClientID only.
	ClientIDs []string
	// Accept, when set, decides instead of ClientIDs and User which
	// clients are known and whom their sign-ins are approved as, so one
	// server on a fixed port can serve tests signing in as different users.
	Accept func(clientID string) (user string, ok bool)
	// User is who every sign-in is approved as, unless the authorization
	// request carries login_hint.
	User string
	// AccessTTL is how long an access token lives; 0 means an hour.
	AccessTTL time.Duration
}

// Server is a running authorisation server. It stops when the test ends.
type Server struct {
	// URL is the issuer, http://127.0.0.1:port.
	URL string

	opts Options
	srv  *http.Server

	mu       sync.Mutex
	now      func() time.Time
	codes    map[string]grant // authorization codes
	devices  map[string]*device
	access   map[string]token
	refresh  map[string]grant
	refreshN int
	intros   int
}

type grant struct {
	user, clientID, scope string
	challenge, redirect   string // authorization codes only
}

type device struct {
	grant
	userCode string
	approved bool
	denied   bool
}

type token struct {
	grant
	expiry  time.Time
	refresh string
}

// Start runs a server until t ends.
func Start(t testing.TB, opts *Options) *Server {
	t.Helper()
	s, err := Listen(opts)
	if err != nil {
		t.Fatalf("oauthtest: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Listen runs a server until Close.
func Listen(opts *Options) (*Server, error) {
	o := Options{}
	if opts != nil {
		o = *opts
	}
	if o.Addr == "" {
		o.Addr = "127.0.0.1:0"
	}
	if len(o.ClientIDs) == 0 {
		o.ClientIDs = []string{ClientID}
	}
	if o.AccessTTL == 0 {
		o.AccessTTL = time.Hour
	}
	ln, err := net.Listen("tcp", o.Addr)
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), opts: o, now: time.Now,
		codes: map[string]grant{}, devices: map[string]*device{}, access: map[string]token{}, refresh: map[string]grant{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("GET /authorize", s.authorize)
	mux.HandleFunc("POST /device", s.deviceAuth)
	mux.HandleFunc("GET /device/verify", s.deviceVerify)
	mux.HandleFunc("POST /token", s.token)
	mux.HandleFunc("POST /revoke", s.revoke)
	mux.HandleFunc("POST /introspect", s.introspect)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go s.srv.Serve(ln)
	return s, nil
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// SetClock replaces the clock that token expiry is measured by.
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// ExpireAccessTokens ends every access token issued so far to user (to
// anyone when user is ""), as an hour passing would: introspection
// reports them inactive.
func (s *Server) ExpireAccessTokens(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, t := range s.access {
		if user == "" || t.user == user {
			t.expiry = time.Time{}
			s.access[k] = t
		}
	}
}

// RevokeAll revokes every refresh token and access token of user, as the
// user's "remove access" at the provider would.
func (s *Server) RevokeAll(user string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, g := range s.refresh {
		if g.user == user {
			delete(s.refresh, k)
		}
	}
	for k, t := range s.access {
		if t.user == user {
			delete(s.access, k)
		}
	}
}

// Refreshes counts the refresh-token grants served.
func (s *Server) Refreshes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refreshN
}

// Introspections counts the introspection requests (Dovecot's checks).
func (s *Server) Introspections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.intros
}

// Approve approves a pending device sign-in by its user code, as the user
// typing it at the verification page would.
func (s *Server) Approve(userCode string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.devices {
		if d.userCode == userCode {
			d.approved = true
			return true
		}
	}
	return false
}

// RefreshTokens lists the refresh tokens that are valid, for tests that
// look for them where they must not be.
func (s *Server) RefreshTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.refresh {
		out = append(out, k)
	}
	return out
}

// AccessTokens lists the access tokens issued and not revoked.
func (s *Server) AccessTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for k := range s.access {
		out = append(out, k)
	}
	return out
}

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                           s.URL,
		"authorization_endpoint":           s.URL + "/authorize",
		"token_endpoint":                   s.URL + "/token",
		"device_authorization_endpoint":    s.URL + "/device",
		"revocation_endpoint":              s.URL + "/revoke",
		"introspection_endpoint":           s.URL + "/introspect",
		"code_challenge_methods_supported": []string{"S256"},
		"grant_types_supported":            []string{"authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"},
	})
}

func (s *Server) knownClient(id string) bool {
	if s.opts.Accept != nil {
		_, ok := s.opts.Accept(id)
		return ok
	}
	for _, c := range s.opts.ClientIDs {
		if c == id {
			return true
		}
	}
	return false
}

func (s *Server) user(hint, clientID string) string {
	if hint != "" {
		return hint
	}
	if s.opts.Accept != nil {
		u, _ := s.opts.Accept(clientID)
		return u
	}
	return s.opts.User
}

// authorize approves at once and redirects back with a code. Only a
// loopback redirect (RFC 8252) and PKCE with S256 are accepted.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if !s.knownClient(q.Get("client_id")) {
		http.Error(w, "unknown client_id", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme != "http" || redirect.Hostname() != "127.0.0.1" {
		http.Error(w, "redirect_uri must be http://127.0.0.1:port/...", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		back.Set("error", "invalid_request")
		back.Set("error_description", "PKCE with S256 is required")
	} else {
		code := random()
		s.mu.Lock()
		s.codes[code] = grant{user: s.user(q.Get("login_hint"), q.Get("client_id")), clientID: q.Get("client_id"), scope: q.Get("scope"),
			challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
		s.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func (s *Server) deviceAuth(w http.ResponseWriter, r *http.Request) {
	if !s.knownClient(r.FormValue("client_id")) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "unknown client"})
		return
	}
	d := &device{grant: grant{user: s.user("", r.FormValue("client_id")), clientID: r.FormValue("client_id"), scope: r.FormValue("scope")}, userCode: strings.ToUpper(random()[:8])}
	code := random()
	s.mu.Lock()
	s.devices[code] = d
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"device_code":               code,
		"user_code":                 d.userCode,
		"verification_uri":          s.URL + "/device/verify",
		"verification_uri_complete": s.URL + "/device/verify?user_code=" + d.userCode,
		"expires_in":                600,
		"interval":                  1,
	})
}

func (s *Server) deviceVerify(w http.ResponseWriter, r *http.Request) {
	if !s.Approve(r.URL.Query().Get("user_code")) {
		http.Error(w, "unknown code", http.StatusNotFound)
		return
	}
	w.Write([]byte("approved"))
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	clientID, _, ok := r.BasicAuth()
	if !ok {
		clientID = r.FormValue("client_id")
	}
	if !s.knownClient(clientID) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "unknown client"})
		return
	}
	fail := func(code, desc string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var g grant
	switch r.FormValue("grant_type") {
	case "authorization_code":
		c, ok := s.codes[r.FormValue("code")]
		delete(s.codes, r.FormValue("code"))
		sum := sha256.Sum256([]byte(r.FormValue("code_verifier")))
		switch {
		case !ok || c.clientID != clientID || c.redirect != r.FormValue("redirect_uri"):
			fail("invalid_grant", "unknown or used code")
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge:
			fail("invalid_grant", "PKCE verifier does not match")
			return
		}
		g = c
	case "urn:ietf:params:oauth:grant-type:device_code":
		d, ok := s.devices[r.FormValue("device_code")]
		switch {
		case !ok || d.clientID != clientID:
			fail("invalid_grant", "unknown device code")
			return
		case d.denied:
			fail("access_denied", "the user declined")
			return
		case !d.approved:
			fail("authorization_pending", "")
			return
		}
		delete(s.devices, r.FormValue("device_code"))
		g = d.grant
	case "refresh_token":
		rg, ok := s.refresh[r.FormValue("refresh_token")]
		if !ok || rg.clientID != clientID {
			fail("invalid_grant", "the refresh token is revoked or unknown")
			return
		}
		s.refreshN++
		g = rg
	default:
		fail("unsupported_grant_type", r.FormValue("grant_type"))
		return
	}
	at := random()
	rt := r.FormValue("refresh_token")
	if rt == "" {
		rt = random()
		s.refresh[rt] = grant{user: g.user, clientID: g.clientID, scope: g.scope}
	}
	s.access[at] = token{grant: g, expiry: s.now().Add(s.opts.AccessTTL), refresh: rt}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token":  at,
		"token_type":    "Bearer",
		"expires_in":    int(s.opts.AccessTTL / time.Second),
		"refresh_token": rt,
		"scope":         g.scope,
		"id_token":      idToken(g.user),
	})
}

// revoke forgets a refresh token with its access tokens, or one access
// token (RFC 7009: an unknown token is not an error).
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	tok := r.FormValue("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.refresh[tok]; ok {
		delete(s.refresh, tok)
		for k, t := range s.access {
			if t.refresh == tok {
				delete(s.access, k)
			}
		}
	}
	delete(s.access, tok)
	w.WriteHeader(http.StatusOK)
}

// introspect answers RFC 7662 for Dovecot: active, and the username the
// token belongs to.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	tok := r.FormValue("token")
	if tok == "" {
		if h, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok = h
		}
	}
	s.mu.Lock()
	s.intros++
	t, ok := s.access[tok]
	now := s.now()
	s.mu.Unlock()
	if !ok || !now.Before(t.expiry) {
		writeJSON(w, http.StatusOK, map[string]any{"active": false})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"active":    true,
		"username":  t.user,
		"email":     t.user,
		"client_id": t.clientID,
		"scope":     t.scope,
		"exp":       t.expiry.Unix(),
	})
}

// idToken is an unsigned ID token naming the user, for display only.
func idToken(user string) string {
	enc := base64.RawURLEncoding
	claims, _ := json.Marshal(map[string]string{"email": user, "sub": user})
	return enc.EncodeToString([]byte(`{"alg":"none"}`)) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString([]byte("x"))
}

func random() string {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		panic(errors.New("oauthtest: no randomness"))
	}
	return hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
