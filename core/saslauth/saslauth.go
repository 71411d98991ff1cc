// Package saslauth is the client side of the two SASL mechanisms that carry
// an OAuth2 access token: XOAUTH2 (Google's, also Microsoft's) and
// OAUTHBEARER (RFC 7628). core/imap, core/pop3 and core/smtp all sign in
// through it, so the three protocols encode the token and decode the
// server's refusal the same way.
package saslauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/emersion/go-sasl"
)

// Mechanism is a SASL mechanism name.
type Mechanism string

// The mechanisms.
const (
	XOAuth2     Mechanism = "XOAUTH2"
	OAuthBearer Mechanism = "OAUTHBEARER"
)

// ErrNoMechanism means the server offers neither mechanism.
var ErrNoMechanism = errors.New("the server offers neither XOAUTH2 nor OAUTHBEARER, so it cannot sign in with OAuth2; use a password instead")

// Choose picks the mechanism to use from those a server offers (any case):
// OAUTHBEARER, the standard one, when offered, else XOAUTH2.
func Choose(offered []string) (Mechanism, error) {
	has := func(m Mechanism) bool {
		for _, o := range offered {
			if strings.EqualFold(o, string(m)) {
				return true
			}
		}
		return false
	}
	switch {
	case has(OAuthBearer):
		return OAuthBearer, nil
	case has(XOAuth2):
		return XOAuth2, nil
	}
	return "", ErrNoMechanism
}

// ServerError is a server's refusal of a token, the JSON object of RFC
// 7628 section 3.2.2 (XOAUTH2 sends the same object). Its text is the
// server's, so callers clean it before showing it.
type ServerError struct {
	Mechanism Mechanism
	Status    string `json:"status"` // "invalid_token", "insufficient_scope", or an HTTP code such as "401"
	Scope     string `json:"scope"`
	Schemes   string `json:"schemes"`
}

func (e *ServerError) Error() string {
	var why string
	switch e.Status {
	case "invalid_token", "401":
		why = "the access token is invalid or expired"
	case "insufficient_scope", "403":
		why = "the access token lacks a permission the server needs"
		if e.Scope != "" {
			why += " (scope " + e.Scope + ")"
		}
		why += "; sign in again granting mail access"
	case "invalid_request", "400":
		why = "the server could not read the sign-in request"
	default:
		why = "status " + strconv.Quote(e.Status)
	}
	return fmt.Sprintf("%s refused: %s", e.Mechanism, why)
}

// TokenExpired reports whether the refusal says the token is no longer
// good, so that a fresh one may work.
func (e *ServerError) TokenExpired() bool {
	return e.Status == "invalid_token" || e.Status == "401"
}

// Client is one sign-in with an access token. It implements go-sasl's
// Client (for go-imap) and is driven by hand for POP3 and SMTP.
type Client struct {
	mech     Mechanism
	user     string
	token    string
	host     string
	port     int
	refusal  *ServerError
	finished bool
}

var _ sasl.Client = (*Client)(nil)

// New returns a client of mech for user with an access token. host and
// port go into OAUTHBEARER's message (RFC 7628 section 3.1); they may be
// empty and 0.
func New(mech Mechanism, user, token, host string, port int) (*Client, error) {
	// 0x01 separates the fields: one inside a value would forge others.
	if strings.ContainsAny(user+token, "\x01\r\n\x00") {
		return nil, errors.New("saslauth: the username or token contains a control character")
	}
	if mech != XOAuth2 && mech != OAuthBearer {
		return nil, fmt.Errorf("saslauth: unknown mechanism %q", mech)
	}
	return &Client{mech: mech, user: user, token: token, host: host, port: port}, nil
}

// Start returns the mechanism and the initial response.
func (c *Client) Start() (string, []byte, error) {
	return string(c.mech), c.InitialResponse(), nil
}

// InitialResponse is the client's first (and only) message.
func (c *Client) InitialResponse() []byte {
	if c.mech == XOAuth2 {
		return []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01")
	}
	// The authzid's "," and "=" are escaped as RFC 5801 section 5 says.
	authz := strings.NewReplacer("=", "=3D", ",", "=2C").Replace(c.user)
	s := "n,a=" + authz + ","
	if c.host != "" {
		s += "\x01host=" + c.host
	}
	if c.port != 0 {
		s += "\x01port=" + strconv.Itoa(c.port)
	}
	return []byte(s + "\x01auth=Bearer " + c.token + "\x01\x01")
}

// Next answers a challenge. After the initial response, the only challenge
// is the server's error JSON: it is remembered for Refusal, and answered
// as the mechanism requires (XOAUTH2 an empty response, OAUTHBEARER a
// single 0x01, RFC 7628 section 3.2.3) so that the server ends the
// exchange with its failure status.
func (c *Client) Next(challenge []byte) ([]byte, error) {
	if c.finished {
		return nil, fmt.Errorf("saslauth: %s: unexpected second challenge", c.mech)
	}
	c.finished = true
	c.refusal = Decode(c.mech, challenge)
	if c.mech == OAuthBearer {
		return []byte{0x01}, nil
	}
	return []byte{}, nil
}

// Refusal is the error the server sent in its challenge, or nil.
func (c *Client) Refusal() *ServerError { return c.refusal }

// Failed combines a protocol's failure with the refusal the server sent
// before it, so that errors.As finds the *ServerError.
func (c *Client) Failed(err error) error {
	if c.refusal == nil || err == nil {
		return err
	}
	return fmt.Errorf("%w (%v)", c.refusal, err)
}

// Decode reads an error challenge: raw JSON, or base64 of it as a protocol
// without SASL framing of its own may pass it. What cannot be read gives
// a ServerError whose status says so.
func Decode(mech Mechanism, challenge []byte) *ServerError {
	e := &ServerError{Mechanism: mech}
	raw := challenge
	if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(challenge))); err == nil && len(b) > 0 {
		raw = b
	}
	if err := json.Unmarshal(raw, e); err != nil || e.Status == "" {
		e.Status = "unreadable"
	}
	e.Mechanism = mech
	return e
}
