package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// Draft is core.Draft, kept under this name for storage's callers.
type Draft = core.Draft

// SaveDraft writes d and sets its ID and Updated. A draft with no ID, or
// whose row is gone (deleted from another window), is inserted as new.
func (db *DB) SaveDraft(ctx context.Context, d *Draft) error {
	refs, _ := json.Marshal(nonNil(d.References))
	files, _ := json.Marshal(nonNil(d.Attachments))
	account := sql.NullInt64{Int64: d.AccountID, Valid: d.AccountID != 0}
	updated := time.Now().UTC().Truncate(time.Second)
	args := []any{account, d.To, d.Cc, d.Bcc, d.Subject, d.Body, d.InReplyTo, string(refs), string(files), updated.Unix(), d.From}
	if d.ID != 0 {
		res, err := db.w.ExecContext(ctx, `UPDATE drafts SET account_id=?, to_addrs=?, cc_addrs=?, bcc_addrs=?, subject=?, body=?, in_reply_to=?, refs=?, attachments=?, updated_at=?, from_addr=? WHERE id=?`,
			append(args, d.ID)...)
		if err != nil {
			return fail("save draft", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			d.Updated = updated
			return nil
		}
	}
	res, err := db.w.ExecContext(ctx, `INSERT INTO drafts (account_id, to_addrs, cc_addrs, bcc_addrs, subject, body, in_reply_to, refs, attachments, updated_at, from_addr) VALUES (?,?,?,?,?,?,?,?,?,?,?)`, args...)
	if err != nil {
		return fail("save draft", err)
	}
	if d.ID, err = res.LastInsertId(); err != nil {
		return fail("save draft", err)
	}
	d.Updated = updated
	return nil
}

const draftColumns = `id, account_id, to_addrs, cc_addrs, bcc_addrs, subject, body, in_reply_to, refs, attachments, updated_at, from_addr`

func scanDraft(r scanner) (Draft, error) {
	var d Draft
	var account sql.NullInt64
	var refs, files string
	var updated int64
	if err := r.Scan(&d.ID, &account, &d.To, &d.Cc, &d.Bcc, &d.Subject, &d.Body, &d.InReplyTo, &refs, &files, &updated, &d.From); err != nil {
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
