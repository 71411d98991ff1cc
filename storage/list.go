package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// ListQuery selects the messages of a list. With no account and no folder
// it is the unified inbox. Search, when set, is a query in the search
// language of core/query; with no account and no folder it covers every
// folder of every account.
type ListQuery struct {
	AccountID int64
	FolderID  int64
	Search    string
	Limit     int // default 50
	Offset    int

	// longer names, for the words of Search, the longer terms each
	// starts (see withLonger); set by the store.
	longer map[string][]string
}

const summaryColumns = `m.id, m.account_id, a.name, m.folder_id, f.name, m.message_id, m.from_name, m.from_addr, m.to_addrs, m.subject, m.snippet, m.date, m.size, m.attachments, m.seen, m.flagged, m.answered, m.deleted, m.forwarded, m.thread_id`

const summaryFrom = ` FROM messages m JOIN accounts a ON a.id = m.account_id JOIN folders f ON f.id = m.folder_id `

// scope is the listing a query reads before its search: a folder, an
// account (its inboxes, twins too, when not searching; all its folders
// when searching), the unified inbox, or with a search and neither, every
// folder of every account. The unified inbox uses the partial index on
// in_inbox, so the first page comes straight off the index however many
// messages there are.
func (q ListQuery) scope() ([]string, []any) {
	switch {
	case q.FolderID != 0:
		return []string{"m.folder_id = ?"}, []any{q.FolderID}
	case q.AccountID != 0 && q.Search == "":
		return []string{"m.in_inbox > 0", "m.account_id = ?"}, []any{q.AccountID} // twins too
	case q.AccountID != 0:
		return []string{"m.account_id = ?"}, []any{q.AccountID}
	case q.Search == "":
		return []string{"m.in_inbox = 1"}, nil
	}
	return nil, nil
}

// where builds the filter: the scope, the search, and never a deleted
// message.
func (q ListQuery) where(blobs string) (string, []any, error) {
	where, args, _, err := q.whereFor(blobs, ftsSubquery)
	return where, args, err
}

// whereFor is where with the search's full-text condition written for
// plan; fts says how the filter uses the index.
func (q ListQuery) whereFor(blobs string, plan ftsPlan) (where string, args []any, fts ftsUse, err error) {
	conds, args := q.scope()
	if q.Search != "" {
		s, err := parseSearchFor(q.Search, blobs, plan, q.longer)
		if err != nil {
			return "", nil, noFTS, err
		}
		conds = append(conds, s.conds...)
		args = append(args, s.args...)
		fts = s.fts
	}
	conds = append(conds, "m.deleted = 0")
	return " WHERE " + strings.Join(conds, " AND "), args, fts, nil
}

// List returns one page of messages, newest first. The page's IDs are
// picked in a subquery (off the date index, or for a search with words
// off the full-text index), so paging deep into a large folder does not
// join every skipped row. A search with words first tries the
// newest rows of its listing (listWindow), which finds the page of a
// search that matches much of the store without sorting every match;
// then, for a search with operators too, a few rows known to hold every
// match (candidates).
func (db *DB) List(ctx context.Context, q ListQuery) ([]core.MessageSummary, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q = db.withLonger(ctx, q)
	if q.Search != "" {
		list, ok, err := db.listWindow(ctx, q)
		if err != nil || ok {
			return list, err
		}
		c, ok, err := db.candidates(ctx, q)
		if err != nil {
			return nil, err
		}
		if ok {
			return db.listIn(ctx, q, c)
		}
	}
	where, args, fts, err := q.whereFor(db.blobs, ftsJoined)
	if err != nil {
		return nil, err
	}
	page := `SELECT m.id` + fts.from() + where + ` ORDER BY m.date DESC, m.id DESC LIMIT ? OFFSET ?`
	return db.summaries(ctx, `SELECT `+summaryColumns+summaryFrom+` WHERE m.id IN (`+page+`) ORDER BY m.date DESC, m.id DESC`, append(args, q.Limit, q.Offset)...)
}

