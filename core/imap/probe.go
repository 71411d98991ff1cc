package imap

import (
	"context"
	"errors"
	"fmt"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
)

// Probe connects to ep as Dial does (STARTTLS, when chosen, is required
// and done, so the certificate is checked as for a login), asks for the
// capabilities the server offers before login, and logs out. It never
// sends a credential. Errors are Dial's, or a classified failure of
// CAPABILITY; a server that speaks something other than IMAP gives a
// core.KindProtocol error.
func Probe(ctx context.Context, ep core.Endpoint, opts *netconn.Options) (goimap.CapSet, error) {
	switch ep.Encryption {
	case core.EncryptionNone, core.EncryptionSSL, core.EncryptionSTARTTLS:
	default:
		// netconn would take an empty encryption for plain text.
		return nil, &core.Error{Kind: core.KindConfig, Op: "probe", Server: ep.Addr(),
			Err: fmt.Errorf("imap: unknown encryption %q; use none, ssl or starttls", ep.Encryption)}
	}
	c, err := Dial(ctx, ep, opts, nil)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	// go-imap keeps the capabilities a greeting lists, and asks with
	// CAPABILITY itself when it lists none (as after STARTTLS, where Dial
	// hands it a greeting without them); asking here too would send a
	// second CAPABILITY. It reports no error, only no capabilities; the
	// connection's own failure, if any, is found by classify.
	var caps goimap.CapSet
	err = c.wait(ctx, func() error {
		if caps = c.c.Caps(); caps == nil {
			return errors.New("imap: the server did not list its capabilities")
		}
		return nil
	})
	if err != nil {
		return nil, c.classify("capability", err)
	}
	return caps, nil
}
