package imap_test

import (
	"reflect"
	"regexp"
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
	cyrusCaps := goimap.CapSet{goimap.CapIMAP4rev1: {}, goimap.CapListExtended: {}, goimap.CapNamespace: {}}
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
			{Name: "Drafts", Folder: "Drafts", Role: core.RoleDrafts},
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
		// Courier: subscriptions come from LSUB.
		name:   "server without LIST-EXTENDED, nothing chosen",
		server: imaptest.Options{Caps: noListExtended},
		boxes:  []box{{"Sent", nil, true}, {"Junk", nil, true}, {"Lists", nil, true}, {"Old", nil, false}},
		want: []imap.Mailbox{inbox, {Name: "Junk", Folder: "Junk", Role: core.RoleJunk},
			{Name: "Lists", Folder: "Lists"}, sent},
	}, {
		// Cyrus in Debian's default configuration, without SPECIAL-USE.
		name:   "role folders under the INBOX. namespace",
		server: imaptest.Options{Caps: cyrusCaps, Delim: '.', Namespace: "INBOX."},
		boxes: []box{
			{"INBOX/Sent", nil, true}, {"INBOX/Drafts", nil, true}, {"INBOX/Trash", nil, true},
			{"INBOX/Spam", nil, true}, {"INBOX/Archive", nil, true}, {"INBOX/Work", nil, true},
		},
		want: []imap.Mailbox{
			inbox,
			{Name: "INBOX.Archive", Folder: "Archive", Role: core.RoleArchive},
			{Name: "INBOX.Drafts", Folder: "Drafts", Role: core.RoleDrafts},
			{Name: "INBOX.Sent", Folder: "Sent", Role: core.RoleSent},
			{Name: "INBOX.Spam", Folder: "Junk", Role: core.RoleJunk},
			{Name: "INBOX.Trash", Folder: "Trash", Role: core.RoleTrash},
			{Name: "INBOX.Work", Folder: "INBOX/Work"},
		},
	}, {
		name:   "well-known names of other languages and servers",
		server: imaptest.Options{Caps: noSpecialUse},
		boxes: []box{
			{"Gesendete Elemente", nil, true}, {"Entwürfe", nil, true}, {"Papierkorb", nil, true},
			{"Junk E-mail", nil, true}, {"Archives", nil, true}, {"Notes", nil, true},
		},
		want: []imap.Mailbox{
			{Name: "Archives", Folder: "Archive", Role: core.RoleArchive},
			{Name: "Entwürfe", Folder: "Drafts", Role: core.RoleDrafts},
			{Name: "Gesendete Elemente", Folder: "Sent", Role: core.RoleSent},
			inbox,
			{Name: "Junk E-mail", Folder: "Junk", Role: core.RoleJunk},
			{Name: "Notes", Folder: "Notes"},
			{Name: "Papierkorb", Folder: "Trash", Role: core.RoleTrash},
		},
	}, {
		name: "special-use wins over a well-known name",
		boxes: []box{
			{"Trash", nil, true}, {"Deleted Items", []goimap.MailboxAttr{goimap.MailboxAttrTrash}, true},
			{"Spam", nil, true}, {"Junk", []goimap.MailboxAttr{goimap.MailboxAttrJunk}, true},
		},
		want: []imap.Mailbox{
			{Name: "Deleted Items", Folder: "Trash", Role: core.RoleTrash},
			inbox,
			{Name: "Junk", Folder: "Junk", Role: core.RoleJunk},
			{Name: "Spam", Folder: "Spam"},
			{Name: "Trash", Folder: "Trash"},
		},
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
			// Without LIST-EXTENDED only LSUB tells the subscriptions.
			lsub := regexp.MustCompile(`(?m)^\S+ LSUB "" "\*"`).MatchString(s.Transcript())
			if wantLSub := !s.Caps().Has(goimap.CapListExtended); lsub != wantLSub {
				t.Errorf("Mailboxes(%q) sent LSUB: %v, want %v; transcript:\n%s", tc.chosen, lsub, wantLSub, s.Transcript())
			}
		})
	}
}
