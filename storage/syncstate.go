package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// POP3Retrieved returns the UIDLs already retrieved from a source, with
// when each was retrieved (for "delete from server after N days").
func (db *DB) POP3Retrieved(ctx context.Context, sourceID int64) (map[string]time.Time, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT uidl, retrieved_at FROM pop3_uidls WHERE source_id = ?`, sourceID)
	if err != nil {
		return nil, fail("read UIDLs", err)
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var uidl string
		var at int64
		if err := rows.Scan(&uidl, &at); err != nil {
			return nil, err
		}
		out[uidl] = time.Unix(at, 0)
	}
	return out, rows.Err()
}

// POP3Forget drops UIDLs that are no longer on the server, so the table
// does not grow forever. Only call it with UIDLs the server no longer lists.
func (db *DB) POP3Forget(ctx context.Context, sourceID int64, uidls []string) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		for _, u := range uidls {
			if _, err := tx.ExecContext(ctx, `DELETE FROM pop3_uidls WHERE source_id = ? AND uidl = ?`, sourceID, u); err != nil {
				return fail("forget UIDL", err)
			}
		}
		return nil
	})
}

// IMAPMailbox returns the sync state of a source's mailbox, creating it
// (and its local folder) on first sight.
func (db *DB) IMAPMailbox(ctx context.Context, accountID, sourceID int64, name, folder, role string) (core.MailboxState, error) {
	st := core.MailboxState{SourceID: sourceID, Name: name}
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT id, folder_id, uidvalidity, last_uid, highest_modseq FROM imap_mailboxes WHERE source_id = ? AND name = ?`, sourceID, name).
			Scan(&st.ID, &st.FolderID, &st.UIDValidity, &st.LastUID, &st.HighestModSeq)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if st.FolderID, err = ensureFolder(ctx, tx, accountID, folder, role); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO imap_mailboxes (source_id, name, folder_id) VALUES (?,?,?)`, sourceID, name, st.FolderID)
		if err != nil {
			return err
		}
		st.ID, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return st, fail(fmt.Sprintf("mailbox %q", name), err)
	}
	return st, nil
}

// SetIMAPMailbox saves a mailbox's UIDVALIDITY and HIGHESTMODSEQ after a
// sync. LastUID advances with each delivery.
func (db *DB) SetIMAPMailbox(ctx context.Context, st core.MailboxState) error {
	res, err := db.w.ExecContext(ctx, `UPDATE imap_mailboxes SET uidvalidity = ?, highest_modseq = ? WHERE id = ?`, st.UIDValidity, st.HighestModSeq, st.ID)
	return checkAffected(res, err, "save mailbox state")
}

// ResetIMAPMailbox forgets every UID of a mailbox whose UIDVALIDITY
// changed. The local messages stay: the next sync fetches the mailbox again
// and relinks copies it already has instead of storing them twice.
func (db *DB) ResetIMAPMailbox(ctx context.Context, st core.MailboxState, uidValidity uint32) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM imap_uids WHERE mailbox_id = ?`, st.ID); err != nil {
			return fail("reset mailbox", err)
		}
		_, err := tx.ExecContext(ctx, `UPDATE imap_mailboxes SET uidvalidity = ?, last_uid = 0, highest_modseq = 0 WHERE id = ?`, uidValidity, st.ID)
		return err
	})
}

