package imap_test

import (
	"reflect"
	"testing"

	goimap "github.com/emersion/go-imap/v2"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/mailtest/imaptest"
)

func TestMailboxes(t *testing.T) {
	type box struct {
		name       string
		attrs      []goimap.MailboxAttr
		subscribed bool
	}
	noListExtended := goimap.CapSet{goimap.CapIMAP4rev1: {}, goimap.CapUIDPlus: {}}
	noSpecialUse := goimap.CapSet{goimap.CapIMAP4rev1: {}, goimap.CapListExtended: {}}
	sentItems := imap.Mailbox{Name: "Sent Items", Folder: "Sent", Role: core.RoleSent}
	sent := imap.Mailbox{Name: "Sent", Folder: "Sent", Role: core.RoleSent}
	tests := []struct {
		name   string
		server imaptest.Options
		boxes  []box
		chosen []string
		want   []imap.Mailbox
	}{{
		name: "subscribed mailboxes and the \\Sent one",
		boxes: []box{
			{"Sent Items", []goimap.MailboxAttr{goimap.MailboxAttrSent}, true},
			{"Archive", []goimap.MailboxAttr{goimap.MailboxAttrNoSelect}, true},
			{"Archive/2024", nil, true},
			{"Drafts", []goimap.MailboxAttr{goimap.MailboxAttrDrafts}, true},
			{"Old", nil, false},
		},
		want: []imap.Mailbox{
			{Name: "Archive/2024", Folder: "Archive/2024"},
			{Name: "Drafts", Folder: "Drafts"},
			inbox,
			sentItems,
		},
	}, {
		name: "chosen mailboxes only, subscribed or not",
		boxes: []box{
			{"Sent Items", []goimap.MailboxAttr{goimap.MailboxAttrSent}, false},
			{"Archive/2024", nil, true},
			{"Old", nil, false},
		},
		chosen: []string{"Old"},
		want:   []imap.Mailbox{inbox, {Name: "Old", Folder: "Old"}, sentItems},
	}, {
		name:   "named Sent, without SPECIAL-USE",
		server: imaptest.Options{Caps: noSpecialUse},
		boxes: []box{
			{"Sent", nil, false},
			{"Sent Items", []goimap.MailboxAttr{goimap.MailboxAttrSent}, false},
		},
		want: []imap.Mailbox{inbox, sent},
	}, {
		name:   "a \\Sent mailbox wins over one named Sent",
		boxes:  []box{{"Sent", nil, false}, {"Sent Messages", []goimap.MailboxAttr{goimap.MailboxAttrSent}, true}},
		chosen: []string{"INBOX"},
		want:   []imap.Mailbox{inbox, {Name: "Sent Messages", Folder: "Sent", Role: core.RoleSent}},
	}, {
		name:   "special-use only on request (RFC 6154)",
		server: imaptest.Options{SpecialUseOnRequest: true},
		boxes:  []box{{"Sent Items", []goimap.MailboxAttr{goimap.MailboxAttrSent}, true}},
		want:   []imap.Mailbox{inbox, sentItems},
	}, {
		name:   "dot delimiter becomes a slash",
		server: imaptest.Options{Delim: '.'},
		boxes:  []box{{"INBOX/Work", nil, true}, {"Lists", []goimap.MailboxAttr{goimap.MailboxAttrNoSelect}, true}, {"Lists/go", nil, true}},
		want: []imap.Mailbox{
			inbox,
			{Name: "INBOX.Work", Folder: "INBOX/Work"},
			{Name: "Lists.go", Folder: "Lists/go"},
		},
	}, {
		// Outlook.com and Yahoo answer LIST ... RETURN (SUBSCRIBED) with
		// BAD. Without subscriptions to go by, INBOX, Sent and the
		// chosen mailboxes are synced.
		name:   "server without LIST-EXTENDED",
		server: imaptest.Options{Caps: noListExtended},
		boxes:  []box{{"Sent", nil, true}, {"Junk", nil, true}, {"Work", nil, true}},
		chosen: []string{"Work"},
		want:   []imap.Mailbox{inbox, sent, {Name: "Work", Folder: "Work"}},
	}, {
		name:   "server without LIST-EXTENDED, nothing chosen",
		server: imaptest.Options{Caps: noListExtended},
		boxes:  []box{{"Sent", nil, true}, {"Junk", nil, true}},
		want:   []imap.Mailbox{inbox, sent},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := imaptest.Start(t, tc.server)
			for _, b := range tc.boxes {
				s.Create(t, b.name, b.attrs...)
				s.SetSubscribed(t, b.name, b.subscribed)
			}
			c := dial(t, s.Endpoint(core.EncryptionNone), nil)
			got, err := c.Mailboxes(t.Context(), tc.chosen)
			if err != nil {
				t.Fatalf("Mailboxes(%q) = %v", tc.chosen, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Mailboxes(%q) =\n %+v\nwant\n %+v", tc.chosen, got, tc.want)
			}
		})
	}
}
