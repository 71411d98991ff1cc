package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/tributary-mail/tributary/core"
)

// StageCopy stages the stored message id again, for another folder: Gmail
// lists one message in every label it has, and its sync links the copies
// it already holds (same X-GM-MSGID) instead of downloading them. The
// file is shared, so nothing is written; it is parsed again here, off the
// writer's path, because the full-text index keeps no text to copy.
// StoreBatch commits the copy like any staged message, and checks that
// its file is still there under the lock that guards files from removal.
func (db *DB) StageCopy(ctx context.Context, messageID int64) (core.Staged, error) {
	var b Blob
	err := db.sql.QueryRowContext(ctx, `SELECT blob, size FROM messages WHERE id = ?`, messageID).Scan(&b.Hash, &b.Size)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("storage: copy message %d: %w", messageID, ErrNotFound)
	}
	if err != nil {
		return nil, fail("copy message", err)
	}
	parsed, err := parseFile(db.blobPath(b.Hash))
	if err != nil {
		return nil, err
	}
	return &Staged{blob: stagedBlob{Blob: b}, parsed: parsed}, nil
}

// gmailChunk bounds the IDs one query asks about, well under SQLite's
// limit on parameters.
const gmailChunk = 500

// gmailQuery finds n Gmail IDs of an account. "gm_msgid != 0" lets
// SQLite use the partial index, whose condition it must find in the query
// (without it the plan scans every message).
func gmailQuery(n int) string {
	return `SELECT gm_msgid, MIN(id) FROM messages WHERE account_id = ? AND gm_msgid != 0 AND gm_msgid IN (?` + strings.Repeat(",?", n-1) + `) GROUP BY gm_msgid`
}

// GmailMessages maps each of ids (X-GM-MSGID) that the account already
// holds to the oldest of its stored messages.
func (db *DB) GmailMessages(ctx context.Context, accountID int64, ids []uint64) (map[uint64]int64, error) {
	out := map[uint64]int64{}
	for start := 0; start < len(ids); start += gmailChunk {
		chunk := ids[start:min(start+gmailChunk, len(ids))]
		args := make([]any, 0, len(chunk)+1)
		args = append(args, accountID)
		for _, id := range chunk {
			args = append(args, int64(id))
		}
		rows, err := db.sql.QueryContext(ctx, gmailQuery(len(chunk)), args...)
		if err != nil {
			return nil, fail("find Gmail messages", err)
		}
		for rows.Next() {
			var gm, id int64
			if err := rows.Scan(&gm, &id); err != nil {
				rows.Close()
				return nil, fail("find Gmail messages", err)
			}
			out[uint64(gm)] = id
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fail("find Gmail messages", err)
		}
	}
	return out, nil
}
