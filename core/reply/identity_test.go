package reply

import (
	"strings"
	"testing"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
)

// Two accounts: Work (1) with an alias, Home (2) with an alias the
// address of which Work also has.
var testIdentities = []core.Identity{
	{AccountID: 1, Account: "Work", Email: "me@work.test"},
	{AccountID: 1, Account: "Work", Position: 1, Email: "sales@work.test", ReplyTo: "team@work.test", BccSelf: true},
	{AccountID: 1, Account: "Work", Position: 2, Email: "shared@example.test"},
	{AccountID: 2, Account: "Home", Email: "me@home.test"},
	{AccountID: 2, Account: "Home", Position: 1, Email: "alias@home.test"},
	{AccountID: 2, Account: "Home", Position: 2, Email: "shared@example.test"},
}

func TestPickIdentity(t *testing.T) {
	tests := []struct {
		name    string
		msg     mime.Message
		account int64
		want    string // the identity's address
		wantAcc int64
	}{
		{"to the account's own address", mime.Message{From: addrs("ann@x.test"), To: addrs("me@work.test")}, 1, "me@work.test", 1},
		{"to an alias", mime.Message{From: addrs("ann@x.test"), To: addrs("Sales <SALES@work.test>")}, 1, "sales@work.test", 1},
		{"to someone else, alias in Cc", mime.Message{From: addrs("ann@x.test"), To: addrs("bob@x.test"), Cc: addrs("sales@work.test")}, 1, "sales@work.test", 1},
		{"To wins over Cc", mime.Message{From: addrs("ann@x.test"), To: addrs("sales@work.test"), Cc: addrs("me@work.test")}, 1, "sales@work.test", 1},
		{"first in To wins", mime.Message{From: addrs("ann@x.test"), To: addrs("bob@x.test, me@work.test, sales@work.test")}, 1, "me@work.test", 1},
		{"Cc wins over Delivered-To", mime.Message{From: addrs("ann@x.test"), To: addrs("list@x.test"), Cc: addrs("me@work.test"), DeliveredTo: addrs("sales@work.test")}, 1, "me@work.test", 1},
		{"a list: only Delivered-To names us", mime.Message{From: addrs("ann@x.test"), To: addrs("list@x.test"), DeliveredTo: addrs("sales@work.test")}, 1, "sales@work.test", 1},
		{"Delivered-To wins over X-Original-To", mime.Message{To: addrs("list@x.test"), DeliveredTo: addrs("me@work.test"), OriginalTo: addrs("sales@work.test")}, 1, "me@work.test", 1},
		{"Bcc: only X-Original-To names us", mime.Message{From: addrs("ann@x.test"), To: addrs("bob@x.test"), OriginalTo: addrs("sales@work.test")}, 1, "sales@work.test", 1},
		{"nothing names us: the account's first", mime.Message{From: addrs("ann@x.test"), To: addrs("bob@x.test"), DeliveredTo: addrs("other@x.test")}, 2, "me@home.test", 2},
		{"no headers at all", mime.Message{}, 1, "me@work.test", 1},
		{"an address of another account", mime.Message{From: addrs("ann@x.test"), To: addrs("alias@home.test")}, 1, "alias@home.test", 2},
		{"shared address: the receiving account's", mime.Message{To: addrs("shared@example.test")}, 2, "shared@example.test", 2},
		{"shared address, other receiving account", mime.Message{To: addrs("shared@example.test")}, 1, "shared@example.test", 1},
		{"shared address, received by neither", mime.Message{To: addrs("shared@example.test")}, 3, "shared@example.test", 1},
		{"own message from Sent: as it was sent", mime.Message{From: addrs("sales@work.test"), To: addrs("ann@x.test")}, 1, "sales@work.test", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := PickIdentity(&tt.msg, testIdentities, tt.account)
			if !ok || got.Email != tt.want || got.AccountID != tt.wantAcc {
				t.Errorf("PickIdentity = %s of account %d (%v), want %s of account %d", got.Email, got.AccountID, ok, tt.want, tt.wantAcc)
			}
		})
	}
	if got, ok := PickIdentity(&mime.Message{To: addrs("x@y.test")}, testIdentities, 9); ok {
		t.Errorf("PickIdentity for an account with no identity = %+v, want none", got)
	}
}

