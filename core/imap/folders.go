package imap

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core"
)

// Roles lists the special folders a server may have, besides INBOX, in
// the order their roles are worked out.
var Roles = []string{core.RoleSent, core.RoleDrafts, core.RoleTrash, core.RoleJunk, core.RoleArchive}

// roleAttr is the RFC 6154 attribute of each role.
var roleAttr = map[string]goimap.MailboxAttr{
	core.RoleSent:    goimap.MailboxAttrSent,
	core.RoleDrafts:  goimap.MailboxAttrDrafts,
	core.RoleTrash:   goimap.MailboxAttrTrash,
	core.RoleJunk:    goimap.MailboxAttrJunk,
	core.RoleArchive: goimap.MailboxAttrArchive,
}

// roleFolder is the local folder of each role, whatever the server calls it.
var roleFolder = map[string]string{
	core.RoleSent:    "Sent",
	core.RoleDrafts:  "Drafts",
	core.RoleTrash:   "Trash",
	core.RoleJunk:    "Junk",
	core.RoleArchive: "Archive",
}

// roleNames are the names servers and other clients give role folders that
// carry no special-use attribute, most usual first, as Thunderbird looks
// for them under the personal namespace. The first is the one created.
var roleNames = map[string][]string{
	core.RoleSent: {"Sent", "Sent Items", "Sent Messages", "Sent Mail", "Gesendet",
		"Gesendete Elemente", "Gesendete Objekte", "Envoyés", "Éléments envoyés", "Enviados", "Inviata"},
	core.RoleDrafts:  {"Drafts", "Draft", "Entwürfe", "Brouillons", "Borradores", "Bozze"},
	core.RoleTrash:   {"Trash", "Deleted Items", "Deleted Messages", "Papierkorb", "Bin", "Corbeille", "Papelera", "Cestino"},
	core.RoleJunk:    {"Junk", "Spam", "Junk E-mail", "Junk Email", "Bulk Mail", "Indésirables"},
	core.RoleArchive: {"Archive", "Archives", "Archiv"},
}

// folderList is what LIST, LSUB and NAMESPACE said, with the role worked
// out for each mailbox.
type folderList struct {
	boxes  []*goimap.ListData
	prefix string // of the personal namespace, "INBOX." on Cyrus
	delim  rune
	roles  map[string]string // role to mailbox
}

// list loads the server's mailboxes once per connection. Subscriptions
// come with LIST-EXTENDED's RETURN (SUBSCRIBED), else from LSUB (Courier,
// older Cyrus). RFC 6154 lets a server leave \Sent out unless SPECIAL-USE
// is asked for.
func (c *Client) list(ctx context.Context) (*folderList, error) {
	if c.folders != nil {
		return c.folders, nil
	}
	caps := c.caps(ctx)
	fl := &folderList{delim: '/'}
	err := c.wait(ctx, func() (err error) {
		// NAMESPACE and LIST go out together, a round trip fewer: the
		// list does not depend on the namespace.
		var ns *imapclient.NamespaceCommand
		if caps.Has(goimap.CapNamespace) {
			ns = c.c.Namespace()
		}
		// RETURN options need LIST-EXTENDED (RFC 5258): servers without
		// it, such as Outlook.com and Yahoo, answer them with BAD.
		var opts *goimap.ListOptions
		if caps.Has(goimap.CapListExtended) {
			opts = &goimap.ListOptions{ReturnSubscribed: true, ReturnSpecialUse: caps.Has(goimap.CapSpecialUse)}
		}
		fl.boxes, err = c.c.List("", "*", opts).Collect()
		if ns != nil {
			data, nsErr := ns.Wait()
			if nsErr != nil {
				return fmt.Errorf("namespace: %w", nsErr)
			}
			if len(data.Personal) > 0 {
				fl.prefix, fl.delim = data.Personal[0].Prefix, data.Personal[0].Delim
			}
		}
		if err != nil {
			return err
		}
		if opts == nil {
			return c.markLSub(fl.boxes)
		}
		return nil
	})
	if err != nil {
		return nil, c.classify("list", err)
	}
	for _, b := range fl.boxes {
		if len(b.Mailbox) > MaxMailboxName {
			return nil, &core.Error{Kind: core.KindProtocol, Op: "list", Server: c.server,
				Err: fmt.Errorf("%w (%d bytes, the limit is %d)", ErrMailboxNameTooLong, len(b.Mailbox), MaxMailboxName)}
		}
	}
	if fl.delim == '/' && fl.prefix == "" {
		for _, b := range fl.boxes {
			if b.Delim != 0 {
				fl.delim = b.Delim
				break
			}
		}
	}
	fl.roles = assignRoles(fl.boxes, fl.prefix)
	c.folders = fl
	return fl, nil
}

// markLSub adds \Subscribed to the listed mailboxes LSUB names.
func (c *Client) markLSub(boxes []*goimap.ListData) error {
	c.io.lsub.Store(true)
	c.io.lsubWrite.Store(true)
	defer func() {
		c.io.lsub.Store(false)
		c.io.lsubWrite.Store(false)
	}()
	subs, err := c.c.List("", "*", nil).Collect()
	if err != nil {
		return fmt.Errorf("lsub: %w", err)
	}
	for _, s := range subs {
		for _, b := range boxes {
			if b.Mailbox == s.Mailbox && !slices.Contains(b.Attrs, goimap.MailboxAttrSubscribed) {
				b.Attrs = append(b.Attrs, goimap.MailboxAttrSubscribed)
			}
		}
	}
	return nil
}

