package imap

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/tributary-mail/tributary/core"
)

// BatchSize is how many messages one UID FETCH asks for, and how many
// commit in one transaction (one WAL sync, and the files' syncs done
// together, for the whole batch). The server keeps the mail, so a crash
// costs at most a batch of re-download. The pipeline (pipeline.go) bounds
// the memory a batch takes.
const BatchSize = 250

// FirstBatchSize is the size of a fetch's first batch: small, so that the
// first new messages of a long initial sync commit, and show, within a
// moment of the sync starting (issue 10) instead of after BatchSize
// bodies; it costs one more round trip and one more commit.
const FirstBatchSize = 25

// Mailbox is a server mailbox chosen for syncing, with its local folder.
type Mailbox struct {
	Name   string // on the server
	Folder string // local
	Role   string
}

// SyncResult counts what one mailbox sync did.
type SyncResult struct {
	NewIDs       []int64 // messages stored that were not in the folder before
	FlagsUpdated int
	Expunged     int // messages gone from the server, now hidden here
	// TooLarge are the messages over core.MaxMessageSize, by UID: not
	// fetched, left on the server, and found again at every sync.
	TooLarge []TooLarge
}

// TooLarge is a message left on the server for its size (RFC822.SIZE).
type TooLarge struct {
	UID  uint32
	Size int64
}

// SyncMailbox brings one mailbox's local folder up to date: it fetches
// every UID above the last one stored, and updates flags that changed. If
// the mailbox's UIDVALIDITY changed, the old UIDs mean nothing any more;
// the local messages are kept and the mailbox is fetched again, and copies
// already present are linked instead of stored twice. A mailbox the
// server refuses to open fails with an error matching
// ErrMailboxUnavailable, and the connection can sync the next one.
func (c *Client) SyncMailbox(ctx context.Context, store core.MessageStore, accountID, sourceID int64, mb Mailbox, progress core.Progress) (SyncResult, error) {
	var res SyncResult
	st, err := store.IMAPMailbox(ctx, accountID, sourceID, mb.Name, mb.Folder, mb.Role)
	if err != nil {
		return res, err
	}
	caps := c.caps(ctx)
	condstore, gmail := caps.Has(goimap.CapCondStore), caps.Has(capGmail)
	// With CONDSTORE (and its mark) only the flags changed since the last
	// sync are asked for; without, the flag searches tell every message's
	// flags, to compare with the stored ones read with the UIDs.
	var changedSince uint64
	if condstore {
		changedSince = st.HighestModSeq
	}
	withFlags := changedSince == 0 && st.LastUID > 0
	// The stored UIDs are read while the server opens and searches the
	// mailbox: at 20,000 messages each takes about as long as the other.
	stored := readUIDs(ctx, store, st.ID, withFlags)
	// Always selected afresh: the sync needs this moment's UIDVALIDITY,
	// message count and HIGHESTMODSEQ.
	sel, err := c.selectMailbox(ctx, mb.Name, true, true, condstore)
	if err != nil {
		stored.wait()
		return res, err
	}
	reset := false
	switch {
	case st.UIDValidity == sel.UIDValidity:
	case st.UIDValidity == 0 && st.LastUID == 0:
		// First sight: record UIDVALIDITY before any UID is stored, so
		// that the UIDs of a first sync cut short are never taken for
		// UIDs of a later UIDVALIDITY.
		st.UIDValidity = sel.UIDValidity
		err = store.SetIMAPMailbox(ctx, st)
	default: // changed, or UIDs stored under an unknown UIDVALIDITY
		err = store.ResetIMAPMailbox(ctx, st, sel.UIDValidity)
		st.LastUID, st.HighestModSeq, reset, withFlags = 0, 0, true, false
	}
	st.UIDValidity = sel.UIDValidity
	// The searches serve all three steps: what vanished, what changed,
	// what is new.
	var onServer []goimap.UID
	var flagged *serverFlags
	if err == nil && sel.NumMessages > 0 {
		onServer, flagged, err = c.searchMailbox(ctx, sel, withFlags)
	}
	local, storedFlags, readErr := stored.wait()
	if err != nil {
		return res, err
	}
	if readErr != nil {
		return res, readErr
	}
	if reset { // the UIDs read belong to the old UIDVALIDITY
		local, storedFlags = map[uint32]int64{}, nil
	}
	if res.Expunged, err = syncExpunged(ctx, store, st, local, onServer); err != nil {
		return res, err
	}
	if sel.NumMessages > 0 {
		if flagged != nil {
			res.FlagsUpdated, err = updateFlags(ctx, store, local, storedFlags, flagged)
		} else {
			res.FlagsUpdated, err = c.syncFlags(ctx, store, st, local, storedFlags, changedSince)
		}
		if err != nil {
			return res, err
		}
		if res.NewIDs, res.TooLarge, err = c.fetchNew(ctx, store, accountID, st, local, onServer, gmail, progress); err != nil {
			return res, err
		}
	}
	if condstore {
		st.HighestModSeq = sel.HighestModSeq
	}
	return res, store.SetIMAPMailbox(ctx, st)
}

