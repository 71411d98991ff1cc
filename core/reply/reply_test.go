package reply

import (
	"net/mail"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/mime"
)

func TestSubjectPrefixes(t *testing.T) {
	tests := []struct {
		name, in, reply, forward string
	}{
		{"plain", "Plans", "Re: Plans", "Fwd: Plans"},
		{"already a reply", "Re: Plans", "Re: Plans", "Fwd: Re: Plans"},
		{"numbered reply", "RE[2]: Plans", "RE[2]: Plans", "Fwd: RE[2]: Plans"},
		{"already forwarded", "Fwd: Plans", "Re: Fwd: Plans", "Fwd: Plans"},
		{"outlook forward", "FW: Plans", "Re: FW: Plans", "FW: Plans"},
		{"german reply", "AW: Termin", "AW: Termin", "Fwd: AW: Termin"},
		{"german forward", "WG: Termin", "Re: WG: Termin", "WG: Termin"},
		{"empty", "", "Re:", "Fwd:"},
		{"word starting with re", "Reunion", "Re: Reunion", "Fwd: Reunion"},
		{"spaces around", "  Plans  ", "Re: Plans", "Fwd: Plans"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ReplySubject(tt.in); got != tt.reply {
				t.Errorf("ReplySubject(%q) = %q, want %q", tt.in, got, tt.reply)
			}
			if got := ForwardSubject(tt.in); got != tt.forward {
				t.Errorf("ForwardSubject(%q) = %q, want %q", tt.in, got, tt.forward)
			}
		})
	}
}

func addrs(s string) []*mail.Address {
	if s == "" {
		return nil
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		panic(err)
	}
	return list
}

func emails(list []*mail.Address) string {
	var out []string
	for _, a := range list {
		out = append(out, a.Address)
	}
	return strings.Join(out, ",")
}

func TestReplyRecipients(t *testing.T) {
	own := OwnAddresses([]core.Identity{{Email: "Me@Example.test"}, {Email: "work@example.test"}})
	tests := []struct {
		name           string
		msg            mime.Message
		all            bool
		wantTo, wantCc string
	}{
		{"to the sender", mime.Message{From: addrs("ann@example.test"), To: addrs("me@example.test, bob@example.test")}, false,
			"ann@example.test", ""},
		{"reply-to wins", mime.Message{From: addrs("ann@example.test"), ReplyTo: addrs("list@example.test")}, false,
			"list@example.test", ""},
		{"own message goes to its recipients", mime.Message{From: addrs("ME@example.test"), To: addrs("zed@example.test")}, false,
			"zed@example.test", ""},
		{"reply all without own addresses", mime.Message{From: addrs("ann@example.test"),
			To: addrs("me@example.test, bob@example.test"), Cc: addrs("work@example.test, cy@example.test, ANN@example.test")}, true,
			"ann@example.test,bob@example.test", "cy@example.test"},
		{"reply all without duplicates", mime.Message{From: addrs("ann@example.test"),
			To: addrs("bob@example.test"), Cc: addrs("bob@example.test, cy@example.test")}, true,
			"ann@example.test,bob@example.test", "cy@example.test"},
		{"no sender at all", mime.Message{To: addrs("me@example.test")}, false, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Reply(&tt.msg, own, tt.all)
			if got := emails(d.To); got != tt.wantTo {
				t.Errorf("Reply(all=%v).To = %q, want %q", tt.all, got, tt.wantTo)
			}
			if got := emails(d.Cc); got != tt.wantCc {
				t.Errorf("Reply(all=%v).Cc = %q, want %q", tt.all, got, tt.wantCc)
			}
		})
	}
}

func TestReplyDoesNotChangeTheOriginal(t *testing.T) {
	msg := mime.Message{From: addrs("ann@example.test"), To: addrs("bob@example.test, cy@example.test")}
	msg.From = append(make([]*mail.Address, 0, 4), msg.From...) // room to append in place
	Reply(&msg, nil, true)
	if got := emails(msg.From); got != "ann@example.test" {
		t.Errorf("after Reply, the original's From = %q, want ann@example.test", got)
	}
	if x := msg.From[:cap(msg.From)][1]; x != nil {
		t.Errorf("Reply wrote %q into the original's From array", x.Address)
	}
}

func TestReferences(t *testing.T) {
	long := make([]string, 30)
	for i := range long {
		long[i] = string(rune('a'+i%26)) + "@x"
	}
	tests := []struct {
		name string
		msg  mime.Message
		want []string
	}{
		{"first reply", mime.Message{MessageID: "m1"}, []string{"m1"}},
		{"in-reply-to only", mime.Message{MessageID: "m2", InReplyTo: "m1"}, []string{"m1", "m2"}},
		{"references win", mime.Message{MessageID: "m3", InReplyTo: "m2", References: []string{"m1", "m2"}}, []string{"m1", "m2", "m3"}},
		{"no message id", mime.Message{References: []string{"m1"}}, []string{"m1"}},
		{"trimmed, root kept", mime.Message{MessageID: "last", References: long},
			append([]string{long[0]}, append(long[len(long)-ReferencesMax+2:], "last")...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := References(&tt.msg)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("References = %v, want %v", got, tt.want)
			}
			if len(got) > ReferencesMax {
				t.Errorf("References has %d ids, want at most %d", len(got), ReferencesMax)
			}
		})
	}
}