// from is the FROM clause for a filter that uses the index as fts says.
// With ftsRead the index's matches are read first, as it yields them,
// each looking up its message: cheaper than collecting the matches first
// to test every message against, by half for a word in every message.
func (fts ftsUse) from() string {
	if fts == ftsRead {
		return ` FROM messages_fts CROSS JOIN messages m ON m.id = messages_fts.rowid`
	}
	return ` FROM messages m`
}

// The window of listWindow: windowPerRow rows of the listing for each row
// of the page and each row it skips, at least windowMin, and no window
// beyond windowMax (a page that deep goes straight to the full plan).
// A window that held some of the page but not all is tried once more,
// wider by what it lacked (twice that, for luck), up to windowWide rows.
const (
	windowPerRow = 10
	windowMin    = 1000
	windowMax    = 20_000
	windowWide   = 50_000
)

// listWindow looks for a search's page among the newest rows of its
// listing only: when they hold the whole page, it is the page of the
// whole listing, and ok is true. Otherwise the matches are too sparse for
// the window and List sorts all of them instead, which is then cheap.
// Without the window, a word in every message made List look up and sort
// all 100,000 matches for the first 100 (220 ms on a quiet machine); the
// window makes it a few ms, and costs a sparse search about one more
// read of the index (docs/BENCHMARKS.md).
//
// The window is not kept as a table of its rows: one walk of the date
// index over the newest n rows (the WITH table span) gives their least
// and greatest ID and the oldest date among them, and the page is read
// from the rows at or above (that date, the least ID) in the list's
// order (date, then ID, both descending). Those rows are the n newest
// and any others of the oldest date whose IDs are not below the least: a
// start of the list, so every row outside them is older than every row
// in them; and every ID among them lies in the span (a row of the oldest
// date with an ID above the last of the n would be among the n), so the
// full-text test needs only the matches in it (TestSearchWindowEdge).
// Keeping the rows in a table, and testing each against the matches,
// cost twice as much as the rest. The page's IDs are picked first, in
// the list's order off the date index, and the walk stops at the end of
// the page; then only those rows are read whole (docs/PERFORMANCE.md).
func (db *DB) listWindow(ctx context.Context, q ListQuery) (list []core.MessageSummary, ok bool, err error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	n := max(windowMin, windowPerRow*(q.Limit+q.Offset))
	if n > windowMax {
		return nil, false, nil
	}
	where, args, fts, err := q.whereFor(db.blobs, ftsSpan)
	if err != nil || fts == noFTS {
		// Without the index, the full plan walks the date index and
		// stops at the end of the page already.
		return nil, false, err
	}
	scope, scopeArgs := q.scope()
	span := `WITH span(lo, hi, oldest) AS (SELECT min(id), max(id), min(date) FROM (SELECT m.id, m.date FROM messages m WHERE ` + strings.Join(append(scope, "m.deleted = 0"), " AND ") + ` ORDER BY m.date DESC, m.id DESC LIMIT ?)) `
	ids := `SELECT m.id FROM messages m` + where + ` AND (m.date, m.id) >= (SELECT oldest, lo FROM span) ORDER BY m.date DESC, m.id DESC LIMIT ? OFFSET ?`
	query := span + `SELECT ` + summaryColumns + summaryFrom + ` WHERE m.id IN (` + ids + `) ORDER BY m.date DESC, m.id DESC`
	page := func(n int) ([]core.MessageSummary, error) {
		return db.summaries(ctx, query, append(append(append(slices.Clip(scopeArgs), n), args...), q.Limit, q.Offset)...)
	}
	list, err = page(n)
	if err != nil || len(list) == q.Limit || len(list) == 0 {
		return list, err == nil && len(list) == q.Limit, err
	}
	// The window held some of the page: a word in 1% of 1,000,000
	// messages finds 10 of 100 rows in 1,000, and a window of 20,000
	// then holds the page, where the full plan looks up and sorts all
	// 10,000 matches (140 ms; docs/PERFORMANCE.md). A search that found
	// none is sparse enough for the full plan.
	found := q.Offset + len(list)
	wide := min(windowWide, 2*n*(q.Limit+q.Offset)/found)
	if wide <= n {
		return list, false, nil
	}
	list, err = page(wide)
	if err != nil {
		return nil, false, err
	}
	return list, len(list) == q.Limit, nil
}

