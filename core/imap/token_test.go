package imap_test

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
	"github.com/tributary-mail/tributary/core/saslauth"
)

func TestLoginToken(t *testing.T) {
	refusal := base64.StdEncoding.EncodeToString([]byte(`{"status":"401","schemes":"bearer"}`))
	for _, tc := range []struct {
		name     string
		caps     string
		final    string // the server's last word after its refusal, "" to accept at once
		wantMech string
		wantKind core.ErrorKind
		refused  bool
	}{
		{name: "oauthbearer preferred, SASL-IR", caps: "IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER", wantMech: "OAUTHBEARER"},
		{name: "xoauth2 refused with NO", caps: "IMAP4rev1 SASL-IR AUTH=XOAUTH2", final: "NO [AUTHENTICATIONFAILED] failed",
			wantMech: "XOAUTH2", wantKind: core.KindAuth, refused: true},
		// Dovecot 2.3 answers BAD to go-imap's "=" after an XOAUTH2 refusal.
		{name: "xoauth2 refused, then BAD", caps: "IMAP4rev1 SASL-IR AUTH=XOAUTH2", final: "BAD Invalid base64 data in continued response",
			wantMech: "XOAUTH2", wantKind: core.KindAuth, refused: true},
		{name: "no mechanism", caps: "IMAP4rev1 AUTH=PLAIN", wantKind: core.KindConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var authTag string
			f := imaptest.StartFake(t, "* OK [CAPABILITY "+tc.caps+"] ready", func(tag, command string) []string {
				verb, _, _ := strings.Cut(command, " ")
				switch {
				case strings.EqualFold(verb, "AUTHENTICATE"):
					if tc.final == "" {
						return []string{tag + " OK signed in"}
					}
					authTag = tag
					return []string{"+ " + refusal}
				case authTag != "":
					t := authTag
					authTag = ""
					return []string{t + " " + tc.final}
				case strings.EqualFold(verb, "LOGOUT"):
					return []string{"* BYE", tag + " OK"}
				}
				return nil
			})
			c, err := imap.Dial(t.Context(), f.Endpoint(core.EncryptionNone), quick, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.LoginToken(t.Context(), "jane@example.test", "TOKEN")
			if tc.final == "" && tc.wantMech != "" {
				if err != nil {
					t.Fatalf("LoginToken() = %v, want nil", err)
				}
			} else if core.KindOf(err) != tc.wantKind {
				t.Fatalf("LoginToken() = %v (kind %v), want kind %v", err, core.KindOf(err), tc.wantKind)
			}
			var se *saslauth.ServerError
			if got := errors.As(err, &se); got != tc.refused || (got && !se.TokenExpired()) {
				t.Errorf("LoginToken() = %v: RFC 7628 refusal found %v, want %v (expired)", err, got, tc.refused)
			}
			if tc.wantMech == "" {
				return
			}
			cmds := f.Commands()
			var auth string
			for _, cmd := range cmds {
				if strings.Contains(cmd, "AUTHENTICATE") {
					auth = cmd
				}
			}
			_, rest, _ := strings.Cut(auth, "AUTHENTICATE "+tc.wantMech+" ")
			ir, derr := base64.StdEncoding.DecodeString(rest)
			if derr != nil || !strings.Contains(string(ir), "auth=Bearer TOKEN\x01\x01") {
				t.Errorf("sent %q, want AUTHENTICATE %s with the token as its initial response", cmds, tc.wantMech)
			}
		})
	}
}