// syncExpunged mirrors deletions made elsewhere (another client, webmail):
// a stored UID the server no longer has is hidden here, as its flag
// Deleted, and forgotten. Its file stays on disk until the user empties it
// for good, so a server mistake never destroys the only copy. The UIDs
// it forgets are dropped from local too.
func syncExpunged(ctx context.Context, store core.MessageStore, st core.MailboxState, local map[uint32]int64, onServer []goimap.UID) (int, error) {
	present := make(map[uint32]bool, len(onServer))
	for _, u := range onServer {
		present[uint32(u)] = true
	}
	gone := 0
	for uid := range local {
		if present[uid] {
			continue
		}
		if err := store.ExpungeIMAP(ctx, st.ID, uid); err != nil {
			return gone, err
		}
		delete(local, uid)
		gone++
	}
	return gone, nil
}

// storedUIDs is a read of a mailbox's stored UIDs (see readUIDs).
type storedUIDs struct {
	done  chan struct{}
	ids   map[uint32]int64
	flags map[uint32]core.Flags
	err   error
}

// readUIDs starts reading a mailbox's stored UIDs and, with withFlags,
// their flags (core.MessageStore.IMAPUIDs); wait gives them.
func readUIDs(ctx context.Context, store core.MessageStore, mailboxID int64, withFlags bool) *storedUIDs {
	r := &storedUIDs{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.ids, r.flags, r.err = store.IMAPUIDs(ctx, mailboxID, withFlags)
	}()
	return r
}

func (r *storedUIDs) wait() (map[uint32]int64, map[uint32]core.Flags, error) {
	<-r.done
	return r.ids, r.flags, r.err
}

// serverFlags are, for each of flagSearches the server was asked, the
// messages of a mailbox carrying that flag.
type serverFlags struct {
	searched [len(flagSearches)]bool
	carrying [len(flagSearches)][]goimap.UID
}

// flagSearches find, without CONDSTORE, which messages carry each flag
// Tributary keeps: five lists of UIDs instead of a FETCH reply for every
// message (at 20,000 messages a quarter of the time, most of it go-imap
// parsing the replies). Seen is asked as UNSEEN, and the others as
// themselves, because in a real mailbox most mail is read and little is
// flagged, answered, deleted or forwarded: the lists stay short where the
// server has no ESEARCH to send ranges. set records whether a message is
// among those found.
var flagSearches = [...]struct {
	criteria goimap.SearchCriteria
	set      func(f *core.Flags, found bool)
}{
	{goimap.SearchCriteria{NotFlag: []goimap.Flag{goimap.FlagSeen}}, func(f *core.Flags, found bool) { f.Seen = !found }},
	{goimap.SearchCriteria{Flag: []goimap.Flag{goimap.FlagFlagged}}, func(f *core.Flags, found bool) { f.Flagged = found }},
	{goimap.SearchCriteria{Flag: []goimap.Flag{goimap.FlagAnswered}}, func(f *core.Flags, found bool) { f.Answered = found }},
	{goimap.SearchCriteria{Flag: []goimap.Flag{goimap.FlagDeleted}}, func(f *core.Flags, found bool) { f.Deleted = found }},
	{goimap.SearchCriteria{Flag: []goimap.Flag{goimap.FlagForwarded}}, func(f *core.Flags, found bool) { f.Forwarded = found }},
}

