package pop3

import (
	"bufio"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/saslauth"
)

// sequence serves one connection: the greeting, then the i-th reply to the
// i-th line, recording the lines.
func sequence(t *testing.T, replies ...string) (string, func() []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var lines []string
	var wg sync.WaitGroup
	wg.Go(func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		io.WriteString(c, "+OK ready\r\n")
		r := bufio.NewReader(c)
		for _, reply := range replies {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			mu.Lock()
			lines = append(lines, strings.TrimRight(line, "\r\n"))
			mu.Unlock()
			io.WriteString(c, reply)
		}
		io.Copy(io.Discard, r)
	})
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), lines...)
	}
}

func TestLoginToken(t *testing.T) {
	refusal := base64.StdEncoding.EncodeToString([]byte(`{"status":"invalid_token","schemes":"bearer"}`))
	for _, tc := range []struct {
		name     string
		capa     string
		replies  []string
		wantMech string
		wantErr  func(error) bool
	}{
		{
			name: "xoauth2 accepted", capa: "SASL PLAIN XOAUTH2", wantMech: "XOAUTH2",
			replies: []string{"+ \r\n", "+OK signed in\r\n"},
			wantErr: func(err error) bool { return err == nil },
		},
		{
			name: "oauthbearer preferred and refused with the RFC 7628 error", capa: "SASL XOAUTH2 OAUTHBEARER", wantMech: "OAUTHBEARER",
			replies: []string{"+ \r\n", "+ " + refusal + "\r\n", "-ERR [AUTH] authentication failed\r\n"},
			wantErr: func(err error) bool {
				var se *saslauth.ServerError
				var ce *core.Error
				return errors.As(err, &se) && se.TokenExpired() && errors.As(err, &ce) && ce.Kind == core.KindAuth && ce.Op == core.OpTokenLogin
			},
		},
		{
			name: "mechanism refused at once", capa: "SASL XOAUTH2", wantMech: "XOAUTH2",
			replies: []string{"-ERR unsupported\r\n"},
			wantErr: func(err error) bool { return core.KindOf(err) == core.KindAuth },
		},
		{
			name: "no mechanism offered", capa: "SASL PLAIN",
			wantErr: func(err error) bool {
				return errors.Is(err, saslauth.ErrNoMechanism) && core.KindOf(err) == core.KindConfig
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, lines := sequence(t, append([]string{"+OK\r\n" + tc.capa + "\r\nUIDL\r\n.\r\n"}, tc.replies...)...)
			c := dial(t, addr, core.EncryptionNone, nil)
			err := c.LoginToken(t.Context(), "jane@example.test", "TOKEN")
			if !tc.wantErr(err) {
				t.Fatalf("LoginToken() = %v, want the case's error", err)
			}
			got := lines()
			if tc.wantMech == "" {
				if len(got) != 1 {
					t.Errorf("sent %q, want CAPA only", got)
				}
				return
			}
			if len(got) < 2 || got[1] != "AUTH "+tc.wantMech {
				t.Fatalf("sent %q, want AUTH %s after CAPA", got, tc.wantMech)
			}
			if len(got) > 2 {
				ir, err := base64.StdEncoding.DecodeString(got[2])
				if err != nil || !strings.Contains(string(ir), "auth=Bearer TOKEN\x01\x01") {
					t.Errorf("initial response %q (%v), want the bearer token", ir, err)
				}
			}
			if len(got) > 3 && got[3] != "AQ==" {
				t.Errorf("answer to the error challenge = %q, want AQ== (a single 0x01, RFC 7628 3.2.3)", got[3])
			}
		})
	}
}