func TestQuoteAndAttribution(t *testing.T) {
	date := time.Date(2026, 3, 4, 8, 15, 0, 0, time.Local)
	tests := []struct {
		name       string
		msg        mime.Message
		wantAttrib string
		wantQuote  string
	}{
		{"quote levels", mime.Message{From: addrs("Carol <carol@example.test>"), Date: date, Text: "Noon?\n\n> Friday?\n"},
			"On Wed, 4 Mar 2026 at 08:15, Carol <carol@example.test> wrote:", "> Noon?\n>\n>> Friday?\n"},
		{"no date", mime.Message{From: addrs("carol@example.test"), Text: "x"},
			"carol@example.test wrote:", "> x\n"},
		{"no sender", mime.Message{Text: ""}, "You wrote:", ">\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Attribution(&tt.msg); got != tt.wantAttrib {
				t.Errorf("Attribution = %q, want %q", got, tt.wantAttrib)
			}
			if got := Quote(tt.msg.Text); got != tt.wantQuote {
				t.Errorf("Quote(%q) = %q, want %q", tt.msg.Text, got, tt.wantQuote)
			}
		})
	}
}

func TestQuoteIsClippedOnARuneBoundary(t *testing.T) {
	text := strings.Repeat("ü", QuoteMax) // two bytes each
	got := clipQuote(text)
	if len(got) > QuoteMax+len("\n[…]") || !strings.HasSuffix(got, "\n[…]") {
		t.Fatalf("clipQuote of %d bytes = %d bytes ending %q", len(text), len(got), got[len(got)-8:])
	}
	if body := strings.TrimSuffix(got, "\n[…]"); strings.Trim(body, "ü") != "" {
		t.Error("clipQuote cut a character in half")
	}
}

func TestForwardHeader(t *testing.T) {
	msg := mime.Message{From: addrs("Ann <ann@example.test>"), To: addrs("beta@example.test"), Cc: addrs("c@example.test"),
		Subject: "Minutes", Date: time.Date(2026, 3, 5, 14, 0, 0, 0, time.Local), Text: "The minutes are attached."}
	d := Forward(&msg)
	if d.Subject != "Fwd: Minutes" || len(d.To) != 0 || d.InReplyTo != "" {
		t.Errorf("Forward = subject %q, to %v, in-reply-to %q", d.Subject, d.To, d.InReplyTo)
	}
	want := "\n\n---------- Forwarded message ----------\nFrom: Ann <ann@example.test>\nDate: Thu, 5 Mar 2026 at 14:00\n" +
		"Subject: Minutes\nTo: beta@example.test\nCc: c@example.test\n\nThe minutes are attached."
	if d.Text != want {
		t.Errorf("Forward text = %q, want %q", d.Text, want)
	}
	var many []*mail.Address
	for range 25 {
		many = append(many, &mail.Address{Address: "x@example.test"})
	}
	if got := addressLine(many); !strings.HasSuffix(got, " and 5 more") || strings.Count(got, "x@example.test") != 20 {
		t.Errorf("addressLine(25 addresses) = %q, want 20 and 5 more", got)
	}
}

func TestUniqueName(t *testing.T) {
	used := map[string]bool{}
	tests := []struct{ name, in, want string }{
		{"first", "minutes.pdf", "minutes.pdf"},
		{"taken", "minutes.pdf", "minutes (2).pdf"},
		{"taken, other case", "MINUTES.pdf", "MINUTES (3).pdf"},
		{"path is refused", "../etc/passwd", "attachment"},
		{"empty", "", "attachment (2)"},
		{"dot dot", "..", "attachment (3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UniqueName(tt.in, used); got != tt.want {
				t.Errorf("UniqueName(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestRemoveForwardFilesTouchesOnlyItsFolders(t *testing.T) {
	mine, err := os.MkdirTemp("", ForwardDirPattern)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(mine) })
	picked := filepath.Join(t.TempDir(), "picked.pdf")
	for _, p := range []string{filepath.Join(mine, "a.pdf"), picked} {
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	RemoveForwardFiles([]string{filepath.Join(mine, "a.pdf"), picked})
	if _, err := os.Stat(mine); !os.IsNotExist(err) {
		t.Errorf("forward folder still there: %v", err)
	}
	if _, err := os.Stat(picked); err != nil {
		t.Errorf("a file the user picked was removed: %v", err)
	}
}
