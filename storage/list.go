package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
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
}

const summaryColumns = `m.id, m.account_id, a.name, m.folder_id, f.name, m.message_id, m.from_name, m.from_addr, m.to_addrs, m.subject, m.snippet, m.date, m.size, m.attachments, m.seen, m.flagged, m.answered, m.deleted, m.forwarded, m.thread_id`

const summaryFrom = ` FROM messages m JOIN accounts a ON a.id = m.account_id JOIN folders f ON f.id = m.folder_id `

// where builds the filter. The unified inbox uses the partial index on
// in_inbox, so the first page comes straight off the index however many
// messages there are.
func (q ListQuery) where(blobs string) (string, []any, error) {
	var conds []string
	var args []any
	switch {
	case q.FolderID != 0:
		conds = append(conds, "m.folder_id = ?")
		args = append(args, q.FolderID)
	case q.AccountID != 0 && q.Search == "":
		conds = append(conds, "m.in_inbox > 0", "m.account_id = ?") // twins too
		args = append(args, q.AccountID)
	case q.AccountID != 0:
		conds = append(conds, "m.account_id = ?")
		args = append(args, q.AccountID)
	case q.Search == "":
		conds = append(conds, "m.in_inbox = 1")
	}
	if q.Search != "" {
		sc, sargs, err := parseSearch(q.Search, blobs)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, sc...)
		args = append(args, sargs...)
	}
	conds = append(conds, "m.deleted = 0")
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

// paged is where's filter with the page's LIMIT and OFFSET arguments
// appended (Limit 0 means 50), for a query ending in LIMIT ? OFFSET ?.
func (q ListQuery) paged(blobs string) (string, []any, error) {
	where, args, err := q.where(blobs)
	if q.Limit <= 0 {
		q.Limit = 50
	}
	return where, append(args, q.Limit, q.Offset), err
}

// List returns one page of messages, newest first. The page's IDs are
// picked in a subquery that walks only the index, so paging deep into a
// large folder does not join every skipped row.
func (db *DB) List(ctx context.Context, q ListQuery) ([]core.MessageSummary, error) {
	where, args, err := q.paged(db.blobs)
	if err != nil {
		return nil, err
	}
	page := `SELECT m.id FROM messages m` + where + ` ORDER BY m.date DESC, m.id DESC LIMIT ? OFFSET ?`
	return db.summaries(ctx, `SELECT `+summaryColumns+summaryFrom+` WHERE m.id IN (`+page+`) ORDER BY m.date DESC, m.id DESC`, args...)
}

// Count returns how many messages a query matches.
func (db *DB) Count(ctx context.Context, q ListQuery) (int, error) {
	where, args, err := q.where(db.blobs)
	if err != nil {
		return 0, err
	}
	var n int
	err = db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages m`+where, args...).Scan(&n)
	return n, err
}

// UnreadInbox counts unread messages in the unified inbox, for the tray.
func (db *DB) UnreadInbox(ctx context.Context) (int, error) {
	var n int
	err := db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM messages WHERE in_inbox = 1 AND seen = 0 AND deleted = 0`).Scan(&n)
	return n, err
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

// SetFlags takes a server's flags for a message, during a sync. Unchanged
// flags write nothing, so a full flag sync from a server without CONDSTORE
// costs reads, not writes. A message with a change of ours still waiting
// in the journal keeps its local flags: the server has not heard of the
// change yet, so its old flags must not undo it. (Changes made here go
// through ChangeFlags.)
func (db *DB) SetFlags(ctx context.Context, id int64, f core.Flags) error {
	_, err := db.w.ExecContext(ctx, `UPDATE messages SET seen=?, flagged=?, answered=?, deleted=?, forwarded=?
WHERE id=? AND (seen, flagged, answered, deleted, forwarded) IS NOT (?, ?, ?, ?, ?)
AND NOT EXISTS (SELECT 1 FROM journal WHERE message = ? AND op IN ('flags', 'move') AND failed = 0)`, f.Seen, f.Flagged, f.Answered, f.Deleted, f.Forwarded, id, f.Seen, f.Flagged, f.Answered, f.Deleted, f.Forwarded, id)
	if err != nil {
		return fail("set flags", err)
	}
	return nil
}

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