// forwardedSearch is the index of $Forwarded in flagSearches: a keyword,
// which not every server can store.
const forwardedSearch = 4

// searchMailbox lists every UID of the selected mailbox (sel) and, with
// withFlags, the messages carrying each flag; flagged is nil when the
// flags were not searched. $Forwarded is searched only where the
// mailbox's FLAGS lists it: no message elsewhere carries it, and Exchange
// answers any KEYWORD search with BAD. A server that refuses a flag
// search anyway has the flags fetched, on this connection from then on.
func (c *Client) searchMailbox(ctx context.Context, sel *goimap.SelectData, withFlags bool) (onServer []goimap.UID, flagged *serverFlags, err error) {
	withFlags = withFlags && !c.fetchFlags
	criteria := []*goimap.SearchCriteria{{}}
	var asked []int // the flagSearches asked, in the order of criteria[1:]
	if withFlags {
		forwarded := slices.ContainsFunc(sel.Flags, isForwarded)
		for i := range flagSearches {
			if i != forwardedSearch || forwarded {
				criteria = append(criteria, &flagSearches[i].criteria)
				asked = append(asked, i)
			}
		}
	}
	found, err := c.search(ctx, sel.NumMessages, criteria)
	var refused *goimap.Error
	if withFlags && errors.As(err, &refused) {
		c.fetchFlags = true
		found, err = c.search(ctx, sel.NumMessages, criteria[:1])
		withFlags = false
	}
	if err != nil {
		return nil, nil, err
	}
	if withFlags {
		flagged = &serverFlags{}
		for j, i := range asked {
			flagged.searched[i], flagged.carrying[i] = true, found[1+j]
		}
	}
	return found[0], flagged, nil
}

// search runs a UID SEARCH for each of criteria in the selected mailbox,
// which has n messages. Where the server has ESEARCH the searches go out
// together, and their answers come back as ranges, each naming its
// command; plain SEARCH answers do not say which command they answer (and
// Dovecot sends those of pipelined searches before any completion), so
// without ESEARCH each waits for the one before.
func (c *Client) search(ctx context.Context, n uint32, criteria []*goimap.SearchCriteria) ([][]goimap.UID, error) {
	esearch := c.caps(ctx).Has(goimap.CapESearch)
	var opts *goimap.SearchOptions
	if esearch {
		opts = &goimap.SearchOptions{ReturnAll: true}
	}
	found := make([][]goimap.UID, len(criteria))
	answer := func(i int, cmd *imapclient.SearchCommand) error {
		data, err := cmd.Wait()
		if err == nil {
			found[i], err = searchUIDs(data, n)
		}
		return err
	}
	// A UID takes at most 11 bytes in an answer.
	err := c.waitBudget(ctx, MaxResponseSize+12*int64(n)*int64(len(criteria)), func() error {
		if !esearch {
			for i, cr := range criteria {
				if err := answer(i, c.c.UIDSearch(cr, nil)); err != nil {
					return err
				}
			}
			return nil
		}
		cmds := make([]*imapclient.SearchCommand, len(criteria))
		for i, cr := range criteria {
			cmds[i] = c.c.UIDSearch(cr, opts)
		}
		var errs []error
		for i, cmd := range cmds {
			errs = append(errs, answer(i, cmd))
		}
		return errors.Join(errs...)
	})
	if err != nil {
		return nil, c.classify("search", err)
	}
	return found, nil
}

// updateFlags writes the flags of the stored messages (local, UID to
// message) that differ on the server (flagged, see flagSearches) from
// their stored ones, and returns how many it wrote. A flag not searched
// (one the mailbox cannot hold) keeps its stored value.
func updateFlags(ctx context.Context, store core.MessageStore, local map[uint32]int64, stored map[uint32]core.Flags, flagged *serverFlags) (int, error) {
	onServer := make(map[uint32]core.Flags, len(local))
	for uid := range local {
		f := stored[uid]
		for i, s := range flagSearches {
			if flagged.searched[i] {
				s.set(&f, false)
			}
		}
		onServer[uid] = f
	}
	for i, uids := range flagged.carrying {
		for _, uid := range uids {
			if f, ok := onServer[uint32(uid)]; ok {
				flagSearches[i].set(&f, true)
				onServer[uint32(uid)] = f
			}
		}
	}
	var changes []core.FlagChange
	for uid, f := range onServer {
		if have, ok := stored[uid]; !ok || have != f {
			changes = append(changes, core.FlagChange{ID: local[uid], Flags: f})
		}
	}
	return len(changes), store.SetFlags(ctx, changes...)
}