func TestPickIdentityFromParsedHeaders(t *testing.T) {
	raw := "Delivered-To: me@work.test\r\nX-Original-To: sales@work.test\r\nDelivered-To: sales@work.test\r\nFrom: ann@x.test\r\nTo: list@x.test\r\nSubject: s\r\n\r\nbody\r\n"
	msg, err := mime.Parse(strings.NewReader(raw), nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := emails(msg.DeliveredTo); got != "me@work.test,sales@work.test" {
		t.Errorf("DeliveredTo = %s, want both headers", got)
	}
	if got := emails(msg.OriginalTo); got != "sales@work.test" {
		t.Errorf("OriginalTo = %s", got)
	}
	if got, _ := PickIdentity(msg, testIdentities, 1); got.Email != "me@work.test" {
		t.Errorf("PickIdentity = %s, want the first Delivered-To", got.Email)
	}
}

func TestFromIdentity(t *testing.T) {
	tests := []struct {
		name          string
		id            core.Identity
		wantAccountID int64
		wantFrom      string
	}{
		{"the account's own", testIdentities[0], 1, "<me@work.test>"},
		{"an alias with a name", core.Identity{AccountID: 1, DisplayName: "Sales", Email: "sales@work.test"}, 1, `"Sales" <sales@work.test>`},
		{"another account's identity", testIdentities[4], 2, "<alias@home.test>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Draft{AccountID: 1}
			FromIdentity(&d, tt.id)
			if d.Message.From.String() != tt.wantFrom || d.AccountID != tt.wantAccountID || d.Identity.Email != tt.id.Email {
				t.Errorf("FromIdentity = From %s, account %d, identity %s; want %s, %d, %s",
					d.Message.From, d.AccountID, d.Identity.Email, tt.wantFrom, tt.wantAccountID, tt.id.Email)
			}
		})
	}
}

func TestPlaceAndSwapSignature(t *testing.T) {
	const quote = "On Mon, Ann wrote:\n> hi\n"
	tests := []struct {
		name, body, tail, sig string
		want                  string
	}{
		{"new message", "", "", "Ann\nACME", "\n\n-- \nAnn\nACME\n"},
		{"new message with text", "Hello", "", "Ann", "Hello\n\n-- \nAnn\n"},
		{"reply: above the quote", "\n\n" + quote, quote, "Ann", "\n\n-- \nAnn\n\n" + quote},
		{"reply with text already typed", "Thanks!\n\n" + quote, quote, "Ann", "Thanks!\n\n-- \nAnn\n\n" + quote},
		{"no signature", "\n\n" + quote, quote, "  \n", "\n\n" + quote},
		{"trailing blank lines and CRLF trimmed", "", "", "Ann\r\n\r\n", "\n\n-- \nAnn\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PlaceSignature(tt.body, tt.tail, tt.sig).Body; got != tt.want {
				t.Errorf("PlaceSignature(%q, %q) = %q, want %q", tt.body, tt.sig, got, tt.want)
			}
		})
	}

	swaps := []struct {
		name     string
		edit     func(string) string // what the user did after the first signature went in
		next     string
		want     string
		wantSwap bool
	}{
		{"replaced, the user's text kept", func(b string) string { return "Dear Bob," + b }, "Sales\nTeam",
			"Dear Bob,\n\n-- \nSales\nTeam\n\n" + quote, true},
		{"removed when the next identity has none", func(b string) string { return "Hi" + b }, "",
			"Hi\n\n" + quote, true},
		{"the user edited the signature: left alone", func(b string) string { return strings.Replace(b, "Ann", "Ann (mobile)", 1) }, "Sales",
			"\n\n-- \nAnn (mobile)\n\n" + quote, false},
		{"the user typed below the signature: swapped, the text kept", func(b string) string { return strings.Replace(b, "-- \nAnn\n\n", "-- \nAnn\n\nPS: call me\n", 1) }, "Sales",
			"\n\n-- \nSales\n\nPS: call me\n" + quote, true},
	}
	for _, tt := range swaps {
		t.Run("swap: "+tt.name, func(t *testing.T) {
			s := PlaceSignature("\n\n"+quote, quote, "Ann")
			got, ok := SwapSignature(tt.edit(s.Body), quote, s, tt.next)
			if got.Body != tt.want || ok != tt.wantSwap {
				t.Errorf("SwapSignature = %q, %v; want %q, %v", got.Body, ok, tt.want, tt.wantSwap)
			}
		})
	}

	// Back and forth: none, then one, then another, then none.
	s := PlaceSignature("Hello", "", "")
	for _, step := range []struct{ sig, want string }{
		{"Ann", "Hello\n\n-- \nAnn\n"},
		{"Sales", "Hello\n\n-- \nSales\n"},
		{"", "Hello"},
	} {
		var ok bool
		if s, ok = SwapSignature(s.Body, "", s, step.sig); !ok || s.Body != step.want {
			t.Errorf("SwapSignature to %q = %q, %v; want %q", step.sig, s.Body, ok, step.want)
		}
	}
}
