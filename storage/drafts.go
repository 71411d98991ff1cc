package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// Draft is core.Draft, kept under this name for storage's callers.
type Draft = core.Draft

// SaveDraft writes d and sets its ID and Updated. A draft with no ID, or
// whose row is gone (deleted from another window), is inserted as new.
func (db *DB) SaveDraft(ctx context.Context, d *Draft) error {
	return db.withTx(ctx, func(tx *sql.Tx) error { return saveDraft(ctx, tx, d) })
}

// execer is a pool, a transaction or a batch's prepared statements.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

func saveDraft(ctx context.Context, x execer, d *Draft) error {
	updated := time.Now().UTC().Truncate(time.Second)
	if err := writeDraft(ctx, x, d, updated); err != nil {
		return err
	}
	d.Updated = updated
	return nil
}

// writeDraft updates d's row, or inserts it when it has none, with
// updated as its time.
func writeDraft(ctx context.Context, x execer, d *Draft, updated time.Time) error {
	refs, _ := json.Marshal(nonNil(d.References))
	files, _ := json.Marshal(nonNil(d.Attachments))
	account := sql.NullInt64{Int64: d.AccountID, Valid: d.AccountID != 0}
	args := []any{account, d.To, d.Cc, d.Bcc, d.Subject, d.Body, d.InReplyTo, string(refs), string(files), updated.Unix(), d.From, d.MessageID}
	if d.ID != 0 {
		res, err := x.ExecContext(ctx, `UPDATE drafts SET account_id=?, to_addrs=?, cc_addrs=?, bcc_addrs=?, subject=?, body=?, in_reply_to=?, refs=?, attachments=?, updated_at=?, from_addr=?, message_id=? WHERE id=?`,
			append(args, d.ID)...)
		if err != nil {
			return fail("save draft", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			return nil
		}
	}
	res, err := x.ExecContext(ctx, `INSERT INTO drafts (account_id, to_addrs, cc_addrs, bcc_addrs, subject, body, in_reply_to, refs, attachments, updated_at, from_addr, message_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, args...)
	if err != nil {
		return fail("save draft", err)
	}
	if d.ID, err = res.LastInsertId(); err != nil {
		return fail("save draft", err)
	}
	return nil
}

// waitingDraftAppends selects the uploads of one draft's versions that
// have not reached their server yet: a newer version replaces them, so
// that a draft saved every few seconds while offline is uploaded once.
const waitingDraftAppends = `op = 'append' AND dest_role = 'drafts' AND failed = 0 AND header_id = ? AND header_id != ''`

// SaveDraftJournaled is SaveDraft for a draft of an account with IMAP
// sources: in the same transaction it journals raw, the draft as a
// message (carrying d.MessageID), for upload to each source's Drafts
// mailbox, replacing that draft's uploads still waiting.
func (db *DB) SaveDraftJournaled(ctx context.Context, d *Draft, raw []byte, sources []int64) error {
	if d.MessageID == "" {
		return fail("save draft", errors.New("a synced draft needs a Message-ID"))
	}
	staged, err := db.stageBytes(ctx, raw)
	if err != nil {
		return err
	}
	defer staged.discard()
	var replaced []string
	err = func() error {
		db.blobMu.Lock()
		defer db.blobMu.Unlock()
		if err := db.placeBlobs([]stagedBlob{staged}); err != nil {
			return err
		}
		return db.withTx(ctx, func(tx *sql.Tx) error {
			if err := saveDraft(ctx, tx, d); err != nil {
				return err
			}
			var err error
			if replaced, err = dropWaitingAppends(ctx, tx, d.MessageID); err != nil {
				return err
			}
			for _, src := range sources {
				e := core.JournalEntry{SourceID: src, Op: core.JournalAppend, DestRole: core.RoleDrafts, Blob: staged.Hash, HeaderID: d.MessageID}
				if err := insertJournal(ctx, tx, e); err != nil {
					return err
				}
			}
			return nil
		})
	}()
	if err != nil {
		return err
	}
	return db.removeUnreferencedBlobs(ctx, replaced)
}

// dropWaitingAppends removes the waiting uploads of draft msgid and
// returns their files, to be removed once unreferenced.
func dropWaitingAppends(ctx context.Context, tx *sql.Tx, msgid string) ([]string, error) {
	rows, err := tx.QueryContext(ctx, `DELETE FROM journal WHERE `+waitingDraftAppends+` RETURNING blob`, msgid)
	if err != nil {
		return nil, fail("replace draft upload", err)
	}
	defer rows.Close()
	var blobs []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, fail("replace draft upload", err)
		}
		blobs = append(blobs, b)
	}
	return blobs, rows.Err()
}

// DeleteDraftJournaled is DeleteDraft for a draft that was uploaded to
// IMAP sources: in the same transaction it forgets the draft's waiting
// uploads and journals, for each source, the removal of its versions
// from the server's Drafts mailbox.
func (db *DB) DeleteDraftJournaled(ctx context.Context, id int64, msgid string, sources []int64) error {
	var replaced []string
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM drafts WHERE id = ?`, id); err != nil {
			return fail("delete draft", err)
		}
		var err error
		if replaced, err = dropWaitingAppends(ctx, tx, msgid); err != nil {
			return err
		}
		for _, src := range sources {
			if err := insertJournal(ctx, tx, core.JournalEntry{SourceID: src, Op: core.JournalDelete, DestRole: core.RoleDrafts, HeaderID: msgid}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.removeUnreferencedBlobs(ctx, replaced)
}

// AdoptServerDraft brings a draft found in a server's Drafts mailbox
// into the drafts, matched by d.MessageID, with d.Updated (the message's
// date) as its time. The later write wins: a draft saved here after
// that date is kept, and an older server version changes nothing; a
// newer one replaces the draft here and its uploads still waiting. A
// draft deleted here whose removal has not reached the server yet is
// not brought back. It reports whether the drafts changed.
func (db *DB) AdoptServerDraft(ctx context.Context, d *Draft) (bool, error) {
	changed := false
	var replaced []string
	err := db.withTx(ctx, func(tx *sql.Tx) error {
		var dropping bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS(SELECT 1 FROM journal WHERE op = ? AND header_id = ? AND header_id != '' AND failed = 0)`, core.JournalDelete, d.MessageID).Scan(&dropping); err != nil {
			return fail("adopt server draft", err)
		}
		if dropping {
			return nil
		}
		old, err := scanDraft(tx.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM drafts WHERE message_id = ? AND message_id != '' ORDER BY id LIMIT 1`, d.MessageID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			d.ID = 0
		case err != nil:
			return err
		case sameDraft(old, *d) || !d.Updated.After(old.Updated):
			*d = old
			return nil
		default:
			d.ID = old.ID
			if len(d.Attachments) == 0 {
				d.Attachments = old.Attachments // files stay here; see README
			}
			if replaced, err = dropWaitingAppends(ctx, tx, d.MessageID); err != nil {
				return err
			}
		}
		d.Updated = d.Updated.UTC().Truncate(time.Second)
		changed = true
		return writeDraft(ctx, tx, d, d.Updated)
	})
	if err != nil {
		return false, err
	}
	return changed, db.removeUnreferencedBlobs(ctx, replaced)
}

// sameDraft reports whether two versions of a draft say the same.
func sameDraft(a, b Draft) bool {
	trim := func(s string) string { return strings.TrimRight(s, " \r\n\t") }
	return a.From == b.From && a.To == b.To && a.Cc == b.Cc && a.Bcc == b.Bcc && a.Subject == b.Subject &&
		trim(a.Body) == trim(b.Body) && a.InReplyTo == b.InReplyTo && slices.Equal(a.References, b.References)
}

const draftColumns = `id, account_id, to_addrs, cc_addrs, bcc_addrs, subject, body, in_reply_to, refs, attachments, updated_at, from_addr, message_id`

func scanDraft(r scanner) (Draft, error) {
	var d Draft
	var account sql.NullInt64
	var refs, files string
	var updated int64
	if err := r.Scan(&d.ID, &account, &d.To, &d.Cc, &d.Bcc, &d.Subject, &d.Body, &d.InReplyTo, &refs, &files, &updated, &d.From, &d.MessageID); err != nil {
		return d, err
	}
	d.AccountID = account.Int64
	d.Updated = time.Unix(updated, 0).UTC()
	if err := json.Unmarshal([]byte(refs), &d.References); err != nil {
		return d, fail(fmt.Sprintf("draft %d references", d.ID), err)
	}
	if err := json.Unmarshal([]byte(files), &d.Attachments); err != nil {
		return d, fail(fmt.Sprintf("draft %d attachments", d.ID), err)
	}
	return d, nil
}

// Drafts lists every draft, the most recently changed first.
func (db *DB) Drafts(ctx context.Context) ([]Draft, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+draftColumns+` FROM drafts ORDER BY updated_at DESC, id DESC`)
	if err != nil {
		return nil, fail("list drafts", err)
	}
	defer rows.Close()
	var out []Draft
	for rows.Next() {
		d, err := scanDraft(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Draft returns one draft.
func (db *DB) Draft(ctx context.Context, id int64) (Draft, error) {
	d, err := scanDraft(db.sql.QueryRowContext(ctx, `SELECT `+draftColumns+` FROM drafts WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("no draft %d: %w", id, ErrNotFound)
	}
	return d, err
}

// DeleteDraft removes a draft; one already gone is not an error, since
// the composer and the drafts list may both delete it.
func (db *DB) DeleteDraft(ctx context.Context, id int64) error {
	if _, err := db.w.ExecContext(ctx, `DELETE FROM drafts WHERE id = ?`, id); err != nil {
		return fail("delete draft", err)
	}
	return nil
}