// maxSearchUIDs bounds the UIDs one SEARCH may list, whatever the mailbox
// claims to hold: 40 MB of them.
const maxSearchUIDs = 10_000_000

// searchUIDs expands a SEARCH answer for a mailbox of n messages. A range
// such as 1:4294967295 (ESEARCH, or 0 read as *) would make go-imap's
// AllUIDs allocate billions, and a dynamic one makes it panic; such
// answers, and any listing more UIDs than the mailbox can hold, are
// refused before anything is expanded.
func searchUIDs(data *goimap.SearchData, n uint32) ([]goimap.UID, error) {
	set, ok := data.All.(goimap.UIDSet)
	if !ok && data.All != nil {
		return nil, errors.New("imap: the server answered UID SEARCH with message numbers, not UIDs")
	}
	limit := min(uint64(n)+1000, maxSearchUIDs) // messages may arrive after SELECT
	var count uint64
	for _, r := range set {
		if r.Start == 0 || r.Stop == 0 {
			return nil, errors.New("imap: the server answered SEARCH with a range ending in *")
		}
		count += uint64(max(r.Start, r.Stop)-min(r.Start, r.Stop)) + 1
		if count > limit {
			return nil, fmt.Errorf("imap: the server's SEARCH listed more than %d UIDs for a mailbox of %d messages", limit, n)
		}
	}
	return data.AllUIDs(), nil
}

// fetchNew fetches, in batches, the UIDs on the server above LastUID that
// are not stored yet (a message appended by Tributary itself is known
// already), except those over the size cap, which it returns. Each batch
// commits in one transaction, behind the reading of the next (see
// pipeline). A message that arrived whole is stored even when the
// connection fails or the sync is cancelled after it. On Gmail (gmail:
// the server has X-GM-EXT-1) a message the account holds already, in
// another mailbox, is linked instead of fetched (see fetchBatch).
func (c *Client) fetchNew(ctx context.Context, store core.MessageStore, accountID int64, st core.MailboxState, known map[uint32]int64, onServer []goimap.UID, gmail bool, progress core.Progress) ([]int64, []TooLarge, error) {
	var uids, below []goimap.UID
	for _, u := range onServer {
		if _, ok := known[uint32(u)]; !ok {
			if uint32(u) > st.LastUID {
				uids = append(uids, u)
			} else {
				below = append(below, u)
			}
		}
	}
	// A message left on the server for its size falls below LastUID once
	// a later one is stored: its size is asked again, so that every sync
	// reports it.
	tooLarge, err := c.oversized(ctx, below)
	if err != nil {
		return nil, nil, err
	}
	slices.Sort(uids)
	total, done := len(uids), 0
	p := newPipeline(ctx, store)
	for start, n := 0, FirstBatchSize; start < len(uids) && err == nil; start, n = start+n, BatchSize {
		batch := uids[start:min(start+n, len(uids))]
		var big []TooLarge
		big, err = c.fetchBatch(ctx, p, accountID, st, batch, gmail, func() {
			done++
			if progress != nil {
				progress(done, total)
			}
		})
		tooLarge = append(tooLarge, big...)
		p.flush()
	}
	fresh, storeErr := p.finish()
	slices.SortFunc(tooLarge, func(a, b TooLarge) int { return int(a.UID) - int(b.UID) })
	if storeErr != nil {
		return fresh, tooLarge, storeErr
	}
	return fresh, tooLarge, err
}

