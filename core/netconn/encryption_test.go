package netconn_test

import (
	"errors"
	"net"
	"strconv"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/mailtest/pop3test"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/pop3"
)

// bogus are encryption values that are none of none, ssl and starttls, as
// a stored setting that was never validated may hold.
var bogus = []core.Encryption{"", "tls", "SSL", "starttls ", "plain"}

// TestUnknownEncryptionSendsNothing: with an unknown encryption no protocol
// may fall through to plain text and send its credentials. (SMTP has the
// same test in core/smtp, against the recording SMTP server.)
func TestUnknownEncryptionSendsNothing(t *testing.T) {
	imapSrv := imaptest.Start(t, imaptest.Options{})
	pop3Srv := pop3test.Start(t, pop3test.Options{Users: map[string]string{"alice": "secret"}})
	host, port, _ := net.SplitHostPort(pop3Srv.Addr)
	pop3Port, _ := strconv.Atoi(port)
	for _, enc := range bogus {
		t.Run(strconv.Quote(string(enc)), func(t *testing.T) {
			check := func(what string, err error) {
				t.Helper()
				if !errors.Is(err, netconn.ErrUnknownEncryption) || core.KindOf(err) != core.KindConfig || core.IsTemporary(err) {
					t.Errorf("%s(encryption %q) = %v (kind %v), want ErrUnknownEncryption of kind configuration", what, enc, err, core.KindOf(err))
				}
			}
			_, err := netconn.Dial(t.Context(), core.Endpoint{Host: imapSrv.Host, Port: imapSrv.Port, Encryption: enc}, nil)
			check("netconn.Dial", err)
			c, err := imap.Dial(t.Context(), imapSrv.Endpoint(enc), nil, nil)
			if err == nil {
				// Without the refusal the next step is LOGIN in clear.
				c.Login(t.Context(), imaptest.User, imaptest.Password)
				c.Close()
			}
			check("imap.Dial", err)
			p, err := pop3.Dial(t.Context(), core.Endpoint{Host: host, Port: pop3Port, Encryption: enc}, nil)
			if err == nil {
				p.Login(t.Context(), "alice", "secret")
				p.Close()
			}
			check("pop3.Dial", err)
		})
	}
	if n := imapSrv.Logins(); n != 0 {
		t.Errorf("the IMAP server saw %d LOGIN attempts with unknown encryptions, want none", n)
	}
	if cmds := pop3Srv.Commands(); len(cmds) != 0 {
		t.Errorf("the POP3 server received %q with unknown encryptions, want nothing", cmds)
	}
}
