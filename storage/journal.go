package storage

import (
	"context"
	"database/sql"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// ChangeFlags sets a message's flags here and, in the same transaction,
// journals the change for every IMAP server copy. A flags entry carries the
// whole desired state, so it replaces any older waiting flags entry for
// the same copy. It returns the sources that have work to replay.
func (db *DB) ChangeFlags(ctx context.Context, id int64, f core.Flags) ([]int64, error) {
	var sources []int64
	err := db.withTx(ctx, func(tx *sql.Tx) (err error) {
		sources, err = changeFlags(ctx, tx, id, f)
		return err
	})
	return sources, err
}

// changeFlags is ChangeFlags inside tx, also for the rules applied on
// arrival.
func changeFlags(ctx context.Context, tx *sql.Tx, id int64, f core.Flags) ([]int64, error) {
	var sources []int64
	err := func() error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET seen=?, flagged=?, answered=?, deleted=?, forwarded=? WHERE id=?`, f.Seen, f.Flagged, f.Answered, f.Deleted, f.Forwarded, id)
		if err := checkAffected(res, err, "set flags"); err != nil {
			return err
		}
		locs, err := locations(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, l := range locs {
			if _, err := tx.ExecContext(ctx, `DELETE FROM journal WHERE source_id=? AND mailbox=? AND uid=? AND op='flags' AND failed=0`, l.SourceID, l.Mailbox, l.UID); err != nil {
				return fail("journal flags", err)
			}
			sources = appendOnce(sources, l.SourceID)
			// A copy whose move still waits takes the flags with the move:
			// after it, the copy has another UID, which only the server knows.
			res, err := tx.ExecContext(ctx, `UPDATE journal SET seen=?, flagged=?, answered=?, deleted=?, forwarded=?, has_flags=1 WHERE `+waitingMove, f.Seen, f.Flagged, f.Answered, f.Deleted, f.Forwarded, l.SourceID, l.Mailbox, l.UID)
			if err != nil {
				return fail("journal flags", err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				continue
			}
			e := core.JournalEntry{SourceID: l.SourceID, MessageID: id, Op: core.JournalFlags, Mailbox: l.Mailbox, UID: l.UID, Flags: f}
			if err := insertJournal(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	}()
	return sources, err
}

// MoveJournaled files a message in another folder of its account and
// journals the server move for each copy on dest's source (every source
// when dest.SourceID is 0, as for the local Trash, which stands for each
// server's own). A dest with neither Mailbox nor role moves locally only.
func (db *DB) MoveJournaled(ctx context.Context, id, folderID int64, dest core.IMAPLocation, destRole string) ([]int64, error) {
	var sources []int64
	err := db.withTx(ctx, func(tx *sql.Tx) (err error) {
		sources, err = moveJournaled(ctx, tx, id, folderID, dest, destRole)
		return err
	})
	return sources, err
}

// moveJournaled is MoveJournaled inside tx, also for the rules applied on
// arrival.
func moveJournaled(ctx context.Context, tx *sql.Tx, id, folderID int64, dest core.IMAPLocation, destRole string) ([]int64, error) {
	var sources []int64
	err := func() error {
		res, err := tx.ExecContext(ctx, `UPDATE messages SET folder_id = f.id, in_inbox = (f.role = 'inbox')
FROM folders f WHERE messages.id = ? AND f.id = ? AND f.account_id = messages.account_id`, id, folderID)
		if err := checkAffected(res, err, "move message"); err != nil {
			return err
		}
		var blob string
		if err := tx.QueryRowContext(ctx, `SELECT blob FROM messages WHERE id = ?`, id).Scan(&blob); err != nil {
			return fail("move message", err)
		}
		if err := settleTwins(ctx, tx, blob); err != nil {
			return err
		}
		if dest.Mailbox == "" && destRole == "" {
			return nil
		}
		locs, err := locations(ctx, tx, id)
		if err != nil {
			return err
		}
		for _, l := range locs {
			if dest.SourceID != 0 && l.SourceID != dest.SourceID {
				continue
			}
			sources = appendOnce(sources, l.SourceID)
			// A second move of a copy whose first move still waits
			// changes where the first one goes (or cancels it, when the
			// message goes back where it is on the server).
			var res sql.Result
			if l.Mailbox == dest.Mailbox {
				res, err = tx.ExecContext(ctx, `DELETE FROM journal WHERE `+waitingMove, l.SourceID, l.Mailbox, l.UID)
			} else {
				res, err = tx.ExecContext(ctx, `UPDATE journal SET dest=?, dest_role=? WHERE `+waitingMove, dest.Mailbox, destRole, l.SourceID, l.Mailbox, l.UID)
			}
			if err != nil {
				return fail("journal move", err)
			}
			if n, _ := res.RowsAffected(); n > 0 || l.Mailbox == dest.Mailbox {
				continue
			}
			e := core.JournalEntry{SourceID: l.SourceID, MessageID: id, Op: core.JournalMove, Mailbox: l.Mailbox, UID: l.UID, Dest: dest.Mailbox, DestRole: destRole}
			if err := insertJournal(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	}()
	return sources, err
}

// RemoveJournaled deletes a message here for good and journals the
// deletion of every server copy, in one transaction.
func (db *DB) RemoveJournaled(ctx context.Context, id int64) ([]int64, error) {
	_, blob, err := db.Message(ctx, id)
	if err != nil {
		return nil, err
	}
	var sources []int64
	err = db.withTx(ctx, func(tx *sql.Tx) error {
		locs, err := locations(ctx, tx, id)
		if err != nil {
			return err
		}
		// What still waits for this message is moot: the copy is deleted
		// where it is now (a waiting move has not moved it yet), and a
		// sent copy not yet uploaded is not uploaded.
		if _, err := tx.ExecContext(ctx, `DELETE FROM journal WHERE message = ? AND failed = 0`, id); err != nil {
			return fail("journal delete", err)
		}
		for _, l := range locs {
			e := core.JournalEntry{SourceID: l.SourceID, Op: core.JournalDelete, Mailbox: l.Mailbox, UID: l.UID}
			if err := insertJournal(ctx, tx, e); err != nil {
				return err
			}
			sources = appendOnce(sources, l.SourceID)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM messages_fts WHERE rowid = ?`, id); err != nil {
			return fail("remove message", err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM messages WHERE id = ?`, id)
		if err := checkAffected(res, err, "remove message"); err != nil {
			return err
		}
		return settleTwins(ctx, tx, blob)
	})
	if err != nil {
		return nil, err
	}
	return sources, db.removeUnreferencedBlobs(ctx, []string{blob})
}

// Journal lists a source's waiting entries, oldest first; entries the
// server refused for good are left out until the user decides.
func (db *DB) Journal(ctx context.Context, sourceID int64) ([]core.JournalEntry, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, source_id, IFNULL(message, 0), op, mailbox, uid, dest, dest_role, seen, flagged, answered, deleted, forwarded, has_flags, blob, header_id, attempts, last_error, failed, created_at
FROM journal WHERE source_id = ? AND failed = 0 ORDER BY id`, sourceID)
	if err != nil {
		return nil, fail("read journal", err)
	}
	defer rows.Close()
	var out []core.JournalEntry
	for rows.Next() {
		var e core.JournalEntry
		var created int64
		if err := rows.Scan(&e.ID, &e.SourceID, &e.MessageID, &e.Op, &e.Mailbox, &e.UID, &e.Dest, &e.DestRole,
			&e.Flags.Seen, &e.Flags.Flagged, &e.Flags.Answered, &e.Flags.Deleted, &e.Flags.Forwarded, &e.SetFlags, &e.Blob, &e.HeaderID, &e.Attempts, &e.LastError, &e.Failed, &created); err != nil {
			return nil, fail("read journal", err)
		}
		e.Created = time.Unix(created, 0)
		out = append(out, e)
	}
	return out, rows.Err()
}

// JournalDone forgets an entry the server confirmed. A copy that was
// moved or deleted there is unlinked in the same transaction: its next
// appearance, in another mailbox, is matched by content.
func (db *DB) JournalDone(ctx context.Context, e core.JournalEntry) error {
	if e.Op == core.JournalAppend && e.DestRole == core.RoleDrafts {
		// A draft's version is kept only for its upload.
		if _, err := db.w.ExecContext(ctx, `DELETE FROM journal WHERE id = ?`, e.ID); err != nil {
			return fail("journal done", err)
		}
		return db.removeUnreferencedBlobs(ctx, []string{e.Blob})
	}
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM journal WHERE id = ?`, e.ID); err != nil {
			return fail("journal done", err)
		}
		if e.Op != core.JournalMove && e.Op != core.JournalDelete {
			return nil
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM imap_uids WHERE uid = ? AND mailbox_id IN (SELECT id FROM imap_mailboxes WHERE source_id = ? AND name = ?)`, e.UID, e.SourceID, e.Mailbox)
		if err != nil {
			return fail("journal done", err)
		}
		return nil
	})
}