// oversized returns the messages among uids over the size cap.
func (c *Client) oversized(ctx context.Context, uids []goimap.UID) ([]TooLarge, error) {
	if len(uids) == 0 {
		return nil, nil
	}
	var out []TooLarge
	err := c.waitBudget(ctx, MaxResponseSize+64*int64(len(uids)), func() error {
		msgs, err := c.c.Fetch(goimap.UIDSetNum(uids...), &goimap.FetchOptions{UID: true, RFC822Size: true}).Collect()
		for _, m := range msgs {
			if m.UID != 0 && m.RFC822Size > c.maxSize {
				out = append(out, TooLarge{UID: uint32(m.UID), Size: m.RFC822Size})
			}
		}
		return err
	})
	return out, c.classify("fetch sizes", err)
}

// fetchBatch fetches the bodies of uids by sequence number. RFC 3501 does
// not fix the order of FETCH items, and go-imap matches a reply to a UID
// FETCH by its UID, which it needs before the body literal: a server that
// sends UID after BODY[] (seen in the field) would have every body
// dropped. Replies to a FETCH by sequence number match by the number,
// which always comes first, so a UID-only FETCH first learns the numbers.
// The UID inside each reply still decides where the body is filed.
// Messages over the size cap by their RFC822.SIZE are not fetched and are
// returned instead. received is called once per message handed to the
// pipeline.
//
// On Gmail (gmail) that first FETCH also asks for X-GM-MSGID, FLAGS and
// INTERNALDATE. A message whose X-GM-MSGID the account holds already
// (under another label) is not fetched: the pipeline stores a row for
// this mailbox that shares the stored message's file (StageCopy), with
// this mailbox's UID and flags. The others are fetched, and keep their
// X-GM-MSGID for the mailboxes synced after.
func (c *Client) fetchBatch(ctx context.Context, p *pipeline, accountID int64, st core.MailboxState, uids []goimap.UID, gmail bool, received func()) ([]TooLarge, error) {
	var tooLarge []TooLarge
	err := c.wait(ctx, func() error {
		msgs, err := c.seqNums(uids, gmail)
		if err != nil || len(msgs) == 0 {
			return err
		}
		var stored map[uint64]int64
		if gmail {
			ids := make([]uint64, 0, len(msgs))
			for _, m := range msgs {
				if m.gmailID != 0 {
					ids = append(ids, m.gmailID)
				}
			}
			if stored, err = p.store.GmailMessages(ctx, accountID, ids); err != nil {
				return &storeError{err}
			}
		}
		var set goimap.SeqSet
		n := 0
		for _, seq := range slices.Sorted(maps.Keys(msgs)) {
			m := msgs[seq]
			if id, ok := stored[m.gmailID]; ok && m.gmailID != 0 {
				d := core.Delivery{AccountID: accountID, FolderID: st.FolderID, Flags: m.flags, InternalDate: m.date,
					IMAP: &core.IMAPRef{MailboxID: st.ID, UID: uint32(m.uid), GmailID: m.gmailID}}
				if err := p.add(fetched{d: d, copyOf: id}); err != nil {
					return &storeError{err}
				}
				received()
				continue
			}
			if m.size > c.maxSize {
				tooLarge = append(tooLarge, TooLarge{UID: uint32(m.uid), Size: m.size})
				continue
			}
			set.AddNum(seq)
			n++
		}
		if n == 0 {
			return nil
		}
		// The bodies' bytes are the pipeline's to bound (readFetched);
		// here each is at most maxSize.
		c.io.allow(MaxResponseSize + int64(n)*(c.maxSize+64<<10))
		cmd := c.c.Fetch(set, &goimap.FetchOptions{
			UID: true, Flags: true, InternalDate: true,
			BodySection: []*goimap.FetchItemBodySection{{Peek: true}},
		})
		defer cmd.Close()
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			f, err := c.readFetched(ctx, p.store, accountID, st, msg, msgs[msg.SeqNum])
			if err != nil {
				return err
			}
			if err := p.add(f); err != nil {
				return &storeError{err}
			}
			received()
		}
		return cmd.Close()
	})
	var storeErr *storeError
	if errors.As(err, &storeErr) {
		return tooLarge, storeErr.err
	}
	return tooLarge, c.classify("fetch", err)
}

// serverMsg is what the first FETCH of a batch learnt of one message.
type serverMsg struct {
	uid  goimap.UID
	size int64
	// On Gmail only: its X-GM-MSGID (0 when the server gave none), and
	// its flags and date, for a message linked rather than fetched.
	gmailID uint64
	flags   core.Flags
	date    time.Time
}

