package smtp

import (
	"errors"

	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/saslauth"
)

// tokenAuth is SMTP AUTH with an OAuth2 access token through go-mail's
// custom mechanism: OAUTHBEARER when the server offers it, else XOAUTH2
// (go-mail's own XOAUTH2 cannot read the server's error challenge).
type tokenAuth struct {
	user, token, host string
	port              int
	sc                *saslauth.Client
}

var _ gosmtp.Auth = (*tokenAuth)(nil)

func (a *tokenAuth) Start(server *gosmtp.ServerInfo) (string, []byte, error) {
	mech, err := saslauth.Choose(server.Auth)
	if err != nil {
		return "", nil, err
	}
	if a.sc, err = saslauth.New(mech, a.user, a.token, a.host, a.port); err != nil {
		return "", nil, err
	}
	return a.sc.Start()
}

func (a *tokenAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	return a.sc.Next(fromServer)
}

// classify words connect's failure as a token sign-in: a refusal carries
// the server's RFC 7628 error, and a server offering neither mechanism
// is a setting to change.
func (a *tokenAuth) classify(err error) error {
	var ce *core.Error
	switch {
	case errors.Is(err, saslauth.ErrNoMechanism):
		return &core.Error{Kind: core.KindConfig, Op: core.OpTokenLogin, Server: serverOf(err), Err: saslauth.ErrNoMechanism}
	case errors.As(err, &ce) && ce.Kind == core.KindAuth:
		inner := ce.Err
		if a.sc != nil {
			inner = a.sc.Failed(inner)
		}
		return &core.Error{Kind: core.KindAuth, Op: core.OpTokenLogin, Server: ce.Server, Err: inner}
	}
	return err
}

func serverOf(err error) string {
	var ce *core.Error
	if errors.As(err, &ce) {
		return ce.Server
	}
	return ""
}
