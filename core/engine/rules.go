package engine

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/rules"
)

// RuleStore is what rules need from storage. The store applies the rules
// to a newly stored message in the transaction that stores it (see
// storage.StoreBatch), so the engine only reads what they did.
type RuleStore interface {
	Rules(ctx context.Context) ([]rules.Rule, error)
	Rule(ctx context.Context, name string) (rules.Rule, error)
	SaveRule(ctx context.Context, r rules.Rule) (rules.Rule, error)
	RemoveRule(ctx context.Context, name string) error
	MoveRule(ctx context.Context, name string, by int) error
	ImportRules(ctx context.Context, rs []rules.Rule) (added, replaced int, err error)
	RunRule(ctx context.Context, name string, folders []int64) (rules.Run, error)
	Folders(ctx context.Context) ([]core.Folder, error)
}

// Rules lists the rules in the user's order.
func (e *Engine) Rules(ctx context.Context) ([]rules.Rule, error) { return e.store.Rules(ctx) }

// SaveRule adds a rule (ID 0, at the end) or changes one. A malformed
// rule is refused here, with the query's own words, never at arrival.
func (e *Engine) SaveRule(ctx context.Context, r rules.Rule) (rules.Rule, error) {
	r, err := e.store.SaveRule(ctx, r)
	if err == nil {
		e.publish(Event{Kind: EventRules})
	}
	return r, err
}

// RemoveRule deletes a rule by name.
func (e *Engine) RemoveRule(ctx context.Context, name string) error {
	if err := e.store.RemoveRule(ctx, name); err != nil {
		return err
	}
	e.publish(Event{Kind: EventRules})
	return nil
}

// MoveRule moves a rule earlier (by < 0) or later in the order.
func (e *Engine) MoveRule(ctx context.Context, name string, by int) error {
	if err := e.store.MoveRule(ctx, name, by); err != nil {
		return err
	}
	e.publish(Event{Kind: EventRules})
	return nil
}

// ImportRules saves rules read from a file (rules.Import): a rule named
// like a stored one replaces it in place, the others go at the end.
func (e *Engine) ImportRules(ctx context.Context, rs []rules.Rule) (added, replaced int, err error) {
	added, replaced, err = e.store.ImportRules(ctx, rs)
	if err == nil {
		e.publish(Event{Kind: EventRules})
	}
	return added, replaced, err
}

// RunRule runs one rule now over the mail stored in folder (a folder
// name or role, in every account that has it; every Inbox when folder is
// empty), as if it had just arrived. IMAP servers get the changes through
// the journal. It returns how many messages the rule matched.
func (e *Engine) RunRule(ctx context.Context, name, folder string) (int, error) {
	var ids []int64
	if folder != "" {
		fs, err := e.store.Folders(ctx)
		if err != nil {
			return 0, err
		}
		for _, f := range fs {
			if strings.EqualFold(f.Name, folder) || f.Role != "" && strings.EqualFold(f.Role, folder) {
				ids = append(ids, f.ID)
			}
		}
		if len(ids) == 0 {
			return 0, fmt.Errorf("no folder named %q in any account", folder)
		}
	}
	run, err := e.store.RunRule(ctx, name, ids)
	if err != nil {
		return 0, err
	}
	e.publish(Event{Kind: EventRules})
	return run.Matched, e.replay(ctx, run.Sources)
}

// arrivals remembers what the rules did to each newly stored message,
// from StoreBatch's answer until the sync that stored it reports its new
// mail: IMAP retrieval stores through core/imap, which passes only the
// IDs on.
type arrivals struct {
	mu sync.Mutex
	m  map[int64]core.Stored
}

func (a *arrivals) note(res []core.Stored) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range res {
		if r.IsNew && r.Ruled {
			if a.m == nil {
				a.m = map[int64]core.Stored{}
			}
			a.m[r.ID] = r
		}
	}
}

// take splits new mail into what is announced and what the rules filed
// away or marked read, and reports whether rules changed any of it (so
// that the journal is replayed at once), forgetting them.
func (a *arrivals) take(ids []int64) (announce, quiet []int64, ruled bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		r, ok := a.m[id]
		delete(a.m, id)
		ruled = ruled || ok
		if ok && r.Quiet {
			quiet = append(quiet, id)
		} else {
			announce = append(announce, id)
		}
	}
	return announce, quiet, ruled
}

// ruled reports whether rules changed any of ids, without forgetting.
func (a *arrivals) ruled(ids []int64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, id := range ids {
		if _, ok := a.m[id]; ok {
			return true
		}
	}
	return false
}

// noting is the store IMAP retrieval writes through: the engine's own,
// noting what the rules did to each new message, and handing the new
// messages of each committed batch to fresh when it is set.
type noting struct {
	core.MessageStore
	a     *arrivals
	fresh func([]int64)
}

// StoreBatch stores and notes what the rules did.
func (n noting) StoreBatch(ctx context.Context, batch []core.Pending) ([]core.Stored, error) {
	res, err := n.MessageStore.StoreBatch(ctx, batch)
	n.a.note(res)
	if err == nil && n.fresh != nil {
		var ids []int64
		for _, r := range res {
			if r.IsNew {
				ids = append(ids, r.ID)
			}
		}
		n.fresh(ids)
	}
	return res, err
}

var _ core.MessageStore = noting{}

// entryMailbox is the server mailbox a move or a copy goes to: the
// mailbox of its role, or the one named (as a rule names a local folder),
// created when the server has none, so that neither a deletion nor a
// rule's filing stays local only.
func entryMailbox(ctx context.Context, c *imap.Client, en core.JournalEntry) (string, error) {
	if en.Dest == "" {
		// RFC 6154 where the server can.
		return c.RoleMailbox(ctx, en.DestRole, true)
	}
	return c.FolderMailbox(ctx, en.Dest)
}

// appendCopy carries out a rule's copy into another mailbox: the same
// bytes, APPENDed (which every server has), with the copy's flags. The
// next sync of that mailbox links the server's copy by content.
func (e *Engine) appendCopy(ctx context.Context, c *imap.Client, en core.JournalEntry) error {
	dest, err := entryMailbox(ctx, c, en)
	if err != nil {
		return err
	}
	f, size, err := e.entryFile(en, "copied message")
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = c.Append(ctx, dest, f, size, en.Flags)
	return err
}
