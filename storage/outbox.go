package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tributary-mail/tributary/core"
)

// Enqueue writes a composed message to the outbox as queued. The raw bytes
// are on disk before the row exists, so a crash right after never loses
// what the user wrote. It sets item's ID, Blob and State.
func (db *DB) Enqueue(ctx context.Context, item *core.OutboxItem, raw io.Reader) error {
	staged, err := db.stageBlob(ctx, raw)
	if err != nil {
		return err
	}
	defer staged.discard()
	db.blobMu.Lock()
	defer db.blobMu.Unlock()
	if err := db.placeBlobs([]stagedBlob{staged}); err != nil {
		return err
	}
	rcpts, _ := json.Marshal(item.Recipients)
	var comp []byte
	if item.Composition != nil {
		comp, _ = json.Marshal(item.Composition)
	}
	item.Blob, item.State, item.Created = staged.Hash, core.OutboxQueued, time.Now().UTC().Truncate(time.Second)
	notBefore := unixCeil(item.NotBefore)
	if notBefore != 0 {
		item.NotBefore = time.Unix(notBefore, 0).UTC()
	}
	res, err := db.w.ExecContext(ctx, `INSERT INTO outbox (account_id, blob, message_id, sender, recipients, to_display, subject, state, created_at, not_before, composition) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		item.AccountID, item.Blob, item.MessageID, item.From, string(rcpts), item.To, item.Subject, item.State, item.Created.Unix(), notBefore, string(comp))
	if err != nil {
		return fail("queue message", err)
	}
	item.ID, err = res.LastInsertId()
	return err
}

// unixCeil is t in Unix seconds, rounded up, so that a message kept for
// an undo window never goes before the window ends; 0 for the zero time.
func unixCeil(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	return sec
}

const outboxColumns = `o.id, o.account_id, a.name, o.blob, o.message_id, o.sender, o.recipients, o.to_display, o.subject, o.state, o.attempts, o.last_error, o.next_attempt, o.created_at, o.not_before, o.composition`

func scanOutbox(r scanner) (core.OutboxItem, error) {
	var o core.OutboxItem
	var rcpts, comp string
	var next, created, notBefore int64
	if err := r.Scan(&o.ID, &o.AccountID, &o.Account, &o.Blob, &o.MessageID, &o.From, &rcpts, &o.To, &o.Subject, &o.State, &o.Attempts, &o.LastError, &next, &created, &notBefore, &comp); err != nil {
		return o, err
	}
	if next > 0 {
		o.NextAttempt = time.Unix(next, 0).UTC()
	}
	if notBefore > 0 {
		o.NotBefore = time.Unix(notBefore, 0).UTC()
	}
	o.Created = time.Unix(created, 0).UTC()
	if comp != "" {
		o.Composition = new(core.Composition)
		if err := json.Unmarshal([]byte(comp), o.Composition); err != nil {
			return o, fail(fmt.Sprintf("outbox message %d composition", o.ID), err)
		}
	}
	return o, json.Unmarshal([]byte(rcpts), &o.Recipients)
}

// Outbox lists the outbox, oldest first. With due set, only the messages
// whose turn has come (queued, or retry past its next attempt, and in
// both cases not waiting for a later time).
func (db *DB) Outbox(ctx context.Context, due time.Time) ([]core.OutboxItem, error) {
	where := ``
	var args []any
	if !due.IsZero() {
		where = ` WHERE (o.state = 'queued' OR (o.state = 'retry' AND o.next_attempt <= ?)) AND o.not_before <= ?`
		args = append(args, due.Unix(), due.Unix())
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+outboxColumns+` FROM outbox o JOIN accounts a ON a.id = o.account_id`+where+` ORDER BY o.id`, args...)
	if err != nil {
		return nil, fail("list outbox", err)
	}
	defer rows.Close()
	var out []core.OutboxItem
	for rows.Next() {
		o, err := scanOutbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// OutboxItem returns one outbox message.
func (db *DB) OutboxItem(ctx context.Context, id int64) (core.OutboxItem, error) {
	o, err := scanOutbox(db.sql.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox o JOIN accounts a ON a.id = o.account_id WHERE o.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return o, fmt.Errorf("no outbox message %d: %w", id, ErrNotFound)
	}
	return o, err
}

// ErrNotClaimable is returned by Claim when a message is not waiting to be
// sent, for example because another sender took it first.
var ErrNotClaimable = errors.New("storage: outbox message is not waiting to be sent")

// Claim marks a queued or retry message as sending and counts the attempt.
// Only one caller can claim a message, so it is never sent twice at once.
func (db *DB) Claim(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `UPDATE outbox SET state = 'sending', attempts = attempts + 1 WHERE id = ? AND state IN ('queued', 'retry')`, id)
	if err != nil {
		return fail("claim outbox message", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotClaimable
	}
	return nil
}

// Requeue puts a message back in the queue for the user (retry, send
// again after all, or send a scheduled one now: the time it waited for
// is cleared), unless it is being sent or was sent: the check and
// the change are one statement, so a message can never be queued again
// while an attempt runs.
func (db *DB) Requeue(ctx context.Context, id int64) error {
	res, err := db.w.ExecContext(ctx, `UPDATE outbox SET state = 'queued', last_error = '', next_attempt = 0, not_before = 0 WHERE id = ? AND state IN ('queued', 'retry', 'failed', 'unknown')`, id)
	if err != nil {
		return fail("requeue outbox message", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotClaimable
	}
	return nil
}

// SetOutboxState records the outcome of an attempt.
func (db *DB) SetOutboxState(ctx context.Context, id int64, state core.OutboxState, lastErr string, next time.Time) error {
	var nextUnix int64
	if !next.IsZero() {
		nextUnix = next.Unix()
	}
	res, err := db.w.ExecContext(ctx, `UPDATE outbox SET state = ?, last_error = ?, next_attempt = ? WHERE id = ?`, state, lastErr, nextUnix, id)
	return checkAffected(res, err, "update outbox")
}

// RecoverSending runs at start-up. A message still marked sending was cut
// off by a crash or a kill at an unknown point, possibly after the server
// accepted it, so it becomes unknown for the user to decide.
func (db *DB) RecoverSending(ctx context.Context) (int64, error) {
	res, err := db.w.ExecContext(ctx, `UPDATE outbox SET state = 'unknown', last_error = 'Tributary stopped while sending; the server may or may not have accepted it' WHERE state = 'sending'`)
	if err != nil {
		return 0, fail("recover outbox", err)
	}
	return res.RowsAffected()
}

// DeleteOutbox removes a message from the outbox.
func (db *DB) DeleteOutbox(ctx context.Context, id int64) error {
	o, err := db.OutboxItem(ctx, id)
	if err != nil {
		return err
	}
	// Never while an attempt runs: its outcome must find its row.
	res, err := db.w.ExecContext(ctx, `DELETE FROM outbox WHERE id = ? AND state != 'sending'`, id)
	if err := checkAffected(res, err, "delete outbox message"); err != nil {
		return err
	}
	return db.removeUnreferencedBlobs(ctx, []string{o.Blob})
}

// NextDue is the earliest time after after at which a waiting message
// (queued, or retry) becomes due, so that a running engine can wake then;
// ok is false when none waits for a later time.
func (db *DB) NextDue(ctx context.Context, after time.Time) (t time.Time, ok bool, err error) {
	var due sql.NullInt64
	err = db.sql.QueryRowContext(ctx, `SELECT MIN(due) FROM (SELECT CASE state WHEN 'retry' THEN MAX(next_attempt, not_before) ELSE not_before END AS due FROM outbox WHERE state IN ('queued', 'retry')) WHERE due > ?`, after.Unix()).Scan(&due)
	if err != nil {
		return t, false, fail("next outbox message due", err)
	}
	if !due.Valid {
		return t, false, nil
	}
	return time.Unix(due.Int64, 0).UTC(), true, nil
}

// Unqueue takes a message out of the outbox before it is handed to the
// server (undo send, or cancel a scheduled one) and returns it as it
// was. Only a message that is waiting or failed can be taken back: the
// check and the removal are one statement, and Claim is one too, so a
// message is either claimed for sending or unqueued, never both. For any
// other state it returns ErrNotClaimable.
func (db *DB) Unqueue(ctx context.Context, id int64) (core.OutboxItem, error) {
	o, err := db.OutboxItem(ctx, id)
	if err != nil {
		return o, err
	}
	res, err := db.w.ExecContext(ctx, `DELETE FROM outbox WHERE id = ? AND state IN ('queued', 'retry', 'failed')`, id)
	if err != nil {
		return o, fail("unqueue outbox message", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return o, ErrNotClaimable
	}
	return o, db.removeUnreferencedBlobs(ctx, []string{o.Blob})
}
