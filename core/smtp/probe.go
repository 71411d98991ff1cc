package smtp

import (
	"context"
	"fmt"
	"strings"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/netconn"
)

// Extensions are the service extensions an SMTP server named in its EHLO
// reply (RFC 5321 4.1.1.1): keyword in upper case → parameters, such as
// "AUTH" → "PLAIN LOGIN" or "SIZE" → "10240000".
type Extensions map[string]string

// Has reports whether the server offers the extension, in any case.
func (e Extensions) Has(keyword string) bool {
	_, ok := e[strings.ToUpper(keyword)]
	return ok
}

// KnownExtensions are the keywords Probe reports. go-mail answers only
// for an extension asked for by name, so these are the ones asked.
var KnownExtensions = []string{
	"8BITMIME", "AUTH", "BINARYMIME", "CHUNKING", "DSN", "ENHANCEDSTATUSCODES",
	"PIPELINING", "REQUIRETLS", "SIZE", "SMTPUTF8", "STARTTLS",
}

// Probe connects to ep the way sending does (through core/netconn, with
// go-mail's client; STARTTLS, when chosen, is required and done, so the
// certificate is checked as for sending), reads what the server offers in
// its EHLO reply, and says QUIT. It never logs in. After STARTTLS the
// extensions are those offered over TLS, where STARTTLS itself no longer
// is. Errors are classified like Test's; a server that speaks something
// other than SMTP gives a core.KindProtocol error.
func Probe(ctx context.Context, ep core.Endpoint, opts *netconn.Options) (Extensions, error) {
	switch ep.Encryption {
	case core.EncryptionNone, core.EncryptionSSL, core.EncryptionSTARTTLS:
	default:
		// connect would take an unknown encryption for plain text.
		return nil, &core.Error{Kind: core.KindConfig, Op: "probe", Server: ep.Addr(),
			Err: fmt.Errorf("smtp: unknown encryption %q; use none, ssl or starttls", ep.Encryption)}
	}
	c, err := connect(ctx, core.SMTPSettings{Host: ep.Host, Port: ep.Port, Encryption: ep.Encryption}, core.Credential{}, opts)
	if err != nil {
		return nil, err
	}
	defer func() {
		// The answer is in; a failed goodbye changes nothing.
		_ = c.Quit()
		_ = c.Close()
	}()
	exts := Extensions{}
	for _, k := range KnownExtensions {
		if ok, param := c.Extension(k); ok {
			exts[k] = param
		}
	}
	return exts, nil
}