// seqNums maps the sequence numbers of the messages among uids that are
// still there to their UIDs and sizes, and on Gmail to their X-GM-MSGID,
// flags and dates. A reply without a literal is matched by go-imap once
// it is read whole, so the items may come in any order.
func (c *Client) seqNums(uids []goimap.UID, gmail bool) (map[uint32]serverMsg, error) {
	opts := &goimap.FetchOptions{UID: true, RFC822Size: true}
	if gmail {
		opts.Flags, opts.InternalDate = true, true
		c.io.gm.arm()
	}
	msgs, err := c.c.Fetch(goimap.UIDSetNum(uids...), opts).Collect()
	var gmailIDs map[uint32]uint64
	if gmail {
		gmailIDs = c.io.gm.disarm()
	}
	if err != nil {
		return nil, err
	}
	out := make(map[uint32]serverMsg, len(msgs))
	for _, m := range msgs {
		if m.UID != 0 {
			out[m.SeqNum] = serverMsg{uid: m.UID, size: m.RFC822Size, gmailID: gmailIDs[m.SeqNum], flags: flagsFrom(m.Flags), date: m.InternalDate}
		}
	}
	return out, nil
}

// storeError marks a local failure inside a fetch, so it is not mistaken
// for a server problem.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }
func (e *storeError) Unwrap() error { return e.err }

// readFetched reads one FETCH reply whole (a server may send UID and
// FLAGS after the body). A body up to maxInMemory is read into memory for
// the pipeline's stager; a larger one is streamed to its file here. want
// is what the first FETCH said of the message: its UID, used when the
// reply has none, and its X-GM-MSGID.
func (c *Client) readFetched(ctx context.Context, store core.MessageStore, accountID int64, st core.MailboxState, msg *imapclient.FetchMessageData, want serverMsg) (fetched, error) {
	f := fetched{d: core.Delivery{AccountID: accountID, FolderID: st.FolderID}}
	var uid goimap.UID
	haveBody := false
	defer func() {
		if f.staged != nil && !haveBody {
			f.staged.Discard()
		}
	}()
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			uid = it.UID
		case imapclient.FetchItemDataFlags:
			f.d.Flags = flagsFrom(it.Flags)
		case imapclient.FetchItemDataInternalDate:
			f.d.InternalDate = it.Time
		case imapclient.FetchItemDataBodySection:
			if f.raw != nil || f.staged != nil {
				continue // a second body: the first one counts
			}
			// BODY[] NIL gives a nil Literal. Store it empty, as any
			// malformed message is stored: failing would stop the
			// mailbox at this UID on every sync.
			body := &literal{r: strings.NewReader("")}
			if it.Literal != nil && it.Literal.Size() > c.maxSize {
				// Its RFC822.SIZE was under the cap, or it would not
				// have been asked for: the server lies. The connection
				// is dropped under go-imap (whose Close would wait for
				// the literal to be read), so that the discard of the
				// literal on the way out ends at once.
				err := fmt.Errorf("message %d: the server sends %d bytes: %w (the limit is %d bytes)", msg.SeqNum, it.Literal.Size(), core.ErrMessageTooLarge, c.maxSize)
				c.io.note(err) // the cause, rather than the closed connection
				c.io.Conn.Close()
				return f, err
			}
			if it.Literal != nil {
				body = &literal{r: it.Literal, size: it.Literal.Size()}
			}
			var err error
			if body.size <= maxInMemory {
				f.raw = make([]byte, body.size)
				_, err = io.ReadFull(body, f.raw)
			} else {
				f.staged, err = store.Stage(ctx, body)
			}
			if body.err != nil && body.n < body.size {
				// The connection dropped inside the message, which go-imap
				// reports as an early io.EOF: never store it cut short.
				// go-imap's reader goroutine reads on once a literal fails;
				// stop it before the literal is read again (discarded).
				c.c.Close()
				return fetched{}, fmt.Errorf("message %d cut off after %d of %d bytes: %w", msg.SeqNum, body.n, body.size, io.ErrUnexpectedEOF)
			}
			if err != nil {
				return fetched{}, &storeError{err}
			}
		}
	}
	if uid == 0 {
		uid = want.uid
	}
	if uid == 0 || (f.raw == nil && f.staged == nil) {
		return fetched{}, fmt.Errorf("server sent a FETCH reply without UID or body for message %d", msg.SeqNum)
	}
	f.d.IMAP = &core.IMAPRef{MailboxID: st.ID, UID: uint32(uid), GmailID: want.gmailID}
	haveBody = true
	return f, nil
}

