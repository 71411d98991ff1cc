package oauth_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mailtest/oauthtest"
	"github.com/tributary-mail/tributary/core/oauth"
)

func resolve(t *testing.T, s *oauthtest.Server, clientID string) *oauth.Config {
	t.Helper()
	cfg, err := oauth.Resolve(t.Context(), core.OAuthSettings{Issuer: s.URL, ClientID: clientID}, nil)
	if err != nil {
		t.Fatalf("Resolve(%s) = %v", s.URL, err)
	}
	return cfg
}

func TestDeviceFlowRefreshRevoke(t *testing.T) {
	s := oauthtest.Start(t, &oauthtest.Options{User: "alice@example.test"})
	cfg := resolve(t, s, oauthtest.ClientID)
	var shown oauth.DeviceCode
	tok, err := oauth.Device(t.Context(), cfg, nil, func(c oauth.DeviceCode) {
		shown = c
		if !s.Approve(c.Code) {
			t.Errorf("Approve(%q) = false, want the code shown to be pending", c.Code)
		}
	})
	if err != nil {
		t.Fatalf("Device() = %v", err)
	}
	if shown.URL != s.URL+"/device/verify" || shown.Code == "" {
		t.Errorf("Device() showed %+v, want the verification URL and a code", shown)
	}
	if got := oauth.SignedInAs(tok); got != "alice@example.test" {
		t.Errorf("SignedInAs() = %q, want alice@example.test", got)
	}
	fresh, err := oauth.Refresh(t.Context(), cfg, tok.RefreshToken, nil)
	if err != nil {
		t.Fatalf("Refresh() = %v", err)
	}
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken != tok.RefreshToken {
		t.Errorf("Refresh() = access %q refresh %q, want a new access token and the same refresh token", fresh.AccessToken, fresh.RefreshToken)
	}
	if err := oauth.Revoke(t.Context(), cfg, tok.RefreshToken, nil); err != nil {
		t.Fatalf("Revoke() = %v", err)
	}
	_, err = oauth.Refresh(t.Context(), cfg, tok.RefreshToken, nil)
	if !errors.Is(err, oauth.ErrInvalidGrant) {
		t.Errorf("Refresh() after Revoke = %v, want ErrInvalidGrant", err)
	}
}

func TestLoopbackFlow(t *testing.T) {
	s := oauthtest.Start(t, &oauthtest.Options{User: "bob@example.test"})
	cfg := resolve(t, s, oauthtest.ClientID)
	l, err := oauth.StartLoopback(t.Context(), cfg, nil)
	if err != nil {
		t.Fatalf("StartLoopback() = %v", err)
	}
	// The browser: follow the provider's redirect back to the listener.
	resp, err := http.Get(l.URL)
	if err != nil {
		t.Fatalf("GET %s = %v", l.URL, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the redirect back answered %s, want 200", resp.Status)
	}
	tok, err := l.Wait(t.Context())
	if err != nil {
		t.Fatalf("Wait() = %v", err)
	}
	if tok.RefreshToken == "" || oauth.SignedInAs(tok) != "bob@example.test" {
		t.Errorf("Wait() = refresh %q as %q, want a refresh token for bob", tok.RefreshToken, oauth.SignedInAs(tok))
	}
}

func TestLoopbackCancel(t *testing.T) {
	s := oauthtest.Start(t, nil)
	l, err := oauth.StartLoopback(t.Context(), resolve(t, s, oauthtest.ClientID), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := l.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait() after Cancel = %v, want context.Canceled", err)
	}
}

func TestWrongClientID(t *testing.T) {
	s := oauthtest.Start(t, nil)
	cfg := resolve(t, s, "no-such-client")
	_, err := oauth.Device(t.Context(), cfg, nil, func(oauth.DeviceCode) { t.Error("Device() showed a code for an unknown client") })
	if !errors.Is(err, oauth.ErrClientRejected) {
		t.Errorf("Device() with a wrong client ID = %v, want ErrClientRejected", err)
	}
}

func TestDiscoverRefusesPlainHTTP(t *testing.T) {
	for _, tc := range []struct{ name, issuer string }{
		{"remote http", "http://auth.example.com"},
		{"no host", "https://"},
		{"query", "https://auth.example.com/?x=1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := oauth.Discover(t.Context(), tc.issuer, nil); err == nil {
				t.Errorf("Discover(%q) = nil error, want a refusal", tc.issuer)
			}
		})
	}
}

func TestProviders(t *testing.T) {
	for _, tc := range []struct{ domain, want string }{
		{"gmail.com", "google"},
		{"outlook.com", "microsoft"},
		{"hotmail.com", "microsoft"},
		{"office365.com", "microsoft"},
		{"example.com", ""},
	} {
		p, _ := oauth.ForDomain(tc.domain)
		if p.Name != tc.want {
			t.Errorf("ForDomain(%q) = %q, want %q", tc.domain, p.Name, tc.want)
		}
	}
	ms, _ := oauth.Lookup("microsoft")
	if ms.Endpoint.TokenURL != "https://login.microsoftonline.com/common/oauth2/v2.0/token" {
		t.Errorf("Microsoft token URL = %q, want the common tenant", ms.Endpoint.TokenURL)
	}
}
