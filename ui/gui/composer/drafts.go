package composer

import (
	"slices"
	"time"

	"fyne.io/fyne/v2/lang"

	"github.com/tributary-mail/tributary/storage"
	"github.com/tributary-mail/tributary/ui/i18n"
)

// changed follows every edit: the draft is saved autosaveDelay after the
// last one, so typing never waits on the disk.
func (c *composer) changed() {
	if c.done || c.sending {
		return
	}
	c.dirty = true
	if c.timer != nil {
		c.timer.Stop()
	}
	c.timer = time.AfterFunc(autosaveDelay, func() { c.app.Do(c.autosave) })
}

func (c *composer) autosave() {
	if c.dirty && !c.done && !c.sending {
		c.saveNow()
	}
}

// saveNow stores the draft as it stands, in the background.
func (c *composer) saveNow() {
	d := c.snapshot()
	c.dirty = false
	a := c.app
	a.Background("save draft", func() {
		id, err := c.save(d)
		a.Do(func() {
			if err != nil {
				c.dirty = true
				c.status.SetText(lang.L("Cannot save the draft: {{.Error}}", map[string]any{"Error": err.Error()}))
				return
			}
			if id != 0 && c.closed {
				// The window's last save: it goes to the server now
				// rather than at the engine's next push.
				a.Background("push draft", func() {
					if err := a.Engine.PushDraft(a.Ctx, id); err != nil {
						a.Log.Warn("draft not pushed to its server", "draft", id, "error", err)
					}
				})
			}
			if id != 0 {
				c.draftID = id
				if !c.sending && !c.done {
					c.status.SetText(lang.L("Draft saved at {{.Time}}", map[string]any{"Time": i18n.Time(time.Now())}))
				}
			}
		})
	})
}

// snapshot is the form as a stored draft; it runs on the UI goroutine.
func (c *composer) snapshot() storage.Draft {
	d := storage.Draft{
		AccountID:   c.draft.AccountID,
		From:        c.draft.From,
		To:          c.to.entry.Text,
		Cc:          c.cc.entry.Text,
		Bcc:         c.bcc.entry.Text,
		Subject:     c.subject.Text,
		Body:        c.body.Text,
		InReplyTo:   c.draft.InReplyTo,
		References:  slices.Clone(c.draft.References),
		Attachments: slices.Clone(c.files),
	}
	if acct, ok := c.account(); ok {
		d.AccountID = acct.ID
	}
	if id, ok := c.identity(); ok {
		d.From = id.Email
	}
	return d
}

// save writes d as this composer's draft and returns its ID; 0 when the
// message was sent or discarded meanwhile.
func (c *composer) save(d storage.Draft) (int64, error) {
	c.store.Lock()
	defer c.store.Unlock()
	if c.gone {
		return 0, nil
	}
	d.ID = c.saved
	if err := c.app.Engine.SaveDraft(c.app.Ctx, &d); err != nil {
		return 0, err
	}
	c.saved = d.ID
	return d.ID, nil
}

// forget deletes the stored draft for good: the message was queued, or
// the user discarded it.
func (c *composer) forget() {
	c.store.Lock()
	id := c.saved
	c.gone, c.saved = true, 0
	c.store.Unlock()
	if id != 0 {
		if err := c.app.Engine.DeleteDraft(c.app.Ctx, id); err != nil {
			c.app.Log.Warn("draft not deleted", "draft", id, "error", err)
		}
	}
}

// draftFromStore turns a stored draft back into what the composer opens.
func DraftFromStore(s storage.Draft) Draft {
	return Draft{
		AccountID: s.AccountID, From: s.From, To: s.To, Cc: s.Cc, Bcc: s.Bcc, Subject: s.Subject, Body: s.Body,
		InReplyTo: s.InReplyTo, References: s.References, Attachments: s.Attachments, saved: s.ID,
	}
}
