package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/tributary-mail/tributary/core"
	"github.com/tributary-mail/tributary/core/imap"
	"github.com/tributary-mail/tributary/core/netconn"
	"github.com/tributary-mail/tributary/core/pop3"
)

// SourceError is a sync failure of one source.
type SourceError struct {
	Account string
	Source  core.Source
	Err     error
}

func (e *SourceError) Error() string {
	return fmt.Sprintf("%s: %v", e.Source.Label(e.Account), e.Err)
}

func (e *SourceError) Unwrap() error { return e.Err }

// SyncOnce retrieves every source once (of one account when account is
// not empty, matched by name ignoring case; manual sources included), all
// at once, so a slow or failing server never holds up the others. It
// returns one error per failed source.
func (e *Engine) SyncOnce(ctx context.Context, account string) []error {
	accounts, err := e.store.Accounts(ctx)
	if err != nil {
		return []error{err}
	}
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	found := false
	for _, a := range accounts {
		if account != "" && !strings.EqualFold(a.Name, account) {
			continue
		}
		found = true
		for _, s := range a.Sources {
			wg.Go(func() {
				if err := e.SyncSource(ctx, a, s); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	if account != "" && !found {
		errs = append(errs, fmt.Errorf("no account named %q", account))
	}
	return errs
}

// SyncSource retrieves one source once, through the worker that owns its
// connection, and reports the outcome as events. An IMAP source first
// sends the server the changes waiting in its journal.
func (e *Engine) SyncSource(ctx context.Context, a core.Account, s core.Source) error {
	return e.onWorker(ctx, a, s, func(w *worker) error { return w.do(ctx, reqSync) })
}

// syncSource runs one sync (fn, on the worker's goroutine) and reports
// its progress, new mail and outcome as events. fn hands its new mail to
// the announcer a committed batch at a time.
func (e *Engine) syncSource(ctx context.Context, a core.Account, s core.Source, fn func(core.Progress, *announcer) error) error {
	label := s.Label(a.Name)
	progress := func(done, total int) {
		e.publish(Event{Kind: EventProgress, Account: a.Name, SourceID: s.ID, Label: label, Done: done, Total: total})
	}
	news := &announcer{e: e, account: a.Name, source: s.ID, label: label}
	err := fn(progress, news)
	news.flush()
	if err != nil && ctx.Err() != nil {
		return ctx.Err() // stopped on purpose: nothing to report
	}
	if err != nil {
		err = &SourceError{Account: a.Name, Source: s, Err: err}
		e.log.Warn("sync failed", "source", label, "kind", core.KindOf(err).String(), "error", err)
		e.publish(Event{Kind: EventError, Account: a.Name, SourceID: s.ID, Label: label, Err: err})
		return err
	}
	e.publish(Event{Kind: EventSynced, Account: a.Name, SourceID: s.ID, Label: label})
	return nil
}

// syncPOP3 downloads what is new by UIDL. Each message commits with its
// UIDL before anything else happens to it; DELE is sent only after that
// commit and only when the source's policy says so, and takes effect at
// QUIT, so a dropped connection never deletes mail that was not stored.
func (e *Engine) syncPOP3(ctx context.Context, a core.Account, s core.Source, progress core.Progress, newMail func([]int64)) error {
	nopts, login, err := e.sourceLogin(ctx, a, s)
	if err != nil {
		return err
	}
	folder, err := e.store.EnsureFolder(ctx, a.ID, s.Folder, "")
	if err != nil {
		return err
	}
	c, err := pop3.Dial(ctx, s.Server(), nopts)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := login.pop3(ctx, c); err != nil {
		return err
	}
	list, err := c.List(ctx)
	if err != nil {
		return err
	}
	retrieved, err := e.store.POP3Retrieved(ctx, s.ID)
	if err != nil {
		return err
	}
	var fresh []pop3.Message
	var tooLarge []error
	onServer := map[string]bool{}
	for _, m := range list {
		onServer[m.UIDL] = true
		if _, ok := retrieved[m.UIDL]; ok {
			continue
		}
		if m.Size > pop3.MaxMessageSize {
			// Skipped, never deleted: the user can fetch it another way.
			tooLarge = append(tooLarge, fmt.Errorf("message %d on the server is %d MiB: %w (over the %d MiB limit); it was left on the server", m.Num, m.Size>>20, core.ErrMessageTooLarge, pop3.MaxMessageSize>>20))
			continue
		}
		fresh = append(fresh, m)
	}
	now := e.opts.Now()
	if err := e.retrievePOP3(ctx, c, a, s, folder, fresh, now, retrieved, progress, newMail); err != nil {
		return err
	}
	for _, m := range list {
		at, ok := retrieved[m.UIDL]
		if !ok {
			continue
		}
		expired := s.DeleteAfterDays > 0 && now.Sub(at) >= time.Duration(s.DeleteAfterDays)*24*time.Hour
		if !s.LeaveOnServer || expired {
			if err := c.Delete(ctx, m.Num); err != nil {
				return err
			}
		}
	}
	if err := c.Quit(ctx); err != nil {
		return err
	}
	var gone []string
	for u := range retrieved {
		if !onServer[u] {
			gone = append(gone, u)
		}
	}
	if err := e.store.POP3Forget(ctx, s.ID, gone); err != nil {
		return err
	}
	return errors.Join(tooLarge...)
}

// A POP3 batch commits in one transaction once it holds pop3Batch
// messages or pop3BatchBytes bytes, whichever comes first; the byte bound
// keeps what a full disk costs, and what a failure must download again,
// small. DELE comes only after every retrieved message is committed, so
// batches keep the rule that nothing is deleted before it is durable.
const (
	pop3Batch      = 100
	pop3BatchBytes = 1 << 20
)

// retrievePOP3 downloads fresh, streaming each message from the
// connection into its file (pop3.Client.RetrieveEach, pipelined where the
// server allows), and commits them a batch at a time with their UIDLs.
// retrieved gains each UIDL once its message is committed. What arrived
// whole before a failure is still committed.
func (e *Engine) retrievePOP3(ctx context.Context, c *pop3.Client, a core.Account, s core.Source, folder int64, fresh []pop3.Message, now time.Time, retrieved map[string]time.Time, progress core.Progress, newMail func([]int64)) error {
	byNum := make(map[int]pop3.Message, len(fresh))
	nums := make([]int, len(fresh))
	for i, m := range fresh {
		byNum[m.Num], nums[i] = m, m.Num
	}
	var batch []core.Pending
	var uidls []string
	done, size := 0, int64(0)
	commit := func() error {
		if len(batch) == 0 {
			return nil
		}
		// Not cancelled: what arrived whole is stored, as it would have
		// been one by one.
		res, err := e.store.StoreBatch(context.WithoutCancel(ctx), batch)
		e.arrived.note(res)
		batch, size = batch[:0], 0
		if err != nil {
			uidls = uidls[:0]
			return err
		}
		var ids []int64
		for i, r := range res {
			if r.IsNew {
				ids = append(ids, r.ID)
			}
			retrieved[uidls[i]] = now
			done++
			progress(done, len(fresh))
		}
		uidls = uidls[:0]
		newMail(ids)
		return nil
	}
	err := c.RetrieveEach(ctx, nums, func(num int, r io.Reader) error {
		m := byNum[num]
		cr := &countingReader{r: r}
		staged, err := e.store.Stage(ctx, cr)
		if err != nil {
			var ce *core.Error
			if errors.As(err, &ce) {
				return err
			}
			return fmt.Errorf("pop3 retr %d: %w", num, err)
		}
		batch = append(batch, core.Pending{Staged: staged, Delivery: core.Delivery{AccountID: a.ID, FolderID: folder,
			POP3: &core.POP3Ref{SourceID: s.ID, UIDL: m.UIDL, RetrievedAt: now}}})
		uidls = append(uidls, m.UIDL)
		if size += cr.n; len(batch) >= pop3Batch || size >= pop3BatchBytes {
			return commit()
		}
		return nil
	})
	return errors.Join(err, commit())
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// syncIMAP syncs every chosen mailbox of an IMAP source over the
// worker's connection c. The new mail of each committed batch goes to
// newMail as the batch commits, not when the mailbox is done: the first
// messages of a long initial sync show while the rest download.
func (e *Engine) syncIMAP(ctx context.Context, c *imap.Client, a core.Account, s core.Source, progress core.Progress, newMail func([]int64)) error {
	boxes, err := c.Mailboxes(ctx, s.IMAPFolders)
	if err != nil {
		return err
	}
	var skipped []error
	for _, mb := range boxes {
		store := noting{MessageStore: e.store, a: &e.arrived}
		if mb.Role != core.RoleSent && mb.Role != core.RoleDrafts { // not mail that arrived
			store.fresh = newMail
		}
		res, err := c.SyncMailbox(ctx, store, a.ID, s.ID, mb, progress)
		if errors.Is(err, imap.ErrMailboxUnavailable) {
			// One folder the server will not open (no permission, gone)
			// must not keep the others from syncing; it is reported.
			skipped = append(skipped, fmt.Errorf("folder %s skipped: %w", mb.Name, err))
			continue
		}
		if err != nil {
			return fmt.Errorf("mailbox %s: %w", mb.Name, err)
		}
		for _, big := range res.TooLarge {
			// Reported at every sync, like POP3's: it stays on the server.
			skipped = append(skipped, fmt.Errorf("message UID %d in %s is %d MiB: %w (over the %d MiB limit); it was left on the server", big.UID, mb.Name, big.Size>>20, core.ErrMessageTooLarge, core.MaxMessageSize>>20))
		}
		if mb.Role == core.RoleDrafts {
			e.adoptServerDrafts(ctx, a, res.NewIDs)
		}
	}
	return errors.Join(skipped...)
}

// dialIMAP connects and signs in to an IMAP source. expiry is when the
// OAuth2 token it signed in with expires (zero with a password): the
// worker closes the connection before then.
func (e *Engine) dialIMAP(ctx context.Context, a core.Account, s core.Source) (c *imap.Client, expiry time.Time, err error) {
	nopts, login, err := e.sourceLogin(ctx, a, s)
	if err != nil {
		return nil, time.Time{}, err
	}
	c, err = imapDialLogin(ctx, s, login, nopts)
	return c, login.Expiry, err
}

func imapDialLogin(ctx context.Context, s core.Source, login *signer, nopts *netconn.Options) (*imap.Client, error) {
	c, err := imap.Dial(ctx, s.Server(), nopts, nil)
	if err != nil {
		return nil, err
	}
	if err := login.imap(ctx, c); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}
