package pop3

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
)

// Capabilities is a server's CAPA listing (RFC 2449): one capability a
// line, its name first and then its arguments ("TOP", "SASL PLAIN").
type Capabilities []string

// Has reports whether the listing names capability, in any case.
func (c Capabilities) Has(capability string) bool {
	return hasCapability([]byte(strings.Join(c, "\r\n")), capability)
}

// Probe connects to ep as Dial does (STLS, when chosen, is required and
// done, so the certificate is checked as for a login), asks for the
// capabilities the server offers before login, and says QUIT. It never
// sends a credential. A server without CAPA (RFC 1939 only) gives an
// empty listing, not an error. Errors are Dial's, or a classified failure
// of CAPA; a server that speaks something other than POP3 gives a
// core.KindProtocol error.
func Probe(ctx context.Context, ep core.Endpoint, opts *netconn.Options) (Capabilities, error) {
	c, err := Dial(ctx, ep, opts)
	if err != nil {
		return nil, err
	}
	// The probe's answer is in; a failed goodbye changes nothing.
	defer func() { _ = c.Quit(ctx) }()
	// Asked again after STLS: RFC 2595 lets the listing change then.
	var listing *bytes.Buffer
	err = c.call(ctx, "probe", "pop3 capa", maxShortReply, errReplyTooLarge, func() (err error) {
		listing, err = c.pc.Cmd("CAPA", true)
		return err
	})
	var reply *ReplyError
	switch {
	case errors.As(err, &reply):
		return Capabilities{}, nil
	case err != nil:
		return nil, err
	}
	var caps Capabilities
	for line := range strings.SplitSeq(listing.String(), "\r\n") {
		if line = strings.TrimSpace(line); line != "" {
			caps = append(caps, line)
		}
	}
	return caps, nil
}
