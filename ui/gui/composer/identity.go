package composer

import (
	"net/mail"
	"strings"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/reply"
)

// identityChoice is the composer's From: every identity of every account,
// and the signature it placed in the body, so that choosing another
// identity swaps that signature and nothing the user wrote.
type identityChoice struct {
	list   []core.Identity // parallel to the From list's options
	signed reply.Signed    // the signature placed, to swap
	placed bool            // the first signature went in (once per composer)
}

// identityLabel names an account's own identity in the From list.
func identityLabel(a core.Account) string { return core.PrimaryIdentity(a).Label() }

// setIdentities fills the From list with every identity of accounts. On
// a reload (EventAccounts) the identity chosen stays chosen; at first
// the draft's, else its account's own.
func (c *composer) setIdentities(accounts []core.Account, ids []core.Identity) {
	wantAccount, wantEmail := c.draft.AccountID, c.draft.From
	if cur, ok := c.identity(); ok {
		wantAccount, wantEmail = cur.AccountID, cur.Email
	}
	c.accounts = accounts
	c.ids.list = ids
	c.from.OnChanged = nil // choosing it again below is no edit
	if len(accounts) == 0 || len(ids) == 0 {
		c.ids.list = nil
		c.from.Options = nil
		c.from.ClearSelected()
		c.from.Disable()
		c.ready = false
		c.sendButton.Disable()
		c.laterButton.Disable()
		c.from.PlaceHolder = lang.L("No account yet")
		c.from.Refresh()
		c.status.SetText(lang.L("Add an account (Add account, in the main window) to send this message; it is kept as a draft meanwhile."))
		return
	}
	labels := make([]string, len(ids))
	pick := -1
	for i, id := range ids {
		labels[i] = id.Label()
		switch {
		case id.AccountID != wantAccount:
		case wantEmail != "" && strings.EqualFold(id.Email, wantEmail):
			pick = i
		case pick < 0 && id.Primary():
			pick = i
		}
	}
	if pick < 0 {
		pick = 0
	}
	c.from.Options = labels
	c.from.PlaceHolder = lang.L("Choose who it is from")
	c.from.SetSelectedIndex(pick)
	c.from.OnChanged = func(string) {
		c.swapSignature()
		if id, ok := c.identity(); ok {
			c.setPlainTextOnly(id.PlainTextOnly)
		}
		c.changed()
	}
	c.from.Enable()
	c.ready = true
	if !c.sending && !c.done {
		c.sendButton.Enable()
		c.laterButton.Enable()
	}
	if !c.ids.placed {
		c.ids.placed = true
		// The identity's choice of plain text, unless the draft made it
		// already; set quietly, as no edit of the user's.
		if id, ok := c.identity(); ok && id.PlainTextOnly && !c.md.plainOnly.Checked {
			c.md.plainOnly.Checked = true
			c.md.plainOnly.Refresh()
		}
		// A stored draft has its signature in its text already.
		if c.draft.saved == 0 {
			c.placeSignature()
		}
	}
}

// identity is the chosen identity.
func (c *composer) identity() (core.Identity, bool) {
	i := c.from.SelectedIndex()
	if i < 0 || i >= len(c.ids.list) {
		return core.Identity{}, false
	}
	return c.ids.list[i], true
}

// account is the account of the chosen identity, which sends it.
func (c *composer) account() (core.Account, bool) {
	id, ok := c.identity()
	if !ok {
		return core.Account{}, false
	}
	for _, a := range c.accounts {
		if a.ID == id.AccountID {
			return a, true
		}
	}
	return core.Account{}, false
}

// fromAddress is the chosen identity as the message's From; the engine
// adds its Reply-To and Bcc-self.
func (c *composer) fromAddress() *mail.Address {
	if id, ok := c.identity(); ok {
		return id.From()
	}
	return nil
}

// placeSignature puts the chosen identity's signature into the body: above
// the quote of a reply or forward, else at the end.
func (c *composer) placeSignature() {
	id, _ := c.identity()
	c.ids.signed = reply.PlaceSignature(c.body.Text, c.draft.quote, id.Signature)
	c.setBodyQuietly(c.ids.signed.Body)
}

// swapSignature replaces the signature placed by the new identity's. A
// signature the user edited is theirs now, and stays.
func (c *composer) swapSignature() {
	id, _ := c.identity()
	signed, ok := reply.SwapSignature(c.body.Text, c.draft.quote, c.ids.signed, id.Signature)
	if !ok {
		return
	}
	c.ids.signed = signed
	c.setBodyQuietly(signed.Body)
}

// setBodyQuietly sets the body without counting it as the user's edit.
func (c *composer) setBodyQuietly(text string) {
	if text == c.body.Text {
		return
	}
	changed := c.body.OnChanged
	c.body.OnChanged = nil
	c.body.SetText(text)
	c.body.OnChanged = changed
}

// unsignedBody is the body without the signature placed, for telling
// whether the user wrote anything.
func (c *composer) unsignedBody() string {
	if ins := c.ids.signed.Inserted; ins != "" {
		if i := strings.LastIndex(c.body.Text, ins); i >= 0 {
			return c.body.Text[:i] + c.body.Text[i+len(ins):]
		}
	}
	return c.body.Text
}