// candidates are tried for a search with full-text terms and
// operators: the index's matches when there are fewer than ftsDense, or
// else the rows the operators and scope alone leave, when there are at
// most filtersMax; ftsDense 0 turns both off. Variables, so that
// the plan test can take each on a small store and the benchmark compare
// them with the plans without.
var (
	// ftsDense is low because the probe is paid by every search with
	// operators whose terms match many messages: 300 matches cost about
	// 0.3 ms, 1,000 about 1 ms.
	ftsDense   = 300
	filtersMax = 1000
	// sampleRare: the rows the operators allow are read only when at most
	// this many of the first ftsDense matches pass them (1 %), which a
	// sample finds in a few lookups when they are not rare.
	sampleRare = 3
)

// candidateSet is a set of rows that holds every match of a search: the
// IDs, and whether they are the full-text index's matches (matched),
// which then need no test against it, or the rows the operators allow.
type candidateSet struct {
	ids     []int64
	matched bool
}

// candidates returns a few rows that hold every match of q, and ok true,
// for a search with full-text terms and operators (see ftsDense): then
// the page and the count read those rows only (listIn, count). The
// other plans read the full-text matches first, each looking up its
// message: for a phrase in every message with operators that leave none
// (`"about project" -is:read account:work`), 100,000 lookups to find
// nothing, for the page and again for the count. Reading the table once
// is about half that, and asks the index nothing when nothing is left
// (docs/BENCHMARKS.md). A row-by-row full-text test
// (EXISTS (... rowid = m.id AND MATCH)) is no way out: FTS5 answers each
// by reading the whole match, about 1 ms a row. The probe of the index
// (its first ftsDense matches, a few ms) keeps a search whose terms match
// few messages off the table scan, and its matches are then the set; a
// sample (the first of those matches that pass the filter, up to
// sampleRare + 1) keeps off it a search whose operators leave many rows,
// whose page and count then stream the matches as before.
func (db *DB) candidates(ctx context.Context, q ListQuery) (c candidateSet, ok bool, err error) {
	s, err := parseSearchFor(q.Search, db.blobs, ftsJoined, q.longer)
	if err != nil || s.match == "" || s.ops == 0 || ftsDense == 0 {
		return c, false, err
	}
	ids, err := db.ids(ctx, `SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? LIMIT ?`, s.match, ftsDense)
	if err != nil {
		return c, false, fail("probe the full-text matches", err)
	}
	if len(ids) < ftsDense {
		return candidateSet{ids: ids, matched: true}, true, nil
	}
	where, args, fts, err := q.whereFor(db.blobs, ftsJoined)
	if err != nil {
		return c, false, err
	}
	var hits int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1`+fts.from()+where+` AND messages_fts.rowid <= ? LIMIT ?)`, append(args, ids[len(ids)-1], sampleRare+1)...).Scan(&hits); err != nil {
		return c, false, fail("sample the matches", err)
	}
	if hits > sampleRare {
		return c, false, nil
	}
	conds, args := q.scope()
	conds = append(conds, s.conds[:s.ops]...)
	args = append(args, s.args[:s.opsArgs]...)
	// +m.deleted keeps the partial indexes on deleted = 0 out of the
	// plan: walking one costs a lookup per row, several times a scan of
	// the table. A folder's rows still come off its index.
	conds = append(conds, "+m.deleted = 0")
	ids, err = db.ids(ctx, `SELECT m.id FROM messages m WHERE `+strings.Join(conds, " AND ")+` LIMIT ?`, append(args, filtersMax+1)...)
	if err != nil {
		return c, false, fail("list the rows the operators allow", err)
	}
	if len(ids) > filtersMax {
		return c, false, nil
	}
	return candidateSet{ids: ids}, true, nil
}

// ids runs a query of one column of IDs.
func (db *DB) ids(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// in is the WITH clause of the rows c, win(id) and their span(lo, hi)
// for ftsSpan, its arguments, and q's filter for those rows; c holds at
// least one row.
func (c candidateSet) in(q ListQuery, blobs string) (with string, withArgs []any, where string, args []any, err error) {
	plan := ftsSpan
	if c.matched {
		plan = ftsMatched
	}
	where, args, _, err = q.whereFor(blobs, plan)
	if err != nil {
		return "", nil, "", nil, err
	}
	b := []byte{'['}
	for i, id := range c.ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	with = `WITH win(id) AS MATERIALIZED (SELECT value FROM json_each(?)), span(lo, hi) AS (SELECT ?, ?) `
	return with, []any{string(append(b, ']')), slices.Min(c.ids), slices.Max(c.ids)}, where, args, nil
}

// listIn is the page of q among the rows c (from candidates).
func (db *DB) listIn(ctx context.Context, q ListQuery, c candidateSet) ([]core.MessageSummary, error) {
	if len(c.ids) == 0 {
		return nil, nil
	}
	with, withArgs, where, args, err := c.in(q, db.blobs)
	if err != nil {
		return nil, err
	}
	return db.summaries(ctx, with+`SELECT `+summaryColumns+` FROM win CROSS JOIN messages m ON m.id = win.id JOIN accounts a ON a.id = m.account_id JOIN folders f ON f.id = m.folder_id`+where+` ORDER BY m.date DESC, m.id DESC LIMIT ? OFFSET ?`, append(append(withArgs, args...), q.Limit, q.Offset)...)
}

// Count returns how many messages a query matches.
func (db *DB) Count(ctx context.Context, q ListQuery) (int, error) {
	n, _, err := db.count(ctx, db.withLonger(ctx, q), -1)
	return n, err
}

// CountUpTo counts the messages a query matches as far as max: n is the
// count, at most max, and more says that more than max match. It is for a
// search's heading, which then says "more than 1,000": counting every
// match of a word in all 100,000 messages costs several times the page,
// counting the first 1,000 a few ms. max must be positive.
func (db *DB) CountUpTo(ctx context.Context, q ListQuery, max int) (n int, more bool, err error) {
	if max <= 0 {
		return 0, false, fmt.Errorf("count up to %d: the most to count must be positive", max)
	}
	return db.count(ctx, db.withLonger(ctx, q), max)
}

// count counts the messages a query matches, up to max when max is not
// -1. A search's full-text matches are read as the index yields them (see
// ftsUse.from), so counting stops at max; a search with operators too
// counts among its candidates when it has them.
func (db *DB) count(ctx context.Context, q ListQuery, max int) (int, bool, error) {
	limit := max
	if max != -1 {
		limit = max + 1 // one more says there are more
	}
	if q.Search == "" && q.AccountID == 0 {
		// A folder or the unified inbox: the counts the folders keep.
		n, err := db.keptCount(ctx, q.FolderID)
		if max != -1 && n > max {
			return max, true, err
		}
		return n, false, err
	}
	var c candidateSet
	ok := false
	if q.Search != "" {
		var err error
		if c, ok, err = db.candidates(ctx, q); err != nil {
			return 0, false, err
		}
	}
	var n int
	switch {
	case ok && len(c.ids) == 0:
	case ok:
		with, withArgs, where, args, err := c.in(q, db.blobs)
		if err != nil {
			return 0, false, err
		}
		if err := db.sql.QueryRowContext(ctx, with+`SELECT count(*) FROM (SELECT 1 FROM win CROSS JOIN messages m ON m.id = win.id`+where+` LIMIT ?)`, append(append(withArgs, args...), limit)...).Scan(&n); err != nil {
			return 0, false, fail("count messages", err)
		}
	default:
		where, args, fts, err := q.whereFor(db.blobs, ftsJoined)
		if err != nil {
			return 0, false, err
		}
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1`+fts.from()+where+` LIMIT ?)`, append(args, limit)...).Scan(&n); err != nil {
			return 0, false, fail("count messages", err)
		}
	}
	if max != -1 && n > max {
		return max, true, nil
	}
	return n, false, nil
}