// JournalFailed records a failed attempt at an entry. A permanent failure
// (the server refused it for good) parks the entry for the user; it no
// longer holds up the entries after it.
func (db *DB) JournalFailed(ctx context.Context, id int64, reason string, permanent bool) error {
	_, err := db.w.ExecContext(ctx, `UPDATE journal SET attempts = attempts + 1, last_error = ?, failed = ? WHERE id = ?`, reason, permanent, id)
	if err != nil {
		return fail("journal failure", err)
	}
	return nil
}

// DiscardFailedChanges forgets the entries a source's server refused for
// good, once the user has seen them.
func (db *DB) DiscardFailedChanges(ctx context.Context, sourceID int64) error {
	_, err := db.w.ExecContext(ctx, `DELETE FROM journal WHERE source_id = ? AND failed = 1`, sourceID)
	if err != nil {
		return fail("discard failed changes", err)
	}
	return nil
}

// PendingChanges counts the waiting and failed entries of every source
// that has any.
func (db *DB) PendingChanges(ctx context.Context) ([]core.PendingChanges, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT a.id, a.name, j.source_id, SUM(j.failed = 0), SUM(j.failed = 1),
	IFNULL((SELECT last_error FROM journal k WHERE k.source_id = j.source_id AND k.last_error != '' ORDER BY k.id DESC LIMIT 1), '')
FROM journal j JOIN sources s ON s.id = j.source_id JOIN accounts a ON a.id = s.account_id
GROUP BY j.source_id ORDER BY a.name, j.source_id`)
	if err != nil {
		return nil, fail("count pending changes", err)
	}
	defer rows.Close()
	var out []core.PendingChanges
	for rows.Next() {
		var p core.PendingChanges
		if err := rows.Scan(&p.AccountID, &p.Account, &p.SourceID, &p.Waiting, &p.Failed, &p.LastError); err != nil {
			return nil, fail("count pending changes", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// waitingMove selects the waiting move of one copy: source, mailbox, UID.
const waitingMove = `op = 'move' AND failed = 0 AND source_id = ? AND mailbox = ? AND uid = ?`

func insertJournal(ctx context.Context, tx *sql.Tx, e core.JournalEntry) error {
	var msg any
	if e.MessageID != 0 {
		msg = e.MessageID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO journal (source_id, message, op, mailbox, uid, dest, dest_role, seen, flagged, answered, deleted, forwarded, blob, header_id, created_at)
VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, e.SourceID, msg, e.Op, e.Mailbox, e.UID, e.Dest, e.DestRole,
		e.Flags.Seen, e.Flags.Flagged, e.Flags.Answered, e.Flags.Deleted, e.Flags.Forwarded, e.Blob, e.HeaderID, time.Now().Unix())
	if err != nil {
		return fail("write journal", err)
	}
	return nil
}

// querier is a pool or a transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func locations(ctx context.Context, q querier, id int64) ([]core.IMAPLocation, error) {
	rows, err := q.QueryContext(ctx, `SELECT b.source_id, b.name, u.uid FROM imap_uids u JOIN imap_mailboxes b ON b.id = u.mailbox_id WHERE u.message = ?`, id)
	if err != nil {
		return nil, fail("find server copies", err)
	}
	defer rows.Close()
	var out []core.IMAPLocation
	for rows.Next() {
		var l core.IMAPLocation
		if err := rows.Scan(&l.SourceID, &l.Mailbox, &l.UID); err != nil {
			return nil, fail("find server copies", err)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

func appendOnce(list []int64, id int64) []int64 {
	for _, x := range list {
		if x == id {
			return list
		}
	}
	return append(list, id)
}
