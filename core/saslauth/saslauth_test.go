package saslauth

import (
	"errors"
	"testing"
)

func TestInitialResponse(t *testing.T) {
	for _, tc := range []struct {
		name string
		mech Mechanism
		user string
		host string
		port int
		want string
	}{
		{"xoauth2", XOAuth2, "a@b.test", "imap.b.test", 993, "user=a@b.test\x01auth=Bearer T\x01\x01"},
		{"oauthbearer", OAuthBearer, "a@b.test", "imap.b.test", 993, "n,a=a@b.test,\x01host=imap.b.test\x01port=993\x01auth=Bearer T\x01\x01"},
		{"oauthbearer escapes authzid", OAuthBearer, "a,=b", "", 0, "n,a=a=2C=3Db,\x01auth=Bearer T\x01\x01"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.mech, tc.user, "T", tc.host, tc.port)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(c.InitialResponse()); got != tc.want {
				t.Errorf("InitialResponse() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNewRefusesSeparators(t *testing.T) {
	if _, err := New(XOAuth2, "a\x01auth=Bearer x", "T", "", 0); err == nil {
		t.Error("New() with 0x01 in the user = nil error, want a refusal")
	}
}

func TestNextDecodesRefusal(t *testing.T) {
	for _, tc := range []struct {
		name      string
		mech      Mechanism
		challenge string
		status    string
		reply     string
		expired   bool
	}{
		{"xoauth2 json", XOAuth2, `{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`, "401", "", true},
		{"oauthbearer json", OAuthBearer, `{"status":"invalid_token"}`, "invalid_token", "\x01", true},
		{"scope", OAuthBearer, `{"status":"insufficient_scope","scope":"mail"}`, "insufficient_scope", "\x01", false},
		{"base64", XOAuth2, "eyJzdGF0dXMiOiI0MDAifQ==", "400", "", false},
		{"garbage", XOAuth2, "not json", "unreadable", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := New(tc.mech, "u", "T", "", 0)
			reply, err := c.Next([]byte(tc.challenge))
			if err != nil || string(reply) != tc.reply {
				t.Errorf("Next() = %q, %v, want %q", reply, err, tc.reply)
			}
			r := c.Refusal()
			if r == nil || r.Status != tc.status || r.TokenExpired() != tc.expired {
				t.Fatalf("Refusal() = %+v, want status %q (expired %v)", r, tc.status, tc.expired)
			}
			var se *ServerError
			if err := c.Failed(errors.New("NO")); !errors.As(err, &se) {
				t.Errorf("Failed() = %v, want a *ServerError inside", err)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	for _, tc := range []struct {
		name    string
		offered []string
		want    Mechanism
		err     error
	}{
		{"both", []string{"PLAIN", "XOAUTH2", "oauthbearer"}, OAuthBearer, nil},
		{"xoauth2 only (Microsoft)", []string{"LOGIN", "XOAUTH2"}, XOAuth2, nil},
		{"none", []string{"PLAIN"}, "", ErrNoMechanism},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Choose(tc.offered)
			if got != tc.want || !errors.Is(err, tc.err) {
				t.Errorf("Choose(%v) = %q, %v, want %q, %v", tc.offered, got, err, tc.want, tc.err)
			}
		})
	}
}