// UnreadInbox counts unread messages in the unified inbox, for the tray.
func (db *DB) UnreadInbox(ctx context.Context) (int, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT coalesce(sum(unified_unread), 0) FROM folders`).Scan(&n); err != nil {
		return 0, fail("count unread messages", err)
	}
	return n, nil
}

// keptCount is the number of live messages in folder, or with folder 0
// in the unified inbox, from the counts the folders keep (see the
// migration that adds folders.total): a read of a few rows, where counting
// the messages reads every one of them.
func (db *DB) keptCount(ctx context.Context, folder int64) (int, error) {
	var n int
	var err error
	if folder == 0 {
		err = db.sql.QueryRowContext(ctx, `SELECT coalesce(sum(unified_total), 0) FROM folders`).Scan(&n)
	} else {
		err = db.sql.QueryRowContext(ctx, `SELECT coalesce(sum(total), 0) FROM folders WHERE id = ?`, folder).Scan(&n)
	}
	if err != nil {
		return 0, fail("count messages", err)
	}
	return n, nil
}

// scanSummary reads the summaryColumns of a row, then any extra columns
// selected after them into extra.
func scanSummary(r scanner, extra ...any) (core.MessageSummary, error) {
	var m core.MessageSummary
	var date int64
	dest := append([]any{&m.ID, &m.AccountID, &m.Account, &m.FolderID, &m.Folder, &m.MessageID, &m.FromName, &m.FromAddr, &m.To, &m.Subject, &m.Snippet, &date, &m.Size, &m.Attachments, &m.Seen, &m.Flagged, &m.Answered, &m.Deleted, &m.Forwarded, &m.ThreadID}, extra...)
	err := r.Scan(dest...)
	m.Date = time.Unix(date, 0).UTC()
	return m, err
}

// Message returns one message's summary and the hash of its raw bytes.
func (db *DB) Message(ctx context.Context, id int64) (core.MessageSummary, string, error) {
	var blob string
	m, err := scanSummary(db.sql.QueryRowContext(ctx, `SELECT `+summaryColumns+`, m.blob`+summaryFrom+` WHERE m.id = ?`, id), &blob)
	if errors.Is(err, sql.ErrNoRows) {
		return m, "", fmt.Errorf("no message %d: %w", id, ErrNotFound)
	}
	return m, blob, err
}

// SetFlags takes a server's flags for messages, during a sync.
// Unchanged flags write nothing. A message with a change of ours still
// waiting in the journal keeps its local flags: the server has not heard
// of the change yet, so its old flags must not undo it. (Changes made
// here go through ChangeFlags.) The changes are written flagsPerTx to a
// transaction, with one prepared statement: one autocommit UPDATE each,
// compiled afresh, was 150 µs a message, nine tenths of a flag sync
// without CONDSTORE.
func (db *DB) SetFlags(ctx context.Context, changes ...core.FlagChange) error {
	for len(changes) > 0 {
		n := min(len(changes), flagsPerTx)
		if err := db.withTx(ctx, func(sqltx *sql.Tx) error {
			tx := newBatchTx(sqltx)
			defer tx.close()
			for _, c := range changes[:n] {
				f := c.Flags
				if _, err := tx.ExecContext(ctx, `UPDATE messages SET seen=?, flagged=?, answered=?, deleted=?, forwarded=?
WHERE id=? AND (seen, flagged, answered, deleted, forwarded) IS NOT (?, ?, ?, ?, ?)
AND NOT EXISTS (SELECT 1 FROM journal WHERE message = ? AND op IN ('flags', 'move') AND failed = 0)`,
					f.Seen, f.Flagged, f.Answered, f.Deleted, f.Forwarded, c.ID, f.Seen, f.Flagged, f.Answered, f.Deleted, f.Forwarded, c.ID); err != nil {
					return fail("set flags", err)
				}
			}
			return nil
		}); err != nil {
			return err
		}
		changes = changes[n:]
	}
	return nil
}

// flagsPerTx keeps the writer's lock short while a sync marks thousands
// of messages read that the user read in webmail.
const flagsPerTx = 500

// FolderMessages lists every message of a folder, oldest first, as an
// export writes them: mbox files and other clients keep that order.
func (db *DB) FolderMessages(ctx context.Context, folderID int64) ([]core.MessageSummary, error) {
	const page = 500
	var all []core.MessageSummary
	for {
		list, err := db.List(ctx, ListQuery{FolderID: folderID, Limit: page, Offset: len(all)})
		if err != nil {
			return nil, err
		}
		all = append(all, list...)
		if len(list) < page {
			break
		}
	}
	slices.Reverse(all)
	return all, nil
}
