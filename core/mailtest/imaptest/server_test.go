package imaptest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"slices"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

// TestList checks the LIST behaviours the client tests depend on.
func TestList(t *testing.T) {
	noListExtended := imap.CapSet{imap.CapIMAP4rev1: {}}
	tests := []struct {
		name      string
		opts      Options
		list      *imap.ListOptions
		wantBad   bool
		wantAttrs []imap.MailboxAttr // of "Sent Items"
	}{
		{"special-use always", Options{}, nil, false, []imap.MailboxAttr{imap.MailboxAttrSent}},
		{"subscribed on request", Options{}, &imap.ListOptions{ReturnSubscribed: true}, false, []imap.MailboxAttr{imap.MailboxAttrSent, imap.MailboxAttrSubscribed}},
		{"special-use on request, not asked", Options{SpecialUseOnRequest: true}, nil, false, nil},
		{"special-use on request, asked", Options{SpecialUseOnRequest: true}, &imap.ListOptions{ReturnSpecialUse: true}, false, []imap.MailboxAttr{imap.MailboxAttrSent}},
		{"no LIST-EXTENDED, plain LIST", Options{Caps: noListExtended}, nil, false, nil},
		{"no LIST-EXTENDED, RETURN", Options{Caps: noListExtended}, &imap.ListOptions{ReturnSubscribed: true}, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Start(t, tc.opts)
			s.Create(t, "Sent Items", imap.MailboxAttrSent)
			got, err := s.Dial(t).List("", "*", tc.list).Collect()
			var imapErr *imap.Error
			if tc.wantBad {
				if !errors.As(err, &imapErr) || imapErr.Type != imap.StatusResponseTypeBad {
					t.Fatalf("LIST %+v = %v, want BAD", tc.list, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LIST %+v = %v", tc.list, err)
			}
			i := slices.IndexFunc(got, func(d *imap.ListData) bool { return d.Mailbox == "Sent Items" })
			if i < 0 || !slices.Equal(got[i].Attrs, tc.wantAttrs) {
				t.Fatalf("LIST %+v = %+v, want Sent Items with %v", tc.list, got, tc.wantAttrs)
			}
		})
	}
}

func TestRestartKeepsMailAndRecreateRenumbers(t *testing.T) {
	s := Start(t, Options{})
	raw := []byte("Subject: x\r\n\r\nbody\r\n")
	uid := s.Append(t, "INBOX", raw, imap.FlagSeen)
	validity := s.UIDValidity(t, "INBOX")
	s.Close()
	s.Restart(t)
	msgs := s.Messages(t, "INBOX")
	if len(msgs) != 1 || msgs[0].UID != uid || string(msgs[0].Raw) != string(raw) || !slices.Contains(msgs[0].Flags, imap.FlagSeen) {
		t.Fatalf("Messages(INBOX) after Restart = %+v, want UID %d, \\Seen, %q", msgs, uid, raw)
	}
	s.Delete(t, "INBOX")
	s.Create(t, "INBOX")
	if got := s.UIDValidity(t, "INBOX"); got == validity {
		t.Errorf("UIDValidity(INBOX) after delete and create = %d, want a new one", got)
	}
}

func TestAppendUID(t *testing.T) {
	tests := []struct {
		name    string
		caps    imap.CapSet
		wantUID bool
	}{
		{"UIDPLUS", nil, true},
		{"no UIDPLUS", imap.CapSet{imap.CapIMAP4rev1: {}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := Start(t, Options{Caps: tc.caps})
			raw := []byte("Subject: x\r\n\r\nbody\r\n")
			cmd := s.Dial(t).Append("INBOX", int64(len(raw)), nil)
			cmd.Write(raw)
			cmd.Close()
			data, err := cmd.Wait()
			if err != nil {
				t.Fatalf("APPEND = %v", err)
			}
			if got := data.UID != 0; got != tc.wantUID {
				t.Errorf("APPEND gave UID %d, want one: %v", data.UID, tc.wantUID)
			}
		})
	}
}

func TestFakeHangup(t *testing.T) {
	f := StartFake(t, "* OK hi", func(tag, command string) []string {
		return []string{"* 1 FETCH (UID 1 BODY[] " + Literal([]byte("whole message"))[:8], Hangup}
	})
	conn, err := net.Dial("tcp", f.Endpoint("").Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("T1 UID FETCH 1 (BODY.PEEK[])\r\n"))
	got, err := io.ReadAll(bufio.NewReader(conn))
	want := "* OK hi\r\n* 1 FETCH (UID 1 BODY[] {13}\r\nwh"
	if err != nil || string(got) != want {
		t.Errorf("reply = %q, %v; want %q, then EOF", got, err, want)
	}
	if cmds := f.Commands(); !slices.Equal(cmds, []string{"T1 UID FETCH 1 (BODY.PEEK[])"}) {
		t.Errorf("Commands() = %q", cmds)
	}
}
