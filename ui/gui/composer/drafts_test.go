package composer

import (
	"context"
	"testing"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/ui/gui/guitest"
)

// A draft adopted from the server's Drafts mailbox, edited and saved in a
// composer, keeps the server draft's Message-ID, so that the new version
// replaces the server's.
func TestServerDraftKeepsItsMessageID(t *testing.T) {
	f := newComposeFixture(t)
	ctx := context.Background()
	if _, err := f.DB.EnsureFolder(ctx, f.alpha.ID, "Drafts", core.RoleDrafts); err != nil {
		t.Fatal(err)
	}
	server := core.Draft{AccountID: f.alpha.ID, MessageID: "elsewhere@example.test", To: "ann@example.test", Subject: "from the phone", Body: "typed there", Updated: time.Now()}
	if ok, err := f.DB.AdoptServerDraft(ctx, &server); err != nil || !ok {
		t.Fatalf("AdoptServerDraft = %v, %v", ok, err)
	}
	stored, err := f.DB.Draft(ctx, server.ID)
	if err != nil {
		t.Fatal(err)
	}
	c := f.openDraft(t, DraftFromStore(stored))
	guitest.OnUI(func() {
		if c.subject.Text != "from the phone" || c.body.Text != "typed there" || c.draftID != server.ID {
			t.Errorf("the composer opened with %q / %q (draft %d), want the server draft %d", c.subject.Text, c.body.Text, c.draftID, server.ID)
		}
		c.body.SetText("typed there, finished here")
		c.requestClose() // saves what was typed
	})
	guitest.Eventually(t, "the edit saved under the server draft's Message-ID", func() bool {
		d, err := f.DB.Draft(ctx, server.ID)
		return err == nil && d.Body == "typed there, finished here" && d.MessageID == "elsewhere@example.test"
	})
}