// literal counts the bytes read of a message, to tell one cut short by a
// dropped connection from a whole one.
type literal struct {
	r    io.Reader
	size int64 // as the server announced it
	n    int64
	err  error // the first read error, io.EOF included
}

func (l *literal) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if err != nil && l.err == nil {
		l.err = err
	}
	return n, err
}

// syncFlags applies flag changes made elsewhere (another client, webmail)
// to messages already stored. With CONDSTORE only what changed since the
// last sync (changedSince) is asked for. Without it the flag searches
// tell (see updateFlags), unless the server refused them: then it sends
// every message's flags, and only those that differ from the stored ones
// are written.
func (c *Client) syncFlags(ctx context.Context, store core.MessageStore, st core.MailboxState, local map[uint32]int64, stored map[uint32]core.Flags, changedSince uint64) (int, error) {
	if st.LastUID == 0 {
		return 0, nil
	}
	var set goimap.UIDSet
	set.AddRange(1, goimap.UID(st.LastUID))
	var changes []core.FlagChange
	// A flags reply is under 100 bytes, unless the server keeps many
	// keywords.
	err := c.waitBudget(ctx, MaxResponseSize+1024*int64(len(local)), func() error {
		cmd := c.c.Fetch(set, &goimap.FetchOptions{UID: true, Flags: true, ChangedSince: changedSince})
		// Read as the replies come, not collected: a resync of 100,000
		// messages gets 100,000 of them.
		for m := cmd.Next(); m != nil; m = cmd.Next() {
			var uid goimap.UID
			var flags []goimap.Flag
			for item := m.Next(); item != nil; item = m.Next() {
				switch item := item.(type) {
				case imapclient.FetchItemDataUID:
					uid = item.UID
				case imapclient.FetchItemDataFlags:
					flags = item.Flags
				}
			}
			id, ok := local[uint32(uid)]
			if !ok {
				continue
			}
			f := flagsFrom(flags)
			if have, ok := stored[uint32(uid)]; ok && have == f {
				continue
			}
			changes = append(changes, core.FlagChange{ID: id, Flags: f})
		}
		return cmd.Close()
	})
	if err != nil {
		return 0, c.classify("fetch flags", err)
	}
	return len(changes), store.SetFlags(ctx, changes...)
}

func flagsFrom(flags []goimap.Flag) core.Flags {
	return core.Flags{
		Seen:      slices.Contains(flags, goimap.FlagSeen),
		Flagged:   slices.Contains(flags, goimap.FlagFlagged),
		Answered:  slices.Contains(flags, goimap.FlagAnswered),
		Deleted:   slices.Contains(flags, goimap.FlagDeleted),
		Forwarded: slices.ContainsFunc(flags, isForwarded),
	}
}

// isForwarded says whether f is $Forwarded; keywords are
// case-insensitive (RFC 3501 2.3.2).
func isForwarded(f goimap.Flag) bool {
	return strings.EqualFold(string(f), string(goimap.FlagForwarded))
}

// AppendResult says where an appended message landed.
type AppendResult struct {
	Mailbox     string
	UID         uint32 // 0 when the server lacks UIDPLUS
	UIDValidity uint32
}

// AppendSent stores a sent message in the server's Sent mailbox (see
// RoleMailbox), flagged as seen, and creates that mailbox when the server
// has none.
func (c *Client) AppendSent(ctx context.Context, raw io.Reader, size int64) (AppendResult, error) {
	name, err := c.RoleMailbox(ctx, core.RoleSent, true)
	if err != nil {
		return AppendResult{}, err
	}
	return c.Append(ctx, name, raw, size, core.Flags{Seen: true})
}