// IMAPUIDs reads a mailbox's stored UIDs, the message of each and, with
// withFlags, its flags: one read, each row's flags packed into one
// integer, as a resync of 100,000 messages reads 100,000 rows. The maps
// are made to size (counted first, from the index alone): grown a row
// at a time, they cost a sixth of the read. (Reading two halves at once,
// on two connections, was slower: each connection starts with an empty
// page cache.)
func (db *DB) IMAPUIDs(ctx context.Context, mailboxID int64, withFlags bool) (map[uint32]int64, map[uint32]core.Flags, error) {
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM imap_uids WHERE mailbox_id = ?`, mailboxID).Scan(&n); err != nil {
		return nil, nil, fail("count UIDs", err)
	}
	query := `SELECT uid, message, 0 FROM imap_uids WHERE mailbox_id = ?`
	var flags map[uint32]core.Flags
	if withFlags {
		// In SQLite | and << bind alike, from the left.
		query = `SELECT u.uid, u.message, m.seen | (m.flagged << 1) | (m.answered << 2) | (m.deleted << 3) | (m.forwarded << 4)
FROM imap_uids u JOIN messages m ON m.id = u.message WHERE u.mailbox_id = ?`
		flags = make(map[uint32]core.Flags, n)
	}
	rows, err := db.sql.QueryContext(ctx, query, mailboxID)
	if err != nil {
		return nil, nil, fail("read UIDs", err)
	}
	defer rows.Close()
	ids := make(map[uint32]int64, n)
	for rows.Next() {
		var uid uint32
		var id, f int64
		if err := rows.Scan(&uid, &id, &f); err != nil {
			return nil, nil, fail("read UIDs", err)
		}
		ids[uid] = id
		if withFlags {
			flags[uid] = core.Flags{Seen: f&1 != 0, Flagged: f&2 != 0, Answered: f&4 != 0, Deleted: f&8 != 0, Forwarded: f&16 != 0}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fail("read UIDs", err)
	}
	return ids, flags, nil
}

// linkUID records that UID uid of a mailbox is message id, replacing the
// message it named before. A new UID, the common case, is a plain
// insert: INSERT OR REPLACE, and an upsert changing a column that
// references messages, are statements SQLite gives a statement journal,
// and its savepoint makes FTS5 write out the terms it holds, which in a
// sync's batch happened for every message stored.
func linkUID(ctx context.Context, x execer, mailboxID int64, uid uint32, id int64) error {
	res, err := x.ExecContext(ctx, `INSERT OR IGNORE INTO imap_uids (mailbox_id, uid, message) VALUES (?,?,?)`, mailboxID, uid, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	_, err = x.ExecContext(ctx, `UPDATE imap_uids SET message = ? WHERE mailbox_id = ? AND uid = ?`, id, mailboxID, uid)
	return err
}

// LinkIMAPUID records that a message already stored locally is UID uid of
// a mailbox, for example a sent message appended to the server's Sent. It
// leaves last_uid alone: lower UIDs may not have been fetched yet, and the
// sync skips UIDs it already knows.
func (db *DB) LinkIMAPUID(ctx context.Context, mailboxID int64, uid uint32, messageID int64) error {
	if err := linkUID(ctx, db.w, mailboxID, uid, messageID); err != nil {
		return fail("link UID", err)
	}
	return nil
}

// IMAPLocations lists the server copies of a local message, so a flag
// change, a move or a deletion can be synced back.
func (db *DB) IMAPLocations(ctx context.Context, messageID int64) ([]core.IMAPLocation, error) {
	return locations(ctx, db.sql, messageID)
}

// FolderMailbox returns the IMAP mailbox a local folder mirrors; ok is
// false for a folder that exists only here.
func (db *DB) FolderMailbox(ctx context.Context, folderID int64) (loc core.IMAPLocation, ok bool, err error) {
	err = db.sql.QueryRowContext(ctx, `SELECT source_id, name FROM imap_mailboxes WHERE folder_id = ? ORDER BY id LIMIT 1`, folderID).Scan(&loc.SourceID, &loc.Mailbox)
	if errors.Is(err, sql.ErrNoRows) {
		return loc, false, nil
	}
	return loc, err == nil, err
}

// ExpungeIMAP forgets a UID the server no longer has and hides its local
// message unless another server copy still refers to it.
func (db *DB) ExpungeIMAP(ctx context.Context, mailboxID int64, uid uint32) error {
	return db.withTx(ctx, func(tx *sql.Tx) error {
		var msg int64
		err := tx.QueryRowContext(ctx, `SELECT message FROM imap_uids WHERE mailbox_id = ? AND uid = ?`, mailboxID, uid).Scan(&msg)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fail("expunge", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM imap_uids WHERE mailbox_id = ? AND uid = ?`, mailboxID, uid); err != nil {
			return fail("expunge", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE messages SET deleted = 1 WHERE id = ? AND NOT EXISTS (SELECT 1 FROM imap_uids WHERE message = ?)`, msg, msg)
		if err != nil {
			return fail("expunge", err)
		}
		return nil
	})
}
