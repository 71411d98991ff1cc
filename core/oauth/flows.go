package oauth

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

func (c *Config) authOptions() []oauth2.AuthCodeOption {
	var o []oauth2.AuthCodeOption
	for k, v := range c.AuthParams {
		o = append(o, oauth2.SetAuthURLParam(k, v))
	}
	return o
}

// DeviceCode is what the user needs for the device flow: where to go and
// the code to type there.
type DeviceCode struct {
	URL      string // verification_uri
	Code     string // user_code
	Complete string // verification_uri_complete, or ""
	Expiry   time.Time
}

// Device signs in with the device authorization grant (RFC 8628), for a
// terminal: show is called once with the URL and code, then Device polls
// the provider until the user approved, declined, or the code expired.
func Device(ctx context.Context, cfg *Config, opts *Options, show func(DeviceCode)) (*oauth2.Token, error) {
	hctx := opts.Context(ctx)
	if cfg.Endpoint.DeviceAuthURL == "" {
		return nil, fmt.Errorf("oauth: %s offers no device sign-in; use the app's Sign in button", cfg.Label)
	}
	da, err := cfg.DeviceAuth(hctx, cfg.authOptions()...)
	if err != nil {
		return nil, fmt.Errorf("oauth device authorization at %s: %w", cfg.Label, Classify(err, cfg.ClientID))
	}
	show(DeviceCode{URL: da.VerificationURI, Code: da.UserCode, Complete: da.VerificationURIComplete, Expiry: da.Expiry})
	tok, err := cfg.DeviceAccessToken(hctx, da)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) && re.ErrorCode == "expired_token" {
			return nil, errors.New("oauth: the code expired before the sign-in was approved; start again")
		}
		return nil, fmt.Errorf("oauth device sign-in at %s: %w", cfg.Label, Classify(err, cfg.ClientID))
	}
	return checkGrant(tok)
}

// checkGrant refuses a token response without a refresh token: the
// account could sign in once and never again.
func checkGrant(tok *oauth2.Token) (*oauth2.Token, error) {
	if tok.RefreshToken == "" {
		return nil, errors.New("oauth: the provider sent no refresh token, so Tributary could not stay signed in; check that the client asks for offline access")
	}
	return tok, nil
}

// Loopback is the desktop flow (RFC 8252): authorization code with PKCE,
// the browser sent back to a one-off HTTP listener on 127.0.0.1 with a
// random port.
type Loopback struct {
	// URL is the provider's sign-in page, to open in the system browser.
	URL string

	cfg      oauth2.Config
	verifier string
	state    string
	ln       net.Listener
	srv      *http.Server
	result   chan loopbackResult
}

type loopbackResult struct {
	tok *oauth2.Token
	err error
}

// StartLoopback listens on 127.0.0.1 and returns the flow; open its URL,
// then Wait. ctx bounds the code exchange.
func StartLoopback(ctx context.Context, cfg *Config, opts *Options) (*Loopback, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("oauth: listen for the sign-in redirect: %w", err)
	}
	l := &Loopback{cfg: cfg.Config, verifier: oauth2.GenerateVerifier(), state: oauth2.GenerateVerifier(), ln: ln, result: make(chan loopbackResult, 1)}
	l.cfg.RedirectURL = fmt.Sprintf("http://127.0.0.1:%d/callback", ln.Addr().(*net.TCPAddr).Port)
	l.URL = l.cfg.AuthCodeURL(l.state, append(cfg.authOptions(), oauth2.S256ChallengeOption(l.verifier))...)
	hctx := opts.Context(ctx)
	mux := http.NewServeMux()
	mux.HandleFunc("/callback", func(w http.ResponseWriter, r *http.Request) {
		tok, err := l.callback(hctx, r)
		msg := "Signed in. You can close this window and return to Tributary."
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			msg = "Sign-in failed: " + err.Error()
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html><title>Tributary</title><p>%s</p>", html.EscapeString(msg))
		if errors.Is(err, errWrongState) {
			return // not our browser: keep waiting for the real redirect
		}
		select {
		case l.result <- loopbackResult{tok, err}:
		default:
		}
	})
	l.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go l.srv.Serve(ln)
	return l, nil
}

var errWrongState = errors.New("the sign-in answer does not belong to this sign-in")

func (l *Loopback) callback(ctx context.Context, r *http.Request) (*oauth2.Token, error) {
	q := r.URL.Query()
	if subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.state)) != 1 {
		return nil, errWrongState
	}
	if e := q.Get("error"); e != "" {
		if e == "access_denied" {
			return nil, ErrDenied
		}
		return nil, fmt.Errorf("oauth: the provider answered %q: %s", e, q.Get("error_description"))
	}
	code := q.Get("code")
	if code == "" {
		return nil, errors.New("oauth: the provider sent no code")
	}
	tok, err := l.cfg.Exchange(ctx, code, oauth2.VerifierOption(l.verifier))
	if err != nil {
		return nil, fmt.Errorf("oauth code exchange: %w", Classify(err, l.cfg.ClientID))
	}
	return checkGrant(tok)
}

// Wait waits for the browser to come back, or for ctx (the user's Cancel),
// then stops listening.
func (l *Loopback) Wait(ctx context.Context) (*oauth2.Token, error) {
	defer l.Close()
	select {
	case r := <-l.result:
		return r.tok, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close stops listening; Wait does it too.
func (l *Loopback) Close() { l.srv.Close() }

// SignedInAs is the email address the provider's ID token names, for
// showing the user which account was signed in; "" when there is none.
// The token is not verified: the name is only shown, never trusted.
func SignedInAs(tok *oauth2.Token) string {
	idt, _ := tok.Extra("id_token").(string)
	parts := strings.Split(idt, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var claims struct {
		Email             string `json:"email"`
		PreferredUsername string `json:"preferred_username"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return ""
	}
	if claims.Email != "" {
		return claims.Email
	}
	return claims.PreferredUsername
}