// assignRoles finds the mailbox of each role: the one with the role's
// special-use attribute, else the first well-known name directly under
// the personal namespace (or at the top). INBOX has no other role, and no
// mailbox has two.
func assignRoles(boxes []*goimap.ListData, prefix string) map[string]string {
	roles := map[string]string{}
	taken := map[string]bool{}
	selectable := func(b *goimap.ListData) bool {
		return !strings.EqualFold(b.Mailbox, "INBOX") &&
			!slices.Contains(b.Attrs, goimap.MailboxAttrNoSelect) && !slices.Contains(b.Attrs, goimap.MailboxAttrNonExistent)
	}
	for _, role := range Roles {
		for _, b := range boxes {
			if selectable(b) && !taken[b.Mailbox] && slices.Contains(b.Attrs, roleAttr[role]) {
				roles[role], taken[b.Mailbox] = b.Mailbox, true
				break
			}
		}
	}
	for _, role := range Roles {
		if roles[role] != "" {
			continue
		}
	names:
		for _, name := range roleNames[role] {
			for _, full := range []string{prefix + name, name} {
				for _, b := range boxes {
					if selectable(b) && !taken[b.Mailbox] && strings.EqualFold(b.Mailbox, full) {
						roles[role], taken[b.Mailbox] = b.Mailbox, true
						break names
					}
				}
			}
		}
	}
	return roles
}

// Mailboxes lists the mailboxes to sync: the source's chosen folders (or,
// when it chose none, every subscribed mailbox), plus INBOX and the Sent
// mailbox always. INBOX becomes the Inbox; a role folder (Sent, Drafts,
// Trash, Junk, Archive) gets its role and the role's local name, whatever
// the server calls it, so that "INBOX.Sent" and "Sent Items" both file
// into the account's Sent folder.
func (c *Client) Mailboxes(ctx context.Context, chosen []string) ([]Mailbox, error) {
	c.RefreshFolders() // a sync sees folders made since the last one
	fl, err := c.list(ctx)
	if err != nil {
		return nil, err
	}
	roleOf := map[string]string{}
	for role, name := range fl.roles {
		roleOf[name] = role
	}
	var out []Mailbox
	for _, m := range fl.boxes {
		if slices.Contains(m.Attrs, goimap.MailboxAttrNoSelect) || slices.Contains(m.Attrs, goimap.MailboxAttrNonExistent) {
			continue
		}
		isInbox := strings.EqualFold(m.Mailbox, "INBOX")
		role := roleOf[m.Mailbox]
		subscribed := slices.Contains(m.Attrs, goimap.MailboxAttrSubscribed)
		wanted := isInbox || role == core.RoleSent || (len(chosen) == 0 && subscribed) || slices.Contains(chosen, m.Mailbox)
		if !wanted {
			continue
		}
		mb := Mailbox{Name: m.Mailbox, Folder: m.Mailbox, Role: role}
		switch {
		case isInbox:
			mb.Folder, mb.Role = core.DefaultFolder, core.RoleInbox
		case role != "":
			mb.Folder = roleFolder[role]
		case m.Delim != 0:
			mb.Folder = strings.ReplaceAll(m.Mailbox, string(m.Delim), "/")
		}
		out = append(out, mb)
	}
	return out, nil
}

// RefreshFolders forgets the mailbox list this connection read, so the
// next lookup asks the server again: a connection lives across syncs,
// and other clients create and delete folders meanwhile.
func (c *Client) RefreshFolders() { c.folders = nil }

// RoleMailbox returns the server mailbox of a role (core.RoleSent,
// RoleDrafts, RoleTrash, RoleJunk, RoleArchive; RoleInbox is INBOX): the
// one with the role's special-use attribute, else one with a well-known
// name. When there is none it returns "" and no error, unless create is
// set: then it creates the mailbox under the personal namespace with the
// role's usual name ("Sent", "INBOX.Sent" on Cyrus), marked with the
// attribute where the server has CREATE-SPECIAL-USE, and subscribes to it.
// The answer is cached for the connection.
func (c *Client) RoleMailbox(ctx context.Context, role string, create bool) (string, error) {
	if role == core.RoleInbox {
		return "INBOX", nil
	}
	attr, ok := roleAttr[role]
	if !ok {
		return "", &core.Error{Kind: core.KindConfig, Op: "find mailbox", Server: c.server, Err: fmt.Errorf("imap: no folder role %q", role)}
	}
	fl, err := c.list(ctx)
	if err != nil {
		return "", err
	}
	if name := fl.roles[role]; name != "" || !create {
		return name, nil
	}
	name := fl.prefix + roleNames[role][0]
	var opts *goimap.CreateOptions
	if c.caps(ctx).Has(goimap.CapCreateSpecialUse) {
		opts = &goimap.CreateOptions{SpecialUse: []goimap.MailboxAttr{attr}}
	}
	if err := c.createSubscribed(ctx, name, opts); err != nil {
		return "", err
	}
	attrs := []goimap.MailboxAttr{goimap.MailboxAttrSubscribed}
	if opts != nil {
		attrs = append(attrs, attr)
	}
	fl.boxes = append(fl.boxes, &goimap.ListData{Mailbox: name, Delim: fl.delim, Attrs: attrs})
	fl.roles[role] = name
	return name, nil
}

// createSubscribed creates mailbox name and subscribes to it. One that
// already exists (another client may have just made it) is used.
func (c *Client) createSubscribed(ctx context.Context, name string, opts *goimap.CreateOptions) error {
	err := c.wait(ctx, func() error {
		if err := c.c.Create(name, opts).Wait(); err != nil {
			var imapErr *goimap.Error
			if !errors.As(err, &imapErr) || imapErr.Code != goimap.ResponseCodeAlreadyExists {
				return err
			}
		}
		return c.c.Subscribe(name).Wait()
	})
	if err != nil {
		return c.classify("create "+name, err)
	}
	return nil
}
